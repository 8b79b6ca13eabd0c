"""SQLite under the README's two gunicorn workers: WAL, a busy timeout and immediate
transactions (ctn/settings.py) make concurrent writers wait their turn, never "database is
locked".

A real gunicorn with two workers serves a migrated SQLite file; 20 secretariat users save the
edit form of one session, round after round, while two coordinators validate the minutes of
another (a PDF rendered inside the validation's transaction, holding SQLite's one write lock).
Without those settings, saves and validations answered 500 "database is locked".

SQLite only: it runs in CI's SQLite pass.
"""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import PASSWORD

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the SQLite settings for several workers; PostgreSQL has row locks "
    "(tests/reports/test_multi_server.py runs two servers on it)",
)

BASE_DIR = Path(settings.BASE_DIR)
WRITERS, ROUNDS = 20, 4

SETUP = """
import datetime
import django
django.setup()
from reports import services
from tests.factories import (
    AgendaItemFactory, CommitteeFactory, RecommendationFactory, SessionFactory, UserFactory
)

secretariat = UserFactory(username="awa", first_name="Awa", role="secretariat")
for name in ("coordo", "coordo2"):
    UserFactory(username=name, role="coordinator")
committee = CommitteeFactory()
reviewed = SessionFactory(committee=committee, number=17, start_date=datetime.date(2019, 6, 26),
                          end_date=datetime.date(2019, 6, 28))
for index in range(30):
    AgendaItemFactory(session=reviewed, title=f"Point {index}")
    RecommendationFactory(session=reviewed, text=f"Recommandation {index}")
services.submit(services.minutes_for(reviewed), secretariat)
# Another committee's session: no edit of it changes what the coordinators reviewed (the next
# session of the same committee is part of the minutes' fingerprint).
edited = SessionFactory(committee=CommitteeFactory(acronym="CCR", name="Comité régional"))
services.minutes_for(edited)
print(reviewed.pk, edited.pk)
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_")
        and key not in {"DATABASE_URL", "DEBUG", "CACHE_DIR", "MEDIA_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.ctn.server_settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'ctn.sqlite3'}",
        CACHE_DIR=str(tmp_path / "cache"),
        MEDIA_ROOT=str(tmp_path / "media"),
        ALLOWED_HOSTS="127.0.0.1",
        AXES_FAILURE_LIMIT="1000",
    )
    return env


@pytest.fixture
def database(tmp_path):
    """A migrated SQLite file with the users and sessions of the test: (reviewed, edited) pks."""
    env = server_env(tmp_path)
    for command in (["manage.py", "migrate", "--noinput", "-v", "0"], ["-c", SETUP]):
        result = subprocess.run(
            [sys.executable, *command],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    reviewed, edited = result.stdout.split()
    return tmp_path / "ctn.sqlite3", int(reviewed), int(edited)


@pytest.fixture
def server(database, tmp_path):
    """gunicorn with two workers on that file; yields (base URL, path of its output)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    port = free_port()
    output = tmp_path / "gunicorn.log"
    with open(output, "w") as log:
        process = subprocess.Popen(
            [gunicorn, "ctn.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=server_env(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz/", timeout=5):  # noqa: S310
                break
        except OSError:
            assert time.time() < deadline, output.read_text()
            time.sleep(0.2)
    yield base, output
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


class Forms(HTMLParser):
    """The forms of a page: (action, [(name, value)…]) as a browser would post them."""

    def __init__(self, html):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", []))
        elif not self.forms:
            return
        fields = self.forms[-1][1]
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "file"}:
                fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = {"name": attrs.get("name"), "multiple": "multiple" in attrs}
            self._select.update(first=None, chosen=[])
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)
        elif tag == "textarea":
            self._textarea = [attrs.get("name"), ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            if not chosen and not self._select["multiple"] and self._select["first"] is not None:
                chosen = [self._select["first"]]
            self.forms[-1][1].extend((self._select["name"], value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that follows <textarea>.
            name, value = self._textarea
            self.forms[-1][1].append((name, value.removeprefix("\n")))
            self._textarea = None

    def having(self, field=None, action=None):
        for form_action, fields in self.forms:
            if (field and field in dict(fields)) or (action and form_action.endswith(action)):
                return fields
        raise AssertionError(f"no form with {field or action}")


class Browser:
    """Cookies, no redirect followed, every (method, path, status, start, end) kept."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), self._NoRedirect
        )
        self.seen = []

    def request(self, path, fields=None):
        body = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310
        if body is not None:
            request.add_header("Referer", self.base + path)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=120) as response:
                status, html = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, html = error.code, error.read().decode()
        self.seen.append(
            ("POST" if body is not None else "GET", path, status, started, time.monotonic())
        )
        return status, html

    def log_in(self, username):
        _status, html = self.request("/accounts/login/")
        fields = dict(Forms(html).having(field="csrfmiddlewaretoken"))
        fields.update(username=username, password=PASSWORD)
        status, _html = self.request("/accounts/login/", fields)
        assert status == 302
        return self


def rows(database, sql, *params):
    with sqlite3.connect(database) as db:
        return db.execute(sql, params).fetchall()


def session_version(database, pk):
    return rows(database, "SELECT edit_count FROM ctn_sessions_session WHERE id = ?", pk)[0][0]


def test_twenty_writers_and_two_validations_on_two_workers_never_meet_a_locked_database(
    server, database
):
    base, output = server
    database_file, reviewed_pk, edited_pk = database
    version_before = session_version(database_file, edited_pk)
    writers = [Browser(base).log_in("awa") for _ in range(WRITERS)]
    coordinators = [Browser(base).log_in(name) for name in ("coordo", "coordo2")]
    edit_url = f"/sessions/{edited_pk}/edit/"
    saves, validations = [], []
    start = threading.Barrier(WRITERS + len(coordinators))
    validated, answered = threading.Event(), []

    def write(index, browser):
        # At least ROUNDS saves each, and on until both validations have answered, so that the
        # saves meet the validation's transaction however slow the machine is.
        start.wait()
        turn = 0
        while turn < ROUNDS or not validated.is_set():
            turn += 1
            _status, html = browser.request(edit_url)
            fields = [
                (
                    name,
                    f"Objectif du rédacteur {index}, tour {turn}" if name == "objective" else value,
                )
                for name, value in Forms(html).having(field="lock")
            ]
            status, _html = browser.request(edit_url, fields)
            saves.append(status)

    def validate(browser):
        start.wait()
        try:
            time.sleep(0.5)  # amid the writers' first saves
            _status, html = browser.request(f"/reports/{reviewed_pk}/")
            fields = Forms(html).having(action=f"/reports/{reviewed_pk}/validate/")
            # No later session of the committee: adopted by written procedure, on a date entered.
            fields = [(name, value) for name, value in fields if name != "adopted_on"]
            fields = [*fields, ("adopted_on", "2019-07-15"), ("confirm", "on")]
            status, _html = browser.request(f"/reports/{reviewed_pk}/validate/", fields)
            validations.append(status)
        finally:
            answered.append(browser)
            if len(answered) == len(coordinators):
                validated.set()

    threads = [threading.Thread(target=write, args=pair) for pair in enumerate(writers)]
    threads += [threading.Thread(target=validate, args=(browser,)) for browser in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)

    log = output.read_text()
    print(
        f"two workers on SQLite: saves {sorted(Counter(saves).items())}, "
        f"validations {sorted(validations)}, {log.count('database is locked')} locked"
    )
    statuses = {seen[2] for browser in writers + coordinators for seen in browser.seen}
    validating = [
        (start, end)
        for browser in coordinators
        for method, path, status, start, end in browser.seen
        if method == "POST" and path.endswith("/validate/") and status == 302
    ]
    assert "database is locked" not in log
    assert "Internal Server Error" not in log
    assert 500 not in statuses
    assert len(saves) >= WRITERS * ROUNDS
    assert set(saves) <= {302, 409}
    assert saves.count(302) >= ROUNDS
    assert sorted(validations) in ([302, 302], [200, 302])
    window = validating[0]
    saving_meanwhile = [
        start
        for browser in writers
        for method, path, _status, start, _end in browser.seen
        if method == "POST" and path == edit_url and window[0] < start < window[1]
    ]
    assert saving_meanwhile != []  # the saves did meet the validation's transaction
    versions = rows(
        database_file,
        "SELECT v.number FROM reports_minutesversion v "
        "JOIN reports_minutes m ON m.id = v.minutes_id "
        "WHERE m.session_id = ? AND v.validated_at IS NOT NULL",
        reviewed_pk,
    )
    assert versions == [(1,)]
    version_after = session_version(database_file, edited_pk)
    # Every save that answered 302 was one step of the session's version, none lost.
    assert version_after - version_before == saves.count(302)
