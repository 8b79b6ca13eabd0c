import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ctn import french
from ctn.changes import latest_change, render_cached
from ctn.pages import whole_page_cache
from ctn.roles import can_edit, is_coordinator
from ctn.uploads import limit_upload, upload_refusal
from participants.forms import QuickPersonForm
from participants.models import Attendance, Organization, Person, Profile
from reports import audit
from reports.models import AuditEvent, Minutes, MinutesEvent
from sessions import annexes, exports, forms, ical, locking
from sessions import search as full_text
from sessions.models import (
    AgendaItem,
    Annex,
    Committee,
    FollowUp,
    Intervention,
    Recommendation,
    Session,
    SessionFrozen,
    Tag,
)

logger = logging.getLogger(__name__)

# The dashboard, the session list and the search, kept whole per user (ctn/pages.py), at
# most this long for what the change stamps cannot see.
WHOLE_PAGE_SECONDS = 600


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


def session_detail(request, pk):
    """The page of a session. That of a validated session is the same for everyone of a role
    until its minutes get a new version or what it shows from outside the session changes:
    rendered once per such state and kept in the "pages" cache (see _sections_html)."""
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
    key = html = None
    if session.is_frozen:
        role = "coordinator" if is_coordinator(user) else "editor" if can_edit(user) else "partner"
        stamp = latest_change(Recommendation, Person, Organization, Tag, Annex)
        language = translation.get_language()
        key = f"session-page:{session.pk}:v{session.minutes.version}:{language}:{role}:{stamp}"
        html = caches["pages"].get(key)
    if html is None:
        prefetch_related_objects([session], "rapporteurs__organization")
        html = render_to_string(
            "sessions/_session_page.html",
            {**context, "sections_html": _sections_html(request, session, editable)},
            request,
        )
        if key is not None:
            caches["pages"].set(key, html)
    return render(request, "sessions/session_detail.html", {**context, "page_html": html})


def _sections_html(request, session, editable):
    """The recorded sections of the session page, from the co-chairs to the attendance list.

    A validated session no longer changes: its sections are rendered once per version of its
    minutes and kept in the "pages" cache, keyed also by the latest change of what they show
    that lives outside the frozen session (people's and organizations' names, tags, the
    follow-up status of its recommendations). A session still being recorded is rendered on
    each request.
    """
    key = None
    if session.is_frozen:
        stamp = latest_change(Recommendation, Person, Organization, Tag)
        language = translation.get_language()
        key = f"session-sections:{session.pk}:v{session.minutes.version}:{language}:{stamp}"
        html = caches["pages"].get(key)
        if html is not None:
            return html
    # The sections are read onto the session the header already fetched (with its committee
    # and rapporteurs): no second read of the session row.
    prefetch_related_objects(
        [session],
        *Session.objects.with_sections()._prefetch_related_lookups,
        "agenda_items__tags",
        "recommendations__tags",
        Prefetch(
            "follow_ups",
            FollowUp.objects.select_related(
                "recommendation__session", "recommendation__responsible"
            ).order_by(
                "recommendation__session__start_date", "recommendation__order", "recommendation"
            ),
        ),
    )
    html = render_to_string(
        "sessions/_session_sections.html",
        {
            "session": session,
            "editable": editable,
            "sections": SECTIONS,
            **interventions_by_moment(session),
            "recommendations": [
                r for r in session.recommendations.all() if r.kind != r.Kind.BLOCKER
            ],
            "blockers": [r for r in session.recommendations.all() if r.kind == r.Kind.BLOCKER],
        },
        request,
    )
    if key is not None:
        caches["pages"].set(key, html)
    return html


@require_GET
def session_history(request, pk):
    """ "Historique": every change of the session and of what is recorded under it, its
    minutes' workflow, the downloads of its PDFs and the refusals met on it, newest first.
    The coordinator's oversight: other roles are refused."""
    session = get_session_for_user(request.user, pk)
    if not is_coordinator(request.user):
        raise PermissionDenied
    page = Paginator(audit.session_history(session), 50).get_page(request.GET.get("page"))
    return render(request, "sessions/history.html", {"session": session, "page": page})


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


