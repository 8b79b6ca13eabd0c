"""Reminders: each responsible organization's digest of its recommendations due soon or overdue.

`send_reminders()` (run daily by `manage.py send_reminders`, see README) e-mails the contacts of
each organization one digest of its open recommendations whose deadline is past or within
REMINDER_DUE_WITHIN_DAYS days, and records it (ReminderSent). An organization gets no other
digest for REMINDER_PERIOD_DAYS days: running the command again sends nothing twice.

Only what partners may see is chased: recommendations of validated minutes, with their status
as the validated minutes give it (a follow-up recorded in minutes still in draft is not
known to partners yet). A contact never receives draft content.

The contacts are the active users whose person in the directory belongs to the organization,
with an e-mail address, who did not opt out on their profile: the directory's people without
an account are not written to (they could not opt out, nor open the links). Each receives the
digest alone (no one sees the others' addresses), in the language of their profile, French by
default.
"""

import datetime
import logging
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from participants.models import Organization
from reports.models import Minutes, ReminderSent
from sessions.models import Recommendation

logger = logging.getLogger(__name__)


@dataclass
class Digest:
    organization: Organization
    overdue: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)


@dataclass
class Outcome:
    sent: list = field(default_factory=list)  # ReminderSent rows written
    skipped: list = field(default_factory=list)  # (organization, reason)
    failed: list = field(default_factory=list)  # organizations whose e-mails could not leave


def chased_recommendations(today):
    """The open recommendations of validated minutes, with a responsible organization and a
    deadline past or within REMINDER_DUE_WITHIN_DAYS days, by organization then deadline."""
    horizon = today + datetime.timedelta(days=settings.REMINDER_DUE_WITHIN_DAYS)
    return (
        Recommendation.objects.filter(
            session__minutes__status=Minutes.Status.VALIDATED,
            responsible__isnull=False,
            due_date__lte=horizon,
        )
        .with_current_status(validated_only=True)
        .current_status_in(Recommendation.OPEN_STATUSES)
        .select_related("session__committee", "responsible")
        .order_by("responsible_id", "due_date", "session__start_date", "order", "pk")
    )


def digests(today):
    for _organization_id, rows in groupby(
        chased_recommendations(today), lambda r: r.responsible_id
    ):
        rows = list(rows)
        digest = Digest(rows[0].responsible)
        for recommendation in rows:
            if recommendation.due_date < today:
                recommendation.days_overdue = (today - recommendation.due_date).days
                digest.overdue.append(recommendation)
            else:
                recommendation.days_left = (recommendation.due_date - today).days
                digest.due_soon.append(recommendation)
        yield digest


def recipients(organization):
    """The organization's contacts who receive its digest (see the module's docstring)."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, person__organization=organization)
        .exclude(email="")
        .exclude(ctn_profile__remind_recommendations=False)
        .annotate(interface_language=F("ctn_profile__language"))
        .order_by("pk")
    )


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def digest_messages(digest, users, today):
    """One e-mail (plain text and HTML) per user, in the language of their profile."""
    organization = digest.organization
    list_url = reverse("sessions:recommendation_list")
    query = {"status": "open", "organization": organization.pk}
    context = {
        "organization": organization,
        "overdue": digest.overdue,
        "due_soon": digest.due_soon,
        "count": len(digest.overdue) + len(digest.due_soon),
        "due_within": settings.REMINDER_DUE_WITHIN_DAYS,
        "period": settings.REMINDER_PERIOD_DAYS,
        "today": today,
        "site_url": settings.SITE_URL,
        "list_url": _absolute(f"{list_url}?{urlencode(query)}"),
        "overdue_url": _absolute(f"{list_url}?{urlencode({**query, 'overdue': 1})}"),
        "profile_url": _absolute(reverse("profile")),
    }
    for recommendation in digest.overdue + digest.due_soon:
        session = recommendation.session
        recommendation.url = _absolute(f"{session.get_absolute_url()}#recommendations")
    rendered = {}
    messages = []
    for user in users:
        language = user.interface_language or settings.LANGUAGE_CODE
        if language not in rendered:
            with translation.override(language):
                subject = render_to_string("reports/email/reminder_subject.txt", context)
                rendered[language] = (
                    " ".join(subject.split()),
                    render_to_string("reports/email/reminder_body.txt", context),
                    render_to_string("reports/email/reminder_body.html", context),
                )
        subject, text, html = rendered[language]
        message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def send_digest(digest, today, connection):
    """Send `digest` unless its organization was reminded less than REMINDER_PERIOD_DAYS ago.

    In one transaction: the organization's row is locked (a second run waits here, then finds
    the digest recorded), the digest recorded, the e-mails sent. A failure to send undoes the
    record, so the next run tries again. Returns the ReminderSent row, or the reason it was
    not sent.
    """
    organization = digest.organization
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if ReminderSent.objects.filter(organization=organization, period_end__gt=today).exists():
            return "already_reminded"
        users = recipients(organization)
        if not users:
            return "no_recipient"
        try:
            with transaction.atomic():
                sent = ReminderSent.objects.create(
                    organization=organization,
                    period_start=today,
                    period_end=today + datetime.timedelta(days=settings.REMINDER_PERIOD_DAYS),
                    recipients="\n".join(user.email for user in users),
                    overdue_count=len(digest.overdue),
                    due_soon_count=len(digest.due_soon),
                )
        except IntegrityError:
            # Another run recorded it first (a database without row locks): it sends it.
            return "already_reminded"
        connection.send_messages(digest_messages(digest, users, today))
    return sent


def send_reminders(today=None):
    """Send every digest that is due today; returns an Outcome. Side effects: e-mails through
    the configured backend, one ReminderSent row per digest sent."""
    today = today or timezone.localdate()
    outcome = Outcome()
    pending = list(digests(today))
    if not pending:
        return outcome
    with get_connection() as connection:
        for digest in pending:
            try:
                result = send_digest(digest, today, connection)
            except Exception:  # SMTP, network: logged, the other organizations still go.
                logger.exception("The reminder to %s could not be sent", digest.organization)
                outcome.failed.append(digest.organization)
                continue
            if isinstance(result, ReminderSent):
                outcome.sent.append(result)
            else:
                outcome.skipped.append((digest.organization, result))
    return outcome
