"""Several servers on one Redis (REDIS_URL): what one server changes, the other sees at once.

Two real gunicorn servers, each with its OWN CACHE_DIR, share the PostgreSQL test database and
one Redis. A log-out, a withdrawn role and a new validation made through server A are seen by
server B at its next request. Run with CTN_REDIS_SCENARIO_WITHOUT_REDIS=1, the same scenario
runs on the file caches alone and fails: B serves the state it had cached (see README).

Redis is looked for at CTN_TEST_REDIS_URL (default: database 15 of 127.0.0.1:6379). When none
answers the tests are skipped, except under CI=true, where they fail. Every key they write is
scoped to this run's test database (its identity) or to a prefix of their own, and deleted.
"""

import copy
import logging
import os
import socket
import tarfile
import uuid

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from ctn.backup import BackupError, create_backup, restore_backup
from ctn.cache_backends import FailSafeCache, current_database_identity
from ctn.settings import shared_cache
from reports import services
from reports.models import Minutes, MinutesVersion
from tests.factories import PASSWORD
from tests.reports.conftest import committee, session_17, session_18  # noqa: F401 - fixtures
from tests.reports.test_multi_server import (
    Browser,
    gunicorn_servers,
    server_env,
    static_root,  # noqa: F401 - fixture
    with_server_password,
)
from tests.utils import reviewed

