"""System checks of the reports app's configuration (`manage.py check`)."""

from django.core import checks

from reports.signing import SigningError, configured_certificate, load_signer


def signing_certificate(app_configs, **kwargs):
    """Every validation signs its PDF of record: without a certificate, every one fails."""
    if configured_certificate() is None:
        return [
            checks.Warning(
                "No certificate signs the PDFs of record: every validation will fail.",
                hint="Set SIGNING_PKCS12_FILE and SIGNING_PKCS12_PASSPHRASE_FILE (or "
                "SIGNING_PKCS12_PASSPHRASE); for a demo, run `manage.py make_demo_certificate` "
                "with DEBUG on.",
                id="reports.W001",
            )
        ]
    return []


def signing_certificate_opens(app_configs, **kwargs):
    """`check --deploy`: the certificate opens with its passphrase and has not expired."""
    if configured_certificate() is None:
        return []
    try:
        load_signer()
    except SigningError as error:
        return [checks.Warning(str(error), id="reports.W002")]
    return []