def _loaded(request, session):
    """(version, loaded at) the posted form carries in its field "lock" ("7:1700000000", put
    by the template: the session's version and the time of loading); without it, the
    version this request read."""
    try:
        version, loaded_at = request.POST.get("lock", "").split(":")
        return int(version), datetime.fromtimestamp(float(loaded_at), tz=UTC)
    except ValueError:
        return session.version, timezone.now()


def claim_session(request, session):
    """The session's edit lock for the form posted (sessions/locking.py), inside the caller's
    transaction: EditConflict when another save came first, SessionFrozen or SessionSubmitted
    when its minutes were validated or submitted meanwhile."""
    locking.claim_session(session, _loaded(request, session)[0])


def edit_conflict(request, session, template, context):
    """Show the form again as typed, with what changed since it was loaded; nothing saved."""
    _version, loaded_at = _loaded(request, session)
    changes = [
        entry
        for entry in audit.session_history(session)[:200]
        if entry.kind == "history" and entry.at > loaded_at
    ]
    messages.error(
        request,
        _(
            "Someone else saved this session while you were editing it, so your changes were "
            "NOT saved, to overwrite nothing. They are still in the form below: compare them "
            "with the changes made meanwhile, then save again."
        ),
    )
    for entry in reversed(changes):
        details = "; ".join(f"{c.label} : {c.old} → {c.new}" for c in entry.changes)
        messages.warning(
            request,
            _("%(what)s: %(action)s by %(user)s at %(time)s%(details)s")
            % {
                "what": entry.what,
                "action": entry.action,
                "user": entry.user or _("unknown"),
                "time": timezone.localtime(entry.at).strftime("%H:%M:%S"),
                "details": f" ({details})" if details else "",
            },
        )
    session.refresh_from_db(fields=["version"])
    audit.record(
        AuditEvent.Kind.CONFLICT,
        request,
        session_id=session.pk,
        status=409,
        detail=", ".join(entry.what for entry in changes),
    )
    # The form shown again carries the version now stored: saving it again is a deliberate
    # choice made after seeing the changes above.
    lock = f"{session.version}:{int(timezone.now().timestamp())}"
    response = render(request, template, {**context, "lock": lock}, status=409)
    response.audit_recorded = True
    return response


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
                    claim_session(request, session)
                session = form.save()
        except locking.EditConflict:
            return edit_conflict(request, session, "sessions/session_form.html", context)
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
    if data is not None:
        if formset.is_valid() and (not adds_person or person_form.is_valid()):
            try:
                with transaction.atomic():
                    claim_session(request, session)
                    formset.save()
                    if adds_person:
                        formset.add_person(person_form.save())
            except locking.EditConflict:
                context = {
                    "session": session,
                    "section": section,
                    "sections": SECTIONS.values(),
                    "formset": formset,
                    "person_form": person_form,
                    "has_errors": False,
                }
                return edit_conflict(request, session, "sessions/section_form.html", context)
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


# -- Dashboard, recommendations' follow-up, tags, search ----------------------------------------

DASHBOARD_YEARS = 5
AWAITING_LIMIT = 20
DASHBOARD_ORGANIZATIONS = 15
OVERDUE_LIMIT = 10
RECOMMENDATIONS_PER_PAGE = 50
# Pages stay light on a mobile link and cost the same whatever the history: a page of sessions.
SESSIONS_PER_PAGE = 25
PRESENT_STATUSES = (Attendance.Status.PRESENT, Attendance.Status.REPRESENTED)


def _tag_from(request, tags):
    """The tag asked by ?tag=<pk> among `tags` (a list read once), None, or an error."""
    value = request.GET.get("tag", "").strip()
    if not value:
        return None, ""
    tag = next((t for t in tags if str(t.pk) == value), None)
    if tag is None:
        return None, _("This tag does not exist; the results are not filtered by tag.")
    return tag, ""


