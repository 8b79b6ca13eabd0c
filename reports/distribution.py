"""Distribution of validated minutes to the partners by e-mail.

`services.validate` asks for `notify_partners(version)` through `transaction.on_commit`: the
e-mails leave only once the validation is committed, and a failure to send them is logged but
never undoes the validation (the minutes are on the portal whatever happens to the e-mails).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ctn.roles import Role

logger = logging.getLogger(__name__)


def partner_recipients():
    """The active partner users with an e-mail address who did not opt out on their profile."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.PARTNER)
        .exclude(email="")
        .exclude(ctn_profile__notify_minutes=False)
        .distinct()
        .order_by("pk")
    )


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def minutes_validated_messages(version, recipients):
    """One French e-mail per recipient (no one sees the others' addresses)."""
    session = version.minutes.session
    with translation.override("fr"):
        context = {
            "session": session,
            "committee": session.committee,
            "version": version,
            "pdf_url": _absolute(reverse("reports:minutes_pdf", args=[session.pk])),
            "minutes_url": _absolute(reverse("reports:detail", args=[session.pk])),
            "profile_url": _absolute(reverse("profile")),
        }
        subject = render_to_string("reports/email/minutes_validated_subject.txt", context)
        subject = " ".join(subject.split())
        body = render_to_string("reports/email/minutes_validated_body.txt", context)
    return [
        EmailMessage(subject=subject, body=body, to=[user.email], from_email=None)
        for user in recipients
    ]


def notify_partners(version):
    """E-mail every partner recipient the link to the PDF of the validated `version`.

    Sends through one connection of the configured backend (SMTP settings from the
    environment; the console in development). Returns the number of e-mails sent; 0 when
    sending failed, which is logged and changes nothing else.
    """
    from reports.models import MinutesVersion

    version = (
        MinutesVersion.objects.without_pdf()
        .select_related("minutes__session__committee")
        .get(pk=version.pk)
    )
    messages = minutes_validated_messages(version, partner_recipients())
    if not messages:
        return 0
    try:
        with get_connection() as connection:
            sent = connection.send_messages(messages) or 0
    except Exception:  # SMTP, network, configuration: the validation stands, the log says why.
        logger.exception(
            "The e-mails announcing %s could not be sent to %d partners", version, len(messages)
        )
        return 0
    logger.info("Validated minutes %s announced to %d partners", version, sent)
    return sent
