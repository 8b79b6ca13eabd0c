"""The dashboard at / and the recommendations list behind its figures."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from participants.models import Attendance
from reports.models import Minutes, MinutesEvent
from sessions.models import Committee, FollowUp, Session, Tag
from tests.factories import (
    AttendanceFactory,
    CommitteeFactory,
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year


def session(committee, number, start, status=Session.Status.HELD, **fields):
    return SessionFactory(
        committee=committee,
        number=number,
        start_date=start,
        end_date=start + datetime.timedelta(days=1),
        status=status,
        **fields,
    )


def validated(session):
    Minutes.objects.update_or_create(session=session, defaults={"status": "validated"})
    return session


def cells(grid):
    return {year["year"]: [cell["state"] for cell in year["cells"]] for year in grid["years"]}


# -- quarters -----------------------------------------------------------------------------------


def test_quarters_show_held_planned_and_missing_for_each_committee(login, secretariat):
    ctn = CommitteeFactory(acronym="CTN")
    cnp = CommitteeFactory(acronym="CNP", name="Comité National de Pilotage")
    session(ctn, 1, datetime.date(YEAR - 1, 2, 10))
    session(ctn, 2, datetime.date(YEAR - 1, 8, 10))  # nothing in the 2nd quarter: missing
    session(ctn, 3, datetime.date(YEAR - 1, 11, 10))
    session(ctn, 4, datetime.date(YEAR + 1, 2, 10), status=Session.Status.PLANNED)
    session(ctn, 1, datetime.date(YEAR - 1, 5, 10), kind=Session.Kind.EXTRAORDINARY)
    session(cnp, 17, datetime.date(YEAR - 1, 11, 30))

    response = login(secretariat).get("/")

    grids = response.context["quarters"]
    assert [grid["acronym"] for grid in grids] == ["CNP", "CTN"]
    ctn_cells = cells(grids[1])
    assert ctn_cells[YEAR - 1] == ["held", "missing", "held", "held"]
    assert ctn_cells[YEAR + 1] == ["planned", "", "", ""]
    past_quarters = (TODAY.month - 1) // 3
    assert ctn_cells[YEAR] == ["missing"] * past_quarters + [""] * (4 - past_quarters)
    assert cells(grids[0])[YEAR - 1] == ["", "", "", "held"]


def test_a_quarter_links_to_the_list_of_its_sessions(login, secretariat):
    committee = CommitteeFactory()
    held = session(committee, 7, datetime.date(YEAR - 1, 8, 10))
    session(committee, 8, datetime.date(YEAR - 1, 11, 10))
    client = login(secretariat)

    cell = client.get("/").context["quarters"][0]["years"][1]["cells"][2]
    listed = client.get(cell["url"]).context["sessions"]

    assert cell["url"] == (
        f"/sessions/?committee={committee.pk}&year={YEAR - 1}&quarter=3&kind=ordinary"
    )
    assert list(listed) == [held]


def test_partners_see_only_quarters_of_validated_minutes_and_no_missing(login, partner):
    committee = CommitteeFactory()
    validated(session(committee, 1, datetime.date(YEAR - 1, 2, 10)))
    session(committee, 2, datetime.date(YEAR - 1, 5, 10))  # not validated: not shown

    response = login(partner).get("/")

    assert cells(response.context["quarters"][0])[YEAR - 1] == ["held", "", "", ""]
    assert response.context["next_session"] is None


# -- next session and minutes waiting -----------------------------------------------------------


def test_the_next_session_is_the_earliest_planned_one_to_come(login, coordinator):
    committee = CommitteeFactory()
    session(committee, 9, TODAY + datetime.timedelta(days=90), status=Session.Status.PLANNED)
    soon = session(committee, 8, TODAY + datetime.timedelta(days=10), status="planned")

    response = login(coordinator).get("/")

    assert response.context["next_session"] == soon
    assert "8ème session ordinaire" in response.content.decode()


def test_minutes_waiting_say_how_long_they_have_waited(login, secretariat):
    committee = CommitteeFactory()
    to_write = session(committee, 1, TODAY - datetime.timedelta(days=31))
    to_validate = session(committee, 2, TODAY - datetime.timedelta(days=20))
    minutes = Minutes.objects.create(session=to_validate, status=Minutes.Status.SUBMITTED)
    MinutesEvent.objects.create(
        minutes=minutes,
        action=Minutes.Action.SUBMIT,
        from_status="draft",
        to_status="submitted",
        version=1,
        actor=secretariat,
        at=timezone.now() - datetime.timedelta(days=12),
    )
    validated(session(committee, 3, TODAY - datetime.timedelta(days=100)))

    response = login(secretariat).get("/")

    assert [
        (group["key"], [(item["session"], item["days"]) for item in group["items"]])
        for group in response.context["awaiting"]
    ] == [
        ("to_validate", [(to_validate, 12)]),
        ("to_submit", [(to_write, 30)]),  # since the end of the two-day session
        ("planned", []),
    ]
    assert "en attente depuis 30 jour(s)" in response.content.decode()


# -- open recommendations -----------------------------------------------------------------------


def test_open_recommendations_by_organization_put_the_overdue_first(login, coordinator):
    committee = CommitteeFactory()
    s17 = session(committee, 17, datetime.date(2019, 6, 27))
    s18 = session(committee, 18, datetime.date(2019, 9, 26))
    utgfs, pam, anam = (OrganizationFactory(acronym=a) for a in ("UTGFS", "PAM", "ANAM"))
    late = TODAY - datetime.timedelta(days=5)
    ahead = TODAY + datetime.timedelta(days=30)
    for responsible, due in [(pam, ahead), (pam, ahead), (pam, ahead), (utgfs, late)]:
        RecommendationFactory(session=s17, responsible=responsible, due_date=due)
    done = RecommendationFactory(session=s17, responsible=anam, due_date=late)
    FollowUp.objects.create(recommendation=done, session=s18, status="done")
    RecommendationFactory(session=s17, responsible=None, responsible_label="Tous", due_date=late)

    response = login(coordinator).get("/")

    rows = response.context["recommendations"]["by_organization"]
    assert [(row["acronym"], row["total"], row["overdue"]) for row in rows] == [
        ("UTGFS", 1, 1),
        (None, 1, 1),
        ("PAM", 3, 0),
    ]
    assert rows[2]["url"] == f"/sessions/recommendations/?status=open&organization={pam.pk}"
    assert rows[0]["overdue_url"] == (
        f"/sessions/recommendations/?status=open&organization={utgfs.pk}&overdue=1"
    )
    assert [r.days_overdue for r in response.context["recommendations"]["overdue"]] == [5, 5]


def test_a_follow_up_changes_the_dashboard(login, secretariat):
    committee = CommitteeFactory()
    s17 = session(committee, 17, datetime.date(2019, 6, 27))
    s18 = session(committee, 18, datetime.date(2019, 9, 26))
    recommendation = RecommendationFactory(session=s17, responsible=OrganizationFactory())
    client = login(secretariat)
    before = client.get("/").context["recommendations"]["by_organization"]

    FollowUp.objects.create(recommendation=recommendation, session=s18, status="done")
    after = client.get("/").context["recommendations"]["by_organization"]

    assert [row["total"] for row in before] == [1]
    assert after == []


def test_partners_see_only_open_recommendations_of_validated_minutes(login, partner):
    committee = CommitteeFactory()
    s17 = session(committee, 17, datetime.date(2019, 6, 27))
    s18 = session(committee, 18, datetime.date(2019, 9, 26))  # a draft
    pam = OrganizationFactory(acronym="PAM")
    followed = RecommendationFactory(session=s17, responsible=pam)
    validated(s17)
    FollowUp.objects.create(recommendation=followed, session=s18, status="done")  # not public
    RecommendationFactory(session=s18, responsible=pam)

    response = login(partner).get("/")

    rows = response.context["recommendations"]["by_organization"]
    assert [(row["acronym"], row["total"]) for row in rows] == [("PAM", 1)]
    assert response.context["awaiting"] == []
    assert "Comptes rendus en attente" not in response.content.decode()


def test_the_dashboard_filters_recommendations_by_tag(login, secretariat):
    s17 = session(CommitteeFactory(), 17, datetime.date(2019, 6, 27))
    tag = Tag.objects.create(kind=Tag.Kind.FINANCING, name="FA1")
    tagged = RecommendationFactory(session=s17)
    tagged.tags.add(tag)
    RecommendationFactory(session=s17)

    response = login(secretariat).get(f"/?tag={tag.pk}")

    rows = response.context["recommendations"]["by_organization"]
    assert [(row["acronym"], row["total"]) for row in rows] == [(tagged.responsible.acronym, 1)]
    assert rows[0]["url"].endswith(f"&tag={tag.pk}&organization={tagged.responsible.pk}")


@pytest.mark.parametrize("value", ["999999", "abc", "<script>"])
def test_an_unknown_tag_is_said_and_ignored(login, secretariat, value):
    response = login(secretariat).get("/", {"tag": value})

    assert response.status_code == 200
    assert response.context["tag"] is None
    assert "Cette étiquette n’existe pas" in response.content.decode()


# -- attendance ---------------------------------------------------------------------------------


def test_attendance_rate_per_organization_over_the_last_four_held_sessions(login, secretariat):
    committee = CommitteeFactory()
    pam = PersonFactory(organization=OrganizationFactory(acronym="PAM"))
    anam = PersonFactory(organization=OrganizationFactory(acronym="ANAM"))
    sessions = [
        session(committee, number, datetime.date(2019, 1, 10) + datetime.timedelta(days=90 * n))
        for n, number in enumerate(range(14, 19))
    ]
    session(committee, 19, TODAY + datetime.timedelta(days=30), status=Session.Status.PLANNED)
    AttendanceFactory(session=sessions[0], person=anam, status=Attendance.Status.ABSENT)  # 5th
    for index, held in enumerate(sessions[1:]):
        AttendanceFactory(session=held, person=pam)
        status = Attendance.Status.ABSENT if index % 2 else Attendance.Status.REPRESENTED
        AttendanceFactory(session=held, person=anam, status=status)

    response = login(secretariat).get("/")

    (table,) = response.context["attendance"]
    assert [s.number for s in table["sessions"]] == [15, 16, 17, 18]
    assert [
        (line["acronym"], line["present"], line["listed"], line["rate"]) for line in table["lines"]
    ] == [
        ("ANAM", 2, 4, 50),
        ("PAM", 4, 4, 100),
    ]
    assert f'href="/sessions/{sessions[1].pk}/#attendance"' in response.content.decode()


# -- cost ---------------------------------------------------------------------------------------


def fill_history(committee, count, first_number):
    person = PersonFactory()
    for n in range(count):
        held = session(
            committee,
            first_number + n,
            datetime.date(2010, 1, 10) + datetime.timedelta(days=91 * n),
        )
        AttendanceFactory(session=held, person=person)
        recommendation = RecommendationFactory(session=held, due_date=datetime.date(2011, 1, 1))
        recommendation.tags.add(Tag.objects.get_or_create(kind="component", name="C1")[0])
        if n % 2 == 0:  # every other session validated, the first one included
            validated(held)


@pytest.mark.parametrize("role", ["secretariat", "coordinator", "partner"])
def test_the_dashboard_costs_at_most_15_queries_whatever_the_history(request, login, role):
    client = login(request.getfixturevalue(role))
    fill_history(CommitteeFactory(acronym="CTN"), 1, 1)
    tag = Tag.objects.get()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/?tag={tag.pk}").status_code == 200
        return len(queries)

    small = count()
    fill_history(CommitteeFactory(acronym="CTN"), 30, 100)
    fill_history(CommitteeFactory(acronym="CNP", name="Comité National de Pilotage"), 12, 1)
    large = count()

    assert small == large
    assert large <= 15


def test_anonymous_is_sent_to_log_in(client, db):
    assert client.get("/")["Location"] == "/accounts/login/?next=/"


# -- the recommendations list -------------------------------------------------------------------


def test_the_recommendations_list_filters_by_current_status_organization_and_lateness(
    login, coordinator
):
    committee = CommitteeFactory()
    s17 = session(committee, 17, datetime.date(2019, 6, 27))
    s18 = session(committee, 18, datetime.date(2019, 9, 26))
    pam = OrganizationFactory(acronym="PAM")
    late = RecommendationFactory(
        session=s17, responsible=pam, text="En retard", due_date=TODAY - datetime.timedelta(days=1)
    )
    RecommendationFactory(
        session=s17, responsible=pam, text="À venir", due_date=TODAY + datetime.timedelta(days=9)
    )
    done = RecommendationFactory(
        session=s17, responsible=pam, text="Faite", due_date=TODAY - datetime.timedelta(days=1)
    )
    FollowUp.objects.create(recommendation=done, session=s18, status="done", note="Terminé")
    RecommendationFactory(session=s17, text="Autre structure")
    client = login(coordinator)

    def texts(query):
        return [r.text for r in client.get(f"/sessions/recommendations/?{query}").context["page"]]

    assert texts(f"status=open&organization={pam.pk}") == ["En retard", "À venir"]
    assert texts(f"status=open&organization={pam.pk}&overdue=1") == ["En retard"]
    assert texts("status=done") == ["Faite"]
    response = client.get("/sessions/recommendations/?status=done")
    assert "Terminé" in response.content.decode()
    assert "réalisée" in response.content.decode()
    assert late.pk


def test_the_recommendations_list_shows_partners_only_validated_minutes(login, partner):
    committee = CommitteeFactory()
    s17 = session(committee, 17, datetime.date(2019, 6, 27))
    RecommendationFactory(session=s17, text="Publiée")
    validated(s17)
    RecommendationFactory(
        session=session(committee, 18, datetime.date(2019, 9, 26)), text="Brouillon"
    )

    response = login(partner).get("/sessions/recommendations/")

    assert [r.text for r in response.context["page"]] == ["Publiée"]


@pytest.mark.parametrize(
    "query", ["organization=abc", "status=nothing", "committee=999999", "tag=x", "page=-4"]
)
def test_bad_filters_of_the_recommendations_list_are_said_not_a_500(login, secretariat, query):
    RecommendationFactory(session=session(CommitteeFactory(), 17, datetime.date(2019, 6, 27)))

    response = login(secretariat).get(f"/sessions/recommendations/?{query}")

    assert response.status_code == 200
    assert len(response.context["page"]) == 1
    if not query.startswith("page"):
        assert "Certains filtres n’ont pas été compris et sont ignorés" in response.content.decode()


def test_the_recommendations_list_is_paginated_and_costs_the_same(login, secretariat):
    committee = CommitteeFactory()
    client = login(secretariat)
    s17 = session(committee, 17, datetime.date(2019, 6, 27))
    RecommendationFactory(session=s17)

    def count(query=""):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/sessions/recommendations/?status=open{query}")
        return len(queries), response

    small, _response = count()
    for _ in range(60):
        RecommendationFactory(session=s17)
    large, response = count("&page=2")

    assert small == large
    assert len(response.context["page"]) == 11
    assert Committee.objects.count() == 1


def test_a_committee_silent_for_years_shows_its_last_year_after_a_gap(login, coordinator):
    committee = CommitteeFactory()
    session(committee, 17, datetime.date(YEAR - 7, 6, 27))
    session(committee, 18, datetime.date(YEAR - 7, 9, 26))

    response = login(coordinator).get("/")

    (grid,) = response.context["quarters"]
    assert [year["year"] for year in grid["years"]] == [
        YEAR,
        YEAR - 1,
        YEAR - 2,
        YEAR - 3,
        YEAR - 4,
        None,
        YEAR - 7,
    ]
    assert cells(grid)[YEAR - 7] == ["", "held", "held", "missing"]
    assert cells(grid)[YEAR - 4] == ["missing"] * 4
    assert "… années sans aucune session …" in response.content.decode()
