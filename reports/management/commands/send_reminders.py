import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail each responsible organization's contacts the digest of their recommendations "
        "due soon or overdue, unless it was sent less than REMINDER_PERIOD_DAYS days ago. "
        "Meant to run daily; running it again sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="Act as on this day (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args, **options):
        outcome = send_reminders(options["date"])
        for sent in outcome.sent:
            self.stdout.write(
                _("Reminded %(organization)s: %(recipients)s.")
                % {
                    "organization": sent.organization,
                    "recipients": ", ".join(sent.recipients.splitlines()),
                }
            )
        self.stdout.write(
            ngettext(
                "%(count)d digest sent; organizations not due or without contact: %(skipped)d.",
                "%(count)d digests sent; organizations not due or without contact: %(skipped)d.",
                len(outcome.sent),
            )
            % {"count": len(outcome.sent), "skipped": len(outcome.skipped)}
        )
        if outcome.failed:
            raise CommandError(
                _("The digest could not be sent to: %(organizations)s (see the log).")
                % {"organizations": ", ".join(str(o) for o in outcome.failed)}
            )
