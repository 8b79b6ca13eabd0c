"""Files for other programs: the recommendations and attendance tables, the calendar feed."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ctn.roles import can_edit
from participants.models import Profile
from sessions import exports, ical
from sessions.models import Session
from sessions.views import get_session_for_user


@require_GET
def recommendations_export(request, pk, file_format):
    session = get_session_for_user(request.user, pk)
    return exports.table_response(exports.recommendations_table(session), file_format)


@require_GET
def all_recommendations_export(request, file_format):
    sessions = Session.objects.visible_to(request.user)
    return exports.table_response(exports.all_recommendations_table(sessions), file_format)


@require_GET
def attendance_export(request, pk, file_format):
    session = get_session_for_user(request.user, pk)
    table = exports.attendance_table(session, with_contacts=can_edit(request.user))
    return exports.table_response(table, file_format)


def _calendar_refusal(message, status):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@login_not_required
@require_GET
def calendar_feed(request):
    """The sessions as iCalendar for a calendar program, reached with a profile's private
    token (no log-in): 404 for an unknown or revoked token, 403 once it has expired."""
    token = request.GET.get("token", "")
    profile = None
    if 20 <= len(token) <= 100:
        profile = (
            Profile.objects.select_related("user")
            .filter(calendar_token=Profile.hash_token(token), user__is_active=True)
            .first()
        )
    if profile is None:
        return _calendar_refusal(
            _("Unknown or revoked calendar link. Create a new one on your profile page."), 404
        )
    if profile.calendar_token_expired():
        return _calendar_refusal(
            _("This calendar link has expired. Create a new one on your profile page."), 403
        )
    response = HttpResponse(
        ical.calendar_bytes(ical.calendar_sessions(profile.user)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(False, "ctn.ics")
    response["Cache-Control"] = "private, no-cache"
    return response
