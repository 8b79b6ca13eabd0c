"""What the minutes of a session still lack before they are submitted or validated.

One query (counts as annotations of the session's row), whatever the size of the session.
Each gap comes with the screen that fills it.
"""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from participants.models import Attendance
from sessions.models import CoChair, ExpectedResult, Intervention, Recommendation, Session


@dataclass(frozen=True)
class Gap:
    message: str
    url: str


def missing_parts(session):
    """The gaps of `session`'s minutes, in the order of the document ([] when complete)."""

    # Correlated counts, not joins: six joins would multiply the rows of a large session.
    def count(model, **lookups):
        rows = model.objects.filter(session=OuterRef("pk"), **lookups).order_by()
        return Coalesce(Subquery(rows.values("session").annotate(n=Count("pk")).values("n")[:1]), 0)

    counts = (
        Session.objects.filter(pk=session.pk)
        .annotate(
            n_cochairs=count(CoChair),
            n_rapporteurs=count(Session.rapporteurs.through),
            n_attendances=count(Attendance),
            n_pending=count(ExpectedResult, status=ExpectedResult.Status.PENDING),
            n_unowned=count(
                Recommendation,
                kind=Recommendation.Kind.RECOMMENDATION,
                responsible__isnull=True,
                responsible_label="",
            ),
            n_closing=count(Intervention, moment=Intervention.Moment.CLOSING),
        )
        .values(
            "n_cochairs",
            "n_rapporteurs",
            "n_attendances",
            "n_pending",
            "n_unowned",
            "n_closing",
            "closing_summary",
        )
        .get()
    )

    def url(name):
        return reverse(f"sessions:{name}", args=[session.pk])

    gaps = []
    if not counts["n_cochairs"]:
        gaps.append(Gap(_("No president or co-chair is recorded."), url("cochairs")))
    if not counts["n_rapporteurs"]:
        gaps.append(Gap(_("No rapporteur is recorded."), url("edit")))
    if not counts["n_attendances"]:
        gaps.append(Gap(_("No attendance is recorded."), url("attendance")))
    if counts["n_pending"]:
        gaps.append(
            Gap(
                _("%(count)s expected result(s) without a status.")
                % {"count": counts["n_pending"]},
                url("results"),
            )
        )
    if counts["n_unowned"]:
        gaps.append(
            Gap(
                _("%(count)s recommendation(s) without a responsible structure.")
                % {"count": counts["n_unowned"]},
                url("recommendations"),
            )
        )
    if not counts["n_closing"] and not counts["closing_summary"].strip():
        gaps.append(Gap(_("The closing ceremony is empty."), url("edit")))
    return gaps
