import logging
from dataclasses import dataclass
from functools import wraps
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ctn import cache
from ctn.roles import can_edit
from participants.forms import QuickPersonForm
from sessions import forms, locking
from sessions.models import (
    Committee,
    FollowUp,
    Recommendation,
    Session,
    SessionFrozen,
    Tag,
)

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


@cache.whole_page
def session_detail(request, pk):
    """The page of a session, kept whole per user and state of the data (ctn/cache.py)."""
    user = request.user
    session = get_session_for_user(user, pk)
    refusal = session.edit_refusal
    editable = can_edit(user) and refusal is None
    context = {
        "session": session,
        "editable": editable,
        "frozen_message": str(refusal) if refusal is not None else "",
        "sections": SECTIONS,
    }
    html = render_to_string(
        "sessions/_session_page.html",
        {**context, "sections_html": _sections_html(request, session, editable)},
        request,
    )
    return render(request, "sessions/session_detail.html", {**context, "page_html": html})


class FollowUpOrigin(NamedTuple):
    """The session a followed-up recommendation was made at, as its follow-up links to it."""

    url: str
    name: str


def _sections_html(request, session, editable):
    """The recorded sections of the session page, from the co-chairs to the attendance list."""
    # The sections are read onto the session the header already fetched (with its committee
    # and rapporteurs): no second read of the session row.
    prefetch_related_objects(
        [session],
        *Session.objects.with_sections()._prefetch_related_lookups,
        Prefetch(
            "follow_ups",
            FollowUp.objects.select_related(
                "recommendation__session", "recommendation__responsible"
            ).order_by(
                "recommendation__session__start_date", "recommendation__order", "recommendation"
            ),
        ),
    )
    attendance_count = len(session.attendances.all())
    # Jinja2 (ctn/jinja2.py): the backend returns a plain string, escaped already.
    html = render_to_string(
        "sessions/_session_sections.html",
        {
            "session": session,
            "editable": editable,
            "sections": SECTIONS,
            "several_days": session.day_count > 1,
            "attendance_caption": ngettext(
                "%(counter)s person on the list", "%(counter)s people on the list", attendance_count
            )
            % {"counter": attendance_count},
            **_proceedings_context(session.proceedings()),
            "recommendations": [
                r for r in session.recommendations.all() if r.kind != r.Kind.BLOCKER
            ],
            "blockers": [r for r in session.recommendations.all() if r.kind == r.Kind.BLOCKER],
            **_tags_context(session),
            "follow_up_origins": _follow_up_origins(session),
        },
        request,
        using="jinja2",
    )
    return mark_safe(html)  # noqa: S308  # nosec B308, B703


def _tags_context(session):
    tags = Tag.objects.by_holders("agenda_items", "recommendations", session=session)
    return {
        "agenda_item_tags": tags["agenda_items"],
        "recommendation_tags": tags["recommendations"],
    }


def _follow_up_origins(session):
    """{session pk: FollowUpOrigin} of the recommendations followed up at `session`: each
    named once, however many of its recommendations are followed up."""
    origins = {}
    for follow_up in session.follow_ups.all():
        origin = follow_up.recommendation.session
        if origin.pk not in origins:
            if origin.committee_id == session.committee_id:
                origin.committee = session.committee  # read once, with the session
            origins[origin.pk] = FollowUpOrigin(origin.get_absolute_url(), capfirst(str(origin)))
    return origins


