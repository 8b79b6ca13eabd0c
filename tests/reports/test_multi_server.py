"""More than one server: two gunicorn processes on different ports over the same PostgreSQL.

Minutes validated through one are downloaded, byte for byte and with the same ETag, through the
other; then 20 concurrent clients for 20 seconds against both get no error. PostgreSQL only:
SQLite is a single file for a single server.
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from reports import services
from reports.models import MinutesVersion
from tests.factories import PASSWORD
from tests.utils import reviewed

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several application servers share a PostgreSQL database; SQLite has one writer",
    ),
    pytest.mark.django_db(transaction=True),
]

BASE_DIR = Path(settings.BASE_DIR)
CLIENTS, SECONDS = 20, 20


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(static_root):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    params = connection.settings_dict
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_STATIC_ROOT=str(static_root),
        SECRET_KEY="multi-server-test-secret-key-not-for-production-0123456789",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=(
            f"postgres://{params['USER']}:{params.get('PASSWORD') or ''}@{params['HOST']}:"
            f"{params['PORT'] or 5432}/{params['NAME']}"
        ),
        AXES_FAILURE_LIMIT="1000",
    )
    return env


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=server_env(root),
        check=True,
    )
    return root


@contextmanager
def gunicorn_servers(static_root, log_dir, envs):
    """One gunicorn (2 workers) per environment of `envs`, each on its own port, until the block
    ends; yields their base URLs once every one answers /healthz/."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    processes, ports = [], []
    try:
        for index, env in enumerate(envs):
            port = free_port()
            log = open(Path(log_dir) / f"gunicorn-{index}.log", "w")  # noqa: SIM115 - closed below
            process = subprocess.Popen(
                [
                    gunicorn,
                    "ctn.wsgi:application",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            process.log = log
            processes.append(process)
            ports.append(port)
        for port in ports:
            deadline = time.time() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=5):  # noqa: S310
                        break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            process.log.close()


@pytest.fixture
def servers(static_root, tmp_path):
    with gunicorn_servers(static_root, tmp_path, [server_env(static_root)] * 2) as bases:
        yield bases


def with_server_password(*users):
    """The tests' fast MD5 hasher is not among the servers' (production) hashers."""
    for user in users:
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        user.save(update_fields=["password"])


class Browser:
    """A tiny client: cookies, CSRF token from the form, no redirect followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect
        )

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        url = self.base + path  # always http://127.0.0.1:<port>/…
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def csrf(self, path):
        _status, _headers, body = self.request(path)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()

    def log_in(self, username):
        token = self.csrf("/accounts/login/")
        status, headers, _body = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        assert status == 302, (status, headers)
        return self


def test_minutes_validated_on_one_server_download_identically_from_the_other_under_load(
    servers, session_17, session_18, secretariat, coordinator, partner
):
    server_a, server_b = servers
    with_server_password(secretariat, coordinator, partner)
    services.submit(services.minutes_for(session_17), secretariat)
    coordinator_on_a = Browser(server_a).log_in(coordinator.username)

    status, _headers, _body = coordinator_on_a.request(
        f"/reports/{session_17.pk}/validate/",
        {
            "csrfmiddlewaretoken": coordinator_on_a.csrf(f"/reports/{session_17.pk}/"),
            "outcome": "validated",
            "validated_during": session_18.pk,
            "amendments": "",
            "reviewed": reviewed(session_17),
            "confirm": "on",
        },
    )
    partner_on_b = Browser(server_b).log_in(partner.username)
    partner_on_a = Browser(server_a).log_in(partner.username)
    status_b, headers_b, pdf_b = partner_on_b.request(f"/reports/{session_17.pk}/minutes.pdf")
    status_a, headers_a, pdf_a = partner_on_a.request(f"/reports/{session_17.pk}/minutes.pdf")

    assert status == 302
    version = MinutesVersion.objects.get(minutes__session=session_17, number=1)
    assert version.validated_by == coordinator
    assert (status_a, status_b) == (200, 200)
    assert pdf_b == pdf_a == bytes(version.pdf)
    assert hashlib.sha256(pdf_b).hexdigest() == version.sha256
    assert headers_a["ETag"] == headers_b["ETag"] == f'"{version.sha256}"'

    # A short bounded load on loopback: 20 clients for 20 s, each alternating servers.
    paths = ["/healthz/", "/reports/", f"/reports/{session_17.pk}/"]
    clients = [Browser(servers[i % 2]).log_in(partner.username) for i in range(CLIENTS)]
    errors, served = [], [0] * CLIENTS
    stop_at = time.time() + SECONDS

    def run(index):
        client = clients[index]
        turn = 0
        while time.time() < stop_at:
            status, _h, _b = client.request(paths[turn % len(paths)])
            turn += 1
            if status != 200:
                errors.append((client.base, status))
            served[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)

    print(f"multi-server load: {sum(served)} requests in {SECONDS} s, {len(errors)} errors")
    assert errors == []
    assert sum(served) > CLIENTS
