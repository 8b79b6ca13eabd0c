"""The log of PDF downloads, written off the request.

A download is one Download row. Its INSERT cost more than everything else a download does (the
database's work for it, on a machine whose cores the workers share), so each process hands its
rows to one writer thread, which writes what has gathered in one statement, at most
DOWNLOAD_LOG_DELAY seconds after the first of them. A row is therefore in the database a fraction
of a second after its download. A process that exits normally writes what it holds first; a
process killed outright loses the rows of its last fraction of a second, as `synchronous_commit`
off (below) already allowed for a crash of the database server. With DOWNLOAD_LOG_DELAY at 0,
or inside a transaction (the caller's, whose fate the row then shares), the row is written at
once, in the caller's thread.
"""

import atexit
import logging
import os
import queue
import threading

from django.conf import settings
from django.db import connection
from django.utils import timezone

from reports.models import Download

logger = logging.getLogger(__name__)

# At most this many rows in one statement.
BATCH = 500
# Seconds a row may wait for others (settings.DOWNLOAD_LOG_DELAY overrides it; 0: at once).
DELAY = 0.25
_STOP = object()


def record(version, user):
    """Log that `user` downloaded `version` (a validated MinutesVersion, its pk is enough)."""
    row = (version.pk, user.pk, timezone.now())
    if _delay() <= 0 or connection.in_atomic_block:
        write([row])
    else:
        _Writer.of_this_process().rows.put(row)


def flush():
    """Write the rows this process holds, now (its writer ends; the next download starts one)."""
    with _Writer._lock:
        writer, _Writer._current = _Writer._current, None
    if writer is not None and writer.pid == os.getpid():
        writer.stop()


def _delay():
    return getattr(settings, "DOWNLOAD_LOG_DELAY", DELAY)


def write(rows):
    """Insert `rows`, (version id, user id, time) triples, in one statement.

    On PostgreSQL the statement commits without waiting for its WAL record to reach the disk
    (`synchronous_commit` off for this one transaction): a crash of the database server may
    lose the rows of its last fraction of a second (at most three times `wal_writer_delay`,
    0.6 s by default), never corrupt nor reorder the rows kept; every other write keeps its
    synchronous commit. The setting and the rows go in one simple query, which forms one
    implicit transaction that `SET LOCAL` applies to (psycopg2 sends parameters inside the
    query text). Inside a transaction the rows are part of it. Download has no history trail.
    """
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or connection.Database.__name__ != "psycopg2"
    ):
        Download.objects.bulk_create(
            [Download(version_id=version, user_id=user, at=at) for version, user, at in rows]
        )
        return
    # The table name comes from the model's meta, never from input.
    table = connection.ops.quote_name(Download._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    insert = f'INSERT INTO {table} ("version_id", "user_id", "at") VALUES {values}'  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL synchronous_commit TO OFF; " + insert, [v for row in rows for v in row]
        )


class _Writer(threading.Thread):
    """The writer thread of one process (a forked worker starts its own)."""

    _current = None
    _lock = threading.Lock()

    def __init__(self):
        super().__init__(name="ctn-download-log", daemon=True)
        self.pid = os.getpid()
        self.rows = queue.SimpleQueue()
        self.stopping = threading.Event()

    @classmethod
    def of_this_process(cls):
        writer = cls._current
        if writer is not None and writer.pid == os.getpid():
            return writer
        with cls._lock:
            if cls._current is None or cls._current.pid != os.getpid():
                writer = cls()
                writer.start()
                atexit.register(writer.stop)
                cls._current = writer
        return cls._current

    def stop(self, timeout=5):
        """Write what is held and end (at the process's exit, and in tests)."""
        self.stopping.set()
        self.rows.put(_STOP)
        self.join(timeout)

    def run(self):
        stopping = False
        while not stopping:
            first = self.rows.get()
            if first is _STOP:
                break
            # The rows of the next fraction of a second gather in the queue while this thread
            # waits on the stop event alone: a download's put() wakes no thread (waiting on the
            # queue itself, the thread woke and took the interpreter lock at every download).
            self.stopping.wait(_delay())
            batch = [first]
            while True:
                try:
                    row = self.rows.get_nowait()
                except queue.Empty:
                    break
                if row is _STOP:
                    stopping = True
                else:
                    batch.append(row)
            for start in range(0, len(batch), BATCH):
                self._write(batch[start : start + BATCH])
        connection.close()

    @staticmethod
    def _write(rows):
        try:
            write(rows)
        except Exception:
            # Never the download's failure: its file was served; the loss is logged.
            logger.exception("%s download row(s) could not be written", len(rows))
        finally:
            connection.close_if_unusable_or_obsolete()
