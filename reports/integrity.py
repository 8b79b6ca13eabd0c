"""The PDFs of record checked against their fingerprints, for the administrator.

A download checks the bytes it serves, but takes them from a verified disk copy when it can
(reports/pdf_store.py): an alteration of the bytes kept in the database would then go unseen
until a server reads them again. `check_stored_pdfs` reads every validated version's bytes from
the database, as the `verify_minutes` command does each night (see README), and records each
mismatch in the audit trail, as a refused download does.
"""

import hashlib

from reports import audit
from reports.models import AuditEvent, MinutesVersion


def check_stored_pdfs():
    """Return the validated versions whose stored bytes no longer match their SHA-256 (each
    recorded as an AuditEvent TAMPERED), reading one version's bytes at a time."""
    altered = []
    versions = MinutesVersion.objects.validated().without_pdf().select_related("minutes")
    for version in versions.iterator(chunk_size=50):
        pdf = bytes(MinutesVersion.objects.values_list("pdf", flat=True).get(pk=version.pk))
        if hashlib.sha256(pdf).hexdigest() == version.sha256:
            continue
        altered.append(version)
        audit.record(
            AuditEvent.Kind.TAMPERED,
            username="verify_minutes",
            session_id=version.minutes.session_id,
            detail=f"version {version.number}, sha256 {version.sha256}",
        )
    return altered
