"""The shared caches ("sessions", "pages"): optional, and scoped to the database they describe.

`FailSafeCache` wraps the configured backend (files under CACHE_DIR, or Redis with REDIS_URL)
for two promises:

- **A cache failure is never a user's error.** A full or read-only disk, files the application
  may not write, an unreachable server: the failure is logged once per process and cache, and
  the request goes on without the cache (a read misses, a write is dropped). The log-in
  sessions (cached_db) then read and write the database alone. A value that could not be
  replaced or dropped may be stale (a logged-out session, a user's former roles): a failed
  write drops the key, and if even that fails this process stops reading the cache until it
  restarts.
- **A cached value belongs to one database.** Keys name users, pages and change stamps by row
  ids, which a restored or new database reuses for other rows; every key carries the identity
  of the database (`database_identity`), so an old CACHE_DIR, or a Redis that two installations
  share, is never read for another one.
"""

import hashlib
import logging
import os
import pickle  # nosec B403
import re
import threading
import time
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.files import locks
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

_reported = set()
_distrusted = set()
_lock = threading.Lock()


def report_cache_failure(name, error):
    """Log the first failure of the cache `name` (its location) in this process, not the next."""
    with _lock:
        if name in _reported:
            return
        _reported.add(name)
    logger.error(
        "The cache %s failed (%s: %s); pages are served without it where it fails. Its next "
        "failures are not logged again by this process; restart the application once the "
        "cause is repaired.",
        name,
        type(error).__name__,
        error,
        exc_info=error,
    )


# -- the database's identity ---------------------------------------------------------------------


def database_identity(connection):
    """A short token that differs from one database to another, or None if it cannot be read.

    Made of what the database engine says of the database itself, and of the time of its first
    migration (a new database is migrated anew; a restored one keeps it):
    - PostgreSQL: the cluster's system identifier (random, drawn at initdb) and the database's
      oid (a restore goes into a new, empty database, which gets a new oid);
    - SQLite: the file's real path, device and inode (a restore writes a new file);
    the `restore` command also clears the caches. Read once per connection, with the driver's
    own cursor (not a query of the request) and inside a savepoint if a transaction is open.
    """
    raw = connection.connection
    savepoint = connection.vendor == "postgresql" and not connection.get_autocommit()
    cursor = raw.cursor()
    try:
        if savepoint:
            cursor.execute("SAVEPOINT ctn_database_identity")
        try:
            parts = [connection.vendor, str(connection.settings_dict["NAME"])]
            if connection.vendor == "postgresql":
                parts += _postgresql_identity(cursor)
            elif connection.vendor == "sqlite":
                parts += _sqlite_file_identity(connection.settings_dict["NAME"])
                cursor.execute(
                    "SELECT COUNT(*) FROM sqlite_master "
                    "WHERE type = 'table' AND name = 'django_migrations'"
                )
                migrated = cursor.fetchone()[0] > 0
                parts.append(_first_migration(cursor) if migrated else "-")
        except Exception:
            if savepoint:
                cursor.execute("ROLLBACK TO SAVEPOINT ctn_database_identity")
            raise
        if savepoint:
            cursor.execute("RELEASE SAVEPOINT ctn_database_identity")
    except Exception as error:
        # The shared caches are then left alone (no key can be made), as for a failure of theirs.
        report_cache_failure("keys (the identity of the database cannot be read)", error)
        return None
    finally:
        cursor.close()
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _postgresql_identity(cursor):
    cursor.execute(
        "SELECT d.oid::text, "
        "has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE'), "
        "to_regclass('django_migrations') IS NOT NULL "
        "FROM pg_catalog.pg_database d WHERE d.datname = current_database()"
    )
    oid, may_read_cluster, migrated = cursor.fetchone()
    if may_read_cluster:
        cursor.execute("SELECT system_identifier::text FROM pg_catalog.pg_control_system()")
    else:
        # A managed server may refuse it: the server's address then names the cluster.
        cursor.execute("SELECT COALESCE(inet_server_addr()::text, '') || ':' || inet_server_port()")
    cluster = cursor.fetchone()[0]
    return [oid, cluster, _first_migration(cursor) if migrated else "-"]


def _sqlite_file_identity(name):
    try:
        stat = os.stat(name)
    except (OSError, TypeError, ValueError):
        return ["memory"]  # an in-memory database (tests): its name and migrations tell it
    return [os.path.realpath(name), str(stat.st_dev), str(stat.st_ino)]


