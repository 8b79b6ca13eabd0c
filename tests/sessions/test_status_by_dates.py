"""A session's status follows its dates: a new session whose dates are past is held by default,
and the form says so; it then appears under « Comptes rendus »."""

import datetime
import re

import pytest
from django.utils import timezone

from sessions.models import Session
from tests.factories import CommitteeFactory, SessionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def session_data(committee, start, end, **overrides):
    data = {
        "committee": committee.pk,
        "kind": Session.Kind.ORDINARY,
        "number": "19",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "city": "Kayes",
        "venue": "",
        "objective": "",
        "opening_summary": "",
        "closing_summary": "",
        "highlights": "",
        "status": "",
    }
    data.update(overrides)
    return data


def status_select(content):
    """The status select's options as (value, label, selected), and its help text."""
    select = re.search(r'<select name="status".*?</select>', content, re.S)[0]
    options = [
        (value, label.strip(), "selected" in attrs)
        for value, attrs, label in re.findall(
            r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', select
        )
    ]
    help_text = re.search(r'id="id_status_helptext"[^>]*>\s*(.*?)\s*</div>', content, re.S)[1]
    return options, help_text


def test_a_new_session_whose_dates_are_past_is_held_and_listed_under_the_minutes(
    login, secretariat
):
    committee = CommitteeFactory()
    client = login(secretariat)

    response = client.post("/sessions/new/", session_data(committee, TODAY - 3 * DAY, TODAY - DAY))

    session = Session.objects.get()
    assert response.status_code == 302
    assert session.status == Session.Status.HELD
    portal = client.get("/reports/").content.decode()
    assert f'href="/reports/{session.pk}/"' in portal


def test_a_new_session_to_come_is_planned_and_not_yet_under_the_minutes(login, secretariat):
    committee = CommitteeFactory()
    client = login(secretariat)

    client.post("/sessions/new/", session_data(committee, TODAY + DAY, TODAY + 3 * DAY))

    session = Session.objects.get()
    assert session.status == Session.Status.PLANNED
    assert f'href="/reports/{session.pk}/"' not in client.get("/reports/").content.decode()


def test_a_session_ending_today_is_still_planned_by_default(login, secretariat):
    committee = CommitteeFactory()

    login(secretariat).post("/sessions/new/", session_data(committee, TODAY - DAY, TODAY))

    assert Session.objects.get().status == Session.Status.PLANNED


def test_the_status_chosen_is_kept_whatever_the_dates(login, secretariat):
    committee = CommitteeFactory()
    past = datetime.date(2019, 12, 17)

    login(secretariat).post(
        "/sessions/new/", session_data(committee, past, past, status=Session.Status.PLANNED)
    )

    assert Session.objects.get().status == Session.Status.PLANNED


def test_a_status_not_posted_follows_the_dates(login, secretariat):
    committee = CommitteeFactory()
    data = session_data(committee, datetime.date(2019, 12, 17), datetime.date(2019, 12, 18))
    del data["status"]

    login(secretariat).post("/sessions/new/", data)

    assert Session.objects.get().status == Session.Status.HELD


def test_the_new_session_form_says_the_status_follows_the_dates(login, secretariat):
    CommitteeFactory()

    content = login(secretariat).get("/sessions/new/").content.decode()

    options, help_text = status_select(content)
    assert options == [
        ("", "Selon les dates : tenue si elles sont passées, prévue sinon", True),
        ("planned", "prévue", False),
        ("held", "tenue", False),
    ]
    assert help_text == (
        "Une session dont les dates sont passées s’est tenue : elle apparaît alors sous "
        "« Comptes rendus » et son compte rendu peut être rédigé et soumis."
    )


def test_a_planned_session_whose_dates_are_past_is_offered_as_held(login, secretariat):
    session = SessionFactory(
        status=Session.Status.PLANNED,
        start_date=datetime.date(2019, 12, 17),
        end_date=datetime.date(2019, 12, 18),
    )

    content = login(secretariat).get(f"/sessions/{session.pk}/edit/").content.decode()

    options, _help_text = status_select(content)
    assert options == [("planned", "prévue", False), ("held", "tenue", True)]


def test_a_planned_session_to_come_stays_planned_in_its_form(login, secretariat):
    session = SessionFactory(
        status=Session.Status.PLANNED, start_date=TODAY + DAY, end_date=TODAY + 2 * DAY
    )

    content = login(secretariat).get(f"/sessions/{session.pk}/edit/").content.decode()

    options, _help_text = status_select(content)
    assert options == [("planned", "prévue", True), ("held", "tenue", False)]


def test_a_refused_new_session_without_dates_shows_only_the_date_errors(login, secretariat):
    committee = CommitteeFactory()
    data = session_data(committee, TODAY, TODAY, start_date="", end_date="")

    response = login(secretariat).post("/sessions/new/", data)

    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["end_date", "start_date"]
    assert Session.objects.count() == 0
