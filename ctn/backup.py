"""Backups of record: the database with its own tool, the uploaded files, and a manifest.

An archive `ctn-backup-YYYYmmdd-HHMMSS.tar.gz` holds one folder of the same name with:

- `database.dump`: `pg_dump --format=custom` of the PostgreSQL database, or
  `database.sqlite3`: a copy made with SQLite's online backup API. Either is a consistent
  snapshot taken while the application runs, and carries the PDFs of record (stored in the
  database, `reports.MinutesVersion.pdf`). Never `dumpdata`: it is slow, not a snapshot, and
  loses what the ORM does not model.
- `media/`: the files under MEDIA_ROOT (uploads), copied after the database snapshot, when the
  storage of the uploads is the FileSystemStorage of MEDIA_ROOT; another storage (an S3
  bucket…) is backed up with its own tools (README), and the archive then has no `media/`.
- `manifest.json`: format, time, versions, applied migrations and the SHA-256 of every file,
  checked before anything is restored.
"""

import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
from pathlib import Path

import django
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
PREFIX = "ctn-backup-"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why and what to do."""


def _media_root():
    """MEDIA_ROOT when the uploads are files under it, else None (another storage)."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        return None
    media_root = Path(settings.MEDIA_ROOT)
    return media_root if Path(storage.location).resolve() == media_root.resolve() else None


def default_backup_dir():
    return Path(os.environ.get("BACKUP_DIR") or settings.BASE_DIR / "backups")


def create_backup(output_dir=None, using="default", now=None):
    """Write a dated archive of the database and MEDIA_ROOT into output_dir; return its path.

    Side effects: runs pg_dump (PostgreSQL) or SQLite's backup API against the database
    `using`, creates output_dir if needed and writes one archive readable by its owner only.
    """
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    output_dir = Path(output_dir or default_backup_dir())
    output_dir.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    name = PREFIX + timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    archive = output_dir / f"{name}.tar.gz"
    if archive.exists():
        raise BackupError(f"{archive} already exists.")

    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".ctn-backup-") as staging:
        folder = Path(staging) / name
        folder.mkdir()
        database_file = folder / DATABASE_FILES[vendor]
        dump = _dump_postgresql if vendor == "postgresql" else _dump_sqlite
        tool = dump(connection, database_file)
        media_root = _media_root()
        if media_root is not None and media_root.is_dir():
            shutil.copytree(media_root, folder / "media", symlinks=False)
        manifest = {
            "format": FORMAT,
            "application": "CTN",
            "created_at": now.isoformat(),
            "database": {"vendor": vendor, "file": database_file.name, "tool": tool},
            "versions": {
                "django": django.get_version(),
                "python": platform.python_version(),
            },
            "migrations": _applied_migrations(connection),
            "files": {path: _describe(folder / path) for path in _files(folder)},
        }
        (folder / MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8"
        )
        partial = output_dir / f".{name}.tar.gz.part"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(folder, arcname=name)
        os.replace(partial, archive)
    return archive


