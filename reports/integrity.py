"""The PDFs of record checked against their fingerprints, for the administrator.

A download checks the bytes it serves, but takes them from a verified disk copy when it can
(reports/pdf_store.py): an alteration of the bytes kept in the database would then go unseen
until a server reads them again. `check_stored_pdfs` reads every validated version's bytes from
the database, as the `verify_minutes` command does each night (see README), and records each
mismatch in the audit trail, as a refused download does.
"""

from reports import audit
from reports.models import MinutesVersion
from reports.pdf_store import verified_database_bytes


def check_stored_pdfs():
    """Return the validated versions whose stored bytes no longer match their SHA-256 (each
    recorded as an AuditEvent TAMPERED), reading one version's bytes at a time."""
    altered = []
    versions = MinutesVersion.objects.validated().without_pdf().select_related("minutes")
    for version in versions.iterator(chunk_size=50):
        if verified_database_bytes(version) is not None:
            continue
        altered.append(version)
        audit.record_altered_pdf(version, version.minutes.session_id, username="verify_minutes")
    return altered
