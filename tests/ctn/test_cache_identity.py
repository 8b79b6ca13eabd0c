"""A cached value belongs to one database (ctn/cache_backends.py): a restored or new database
started with an old CACHE_DIR is never served the sessions, users or pages kept for another,
and `manage.py restore` empties the shared caches.

The test database is backed up, changed, and used with file caches; the backup is restored
into a new empty database, which another process then serves with the same cache folder.
"""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client

from ctn.cache_backends import current_database_identity
from ctn.roles import sync_role_permissions
from ctn.settings import BASE_DIR
from tests.factories import PASSWORD, SessionFactory, UserFactory
from tests.utils import empty_database as new_empty_database

# Committed data is needed: pg_dump and the restoring process are other processes.
pytestmark = pytest.mark.django_db(transaction=True)

FAIL_SAFE = "ctn.cache_backends.FailSafeCache"
FILE_CACHE = "ctn.cache_backends.FileCache"


@pytest.fixture(autouse=True)
def role_groups():
    """The role groups of the data migration, gone if an earlier transactional test flushed."""
    sync_role_permissions()


@pytest.fixture
def cache_dir(settings, tmp_path):
    """The shared caches as in production, in files under the test's own folder."""
    folder = tmp_path / "cache"
    settings.CACHE_DIR = folder
    settings.CACHES = {
        **settings.CACHES,
        **{
            alias: {
                "BACKEND": FAIL_SAFE,
                "WRAPPED_BACKEND": FILE_CACHE,
                "LOCATION": str(folder / alias),
            }
            for alias in ("sessions", "pages")
        },
    }
    return folder


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def empty_database(tmp_path):
    with new_empty_database(tmp_path, "identity") as url:
        yield url


def run(*args, database_url, cache_dir, media_root):
    """manage.py or Python code in a new process, on another database, with these folders."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "MEDIA_ROOT", "CACHE_DIR"}
        and not key.startswith("DJANGO_")
    }
    env.update(
        DATABASE_URL=database_url,
        CACHE_DIR=str(cache_dir),
        MEDIA_ROOT=str(media_root),
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="tests.ctn.server_settings",
    )
    result = subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def back_up(tmp_path):
    call_command("backup", "--output", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").iterdir()
    return archive


# What the restored database's server sees, given the session cookie of the old one and the
# pk of a user it knows: the page asked, the user as get_user() finds them, a cached page part.
SERVE_RESTORED = """
import json, sys
import django
django.setup()
from django.core.cache import caches
from django.test import Client
from ctn.cache_backends import current_database_identity
from ctn.roles import RolesModelBackend

client = Client()
client.cookies["sessionid"] = sys.argv[1]
response = client.get("/sessions/")
user = RolesModelBackend().get_user(int(sys.argv[2]))
print(json.dumps({
    "page": [response.status_code, response.get("Location")],
    "user": [user.first_name, sorted(user._ctn_roles)],
    "kept page": caches["pages"].get("dashboard-figures"),
    "identity": current_database_identity(),
}))
"""


def log_in(user):
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_restored_database_is_never_served_what_the_old_cache_folder_kept(
    cache_dir, media_root, empty_database, tmp_path
):
    awa = UserFactory(username="awa", first_name="Awa", role="secretariat")
    SessionFactory(number=17)
    archive = back_up(tmp_path)
    # After the backup, in the database it was taken from: a new name and role, a log-in.
    awa.first_name = "Renamed"
    awa.save(update_fields=["first_name"])
    awa.groups.add(Group.objects.get(name="coordinator"))
    client = log_in(awa)
    assert client.get("/sessions/").status_code == 200
    caches["pages"].set("dashboard-figures", "kept for the old database")
    cookie = client.cookies["sessionid"].value
    here = current_database_identity()
    restored_media = tmp_path / "restored-media"
    # Restored where the old cache folder is not emptied (another CACHE_DIR), then served with it.
    run(
        "manage.py",
        "restore",
        str(archive),
        database_url=empty_database,
        cache_dir=tmp_path / "another-cache",
        media_root=restored_media,
    )

    served = run(
        "-c",
        SERVE_RESTORED,
        cookie,
        str(awa.pk),
        database_url=empty_database,
        cache_dir=cache_dir,
        media_root=restored_media,
    )

    seen = json.loads(served.stdout.splitlines()[-1])
    assert seen["page"] == [302, "/accounts/login/?next=/sessions/"]
    assert seen["user"] == ["Awa", ["secretariat"]]
    assert seen["kept page"] is None
    assert seen["identity"] not in {None, here}
    assert caches["pages"].get("dashboard-figures") == "kept for the old database"
    assert client.get("/sessions/").status_code == 200


def test_the_identity_of_a_database_outlives_its_connections(db):
    first = current_database_identity()
    connection.close()

    second = current_database_identity()

    assert len(first) == 16
    assert second == first


def test_restore_empties_the_shared_caches(cache_dir, media_root, empty_database, tmp_path):
    awa = UserFactory(username="awa", first_name="Awa", role="secretariat")
    archive = back_up(tmp_path)
    client = log_in(awa)
    assert client.get("/sessions/").status_code == 200
    caches["pages"].set("dashboard-figures", "kept for the old database")
    kept = sorted(path.parent.name for path in cache_dir.rglob("*.djcache"))

    run(
        "manage.py",
        "restore",
        str(archive),
        database_url=empty_database,
        cache_dir=cache_dir,
        media_root=tmp_path / "restored-media",
    )

    assert kept[0] == "pages"
    assert kept[-1] == "sessions"
    assert list(cache_dir.rglob("*.djcache")) == []
