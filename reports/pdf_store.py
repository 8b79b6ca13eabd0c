"""The bytes of a validated PDF, never served unless checked against their fingerprint.

The PDF of record stays in the database (MinutesVersion.pdf): a backup carries it with its
record, and on PostgreSQL a trigger refuses any change to it. Reading that column costs more
than all the rest of a download, so each server also keeps a copy of the PDFs it has served in
CACHE_DIR/pdf/, one file per PDF named after its SHA-256. The copy is only a cache: being named
after its content, it never goes stale and needs no invalidation, and servers need not share it.

Whichever copy is read, its SHA-256 is checked against the one recorded at validation before
it is served. A worker then keeps the bytes it has checked in its own memory (ctn/cache.py,
PDF, at most a few of them, none over MEMORY_MAX_BYTES), named by that SHA-256: what it serves
from there are the bytes it checked, which nothing outside the process can change.

A disk copy that fails the check is ignored and rewritten from the database;
database bytes that fail it are never served nor copied (the view answers 409 and records the
incident). What the disk copy saves is reading the database's bytes: while a good copy exists,
an alteration of the database's bytes is not seen at download (what is served is still the PDF
of record); it is seen as soon as a server reads them again.
"""

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

from ctn import cache
from ctn.cache_backends import report_cache_failure
from reports.models import MinutesVersion

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")


def published_parts(session_pk, number, language):
    """The parts of the DOWNLOAD key (ctn/cache.py) of what a download needs of the validated
    version `number` (None: the latest) of a session's minutes, its file name in `language`.
    Only a validation changes which version is the latest: it forgets that key."""
    return (session_pk, number or "latest", language)


def forget_latest(session_pk):
    cache.forget(
        cache.DOWNLOAD, *(published_parts(session_pk, None, code) for code, _ in settings.LANGUAGES)
    )


def _copy_path(sha256):
    # The name comes from the database; only a well-formed digest may name a file.
    if not _SHA256.fullmatch(sha256):
        return None
    return Path(settings.CACHE_DIR) / "pdf" / f"{sha256}.pdf"


def _read_copy(path):
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write_copy(path, pdf):
    """Write the copy atomically (a temporary file renamed over it), or give up: a full disk or
    a read-only directory only means the next download reads the database again.
    No fsync: a copy torn by a crash fails its check and is written again."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=".", suffix=".tmp", delete=False
        ) as file:
            temporary = file.name
            file.write(pdf)
        os.replace(temporary, path)
    except OSError as error:
        # A full disk: logged once per process, the PDF is served from the database's bytes.
        report_cache_failure(str(path.parent), error)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _matches(pdf, sha256):
    return hashlib.sha256(pdf).hexdigest() == sha256


def verified_database_bytes(version):
    """The bytes of record of `version` as the database keeps them, or None when they no
    longer match its recorded SHA-256."""
    pdf = bytes(MinutesVersion.objects.values_list("pdf", flat=True).get(pk=version.pk))
    return pdf if _matches(pdf, version.sha256) else None


# A signed scan kept as the original may weigh up to VERIFY_MAX_SIZE: not kept in memory.
MEMORY_MAX_BYTES = 2 * 1024 * 1024


def verified_pdf_bytes(version):
    """The PDF of record of `version` (a validated MinutesVersion; its pk and sha256 are
    enough), or None when the database's bytes no longer match the recorded SHA-256: from the
    worker's memory, else checked from disk or database (_checked_pdf_bytes)."""
    return cache.kept(
        cache.PDF,
        (version.sha256,),
        lambda: _checked_pdf_bytes(version),
        keep=lambda pdf: len(pdf) <= MEMORY_MAX_BYTES,
    )


def _checked_pdf_bytes(version):
    """Reads the disk copy if it matches; otherwise reads the database and, if those bytes
    match, writes them as the new disk copy (its side effect)."""
    path = _copy_path(version.sha256)
    if path is not None:
        pdf = _read_copy(path)
        if pdf is not None:
            if _matches(pdf, version.sha256):
                return pdf
            logger.warning("The disk copy %s does not match its SHA-256: replaced", path)
    pdf = verified_database_bytes(version)
    if pdf is None:
        return None
    if path is not None:
        _write_copy(path, pdf)
    return pdf