def _quarter_of(day):
    return day.year, (day.month - 1) // 3 + 1


def _quarters_grid(sessions, today, *, partner):
    """Per committee, the last DASHBOARD_YEARS years of quarters: held, planned or missing
    (a past quarter without an ordinary session, for a committee meeting every quarter), and
    after a gap the year of its latest sessions when it is older."""
    rows = list(
        sessions.ordinary_quarters().values(
            "committee_id",
            "year",
            "quarter",
            "held",
            "planned",
            acronym=F("committee__acronym"),
            cadence=F("committee__cadence"),
        )
    )
    current = _quarter_of(today)
    committees = {}
    for row in rows:
        committee = committees.setdefault(
            row["committee_id"],
            {"acronym": row["acronym"], "cadence": row["cadence"], "counts": {}},
        )
        committee["counts"][(row["year"], row["quarter"])] = row
    grids = []
    for committee_id, committee in sorted(committees.items(), key=lambda c: c[1]["acronym"]):
        counts = committee["counts"]
        first = min(counts)
        last_year = max(max(year for year, _quarter in counts), today.year)
        quarterly = committee["cadence"] == Committee.Cadence.QUARTERLY
        shown = list(range(last_year, max(first[0], last_year - DASHBOARD_YEARS + 1) - 1, -1))
        latest = max(year for year, _quarter in counts)
        if latest < shown[-1]:
            # The committee has not met for years: its last year of sessions after a gap.
            shown += [None, latest] if latest < shown[-1] - 1 else [latest]
        years = []
        for year in shown:
            if year is None:
                years.append({"year": None, "cells": []})
                continue
            cells = []
            for quarter in (1, 2, 3, 4):
                row = counts.get((year, quarter))
                state = ""
                if row and row["held"]:
                    state = "held"
                elif row and row["planned"]:
                    state = "planned"
                elif quarterly and not partner and first <= (year, quarter) < current:
                    state = "missing"
                query = urlencode(
                    {
                        "committee": committee_id,
                        "year": year,
                        "quarter": quarter,
                        "kind": "ordinary",
                    }
                )
                cells.append(
                    {
                        "quarter": quarter,
                        "state": state,
                        "held": row["held"] if row else 0,
                        "planned": row["planned"] if row else 0,
                        "url": f"{reverse('sessions:list')}?{query}",
                    }
                )
            years.append({"year": year, "cells": cells})
        grids.append({"acronym": committee["acronym"], "years": years})
    return grids


def _awaiting_minutes(sessions, today):
    """Editors' list of what waits: planned sessions whose dates have passed, minutes to submit
    (waiting since the end of the session) and to validate (since their submission)."""
    submitted_at = (
        MinutesEvent.objects.filter(minutes__session=OuterRef("pk"), action=Minutes.Action.SUBMIT)
        .order_by("-at")
        .values("at")[:1]
    )
    rows = (
        sessions.filter(
            Q(status=Session.Status.PLANNED, end_date__lt=today)
            | Q(status=Session.Status.HELD)
            & (
                Q(minutes__isnull=True)
                | Q(minutes__status__in=[Minutes.Status.DRAFT, Minutes.Status.SUBMITTED])
            )
        )
        .annotate(submitted_at=Subquery(submitted_at))
        .order_by("end_date", "pk")[: 3 * AWAITING_LIMIT]
    )
    groups = {"planned": [], "to_submit": [], "to_validate": []}
    for session in rows:
        try:
            minutes = session.minutes
        except ObjectDoesNotExist:
            minutes = None
        if session.status == Session.Status.PLANNED:
            key, since = "planned", session.end_date
        elif minutes is not None and minutes.status == Minutes.Status.SUBMITTED:
            key = "to_validate"
            at = session.submitted_at or minutes.updated_at
            since = timezone.localdate(at)
        else:
            key, since = "to_submit", session.end_date
        groups[key].append({"session": session, "days": (today - since).days})
    for items in groups.values():
        items.sort(key=lambda item: -item["days"])
    return [
        {
            "key": key,
            "title": title,
            "items": groups[key][:AWAITING_LIMIT],
            "more": len(groups[key]) > AWAITING_LIMIT,
            "url": f"{reverse('sessions:list')}?{urlencode({'minutes': key})}",
        }
        for key, title in [
            ("to_validate", _("Minutes awaiting validation")),
            ("to_submit", _("Minutes awaiting submission")),
            ("planned", _("Sessions whose dates have passed, still marked as planned")),
        ]
    ]


