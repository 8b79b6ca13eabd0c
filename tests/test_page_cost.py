"""Pages whose cost would grow with the history of the committee are paginated or cached."""

import pytest

from sessions.views import SESSIONS_PER_PAGE
from tests.factories import CommitteeFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_the_session_list_shows_one_page_of_sessions_and_links_to_the_next(login, secretariat):
    committee = CommitteeFactory()
    SessionFactory.create_batch(SESSIONS_PER_PAGE + 2, committee=committee)
    client = login(secretariat)

    first = client.get("/sessions/")
    last = client.get("/sessions/?page=2")

    assert len(first.context["sessions"]) == SESSIONS_PER_PAGE
    assert len(last.context["sessions"]) == 2
    assert 'href="?page=2"' in first.content.decode()
    assert "Page 1 sur 2" in first.content.decode()


def test_the_session_list_keeps_its_filters_from_page_to_page(login, secretariat):
    committee = CommitteeFactory()
    SessionFactory.create_batch(SESSIONS_PER_PAGE + 1, committee=committee)
    client = login(secretariat)

    response = client.get(f"/sessions/?committee={committee.pk}")

    assert f'href="?committee={committee.pk}&amp;page=2"' in response.content.decode()


def test_a_page_number_out_of_range_shows_the_last_page(login, secretariat):
    SessionFactory.create_batch(3, committee=CommitteeFactory())

    response = login(secretariat).get("/sessions/?page=99")

    assert response.status_code == 200
    assert len(response.context["sessions"]) == 3


def test_the_portal_shows_one_page_of_minutes(login, partner, secretariat, coordinator):
    from reports import services
    from reports.views import MINUTES_PER_PAGE

    committee = CommitteeFactory()
    sessions = SessionFactory.create_batch(MINUTES_PER_PAGE + 1, committee=committee)
    for session in sessions:
        services.validate(services.submit(services.minutes_for(session), secretariat), coordinator)
    client = login(partner)

    first = client.get("/reports/")
    second = client.get("/reports/?page=2")

    assert len(first.context["rows"]) == MINUTES_PER_PAGE
    assert [row["session"] for row in second.context["rows"]] == [sessions[0]]
    assert 'href="?page=2"' in first.content.decode()
