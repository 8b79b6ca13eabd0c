"""The dashboard's figures: quarters held, minutes waiting, open recommendations, attendance."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ctn.roles import can_edit
from participants.models import Attendance
from reports.models import Minutes, MinutesEvent, ReminderSent
from sessions.models import Committee, Recommendation, Session

DASHBOARD_YEARS = 5
AWAITING_LIMIT = 20
DASHBOARD_ORGANIZATIONS = 15
OVERDUE_LIMIT = 10
PRESENT_STATUSES = (Attendance.Status.PRESENT, Attendance.Status.REPRESENTED)
# What the dashboard shows of a session (its name, dates, city, state): not its long texts
# nor its committee's letterhead and logo.
SESSION_FIELDS = (
    "committee__acronym",
    "committee__meeting_noun",
    "committee__numbering",
    "kind",
    "number",
    "start_date",
    "end_date",
    "city",
    "status",
)


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
    list_url = reverse("sessions:list")
    # What a cell says, translated once for the whole grid.
    held_word, planned_word = pgettext("quarter", "held"), pgettext("quarter", "planned")
    missing_word = pgettext("quarter without session", "missing")
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
                held = row["held"] if row else 0
                planned = row["planned"] if row else 0
                state, text = "", ""
                if held:
                    state, text = "held", f"{held_word} ×{held}" if held > 1 else held_word
                elif planned:
                    state = "planned"
                    text = f"{planned_word} ×{planned}" if planned > 1 else planned_word
                elif quarterly and not partner and first <= (year, quarter) < current:
                    state, text = "missing", missing_word
                cells.append(
                    {
                        "quarter": quarter,
                        "state": state,
                        "text": text,
                        "held": held,
                        "planned": planned,
                        # As urlencode() writes these numbers, without its call per cell.
                        "url": f"{list_url}?committee={committee_id}&year={year}"
                        f"&quarter={quarter}&kind=ordinary",
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
    recommendations = Recommendation.objects.visible_to(user).current_status_in(
        Recommendation.OPEN_STATUSES
    )
    if tag is not None:
        recommendations = recommendations.filter(tags=tag)
    by_organization = recommendations.values(
        "responsible_id", acronym=F("responsible__acronym")
    ).annotate(total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    if can_edit(user):
        # When each organization's contacts were last sent their digest (reports/reminders.py),
        # in the same query: the coordinator sees who has been chased.
        by_organization = by_organization.annotate(
            last_reminded=Subquery(
                ReminderSent.objects.filter(organization=OuterRef("responsible_id"))
                .order_by("-sent_at")
                .values("sent_at")[:1]
            )
        )
    by_organization = list(
        by_organization.order_by(
            "-overdue", "-total", F("responsible__acronym").asc(nulls_last=True)
        )[: DASHBOARD_ORGANIZATIONS + 1]
    )
    base = {"status": "open", **({"tag": tag.pk} if tag else {})}
    list_url = reverse("sessions:recommendation_list")
    for row in by_organization:
        params = {**base, "organization": row["responsible_id"] or "none"}
        row["url"] = f"{list_url}?{urlencode(params)}"
        row["overdue_url"] = f"{list_url}?{urlencode({**params, 'overdue': 1})}"
    overdue = list(
        recommendations.filter(due_date__lt=today)
        .select_related("responsible")
        .only(
            "session_id", "text", "responsible__acronym", "responsible_label", "due_date", "status"
        )
        .order_by("due_date", "pk")[:OVERDUE_LIMIT]
    )
    for recommendation in overdue:
        # As Django's truncatewords filter writes it.
        recommendation.summary = Truncator(recommendation.text).words(18, truncate=" …")
        recommendation.days_overdue = (today - recommendation.due_date).days
        recommendation.session_url = reverse("sessions:detail", args=[recommendation.session_id])
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
    latest = list(sessions.latest_held(4).select_related("committee").only(*SESSION_FIELDS))
    for session in latest:
        session.short_label = session.committee.short_designation(session)
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
        column_ids = {s.pk for s in columns}
        organizations = {}
        for (session_id, organization_id), row in cells.items():
            if session_id in column_ids:
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
                    # Written here once: the table has a cell per organization and session.
                    "texts": [f"{c['present']}/{c['listed']}" if c else "–" for c in per_session],
                    "listed": listed,
                    "present": present,
                    "rate": round(100 * present / listed) if listed else 0,
                }
            )
        lines.sort(key=lambda line: (line["rate"], str(line["acronym"])))
        tables.append({"committee": columns[0].committee, "sessions": columns, "lines": lines})
    return tables


def figures(user, today, tag):
    """What the dashboard shows `user` on `today`, for one tag or all."""
    editor = can_edit(user)
    sessions = Session.objects.visible_to(user)
    listed = sessions.select_related("committee", "minutes").only(
        *SESSION_FIELDS, "minutes__status", "minutes__updated_at"
    )
    return {
        "quarters": _quarters_grid(sessions, today, partner=not editor),
        "next_session": (
            sessions.select_related("committee")
            .only(*SESSION_FIELDS)
            .filter(status=Session.Status.PLANNED, end_date__gte=today)
            .order_by("start_date")
            .first()
            if editor
            else None
        ),
        "latest_sessions": list(listed.filter(status=Session.Status.HELD)[:5]),
        "awaiting": _awaiting_minutes(listed, today) if editor else [],
        "recommendations": _open_recommendations(user, today, tag),
        "attendance": _attendance_rates(sessions),
    }


def body_html(request, context):
    """The dashboard's body (reports/jinja2/reports/_dashboard.html): Jinja2, its tables having
    a cell per quarter and per organization and session."""
    html = render_to_string(
        "reports/_dashboard.html",
        {
            **context,
            "can_edit": can_edit(request.user),
            # Its words said with a context: the template writes only _("…") (makemessages).
            "open_heading": pgettext("recommendations", "Open"),
            "never_reminded": pgettext("reminded", "never"),
        },
        request,
        using="jinja2",
    )
    # Jinja2 (ctn/jinja2.py): the backend returns a plain string, escaped already.
    return mark_safe(html)  # noqa: S308  # nosec B308, B703
