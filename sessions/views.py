import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ctn.roles import can_edit, is_coordinator
from participants.forms import QuickPersonForm
from participants.models import Profile
from reports.models import Minutes
from sessions import annexes, exports, forms, ical
from sessions.models import Annex, Intervention, Session, SessionFrozen

logger = logging.getLogger(__name__)


def get_session_for_user(user, pk, *, edit=False, queryset=None):
    """The session `pk` as `user` may have it.

    404 when the user may not see it; PermissionDenied when asked for editing by someone who
    only reads (partners, whatever the session); SessionFrozen when its minutes are validated.
    """
    if edit and not can_edit(user):
        raise PermissionDenied
    queryset = Session.objects.all() if queryset is None else queryset
    session = get_object_or_404(
        queryset.select_related("committee", "minutes").visible_to(user), pk=pk
    )
    if edit:
        session.ensure_editable()
    return session


def refuse_frozen(view):
    """Send an edit of a frozen session back to its page with the reason; nothing is changed."""

    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        try:
            return view(request, pk, *args, **kwargs)
        except SessionFrozen as frozen:
            messages.error(request, str(frozen))
            return redirect("sessions:detail", pk=pk)

    return wrapper


@dataclass(frozen=True)
class Section:
    """One screen editing one list of a session; `slug` is its URL and its anchor."""

    slug: str
    title: Promise
    formset_class: type
    help_text: Promise = ""
    quick_add: bool = False


SECTIONS = {
    section.slug: section
    for section in [
        Section(
            "cochairs",
            gettext_lazy("Co-chairs"),
            forms.CoChairFormSet,
            quick_add=True,
        ),
        Section("agenda", gettext_lazy("Agenda"), forms.AgendaItemFormSet),
        Section(
            "interventions",
            gettext_lazy("Interventions"),
            forms.InterventionFormSet,
            gettext_lazy(
                "Speeches of the opening and closing ceremonies, and the exchanges on each "
                "agenda item. Record the agenda first to attach interventions to its items."
            ),
        ),
        Section("results", gettext_lazy("Expected results"), forms.ExpectedResultFormSet),
        Section(
            "recommendations",
            gettext_lazy("Recommendations and blockers"),
            forms.RecommendationFormSet,
        ),
        Section(
            "attendance",
            gettext_lazy("Attendance list"),
            forms.AttendanceFormSet,
            quick_add=True,
        ),
    ]
}


def home(request):
    user = request.user
    sessions = Session.objects.visible_to(user).select_related("committee", "minutes")
    today = timezone.localdate()
    awaiting = []
    if can_edit(user):
        awaiting = [
            (
                _("Sessions whose dates have passed, still marked as planned"),
                sessions.filter(status=Session.Status.PLANNED, end_date__lt=today),
            ),
            (
                _("Held sessions whose minutes are still to be written"),
                sessions.filter(status=Session.Status.HELD).filter(
                    Q(minutes__isnull=True) | Q(minutes__status=Minutes.Status.DRAFT)
                ),
            ),
        ]
        if is_coordinator(user):
            awaiting.append(
                (
                    _("Minutes submitted for validation"),
                    sessions.filter(minutes__status=Minutes.Status.SUBMITTED),
                )
            )
        awaiting = [(title, list(group)) for title, group in awaiting]
    return render(
        request,
        "home.html",
        {
            "next_session": sessions.filter(status=Session.Status.PLANNED, end_date__gte=today)
            .order_by("start_date")
            .first(),
            "latest_sessions": sessions.filter(status=Session.Status.HELD)[:5],
            "awaiting": [(title, group) for title, group in awaiting if group],
            "show_awaiting": can_edit(user),
        },
    )


def session_list(request):
    sessions = Session.objects.visible_to(request.user).select_related("committee", "minutes")
    return render(request, "sessions/session_list.html", {"sessions": sessions})


def session_detail(request, pk):
    session = get_session_for_user(request.user, pk, queryset=Session.objects.with_sections())
    return render(
        request,
        "sessions/session_detail.html",
        {
            "session": session,
            "editable": can_edit(request.user) and not session.is_frozen,
            "frozen_message": str(SessionFrozen(session)) if session.is_frozen else "",
            "sections": SECTIONS,
            **interventions_by_moment(session),
            "recommendations": [
                r for r in session.recommendations.all() if r.kind != r.Kind.BLOCKER
            ],
            "blockers": [r for r in session.recommendations.all() if r.kind == r.Kind.BLOCKER],
        },
    )


def interventions_by_moment(session):
    """The session's interventions in the order of the day: the opening ceremony, each
    agenda item with its exchanges, the exchanges on no item, the closing ceremony."""
    by_item = defaultdict(list)
    opening, closing = [], []
    for intervention in session.interventions.all():
        if intervention.moment == Intervention.Moment.OPENING:
            opening.append(intervention)
        elif intervention.moment == Intervention.Moment.CLOSING:
            closing.append(intervention)
        else:
            by_item[intervention.agenda_item_id].append(intervention)
    return {
        "opening_interventions": opening,
        "agenda": [(item, by_item[item.pk]) for item in session.agenda_items.all()],
        "other_interventions": by_item[None],
        "closing_interventions": closing,
    }