def _open_recommendations(user, today, tag):
    """Open recommendations counted by responsible organization, the overdue first."""
    recommendations = Recommendation.objects.visible_to(user).filter(
        current_status_value__in=Recommendation.OPEN_STATUSES
    )
    if tag is not None:
        recommendations = recommendations.filter(tags=tag)
    by_organization = list(
        recommendations.values("responsible_id", acronym=F("responsible__acronym"))
        .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by("-overdue", "-total", F("responsible__acronym").asc(nulls_last=True))[
            : DASHBOARD_ORGANIZATIONS + 1
        ]
    )
    base = {"status": "open", **({"tag": tag.pk} if tag else {})}
    list_url = reverse("sessions:recommendation_list")
    for row in by_organization:
        params = {**base, "organization": row["responsible_id"] or "none"}
        row["url"] = f"{list_url}?{urlencode(params)}"
        row["overdue_url"] = f"{list_url}?{urlencode({**params, 'overdue': 1})}"
    overdue = list(
        recommendations.filter(due_date__lt=today)
        .select_related("session__committee", "responsible")
        .order_by("due_date", "pk")[:OVERDUE_LIMIT]
    )
    for recommendation in overdue:
        recommendation.days_overdue = (today - recommendation.due_date).days
    return {
        "by_organization": by_organization[:DASHBOARD_ORGANIZATIONS],
        "more_organizations": len(by_organization) > DASHBOARD_ORGANIZATIONS,
        "overdue": overdue,
        "all_url": f"{list_url}?{urlencode(base)}",
        "overdue_url": f"{list_url}?{urlencode({**base, 'overdue': 1})}",
    }


def _attendance_rates(sessions):
    """Per committee, the attendance of each organization at its last four held sessions:
    present (or represented) over listed, per session and overall."""
    latest = list(sessions.latest_held(4).select_related("committee"))
    for session in latest:
        session.short_label = french.ordinal(session.number)
    rows = (
        Attendance.objects.filter(session_id__in=[s.pk for s in latest])
        .values(
            "session_id",
            organization_id=F("person__organization_id"),
            acronym=F("person__organization__acronym"),
        )
        .annotate(listed=Count("pk"), present=Count("pk", filter=Q(status__in=PRESENT_STATUSES)))
        .order_by()
    )
    cells = {(row["session_id"], row["organization_id"]): row for row in rows}
    tables = []
    for committee_id in sorted({s.committee_id for s in latest}):
        columns = [s for s in latest if s.committee_id == committee_id]
        organizations = {}
        for (session_id, organization_id), row in cells.items():
            if any(s.pk == session_id for s in columns):
                organizations[organization_id] = row["acronym"]
        lines = []
        for organization_id, acronym in organizations.items():
            per_session = [cells.get((s.pk, organization_id)) for s in columns]
            listed = sum(c["listed"] for c in per_session if c)
            present = sum(c["present"] for c in per_session if c)
            lines.append(
                {
                    "acronym": acronym or _("No organization"),
                    "cells": per_session,
                    "listed": listed,
                    "present": present,
                    "rate": round(100 * present / listed) if listed else 0,
                }
            )
        lines.sort(key=lambda line: (line["rate"], str(line["acronym"])))
        tables.append({"committee": columns[0].committee, "sessions": columns, "lines": lines})
    return tables


