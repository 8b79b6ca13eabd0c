"""The shared caches are optional (ctn/cache_backends.py): a cache that fails is logged once per
process and cache, and every page is served without it, the log-in sessions from the database.

Two failures: a cache folder no one can create (a file stands where it should be: not even
root writes under it), and, where this machine lets the tests mount one, a real full disk (a
64 KiB tmpfs) and a disk turned read-only under a running application.
"""

import re
import subprocess

import pytest
from django.core.cache import caches
from django.test import Client

from reports import services
from tests.factories import PASSWORD, SessionFactory

FAIL_SAFE = "ctn.cache_backends.FailSafeCache"
FILE_CACHE = "ctn.cache_backends.FileCache"
LOGGER = "ctn.cache_backends"


def file_caches(settings, folder):
    """The shared caches as in production: files under `folder`, behind the fail-safe wrapper."""
    settings.CACHE_DIR = folder
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {
            "BACKEND": FAIL_SAFE,
            "WRAPPED_BACKEND": FILE_CACHE,
            "LOCATION": str(folder / "sessions"),
        },
        "pages": {
            "BACKEND": FAIL_SAFE,
            "WRAPPED_BACKEND": FILE_CACHE,
            "LOCATION": str(folder / "pages"),
        },
    }


@pytest.fixture
def validated(db, secretariat, coordinator):
    """A held session whose minutes are validated (a PDF of record), and a second held one."""
    session = SessionFactory(number=17)
    minutes = services.submit(services.minutes_for(session), secretariat)
    services.validate(minutes, coordinator)
    return minutes.versions.get()


def log_in(user):
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def title(response):
    return re.search(r"<title>(.*?) · CTN Jigisemejiri</title>", response.content.decode())[1]


def visit(user, session_pk):
    """Log in as `user` and open the pages of their role twice (a cache would serve the
    second); (status, title) of each, and the user's name as the header shows it."""
    client = log_in(user)
    pages = ["/", "/reports/", f"/reports/{session_pk}/", "/search/?q=activit%C3%A9s"]
    if user.username != "pam":
        pages += ["/sessions/", f"/sessions/{session_pk}/", "/accounts/profile/"]
    seen = []
    for _turn in range(2):
        for url in pages:
            response = client.get(url)
            seen.append((url, response.status_code, title(response)))
            assert user.first_name in response.content.decode()
    return seen


def expected_pages(editor):
    pages = [
        ("/", 200, "Tableau de bord"),
        ("/reports/", 200, "Comptes rendus"),
        (
            "/reports/{pk}/",
            200,
            "Compte rendu de la 17ème session ordinaire du Comité Technique National",
        ),
        ("/search/?q=activit%C3%A9s", 200, "Recherche : activités"),
    ]
    if editor:
        pages += [
            ("/sessions/", 200, "Sessions"),
            ("/sessions/{pk}/", 200, "17ème session ordinaire"),
            ("/accounts/profile/", 200, "Mon profil"),
        ]
    return pages


def cache_records(caplog):
    return [
        (record.levelname, record.getMessage().split(" failed (")[0])
        for record in caplog.records
        if record.name == LOGGER
    ]


def test_any_key_is_kept_in_the_files_even_one_memcached_would_refuse(settings, tmp_path, db):
    file_caches(settings, tmp_path / "cache")
    key = "a session key from a cookie, with spaces and too long " + "x" * 300

    caches["sessions"].set(key, {"_auth_user_id": "3"})

    assert caches["sessions"].get(key) == {"_auth_user_id": "3"}


def test_every_role_is_served_its_pages_when_the_cache_folder_cannot_be_created(
    settings, tmp_path, caplog, validated, secretariat, coordinator, partner
):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    file_caches(settings, blocked)
    pk = validated.minutes.session_id

    seen = {user.username: visit(user, pk) for user in (secretariat, coordinator, partner)}

    for username, editor in (("awa", True), ("coordo", True), ("pam", False)):
        pages = [(url.format(pk=pk), status, name) for url, status, name in expected_pages(editor)]
        assert seen[username] == pages * 2
    assert sorted(cache_records(caplog)) == [
        ("ERROR", f"The cache {blocked / 'pages'} (FileCache)"),
        ("ERROR", f"The cache {blocked / 'sessions'} (FileCache)"),
    ]
    assert blocked.read_text() == "a file where the cache folder should be"