def session_create(request):
    if not can_edit(request.user):
        raise PermissionDenied
    return _edit_session(request, Session())


@refuse_frozen
def session_edit(request, pk):
    session = get_session_for_user(request.user, pk, edit=True)
    return _edit_session(request, session)


def _edit_session(request, session):
    adding = session._state.adding
    form = forms.SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.save()
        if adding:
            message = _("The %(session)s has been created. Fill in its sections below.")
        else:
            message = _("The %(session)s has been saved.")
        messages.success(request, message % {"session": session})
        return redirect(session)
    return render(
        request,
        "sessions/session_form.html",
        {"form": form, "session": None if adding else session},
    )


@refuse_frozen
def section_edit(request, pk, section):
    session = get_session_for_user(request.user, pk, edit=True)
    section = SECTIONS[section]
    data = request.POST if request.method == "POST" else None
    formset = section.formset_class(data, instance=session)
    person_form = QuickPersonForm(data) if section.quick_add else None
    adds_person = person_form is not None and person_form.is_used
    if data is not None:
        if formset.is_valid() and (not adds_person or person_form.is_valid()):
            try:
                with transaction.atomic():
                    formset.save()
                    if adds_person:
                        formset.add_person(person_form.save())
            except IntegrityError:
                # Two rows swapped between them what must stay unique, or someone else saved
                # the same list meanwhile: nothing was written, the rows are shown again.
                messages.error(
                    request,
                    _(
                        "The list could not be saved as it stands: it would hold the same entry "
                        "twice. Check the rows and save again."
                    ),
                )
            else:
                if adds_person:
                    messages.success(
                        request,
                        _("%(person)s has been added to the directory and to this list.")
                        % {"person": person_form.instance},
                    )
                else:
                    messages.success(
                        request, _("Changes saved: %(section)s.") % {"section": section.title}
                    )
                if adds_person or "_continue" in data:
                    return redirect(request.path)
                return redirect(f"{session.get_absolute_url()}#{section.slug}")
    if person_form is not None and not adds_person:
        person_form = QuickPersonForm()  # left empty: shown afresh, without errors
    return render(
        request,
        "sessions/section_form.html",
        {
            "session": session,
            "section": section,
            "sections": SECTIONS.values(),
            "formset": formset,
            "person_form": person_form,
            "has_errors": formset.total_error_count() or (adds_person and person_form.errors),
        },
    )


# -- Annexes ------------------------------------------------------------------------------------


def annex_list(request, pk):
    """The annexes of a session, and the upload form (secretariat and coordinator)."""
    if not can_edit(request.user):
        raise PermissionDenied
    session = get_session_for_user(request.user, pk)
    frozen = session.is_frozen
    form = None if frozen else forms.AnnexForm(session=session)
    if request.method == "POST":
        if frozen:
            messages.error(request, str(SessionFrozen(session)))
            return redirect("sessions:annexes", pk=pk)
        form = forms.AnnexForm(request.POST, request.FILES, session=session)
        if form.is_valid():
            try:
                annex = annexes.add_annex(
                    form.instance,
                    form.cleaned_data["file"],
                    content_type=form.detected_content_type,
                    user=request.user,
                )
            except SessionFrozen as refused:
                messages.error(request, str(refused))
                return redirect("sessions:annexes", pk=pk)
            messages.success(request, _("The annex “%(title)s” has been added.") % {"title": annex})
            return redirect("sessions:annexes", pk=pk)
    return render(
        request,
        "sessions/annex_list.html",
        {
            "session": session,
            "annexes": session.annexes.select_related("agenda_item", "uploaded_by"),
            "form": form,
            "frozen_message": str(SessionFrozen(session)) if frozen else "",
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@require_GET
def annex_download(request, pk, annex_pk):
    """An annex file, under the minutes' rule: partners only once the minutes are published."""
    if not can_edit(request.user):
        get_object_or_404(Minutes.objects.published(), session_id=pk)
    annex = get_object_or_404(Annex, pk=annex_pk, session_id=pk)
    try:
        file = annex.file.open("rb")
    except OSError:
        logger.exception("Annex file %s is missing from the storage", annex.file.name)
        raise Http404 from None
    response = FileResponse(
        file, as_attachment=True, filename=annex.download_name, content_type=annex.content_type
    )
    response["Cache-Control"] = "private, no-cache"
    return response


@require_POST
def annex_delete(request, pk, annex_pk):
    if not can_edit(request.user):
        raise PermissionDenied
    annex = get_object_or_404(Annex, pk=annex_pk, session_id=pk)
    try:
        annexes.delete_annex(annex)
    except SessionFrozen as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The annex “%(title)s” has been deleted.") % {"title": annex})
    return redirect("sessions:annexes", pk=pk)


# -- Exports and calendar -----------------------------------------------------------------------


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
