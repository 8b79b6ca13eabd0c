import datetime
import re

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from ctn import french
from ctn.roles import can_edit

register = template.Library()


@register.filter
def french_date(value):
    """ "28 septembre 2019", "1er octobre 2019"; a datetime is shown in the local time zone."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return french.long_date(value)


@register.filter
def file_size(value):
    return filesizeformat(value) if value is not None else ""


@register.filter
def guillemets(value):
    """No-break spaces inside « » (French typography); the result is escaped as usual."""
    return french.guillemets(value) if value else ""


@register.filter
def without_repeated_acronym(organization, capacity):
    """The organization to print after a capacity, unless the capacity already names it."""
    if not organization:
        return ""
    # "DRDSES Ségou" after "… de Ségou (DRDSES)": any upper-case word of the acronym counts.
    acronym = getattr(organization, "acronym", "") or str(organization)
    words = re.findall(r"[A-ZÀ-Ý]{2,}", acronym) or [acronym]
    if any(word.casefold() in (capacity or "").casefold() for word in words):
        return ""
    return organization


@register.inclusion_tag("reports/_minutes_hub.html", takes_context=True)
def minutes_hub(context, session):
    """The session page's hub for its minutes: their state, and the documents and actions the
    user's role allows, each one click away. The workflow's rules decide (allowed_actions);
    minutes not written yet are their unsaved draft. Reads nothing more than the session."""
    from reports.models import Minutes
    from sessions.models import Session

    user = context["request"].user
    try:
        minutes = session.minutes
    except Minutes.DoesNotExist:
        minutes = Minutes(session=session)
    editor = can_edit(user)
    held = session.status == Session.Status.HELD
    return {
        "session": session,
        "minutes": minutes,
        "allowed": minutes.allowed_actions(user),
        "editor": editor,
        "held": held,
        "dates_past": not held and session.end_date < timezone.localdate(),
        # A partner sees a session only once its minutes are validated (version of record).
        "published": minutes.pk is not None and (minutes.is_validated or minutes.version > 1),
        "csrf_token": context.get("csrf_token"),
    }