REDIS_URL = os.environ.get("CTN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WITHOUT_REDIS = os.environ.get("CTN_REDIS_SCENARIO_WITHOUT_REDIS") == "1"


@pytest.fixture
def redis():
    """A client of the tests' Redis, or a skip (a failure under CI=true) when none answers."""
    import redis as redis_py

    client = redis_py.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis_py.RedisError as error:
        reason = f"no Redis answers at {REDIS_URL} ({error}); .ci/run starts one"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    yield client
    client.close()


def delete_matching(client, pattern):
    keys = list(client.scan_iter(match=pattern, count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache(location, prefix):
    return FailSafeCache(
        location,
        {"WRAPPED_BACKEND": "django.core.cache.backends.redis.RedisCache", "KEY_PREFIX": prefix},
    )


# -- the settings --------------------------------------------------------------------------------


def test_redis_url_puts_both_shared_caches_in_redis_behind_the_fail_safe_wrapper():
    sessions = shared_cache("sessions", max_entries=20000, redis_url="redis://cache:6379/2")
    pages = shared_cache("pages", max_entries=5000, timeout=86400, redis_url="redis://cache:6379/2")

    assert sessions == {
        "BACKEND": "ctn.cache_backends.FailSafeCache",
        "WRAPPED_BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/2",
        "KEY_PREFIX": "sessions",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    assert (pages["LOCATION"], pages["KEY_PREFIX"], pages["TIMEOUT"]) == (
        "redis://cache:6379/2",
        "pages",
        86400,
    )


def test_without_redis_url_the_shared_caches_are_files_under_cache_dir(tmp_path):
    pages = shared_cache("pages", max_entries=5000, timeout=86400, redis_url="", cache_dir=tmp_path)

    assert pages == {
        "BACKEND": "ctn.cache_backends.FailSafeCache",
        "WRAPPED_BACKEND": "ctn.cache_backends.FileCache",
        "LOCATION": str(tmp_path / "pages"),
        "TIMEOUT": 86400,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }


# -- one Redis, two installations, and a Redis that is down ---------------------------------------


@pytest.mark.django_db
def test_redis_keys_carry_the_cache_name_and_the_database_identity(redis):
    prefix = f"ctn-test-{uuid.uuid4().hex}"
    cache = redis_cache(REDIS_URL, prefix)
    identity = current_database_identity()

    cache.set("ctn:user:1", "awa")
    try:
        keys = [key.decode() for key in redis.scan_iter(match=f"{prefix}:*")]
        read_back = cache.get("ctn:user:1")
    finally:
        delete_matching(redis, f"{prefix}:*")

    assert keys == [f"{prefix}:1:ctn-db-{identity}:ctn:user:1"]
    assert read_back == "awa"


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_is_a_miss_logged_once(caplog):
    cache = redis_cache(f"redis://:secret-password@127.0.0.1:{closed_port()}/0", "pages")

    with caplog.at_level(logging.ERROR, logger="ctn.cache_backends"):
        cache.set("portal", "<p>page</p>")
        first = cache.get("portal", "missed")
        second = cache.get("portal", "missed")

    assert (first, second) == ("missed", "missed")
    failures = [r.getMessage() for r in caplog.records if r.name == "ctn.cache_backends"]
    assert len(failures) == 1
    assert "[pages] (RedisCache)" in failures[0]
    assert "ConnectionError" in failures[0]
    assert "secret-password" not in failures[0]


def test_pages_and_log_ins_go_on_without_redis_and_each_cache_logs_it_once(
    settings, client, partner, caplog
):
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {
        **settings.CACHES,
        "sessions": shared_cache("sessions", max_entries=20000, redis_url=dead),
        "pages": shared_cache("pages", max_entries=5000, redis_url=dead),
    }

    with caplog.at_level(logging.ERROR, logger="ctn.cache_backends"):
        logged_in = client.post(
            "/accounts/login/", {"username": partner.username, "password": PASSWORD}
        )
        pages = [client.get("/reports/").status_code for _ in range(3)]
        logged_out = client.post("/accounts/logout/")
        after = client.get("/reports/")

    assert (logged_in.status_code, pages, logged_out.status_code) == (302, [200, 200, 200], 302)
    assert (after.status_code, after.url.split("?")[0]) == (302, "/accounts/login/")
    failures = sorted(
        r.getMessage().split(" failed")[0] for r in caplog.records if r.name == "ctn.cache_backends"
    )
    assert failures == [
        f"The cache {dead} [pages] (RedisCache)",
        f"The cache {dead} [sessions] (RedisCache)",
    ]


# -- uploads on a storage every server reaches ---------------------------------------------------


@pytest.mark.django_db(transaction=True)  # SQLite's backup API waits on an open transaction
def test_a_backup_copies_media_root_only_when_the_uploads_are_files_under_it(settings, tmp_path):
    media_root = tmp_path / "media"
    (media_root / "annexes").mkdir(parents=True)
    (media_root / "annexes" / "annexe.pdf").write_bytes(b"%PDF-1.7 annex")
    settings.MEDIA_ROOT = media_root
    on_disk = create_backup(tmp_path / "on-disk")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    elsewhere = create_backup(tmp_path / "elsewhere")
    with pytest.raises(BackupError, match=r"not stored under MEDIA_ROOT here") as refused:
        restore_backup(on_disk)

    def media(archive):
        with tarfile.open(archive) as tar:
            return sorted(name.split("/", 1)[1] for name in tar.getnames() if "/media" in name)

    assert media(on_disk) == ["media", "media/annexes", "media/annexes/annexe.pdf"]
    assert media(elsewhere) == []
    assert "restore with the FileSystemStorage of MEDIA_ROOT" in str(refused.value)


# -- two gunicorn servers ------------------------------------------------------------------------


@pytest.fixture
def two_servers(redis, static_root, tmp_path, settings):  # noqa: F811 - fixture
    """Servers A and B, each with its own CACHE_DIR, on one Redis; this test process's shared
    caches are A's (a change made here through the ORM drops what A's would)."""
    envs = []
    for name in ("a", "b"):
        env = server_env(static_root)
        env["CACHE_DIR"] = str(tmp_path / f"cache-{name}")
        env.pop("REDIS_URL", None)
        if not WITHOUT_REDIS:
            env["REDIS_URL"] = REDIS_URL
        envs.append(env)
    shared = {
        name: shared_cache(
            name,
            max_entries=5000,
            redis_url="" if WITHOUT_REDIS else REDIS_URL,
            cache_dir=tmp_path / "cache-a",
        )
        for name in ("sessions", "pages")
    }
    settings.CACHES = {**settings.CACHES, **shared}
    identity = current_database_identity()
    delete_matching(redis, f"*:ctn-db-{identity}:*")
    try:
        with gunicorn_servers(static_root, tmp_path, envs) as bases:
            yield bases
    finally:
        deleted = delete_matching(redis, f"*:ctn-db-{identity}:*")
        print(f"two servers on one Redis: {deleted} keys of this run deleted")


def on(browser, base):
    """Another client holding a copy of the browser's cookies (its session), on another server:
    what the browser's log-out deletes, this one still sends."""
    other = Browser(base)
    for cookie in browser.jar:
        other.jar.set_cookie(copy.copy(cookie))
    return other


def validation_form(session, during):
    """The review page's validation form as the coordinator sends it back."""
    return {
        "outcome": "validated",
        "validated_during": during.pk,
        "reviewed": reviewed(session),
        "confirm": "on",
    }


def post_form(browser, path, form_path, data):
    return browser.request(path, {"csrfmiddlewaretoken": browser.csrf(form_path), **data})


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="several application servers share a PostgreSQL database; SQLite has one writer",
)
@pytest.mark.django_db(transaction=True)
def test_a_log_out_a_withdrawn_role_and_a_validation_on_a_are_seen_at_once_on_b(
    two_servers,
    session_17,  # noqa: F811 - fixture
    session_18,  # noqa: F811 - fixture
    secretariat,
    coordinator,
    partner,
):
    server_a, server_b = two_servers
    with_server_password(secretariat, coordinator, partner)
    services.submit(services.minutes_for(session_17), secretariat)
    review = f"/reports/{session_17.pk}/"
    validate = f"/reports/{session_17.pk}/validate/"
    pdf = f"/reports/{session_17.pk}/minutes.pdf"
    seen = {}

    # (a) A log-out on A ends the session on B, whose cache held it.
    partner_on_a = Browser(server_a).log_in(partner.username)
    partner_on_b = on(partner_on_a, server_b)
    seen["b before log-out"] = partner_on_b.request("/reports/")[0]
    seen["a log-out"] = post_form(partner_on_a, "/accounts/logout/", "/reports/", {})[0]
    status, headers, _body = partner_on_b.request("/reports/")
    seen["b after log-out"] = (status, headers.get("Location", "").split("?")[0])

    # (c) A validation on A: B's portal (cached before), the PDF, the review page follow.
    coordinator_on_a = Browser(server_a).log_in(coordinator.username)
    partner_on_b = Browser(server_b).log_in(partner.username)
    seen["b portal links the pdf before"] = pdf.encode() in partner_on_b.request("/reports/")[2]
    seen["b pdf before"] = partner_on_b.request(pdf)[0]
    seen["b review page before"] = partner_on_b.request(review)[0]
    seen["a validation"] = post_form(
        coordinator_on_a, validate, review, validation_form(session_17, session_18)
    )[0]
    seen["b portal links the pdf after"] = pdf.encode() in partner_on_b.request("/reports/")[2]
    status, _headers, pdf_after = partner_on_b.request(pdf)
    seen["b pdf after"] = status
    seen["b review page after"] = partner_on_b.request(review)[0]

    # (b) A role withdrawn (in this process, through the ORM) is refused on B at once: the
    # coordinator may open an erratum on the validated minutes, then may not.
    coordinator_on_b = on(coordinator_on_a, server_b)
    seen["b offers the erratum before"] = (
        b'id="erratum_reason"' in coordinator_on_b.request(review)[2]
    )
    coordinator.groups.remove(Group.objects.get(name="coordinator"))
    seen["b offers the erratum after"] = (
        b'id="erratum_reason"' in coordinator_on_b.request(review)[2]
    )
    seen["b erratum by the former coordinator"] = post_form(
        coordinator_on_b, f"/reports/{session_17.pk}/erratum/", review, {"reason": "Coquille."}
    )[0]

    print("seen on B:", seen)
    assert seen == {
        "b before log-out": 200,
        "a log-out": 302,
        "b after log-out": (302, "/accounts/login/"),
        "b portal links the pdf before": False,
        "b pdf before": 404,
        "b review page before": 404,
        "a validation": 302,
        "b portal links the pdf after": True,
        "b pdf after": 200,
        "b review page after": 200,
        "b offers the erratum before": True,
        "b offers the erratum after": False,
        "b erratum by the former coordinator": 403,
    }
    version = MinutesVersion.objects.get(minutes__session=session_17, number=1)
    assert version.minutes.status == Minutes.Status.VALIDATED
    assert version.validated_by == coordinator
    assert pdf_after == bytes(version.pdf)
