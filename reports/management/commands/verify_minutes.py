from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.integrity import check_stored_pdfs
from reports.models import MinutesVersion


class Command(BaseCommand):
    help = (
        "Check every validated PDF of record kept in the database against its SHA-256; "
        "record and report any altered one (exit status 1)."
    )

    def handle(self, *args, **options):
        altered = check_stored_pdfs()
        checked = MinutesVersion.objects.validated().count()
        if altered:
            for version in altered:
                self.stderr.write(
                    _("Altered: %(version)s (recorded SHA-256 %(sha256)s).")
                    % {"version": version, "sha256": version.sha256}
                )
            raise CommandError(
                ngettext(
                    "%(count)d validated PDF of %(total)d no longer matches its fingerprint.",
                    "%(count)d validated PDFs of %(total)d no longer match their fingerprints.",
                    len(altered),
                )
                % {"count": len(altered), "total": checked}
            )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "%(total)d validated PDF checked: it matches its fingerprint.",
                    "%(total)d validated PDFs checked: all match their fingerprints.",
                    checked,
                )
                % {"total": checked}
            )
        )