@whole_page_cache(timeout=WHOLE_PAGE_SECONDS)
def home(request):
    """The dashboard: quarters, next session, minutes waiting, open recommendations by
    organization, attendance. Partners see only what concerns validated minutes.

    Its content is the same for everyone of a role, a tag and a day: rendered once per state of
    the data it counts and kept in the "pages" cache (see _dashboard_figures)."""
    user = request.user
    today = timezone.localdate()
    # The tags are read when a tag is asked for, or to render the page: not for a cached copy.
    tags = list(Tag.objects.all()) if request.GET.get("tag", "").strip() else None
    tag, tag_error = _tag_from(request, tags or [])
    if tag_error:
        messages.warning(request, tag_error)
    stamp = latest_change(*DASHBOARD_COUNTS, Tag)
    audience = "editor" if can_edit(user) else "partner"
    key = ":".join(
        [
            "dashboard-html",
            audience,
            str(tag.pk) if tag else "-",
            today.isoformat(),
            translation.get_language(),
            stamp,
        ]
    )
    html = caches["pages"].get(key)
    if html is None:
        figures = _dashboard_figures(user, today, tag, stamp)
        tags = list(Tag.objects.all()) if tags is None else tags
        context = {"today": today, **figures, "tags": tags, "tag": tag}
        html = render_to_string("sessions/_dashboard.html", context, request)
        caches["pages"].set(key, html, DASHBOARD_CACHE_SECONDS)
    else:
        # Not used by the page; there for whoever inspects the response (tests), computed
        # only if asked.
        context = {
            name: SimpleLazyObject(partial(_dashboard_figure, user, today, tag, stamp, name))
            for name in DASHBOARD_FIGURES
        }
    return render(request, "home.html", {**context, "dashboard_html": html})


# The dashboard's figures count the whole history: computed once per state of the data they
# count (and per day, role and tag), then read from the "pages" cache. The stamp follows every
# audited write; the time limit bounds what it cannot see (a committee renamed, say).
DASHBOARD_CACHE_SECONDS = 600
DASHBOARD_COUNTS = (Session, Minutes, Recommendation, FollowUp, Attendance, Person, Organization)
DASHBOARD_FIGURES = (
    "quarters",
    "next_session",
    "latest_sessions",
    "awaiting",
    "recommendations",
    "attendance",
)


def _dashboard_figure(user, today, tag, stamp, name):
    return _dashboard_figures(user, today, tag, stamp)[name]


def _dashboard_figures(user, today, tag, stamp):
    editor = can_edit(user)
    audience = "editor" if editor else "partner"
    key = f"dashboard:{audience}:{tag.pk if tag else '-'}:{today.isoformat()}:{stamp}"
    figures = caches["pages"].get(key)
    if figures is not None:
        return figures
    sessions = Session.objects.visible_to(user)
    figures = {
        "quarters": _quarters_grid(sessions, today, partner=not editor),
        "next_session": (
            sessions.select_related("committee")
            .filter(status=Session.Status.PLANNED, end_date__gte=today)
            .order_by("start_date")
            .first()
            if editor
            else None
        ),
        "latest_sessions": list(
            sessions.select_related("committee", "minutes").filter(status=Session.Status.HELD)[:5]
        ),
        "awaiting": _awaiting_minutes(sessions.select_related("committee", "minutes"), today)
        if editor
        else [],
        "recommendations": _open_recommendations(user, today, tag),
        "attendance": _attendance_rates(sessions),
    }
    caches["pages"].set(key, figures, DASHBOARD_CACHE_SECONDS)
    return figures


# A list page is the same for everyone of a role asking the same thing: rendered once per state
# of the sessions and minutes it shows and kept in the "pages" cache (10 minutes at most, for
# what the audit-trail stamp cannot see: a committee renamed).
LIST_CACHE_SECONDS = 600


