"""The sessions as an iCalendar feed (RFC 5545) for a calendar program: /calendar.ics?token=…

Calendar programs do not log in: the feed is reached with the private token of a user's
profile (participants.models.Profile), and lists the sessions that user may know of: every
session for the secretariat and the coordinator; for the others (partners), the planned
sessions they are invited to and the past sessions whose minutes are validated.
"""

import datetime
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ctn.dates import in_range

logger = logging.getLogger(__name__)


def calendar_sessions(user):
    from sessions.models import Session

    # The calendar also announces planned sessions to partners: dates, not content.
    sessions = Session.objects.filter(status=Session.Status.PLANNED) | Session.objects.visible_to(
        user
    )
    return sessions.select_related("committee").order_by("start_date", "pk")


def session_summary(session):
    """ "18ème session ordinaire du CTN"."""
    return _("%(session)s of the %(committee)s") % {
        "session": session,
        "committee": session.committee.acronym,
    }


def session_location(session):
    """ "salle Kalanblo du Motel Savane, Ségou"."""
    return f"{session.venue}, {session.city}" if session.venue else session.city


def _uid_domain():
    return urlsplit(settings.SITE_URL).hostname or "ctn.localhost"


def session_event(session, *, stamp):
    from icalendar import Event

    from sessions.models import Session

    event = Event()
    # Stable across feeds and edits: a calendar program updates the event instead of adding one.
    event.add("uid", f"ctn-session-{session.pk}@{_uid_domain()}")
    event.add("dtstamp", stamp)
    event.add("summary", session_summary(session))
    # All-day events: DTEND is the day after the last day (exclusive).
    event.add("dtstart", session.start_date)
    event.add("dtend", session.end_date + datetime.timedelta(days=1))
    event.add("location", session_location(session))
    description = [session.objective.strip()] if session.objective.strip() else []
    if session.status == Session.Status.PLANNED:
        convocation = reverse("reports:convocation_pdf", args=[session.pk])
        description.append(_("Convocation: %(url)s") % {"url": settings.SITE_URL + convocation})
    if description:
        event.add("description", "\n\n".join(description))
    return event


def calendar_bytes(sessions):
    """The iCalendar file of `sessions`, in French."""
    from icalendar import Calendar

    with translation.override("fr"):
        calendar = Calendar()
        calendar.add("prodid", "-//CTN Jigisemejiri//Sessions//FR")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("CTN sessions"))
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        stamp = timezone.now().replace(microsecond=0)
        for session in sessions:
            if not (in_range(session.start_date) and in_range(session.end_date)):
                # Written behind the forms (the database by hand, an old import): one row out of
                # the calendar must not take every user's feed down with it.
                logger.warning(
                    "Session %s left out of the calendar feed: dates %s to %s out of range",
                    session.pk,
                    session.start_date,
                    session.end_date,
                )
                continue
            calendar.add_component(session_event(session, stamp=stamp))
        return calendar.to_ical()
