"""`manage.py backup` and `manage.py restore`: a round trip that loses no record and no byte.

The test backs up the test database it is connected to (SQLite or PostgreSQL, whichever
DATABASES['default'] is), restores the archive in another process into a new empty database
and an empty MEDIA_ROOT, and compares every row of every model, bytes included.
"""

import datetime
import decimal
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ctn.roles import sync_role_permissions
from ctn.settings import BASE_DIR
from participants.models import Attendance
from reports.models import Minutes, MinutesVersion
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    ExpectedResultFactory,
    InterventionFactory,
    RecommendationFactory,
    SessionFactory,
    UserFactory,
)
from tests.utils import empty_database as new_empty_database

# Committed data is needed: pg_dump and the restoring process are other processes.
pytestmark = pytest.mark.django_db(transaction=True)

EVERY_BYTE = bytes(range(256)) * 4
PDF_OF_RECORD = b"%PDF-1.7\n" + EVERY_BYTE + b"\n%%EOF\n"


def plain(value):
    """A column value as JSON can carry it between processes, its type kept."""
    if isinstance(value, bytes | memoryview):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return {type(value).__name__: value.isoformat()}
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.timedelta):
        return {type(value).__name__: str(value)}
    return value


def table_contents():
    """Every row of every model's table (many-to-many ones included), ordered by key."""
    contents = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [field.attname for field in model._meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        contents[model._meta.label] = [[plain(value) for value in row] for row in rows]
    return json.loads(json.dumps(contents))


def build_records(media_root):
    """Records of every kind the application holds, a PDF of record and an uploaded file."""
    coordinator = UserFactory(username="coordo", role="coordinator")
    UserFactory(username="awa", first_name="Awa", last_name="Diarra", role="secretariat")
    session = SessionFactory(number=18, objective="Faire le point — « Jigisemejiri » ; ségou")
    CoChairFactory(session=session)
    AgendaItemFactory(session=session)
    InterventionFactory(session=session)
    ExpectedResultFactory(session=session)
    RecommendationFactory(session=session)
    AttendanceFactory(session=session, status=Attendance.Status.PRESENT)
    minutes = Minutes.objects.create(session=session)
    MinutesVersion.objects.create(minutes=minutes, number=1, pdf=PDF_OF_RECORD)
    upload = media_root / "uploads" / "annexe-18.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(EVERY_BYTE)
    return coordinator


@pytest.fixture(autouse=True)
def role_groups():
    """The role groups of the data migration, gone if an earlier transactional test flushed."""
    sync_role_permissions()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def empty_database(tmp_path):
    with new_empty_database(tmp_path, "restored") as url:
        yield url


def manage(*args, database_url, media_root, code=None):
    """Run manage.py (or Python code) in a new process on another database and MEDIA_ROOT."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "MEDIA_ROOT"} and not key.startswith("DJANGO_")
    }
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        SECRET_KEY="tests-only-not-a-secret",
        DJANGO_SETTINGS_MODULE="ctn.settings",
    )
    command = ["-c", code] if code else ["manage.py", *args]
    return subprocess.run(
        [sys.executable, *command],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


DUMP_TABLES = (
    "import django, json; django.setup(); "
    "from tests.ctn.test_backup import table_contents; print(json.dumps(table_contents()))"
)


def back_up(tmp_path):
    call_command("backup", "--output", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").iterdir()
    return archive


def test_a_restored_backup_holds_every_record_and_every_byte(media_root, empty_database, tmp_path):
    build_records(media_root)
    before = table_contents()
    archive = back_up(tmp_path)
    restored_media = tmp_path / "restored-media"

    restore = manage(
        "restore", str(archive), database_url=empty_database, media_root=restored_media
    )
    after = manage(code=DUMP_TABLES, database_url=empty_database, media_root=restored_media)
    migrations = manage(
        "migrate", "--check", database_url=empty_database, media_root=restored_media
    )

    assert restore.returncode == 0, restore.stderr
    assert "Restored the backup of" in restore.stdout
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout.splitlines()[-1]) == before
    assert before["reports.MinutesVersion"] != []
    assert {"bytes": PDF_OF_RECORD.hex()} in before["reports.MinutesVersion"][0]
    assert len(before["ctn_sessions.Session"]) == 1
    assert len(before["auth.User_groups"]) == 2
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr
    assert (restored_media / "uploads" / "annexe-18.pdf").read_bytes() == EVERY_BYTE
    assert sorted(p.relative_to(restored_media).as_posix() for p in restored_media.rglob("*")) == [
        "uploads",
        "uploads/annexe-18.pdf",
    ]


def test_the_backup_is_a_dated_archive_of_the_database_tool_with_a_manifest(media_root, tmp_path):
    build_records(media_root)

    archive = back_up(tmp_path)

    assert re.fullmatch(r"ctn-backup-\d{8}-\d{6}\.tar\.gz", archive.name)
    assert archive.stat().st_mode & 0o777 == 0o600
    folder = archive.name.removesuffix(".tar.gz")
    database_file = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}[connection.vendor]
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.load(tar.extractfile(f"{folder}/manifest.json"))
        head = tar.extractfile(f"{folder}/{database_file}").read(16)
    assert names == [
        folder,
        f"{folder}/{database_file}",
        f"{folder}/manifest.json",
        f"{folder}/media",
        f"{folder}/media/uploads",
        f"{folder}/media/uploads/annexe-18.pdf",
    ]
    # The database's own format, not dumpdata's JSON.
    magic = {"postgresql": b"PGDMP", "sqlite": b"SQLite format 3\x00"}[connection.vendor]
    assert head.startswith(magic)
    assert manifest["format"] == 1
    assert manifest["database"]["vendor"] == connection.vendor
    assert sorted(manifest["files"]) == [database_file, "media/uploads/annexe-18.pdf"]
    assert manifest["files"]["media/uploads/annexe-18.pdf"]["size"] == len(EVERY_BYTE)
    assert "0001_initial" in manifest["migrations"]["reports"]


def test_restore_refuses_a_database_that_is_not_empty(media_root, tmp_path):
    build_records(media_root)
    archive = back_up(tmp_path)
    MinutesVersion.objects.update(pdf=b"changed after the backup")
    before = table_contents()
    media_root.joinpath("uploads", "annexe-18.pdf").unlink()

    with pytest.raises(CommandError, match="is not empty .* restored only into an empty database"):
        call_command("restore", str(archive))

    assert table_contents() == before
    assert not media_root.joinpath("uploads", "annexe-18.pdf").exists()


def test_restore_refuses_a_media_folder_that_is_not_empty(media_root, empty_database, tmp_path):
    build_records(media_root)
    archive = back_up(tmp_path)
    occupied = tmp_path / "occupied-media"
    occupied.mkdir()
    (occupied / "existing.pdf").write_bytes(b"keep me")

    result = manage("restore", str(archive), database_url=empty_database, media_root=occupied)
    tables = manage(
        code="import django; django.setup(); from django.db import connection; "
        "print(len(connection.introspection.table_names()))",
        database_url=empty_database,
        media_root=occupied,
    )

    assert result.returncode == 1
    assert "already holds files: a backup is restored only into an empty folder" in result.stderr
    assert tables.stdout.split() == ["0"]
    assert sorted(p.name for p in occupied.iterdir()) == ["existing.pdf"]


def test_restore_refuses_a_damaged_archive(media_root, empty_database, tmp_path):
    build_records(media_root)
    archive = back_up(tmp_path)
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    (folder,) = unpacked.iterdir()
    upload = folder / "media" / "uploads" / "annexe-18.pdf"
    upload.write_bytes(upload.read_bytes()[:-1] + b"X")
    damaged = tmp_path / archive.name
    with tarfile.open(damaged, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)

    result = manage("restore", str(damaged), database_url=empty_database, media_root=tmp_path / "m")

    assert result.returncode == 1
    assert (
        "Damaged files in the backup (checksum mismatch): ['media/uploads/annexe-18.pdf']"
        in result.stderr
    )
    assert not (tmp_path / "m").exists()


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    stray = tmp_path / "notes.tar.gz"
    stray.write_bytes(b"not an archive")

    with pytest.raises(CommandError, match="is not a readable CTN backup"):
        call_command("restore", str(stray))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
