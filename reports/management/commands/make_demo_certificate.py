from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reports.signing import make_demo_certificate

DEMO_SIGNER = "Comité Technique National – certificat de démonstration"
DEMO_ORGANIZATION = "CTN"


class Command(BaseCommand):
    help = (
        "Make the self-signed demo certificate that signs the PDFs of record when no "
        "committee certificate is configured (DEBUG on only); `make run` calls it."
    )
    # The check it would run says there is no certificate yet: the very thing it makes.
    requires_system_checks = []

    def handle(self, *args, **options):
        if settings.SIGNING_PKCS12_FILE:
            self.stdout.write(
                _("The committee's certificate signs the PDFs of record: %(path)s")
                % {"path": settings.SIGNING_PKCS12_FILE}
            )
            return
        path, made = make_demo_certificate(DEMO_SIGNER, DEMO_ORGANIZATION)
        message = (
            _("Self-signed demo certificate made: %(path)s.")
            if made
            else _("Self-signed demo certificate found: %(path)s.")
        )
        self.stdout.write(self.style.WARNING(message % {"path": path}))
        self.stdout.write(
            self.style.WARNING(
                _(
                    "With DEBUG on, it signs the PDFs of record: a demo signature, not the "
                    "committee's. In production, set SIGNING_PKCS12_FILE and its passphrase."
                )
            )
        )