def _proceedings_context(proceedings):
    return {
        "opening_interventions": proceedings.opening,
        "agenda": proceedings.agenda,
        "other_interventions": proceedings.unplaced,
        "closing_interventions": proceedings.closing,
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
    context = {"form": form, "session": None if adding else session}
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if not adding:
                    locking.claim_form(request, session)
                session = form.save()
        except locking.EditConflict:
            return locking.edit_conflict(request, session, "sessions/session_form.html", context)
        except IntegrityError:
            # Another session took this number between the form's check and the save: the
            # unique constraint refused it; nothing was written.
            form.add_error("number", form.instance.number_clash() or _("Choose another number."))
            return render(request, "sessions/session_form.html", context)
        if adding:
            message = _("The %(session)s has been created. Fill in its sections below.")
        else:
            message = _("The %(session)s has been saved.")
        messages.success(request, message % {"session": session})
        return redirect(session)
    return render(request, "sessions/session_form.html", context)


@refuse_frozen
def section_edit(request, pk, section):
    session = get_session_for_user(request.user, pk, edit=True)
    section = SECTIONS[section]
    data = request.POST if request.method == "POST" else None
    formset = section.formset_class(data, instance=session)
    person_form = QuickPersonForm(data) if section.quick_add else None
    adds_person = person_form is not None and person_form.is_used

    def context(has_errors):
        return {
            "session": session,
            "section": section,
            "sections": SECTIONS.values(),
            "formset": formset,
            "person_form": person_form,
            "has_errors": has_errors,
        }

    if data is not None:
        response = save_section(
            request,
            session,
            section,
            formset,
            person_form,
            conflict=lambda: locking.edit_conflict(
                request, session, "sessions/section_form.html", context(False)
            ),
        )
        if response is not None:
            return response
    if person_form is not None and not adds_person:
        person_form = QuickPersonForm()  # left empty: shown afresh, without errors
    has_errors = formset.total_error_count() or (adds_person and person_form.errors)
    return render(request, "sessions/section_form.html", context(has_errors))


def save_section(request, session, section, formset, person_form, *, conflict):
    """Save the rows of a section, and the person added to the directory with them, under the
    session's edit lock. Returns the page to go to after the save, `conflict()` when someone
    saved the session meanwhile, or None when the form is to be shown again (its errors, or
    nothing written)."""
    adds_person = person_form is not None and person_form.is_used
    if not formset.is_valid() or (adds_person and not person_form.is_valid()):
        return None
    try:
        with transaction.atomic():
            locking.claim_form(request, session)
            formset.save()
            if adds_person:
                formset.add_person(person_form.save())
    except locking.EditConflict:
        return conflict()
    except IntegrityError:
        # Two rows swapped between them what must stay unique, or someone else saved the same
        # list meanwhile: nothing was written, the rows are shown again.
        messages.error(
            request,
            _(
                "The list could not be saved as it stands: it would hold the same entry "
                "twice. Check the rows and save again."
            ),
        )
        return None
    if adds_person:
        messages.success(
            request,
            _("%(person)s has been added to the directory and to this list.")
            % {"person": person_form.instance},
        )
    else:
        messages.success(request, _("Changes saved: %(section)s.") % {"section": section.title})
    if adds_person or "_continue" in request.POST:
        return redirect(request.path)
    return redirect(f"{session.get_absolute_url()}#{section.slug}")


RECOMMENDATIONS_PER_PAGE = 50
# Pages stay light on a mobile link and cost the same whatever the history: a page of sessions.
SESSIONS_PER_PAGE = 25


@cache.whole_page
def session_list(request):
    sessions = Session.objects.visible_to(request.user).select_related("committee", "minutes")
    tags = list(Tag.objects.all())
    form = forms.SessionFilterForm(request.GET or None, tags=tags)
    page = Paginator(form.filter(sessions), SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(session, getattr(session, "minutes", None)) for session in page.object_list]
    # Jinja2 (ctn/jinja2.py): the backend returns a plain string, escaped already.
    rows_html = render_to_string(
        "sessions/_session_rows.html", {"rows": rows}, request, using="jinja2"
    )
    context = {
        "sessions": page.object_list,
        "rows_html": mark_safe(rows_html),  # noqa: S308  # nosec B308, B703
        "page": page,
        "query_without_page": urlencode([(k, v) for k, v in request.GET.items() if k != "page"]),
        "filter_form": form,
        "filtered": form.is_filtered,
    }
    return render(request, "sessions/session_list.html", context)


def recommendation_list(request):
    """Recommendations across sessions, filtered by current status, organization, tag,
    committee and lateness; partners see only those of validated minutes."""
    today = timezone.localdate()
    tags = list(Tag.objects.all())
    form = forms.RecommendationFilterForm(request.GET or None, tags=tags)
    recommendations = form.filter(Recommendation.objects.visible_to(request.user), today)
    # The database sorts the matches on narrow rows (their ids) and reads whole only the page's.
    page = Paginator(
        recommendations.order_by(
            "-session__start_date", "-session__number", "order", "pk"
        ).values_list("pk", flat=True),
        RECOMMENDATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    page.object_list = _recommendation_rows(request.user, list(page.object_list), tags, today)
    return render(
        request,
        "sessions/recommendation_list.html",
        {
            "page": page,
            "filter_form": form,
            "today": today,
            "query_without_page": urlencode(
                [(k, v) for k, v in request.GET.items() if k != "page"]
            ),
        },
    )


class RecommendationRow(NamedTuple):
    """A row of the recommendations list, as it is shown (_recommendation_rows)."""

    text: str
    latest_follow_up_note: str
    tag_list: list
    session_name: str
    session_url: str
    committee_acronym: str
    responsible_name: str
    due_date: object
    due_words: str | None
    overdue: bool
    status_label: str


def _recommendation_rows(user, ids, tags, today):
    """The recommendations `ids`, in that order, with what their row shows worked out once:
    per session its name and address, per due date its words, the tags from `tags`. Read as
    values: one row object each instead of a recommendation, its session, committee and
    organization."""
    recommendations = {
        row["pk"]: row
        for row in Recommendation.objects.visible_to(user)
        .filter(pk__in=ids)
        .values(
            "pk",
            "text",
            "responsible_label",
            "due_date",
            "current_status_value",
            "latest_follow_up_note",
            "latest_follow_up_session_id",
            "session_id",
            "session__number",
            "session__kind",
            "session__start_date",
            "session__committee_id",
            "session__committee__acronym",
            "session__committee__meeting_noun",
            "session__committee__numbering",
            "responsible__acronym",
        )
    }
    tag_ids = {}
    for recommendation_id, tag_id in Recommendation.tags.through.objects.filter(
        recommendation_id__in=ids
    ).values_list("recommendation_id", "tag_id"):
        tag_ids.setdefault(recommendation_id, set()).add(tag_id)
    sessions, due_dates, rows = {}, {}, []
    for pk in ids:
        row = recommendations[pk]
        if row["session_id"] not in sessions:
            # Named as Session.__str__ names it, from the columns read with the row.
            session = Session(
                pk=row["session_id"],
                number=row["session__number"],
                kind=row["session__kind"],
                start_date=row["session__start_date"],
                committee=Committee(
                    pk=row["session__committee_id"],
                    meeting_noun=row["session__committee__meeting_noun"],
                    numbering=row["session__committee__numbering"],
                ),
            )
            sessions[session.pk] = (capfirst(str(session)), session.get_absolute_url())
        session_name, session_url = sessions[row["session_id"]]
        due = row["due_date"]
        if due is not None and due not in due_dates:
            due_dates[due] = date_format(due, "j F Y")
        status = row["current_status_value"]
        ids_of_tags = tag_ids.get(pk, ())
        rows.append(
            RecommendationRow(
                text=row["text"],
                latest_follow_up_note=row["latest_follow_up_note"],
                tag_list=[tag for tag in tags if tag.pk in ids_of_tags],
                session_name=session_name,
                session_url=session_url,
                committee_acronym=row["session__committee__acronym"],
                responsible_name=Recommendation.name_responsible(
                    row["responsible__acronym"], row["responsible_label"]
                ),
                due_date=due,
                due_words=due_dates.get(due),
                overdue=bool(due and due < today and status in Recommendation.OPEN_STATUSES),
                status_label=capfirst(
                    Recommendation.status_display(
                        status, followed_up=row["latest_follow_up_session_id"] is not None
                    )
                ),
            )
        )
    return rows


@refuse_frozen
def followup_edit(request, pk):
    """Record, at this session, the follow-up of the recommendations of earlier sessions."""
    session = get_session_for_user(request.user, pk, edit=True)
    recommendations = list(Recommendation.objects.to_follow_up_at(session))
    data = request.POST if request.method == "POST" else None
    formset = forms.FollowUpFormSet(data, session=session, recommendations=recommendations)
    context = {"session": session, "formset": formset, "has_errors": False}
    if data is not None and formset.is_valid():
        try:
            with transaction.atomic():
                locking.claim_form(request, session)
                changed = formset.save()
        except locking.EditConflict:
            return locking.edit_conflict(request, session, "sessions/followup_form.html", context)
        except IntegrityError:
            messages.error(
                request,
                _(
                    "The follow-up could not be saved: someone else saved it meanwhile. "
                    "Check the rows and save again."
                ),
            )
        else:
            messages.success(
                request,
                _("Follow-up saved: %(count)s change(s).") % {"count": changed},
            )
            return redirect(f"{session.get_absolute_url()}#followups")
    context["has_errors"] = formset.is_bound and not formset.is_valid()
    return render(
        request,
        "sessions/followup_form.html",
        context,
        status=400 if formset.is_bound else 200,
    )