def _first_migration(cursor):
    cursor.execute("SELECT MIN(applied) FROM django_migrations")
    return str(cursor.fetchone()[0])


def current_database_identity():
    """The identity of the default database, read once per connection; None if it is down."""
    connection = connections[DEFAULT_DB_ALIAS]
    raw = connection.connection
    if raw is None:
        try:
            connection.ensure_connection()
        except Exception:  # the database is down: the request fails there, not here
            return None
        raw = connection.connection
    known = getattr(connection, "_ctn_identity", None)
    if known is not None and known[0] is raw:
        return known[1]
    identity = database_identity(connection)
    if identity is not None:
        connection._ctn_identity = (raw, identity)
    return identity


# -- the cache -----------------------------------------------------------------------------------


def _any_key(key):
    """FailSafeCache's backends (files, Redis) take any key."""


class _NoIdentity(Exception):
    """The database cannot be named: no key can be made, the cache is not used."""


class FailSafeCache(BaseCache):
    """Any cache backend (WRAPPED_BACKEND, with the same LOCATION, OPTIONS and TIMEOUT), made
    optional and scoped to the database: see the module's docstring."""

    def __init__(self, location, params):
        params = dict(params)
        self._backend_class = import_string(params.pop("WRAPPED_BACKEND"))
        super().__init__(params)
        self._location = location
        self._params = params
        # Named in the logs without a password; both Redis caches share a URL, not a prefix.
        where = re.sub(r"//[^/@]*@", "//", str(location))
        prefix = params.get("KEY_PREFIX")
        self._name = f"{where}{f' [{prefix}]' if prefix else ''} ({self._backend_class.__name__})"
        self._wrapped = None

    def _backend(self):
        # Made on first use: FileBasedCache creates its folder in its constructor, which may fail.
        if self._wrapped is None:
            backend = self._backend_class(self._location, self._params)
            # Files and Redis take any key (a file is named by its hash): the check of every
            # character of every key for memcached's sake, a few microseconds a read, is left out.
            backend.validate_key = _any_key
            self._wrapped = backend
        return self._wrapped

    def _key(self, key):
        identity = current_database_identity()
        if identity is None:
            raise _NoIdentity
        return f"ctn-db-{identity}:{key}"

    def _failed(self, error):
        report_cache_failure(self._name, error)

    def _distrust(self):
        with _lock:
            _distrusted.add(self._name)

    def _readable(self):
        return self._name not in _distrusted

    def _drop_stale(self, keys, version):
        """A value not replaced may be stale: drop it, or stop reading this cache."""
        try:
            self._backend().delete_many(keys, version=version)
        except Exception:
            self._distrust()

    # Reads: a failure is a miss.

    def get(self, key, default=None, version=None):
        if not self._readable():
            return default
        try:
            return self._backend().get(self._key(key), default, version=version)
        except _NoIdentity:
            return default
        except Exception as error:
            self._failed(error)
            return default

    def get_many(self, keys, version=None):
        if not self._readable():
            return {}
        try:
            scoped = {self._key(key): key for key in keys}
            found = self._backend().get_many(list(scoped), version=version)
        except _NoIdentity:
            return {}
        except Exception as error:
            self._failed(error)
            return {}
        return {scoped[key]: value for key, value in found.items()}

    def has_key(self, key, version=None):
        if not self._readable():
            return False
        try:
            return self._backend().has_key(self._key(key), version=version)
        except _NoIdentity:
            return False
        except Exception as error:
            self._failed(error)
            return False

    # Writes: a failure stores nothing, and drops what the write should have replaced.

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            scoped = self._key(key)
        except _NoIdentity:
            return
        try:
            self._backend().set(scoped, value, timeout, version=version)
        except Exception as error:
            self._failed(error)
            self._drop_stale([scoped], version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            scoped = {self._key(key): key for key in data}
        except _NoIdentity:
            return list(data)
        try:
            failed = self._backend().set_many(
                {key: data[original] for key, original in scoped.items()}, timeout, version=version
            )
        except Exception as error:
            self._failed(error)
            self._drop_stale(list(scoped), version)
            return list(data)
        return [scoped[key] for key in failed]

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # add() writes only where nothing was: a failure leaves nothing stale.
        try:
            return self._backend().add(self._key(key), value, timeout, version=version)
        except _NoIdentity:
            return False
        except Exception as error:
            self._failed(error)
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._backend().touch(self._key(key), timeout, version=version)
        except _NoIdentity:
            return False
        except Exception as error:
            self._failed(error)
            return False

    # Deletions: one that fails leaves a value that must not be read any more.

    def delete(self, key, version=None):
        try:
            return self._backend().delete(self._key(key), version=version)
        except _NoIdentity:
            # The key cannot be named, so its value stays: it must not be read again.
            self._distrust()
            return False
        except Exception as error:
            self._failed(error)
            self._distrust()
            return False

    def delete_many(self, keys, version=None):
        try:
            self._backend().delete_many([self._key(key) for key in keys], version=version)
        except _NoIdentity:
            self._distrust()
        except Exception as error:
            self._failed(error)
            self._distrust()

    def clear(self):
        try:
            self._backend().clear()
        except Exception as error:
            self._failed(error)
            self._distrust()

    def close(self, **kwargs):
        if self._wrapped is not None:
            try:
                self._wrapped.close(**kwargs)
            except Exception as error:
                self._failed(error)

    def answers(self):
        """True when a value written to the backend itself reads back (readiness check)."""
        try:
            backend = self._backend()
        except Exception:
            return False
        return _round_trip(backend)


def _round_trip(backend):
    key = f"ctn-readiness:{os.getpid()}:{threading.get_ident()}"
    token = os.urandom(8).hex()
    try:
        backend.set(key, token, 30)
        answered = backend.get(key) == token
        backend.delete(key)
    except Exception:
        return False
    return answered


def cache_answers(cache):
    """Whether `cache` (any backend) stores a value and gives it back."""
    if isinstance(cache, FailSafeCache):
        return cache.answers()
    return _round_trip(cache)


# -- a worker's memory ---------------------------------------------------------------------------


class BytesMemoryCache(LocMemCache):
    """Django's LocMemCache (a worker's memory), which keeps a bytes value as it is.

    LocMemCache pickles what it keeps so that a caller never changes the kept value; bytes
    cannot be changed, and a pickled PDF of record was copied whole again at every read. Any
    other value is pickled as by LocMemCache.
    """

    def _stored(self, value):
        return (value,) if type(value) is bytes else pickle.dumps(value, self.pickle_protocol)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        stored = self._stored(value)
        with self._lock:
            if self._has_expired(key):
                self._set(key, stored, timeout)
                return True
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        stored = self._stored(value)
        with self._lock:
            self._set(key, stored, timeout)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            stored = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return stored[0] if type(stored) is tuple else pickle.loads(stored)  # noqa: S301  # nosec B301

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("BytesMemoryCache keeps no counters")


# -- files ---------------------------------------------------------------------------------------


def _loads(data):
    # A pickle starts with 0x80, a zlib stream with 0x78: what Django's backend wrote is read.
    if data[:1] == b"\x78":
        data = zlib.decompress(data)
    return pickle.loads(data)  # noqa: S301  # nosec B301


class FileCache(FileBasedCache):
    """Django's FileBasedCache, its values uncompressed (reading the largest session page:
    0.20 ms with zlib, 0.05 without; a page takes 15-90 KB of disk, not 3-8) and its folder
    listed to count entries at most every CULL_INTERVAL seconds, not at every write (5 ms with
    5,000 pages)."""

    # Seconds; between two counts a process may write a few entries beyond MAX_ENTRIES.
    CULL_INTERVAL = 30

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._next_cull = 0.0

    def _cull(self):
        now = time.monotonic()
        if now < self._next_cull:
            return
        self._next_cull = now + self.CULL_INTERVAL
        super()._cull()

    def get(self, key, default=None, version=None):
        fname = self._key_to_file(key, version)
        try:
            with open(fname, "rb") as f:
                if not self._is_expired(f):
                    return _loads(f.read())
        except FileNotFoundError:
            pass
        return default

    def _write_content(self, file, timeout, value):
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        file.write(pickle.dumps(value, self.pickle_protocol))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            with open(self._key_to_file(key, version), "r+b") as f:
                try:
                    locks.lock(f, locks.LOCK_EX)
                    if self._is_expired(f):
                        return False
                    previous_value = _loads(f.read())
                    f.seek(0)
                    f.truncate()
                    self._write_content(f, timeout, previous_value)
                    return True
                finally:
                    locks.unlock(f)
        except FileNotFoundError:
            return False