@whole_page_cache(timeout=WHOLE_PAGE_SECONDS)
def session_list(request):
    user = request.user
    key = ":".join(
        [
            "session-list",
            "editor" if can_edit(user) else "partner",
            translation.get_language(),
            latest_change(Session, Minutes, Tag),
            request.GET.urlencode(),
        ]
    )

    def build_context():
        sessions = Session.objects.visible_to(user).select_related("committee", "minutes")
        tags = list(Tag.objects.all())
        form = forms.SessionFilterForm(request.GET or None, tags=tags)
        page = Paginator(form.filter(sessions), SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
        return {
            "sessions": page.object_list,
            "page": page,
            "query_without_page": urlencode(
                [(k, v) for k, v in request.GET.items() if k != "page"]
            ),
            "filter_form": form,
            "filtered": form.is_filtered,
        }

    html, context = render_cached(
        request,
        key,
        "sessions/_session_list.html",
        build_context,
        ("sessions", "page", "filter_form", "filtered"),
        LIST_CACHE_SECONDS,
    )
    return render(request, "sessions/session_list.html", {**context, "list_html": html})


def recommendation_list(request):
    """Recommendations across sessions, filtered by current status, organization, tag,
    committee and lateness; partners see only those of validated minutes."""
    today = timezone.localdate()
    tags = list(Tag.objects.all())
    form = forms.RecommendationFilterForm(request.GET or None, tags=tags)
    recommendations = form.filter(Recommendation.objects.visible_to(request.user), today)
    page = Paginator(
        recommendations.select_related("session__committee", "responsible")
        .prefetch_related("tags")
        .order_by("-session__start_date", "-session__number", "order", "pk"),
        RECOMMENDATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
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
                claim_session(request, session)
                changed = formset.save()
        except locking.EditConflict:
            return edit_conflict(request, session, "sessions/followup_form.html", context)
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


def _require_editor(user):
    if not can_edit(user):
        raise PermissionDenied


def tag_list(request):
    _require_editor(request.user)
    tags = Tag.objects.annotate(
        agenda_item_count=Subquery(
            AgendaItem.tags.through.objects.filter(tag_id=OuterRef("pk"))
            .values("tag_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        recommendation_count=Subquery(
            Recommendation.tags.through.objects.filter(tag_id=OuterRef("pk"))
            .values("tag_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
    )
    return render(request, "sessions/tag_list.html", {"tags": tags})


def tag_create(request):
    _require_editor(request.user)
    return _edit_tag(request, Tag())


def tag_edit(request, pk):
    _require_editor(request.user)
    return _edit_tag(request, get_object_or_404(Tag, pk=pk))


def _edit_tag(request, tag):
    adding = tag._state.adding
    form = forms.TagForm(request.POST if request.method == "POST" else None, instance=tag)
    if request.method == "POST" and form.is_valid():
        tag = form.save()
        message = (
            _("The tag %(tag)s has been created.")
            if adding
            else _("The tag %(tag)s has been saved.")
        )
        messages.success(request, message % {"tag": tag})
        return redirect("sessions:tag_list")
    return render(
        request,
        "sessions/tag_form.html",
        {"form": form, "tag": None if adding else tag},
        status=400 if form.is_bound else 200,
    )


# A search is the same for everyone of an audience (editors; partners, who search validated
# minutes only) asking the same words and tag: its form and results are rendered once per state
# of the data it reads and kept in the "pages" cache (10 minutes at most, for what the
# audit-trail stamp cannot see: a committee renamed).
SEARCH_CACHE_SECONDS = 600


@whole_page_cache(timeout=WHOLE_PAGE_SECONDS)
def search(request):
    """/search/?q=…&tag=…: results grouped by session, the matching words highlighted."""
    query = request.GET.get("q", "")
    # The tags are read when a tag is asked for, or to render the form: not for a cached copy.
    tags = list(Tag.objects.all()) if request.GET.get("tag", "").strip() else None
    tag, error = _tag_from(request, tags or [])
    searching = False
    if not query.strip():
        if "q" in request.GET:
            error = _("Type one or more words to search for.")
    elif len(query) > full_text.MAX_QUERY_LENGTH:
        error = _("The search is too long: type at most %(count)s characters.") % {
            "count": full_text.MAX_QUERY_LENGTH
        }
    elif not full_text.query_terms(query):
        error = _("Type letters or digits to search for.")
    else:
        searching = True
    context = {"query": query, "results": None, "error": error, "tag": tag}
    if searching and not error:
        html, cached = _cached_search(request, full_text.clean_query(query), tag, tags)
        context.update(cached)
    else:
        if searching:  # with a message about the tag: not kept
            context["results"] = full_text.search(request.user, query, tag=tag)
        context["tags"] = list(Tag.objects.all()) if tags is None else tags
        html = render_to_string("sessions/_search.html", context, request)
    return render(request, "sessions/search.html", {**context, "search_html": html})


def _cached_search(request, query, tag, tags):
    """The search form and results of `query` (cleaned) as HTML, from the "pages" cache when
    nothing it reads has changed since; and their context (lazy on a cached copy)."""
    key = ":".join(
        [
            "search-html",
            "editor" if can_edit(request.user) else "partner",
            str(tag.pk) if tag else "-",
            translation.get_language(),
            latest_change(*full_text.searched_models()),
            query,  # last, as the only part that may hold a colon
        ]
    )

    def build_context():
        return {
            "query": query,
            "results": full_text.search(request.user, query, tag=tag),
            "error": "",
            "tags": list(Tag.objects.all()) if tags is None else tags,
            "tag": tag,
        }

    html, context = render_cached(
        request,
        key,
        "sessions/_search.html",
        build_context,
        ("results", "tags"),
        SEARCH_CACHE_SECONDS,
    )
    return html, {name: context[name] for name in ("results", "tags")}


# -- Annexes ------------------------------------------------------------------------------------


@limit_upload("ANNEX_MAX_SIZE")
def annex_list(request, pk):
    """The annexes of a session, and the upload form (secretariat and coordinator).

    A file over the limit is refused before it is read (413); a file the disk cannot hold
    leaves nothing behind and answers the French 503 page."""
    if not can_edit(request.user):
        raise PermissionDenied
    session = get_session_for_user(request.user, pk)
    refusal = session.edit_refusal
    frozen = refusal is not None
    form = None if frozen else forms.AnnexForm(session=session)
    if request.method == "POST":
        if frozen:
            messages.error(request, str(refusal))
            return redirect("sessions:annexes", pk=pk)
        form = forms.AnnexForm(
            request.POST, request.FILES, session=session, refusal=upload_refusal(request)
        )
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
            except OSError:
                # Disk full or failing: add_annex removed what it had written.
                logger.exception("The annex for session %s could not be stored", session.pk)
                message = _(
                    "The file could not be stored: the server's disk is full or unavailable. "
                    "Nothing was saved. Try again later, or tell the administrator."
                )
                return render(request, "503.html", {"message": message}, status=503)
            messages.success(request, _("The annex “%(title)s” has been added.") % {"title": annex})
            return redirect("sessions:annexes", pk=pk)
    status = 200
    if form is not None and form.is_bound:
        status = 413 if form.refusal is not None else 400
    return render(
        request,
        "sessions/annex_list.html",
        {
            "session": session,
            "annexes": session.annexes.select_related("agenda_item", "uploaded_by"),
            "form": form,
            "frozen_message": str(refusal) if frozen else "",
        },
        status=status,
    )


@require_GET
def annex_download(request, pk, annex_pk):
    """An annex file, under the minutes' rule: partners only once the minutes are published."""
    annexes_seen = Annex.objects.all()
    if not can_edit(request.user):
        # Partners: only the annexes a validated version lists (also during an erratum).
        annexes_seen = annexes_seen.recorded()
    annex = get_object_or_404(annexes_seen, pk=annex_pk, session_id=pk)
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
        withdrawn = annexes.delete_annex(annex)
    except SessionFrozen as refused:
        messages.error(request, str(refused))
    else:
        if withdrawn:
            message = _(
                "The annex “%(title)s” is withdrawn from the next version of the minutes; its "
                "file stays for the validated versions that list it."
            )
        else:
            message = _("The annex “%(title)s” has been deleted.")
        messages.success(request, message % {"title": annex})
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
