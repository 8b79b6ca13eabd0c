"""Annexes of a session: the type of an uploaded file read from its content, and the writes.

A file is accepted only when its bytes are those of a PDF, a Word, Excel or PowerPoint document
(Office Open XML), or a PNG or JPEG image, and its name carries the extension of that type: an
executable renamed "rapport.pdf" or a damaged document is refused. The check is written out
here rather than taken from a library: six formats, each recognised by its signature and, for
the Office formats, by the main part their package declares, which a signature alone cannot
tell apart from any other ZIP archive.
"""

import hashlib
import logging
import zipfile
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone

from sessions.locking import lock_for_edit
from sessions.models import Annex

logger = logging.getLogger(__name__)

ContentType = Annex.ContentType

PDF_SIGNATURE = b"%PDF-"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
JPEG_SIGNATURE = b"\xff\xd8\xff"
JPEG_END = b"\xff\xd9"
ZIP_SIGNATURE = b"PK\x03\x04"
# How far from the end a PDF's "%%EOF" or an image's end marker may stand (trailing bytes
# written by some tools).
TAIL_SIZE = 2048
# The [Content_Types].xml of a real document is a few kilobytes; a bigger one is not read.
CONTENT_TYPES_MAX_SIZE = 1024 * 1024

# Office Open XML: the main part a package must hold, and the content type it must declare
# for it (a macro-enabled .docm/.xlsm/.pptm declares another one and is refused).
OFFICE_MAIN_PARTS = {
    ContentType.DOCX: (
        "word/document.xml",
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    ContentType.XLSX: (
        "xl/workbook.xml",
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    ContentType.PPTX: (
        "ppt/presentation.xml",
        b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def _tail(file):
    file.seek(0, 2)
    size = file.tell()
    file.seek(max(0, size - TAIL_SIZE))
    return file.read()


def _office_type(file):
    try:
        with zipfile.ZipFile(file) as package:
            names = set(package.namelist())
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX_SIZE:
                return None
            declared = package.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, NotImplementedError):
        return None
    found = [
        kind
        for kind, (part, part_type) in OFFICE_MAIN_PARTS.items()
        if part in names and part_type in declared
    ]
    return found[0] if len(found) == 1 else None


def detect_content_type(file):
    """The Annex.ContentType of an open binary file, read from its bytes, or None.

    None for anything else and for a damaged file: a PDF without its end marker, an image cut
    short, a ZIP archive that cannot be read or is not a Word, Excel or PowerPoint document.
    Leaves the file positioned at its start.
    """
    try:
        file.seek(0)
        head = file.read(16)
        if head.startswith(PDF_SIGNATURE):
            return ContentType.PDF if b"%%EOF" in _tail(file) else None
        if head.startswith(PNG_SIGNATURE):
            return ContentType.PNG if _tail(file).endswith(PNG_END) else None
        if head.startswith(JPEG_SIGNATURE):
            return ContentType.JPEG if JPEG_END in _tail(file) else None
        if head.startswith(ZIP_SIGNATURE):
            file.seek(0)
            return _office_type(file)
        return None
    finally:
        file.seek(0)


def extension_matches(name, content_type):
    return PurePath(name).suffix.lower() in Annex.EXTENSIONS[content_type]


def sha256_of(file):
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def add_annex(annex, uploaded_file, *, content_type, user):
    """Store an uploaded file (already checked by AnnexForm) and its row.

    Writes the file through Django's storage API under annexes/session-<pk>/ with a random name,
    then the row; if the row cannot be written (the session was frozen meanwhile), the file is
    removed again. Raises SessionFrozen for a frozen session, and OSError when the file cannot
    be written (disk full…): then no row is written and no part of the file is left.
    """
    annex.original_name = PurePath(uploaded_file.name).name[:255]
    annex.content_type = content_type
    annex.size = uploaded_file.size
    annex.sha256 = sha256_of(uploaded_file)
    annex.uploaded_by = user
    annex.ensure_not_frozen()
    annex.file = _store(annex, uploaded_file)
    try:
        with transaction.atomic():
            lock_for_edit(annex.session)
            annex.save()
    except Exception:
        annex.file.storage.delete(annex.file.name)
        raise
    return annex


def _store(annex, uploaded_file):
    """Write the uploaded file under the annex's new random name, and return that name.

    A write that fails half-way (disk full, quota, I/O error) leaves part of the file in the
    storage: it is removed before the error goes on, so that a full disk gets no fuller. The
    name is new and random: no other file can be under it.
    """
    field = annex.file.field
    name = field.generate_filename(annex, uploaded_file.name)
    try:
        return annex.file.storage.save(name, uploaded_file, max_length=field.max_length)
    except OSError:
        _delete_file(annex.file.storage, name)
        raise


def delete_annex(annex):
    """Delete an annex row, then its file once the deletion is committed; an annex that a
    validated version lists is withdrawn from the next version instead (row and file stay).
    Returns True when withdrawn.

    Raises SessionFrozen (or SessionSubmitted), and changes nothing, when the session's minutes
    are validated (or submitted), as read under the session's lock.
    """
    storage, name = annex.file.storage, annex.file.name
    with transaction.atomic():
        lock_for_edit(annex.session)
        annex = Annex.objects.get(pk=annex.pk)
        if annex.recorded_at is not None:
            annex.withdrawn_at = timezone.now()
            annex.save(update_fields=["withdrawn_at"])
            return True
        annex.delete()
        transaction.on_commit(lambda: _delete_file(storage, name))
    return False


def _delete_file(storage, name):
    try:
        storage.delete(name)
    except OSError:
        # The row is gone, which is what matters; a stray file is only disk space.
        logger.exception("Could not delete the annex file %s", name)