def test_a_failing_cache_is_logged_once_and_names_its_folder_and_cause(
    settings, tmp_path, caplog, secretariat
):
    blocked = tmp_path / "cache"
    blocked.write_text("")
    file_caches(settings, blocked)
    client = log_in(secretariat)

    statuses = [client.get("/sessions/").status_code for _ in range(5)]

    assert statuses == [200] * 5
    messages = [record.getMessage() for record in caplog.records if record.name == LOGGER]
    assert len(messages) == 2
    assert messages[0].startswith(
        f"The cache {blocked / 'sessions'} (FileCache) failed (NotADirectoryError: "
    )
    assert "pages are served without it" in messages[0]


def test_a_cache_that_answers_again_keeps_and_serves_values(settings, tmp_path, secretariat):
    file_caches(settings, tmp_path / "cache")
    client = log_in(secretariat)

    responses = [client.get("/sessions/") for _ in range(2)]

    assert [response.status_code for response in responses] == [200, 200]
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["pages", "sessions"]
    assert len(list((tmp_path / "cache" / "sessions").glob("*.djcache"))) >= 2  # session, user
    assert list((tmp_path / "cache" / "pages").glob("*.djcache")) != []


# -- a real full disk, and a disk turned read-only ------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs, unmounted after the test; skipped where mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(
            "mounting a small tmpfs is not permitted here "
            f"({result.stderr.strip()}); the blocked-folder tests cover the failure"
        )
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk):
    """Write until the disk is full."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass


def test_a_full_disk_serves_every_role_its_pages_and_the_pdf_of_record_from_the_database(
    settings, small_disk, caplog, validated, secretariat, coordinator, partner
):
    file_caches(settings, small_disk)
    for folder in ("sessions", "pages", "pdf"):
        (small_disk / folder).mkdir()
    fill(small_disk)
    pk = validated.minutes.session_id

    seen = {user.username: visit(user, pk) for user in (secretariat, coordinator, partner)}
    partner_client = log_in(partner)
    downloads = [partner_client.get(f"/reports/{pk}/minutes.pdf") for _ in range(3)]

    for username, editor in (("awa", True), ("coordo", True), ("pam", False)):
        pages = [(url.format(pk=pk), status, name) for url, status, name in expected_pages(editor)]
        assert seen[username] == pages * 2
    assert [response.status_code for response in downloads] == [200, 200, 200]
    assert [response.content for response in downloads] == [bytes(validated.pdf)] * 3
    assert sorted(cache_records(caplog)) == [
        ("ERROR", f"The cache {small_disk / 'pages'} (FileCache)"),
        ("ERROR", f"The cache {small_disk / 'pdf'}"),
        ("ERROR", f"The cache {small_disk / 'sessions'} (FileCache)"),
    ]
    assert "No space left on device" in caplog.text
    assert sorted(path.name for path in small_disk.rglob("*")) == [
        "filler",
        "pages",
        "pdf",
        "sessions",
    ]


def test_a_value_that_a_full_disk_kept_from_being_replaced_is_dropped_not_served(
    settings, small_disk, db
):
    file_caches(settings, small_disk)
    pages = caches["pages"]
    pages.set("figures", "before the change")
    pages.set("other", "still true")
    fill(small_disk)

    pages.set("figures", "after the change " * 4096)

    assert pages.get("figures") is None
    assert pages.get("other") == "still true"


def test_a_session_logged_out_while_the_disk_is_read_only_is_not_served_from_the_cache(
    settings, small_disk, secretariat
):
    file_caches(settings, small_disk)
    client = log_in(secretariat)
    assert client.get("/sessions/").status_code == 200
    cookie = client.cookies["sessionid"].value
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)

    logout = client.post("/accounts/logout/")
    client.cookies["sessionid"] = cookie
    after = client.get("/sessions/")

    assert logout.status_code == 302
    assert (after.status_code, after["Location"]) == (302, "/accounts/login/?next=/sessions/")