def restore_backup(archive, using="default"):
    """Bring an archive back into an empty database and an empty MEDIA_ROOT; return its manifest.

    Checks the manifest and every checksum first, then refuses a database that already has
    tables or a MEDIA_ROOT that already has files, so nothing is overwritten. Side effects:
    runs pg_restore (PostgreSQL) or SQLite's backup API into the database `using`, and copies
    the uploaded files into MEDIA_ROOT.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file.")
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix=".ctn-restore-") as staging:
        folder = _extract(archive, Path(staging))
        manifest = _checked_manifest(folder, connection.vendor)
        media_root = _media_root()
        if media_root is None and (folder / "media").is_dir():
            raise BackupError(
                "The archive holds uploaded files (media/) and the uploads are not stored under "
                "MEDIA_ROOT here: restore with the FileSystemStorage of MEDIA_ROOT, then copy "
                "MEDIA_ROOT into the other storage with its own tools."
            )

        try:
            tables = connection.introspection.table_names()
        except DatabaseError as error:
            raise BackupError(
                f"Cannot open the database {connection.settings_dict['NAME']} "
                f"(create it first, empty): {error}"
            ) from error
        if tables:
            raise BackupError(
                f"The database {connection.settings_dict['NAME']} is not empty "
                f"({len(tables)} tables): a backup is restored only into an empty database. "
                "Create a new, empty database, point DATABASE_URL at it and run restore again."
            )
        if (
            media_root is not None
            and media_root.is_dir()
            and any(path.is_file() for path in media_root.rglob("*"))
        ):
            raise BackupError(
                f"MEDIA_ROOT ({media_root}) already holds files: a backup is restored only "
                "into an empty folder. Move them away or point MEDIA_ROOT at an empty folder."
            )

        database_file = folder / manifest["database"]["file"]
        if connection.vendor == "postgresql":
            _restore_postgresql(connection, database_file)
        else:
            _restore_sqlite(connection, database_file)
        if media_root is not None and (folder / "media").is_dir():
            shutil.copytree(folder / "media", media_root, dirs_exist_ok=True)
    # The restored trail restarts from the backup's ids, and its users from the backup's: the
    # pages, stamps, users and sessions kept for the database this one replaces could carry
    # the same keys. Everyone logs in again.
    for alias in ("pages", settings.SESSION_CACHE_ALIAS):
        caches[alias].clear()
    return manifest


# -- the database's own tools --------------------------------------------------------------------


def _postgresql_command(program, connection):
    """Program, connection arguments and environment from the Django settings, password apart."""
    params = connection.get_connection_params()
    command = [program, "--no-password"]
    for option, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params.get(key):
            command += [option, str(params[key])]
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    for key, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if params.get(key):
            env[variable] = str(params[key])
    return command, env, params["dbname"]


def _run(command, env):
    executable = shutil.which(command[0])
    if executable is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).")
    # bandit B404/B603 accepted: a fixed PostgreSQL program found on PATH, an argument list and
    # no shell; the values come from the settings, never from users.
    result = subprocess.run(  # noqa: S603  # nosec B603
        [executable, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
    return result


def _dump_postgresql(connection, target):
    command, env, dbname = _postgresql_command("pg_dump", connection)
    _run([*command, "--format=custom", "--file", str(target), "--dbname", dbname], env)
    return _run(["pg_dump", "--version"], env).stdout.strip()


def _restore_postgresql(connection, source):
    connection.close()
    command, env, dbname = _postgresql_command("pg_restore", connection)
    _run(
        [
            *command,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            dbname,
            str(source),
        ],
        env,
    )


def _dump_sqlite(connection, target):
    # The online backup API copies a consistent snapshot page by page while others write.
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()
    return f"sqlite3 online backup (SQLite {sqlite3.sqlite_version})"


def _restore_sqlite(connection, source):
    connection.ensure_connection()
    origin = sqlite3.connect(source)
    try:
        origin.backup(connection.connection)
    finally:
        origin.close()
    connection.close()


# -- archive and manifest ------------------------------------------------------------------------


def _applied_migrations(connection):
    applied = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _files(folder):
    return sorted(
        path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
    )


def _describe(path):
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _extract(archive, staging):
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            # The "data" filter refuses absolute paths, "..", links out of the folder, devices.
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable CTN backup: {error}") from error
    folders = [path for path in staging.iterdir() if path.is_dir()]
    if len(folders) != 1 or not folders[0].name.startswith(PREFIX):
        raise BackupError(f"{archive} is not a CTN backup (no {PREFIX}… folder inside).")
    return folders[0]


def _checked_manifest(folder, vendor):
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"The manifest of the backup cannot be read: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"This is a {manifest['database']['vendor']} backup; the configured database "
            f"is {vendor}."
        )
    found = {path for path in _files(folder) if path != MANIFEST}
    listed = set(manifest["files"])
    if found != listed:
        raise BackupError(
            "The backup's files differ from its manifest: "
            f"missing {sorted(listed - found)}, unexpected {sorted(found - listed)}."
        )
    damaged = [
        path for path in sorted(listed) if _describe(folder / path) != manifest["files"][path]
    ]
    if damaged:
        raise BackupError(f"Damaged files in the backup (checksum mismatch): {damaged}.")
    return manifest
