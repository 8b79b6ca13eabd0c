"""Pages whose cost would grow with the history of the committee are paginated or cached."""

import pytest

from sessions.views import SESSIONS_PER_PAGE
from tests.factories import CommitteeFactory, SessionFactory
from tests.utils import csrf_token

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


# -- the page of a validated session -----------------------------------------------------------


@pytest.fixture
def validated_session(secretariat, coordinator):
    from reports import services
    from tests.factories import AgendaItemFactory, AttendanceFactory, RecommendationFactory

    session = SessionFactory(committee=CommitteeFactory(), number=17)
    AgendaItemFactory(session=session, title="Point sur le financement additionnel")
    AttendanceFactory(session=session)
    RecommendationFactory(session=session, text="Accélérer les paiements")
    services.validate(services.submit(services.minutes_for(session), secretariat), coordinator)
    return session


def _page(client, session):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/sessions/{session.pk}/")
    return response.content.decode(), len(queries)


def test_a_validated_session_page_renders_its_sections_once(login, partner, validated_session):
    client = login(partner)

    first, first_queries = _page(client, validated_session)
    second, second_queries = _page(client, validated_session)

    assert second == first.replace(_csrf(first), _csrf(second))
    assert "Point sur le financement additionnel" in second
    assert second_queries < first_queries


def _csrf(html):
    import re

    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""


def test_a_later_follow_up_status_shows_at_once_on_a_validated_page(
    login, partner, validated_session
):
    client = login(partner)
    _page(client, validated_session)
    recommendation = validated_session.recommendations.get()

    recommendation.set_follow_up_status("done")
    html, _queries = _page(client, validated_session)

    assert "État : réalisée" in html
    assert "État : ouverte" not in html


def test_a_renamed_organization_shows_at_once_on_a_validated_page(
    login, partner, validated_session
):
    client = login(partner)
    _page(client, validated_session)
    organization = validated_session.attendances.get().person.organization

    organization.acronym = "NOUVEAU-SIGLE"
    organization.save()
    html, _queries = _page(client, validated_session)

    assert "NOUVEAU-SIGLE" in html


def test_a_session_reopened_by_an_erratum_is_rendered_live(
    login, coordinator, secretariat, validated_session
):
    from reports import services

    client = login(secretariat)
    _page(client, validated_session)
    services.open_erratum(validated_session.minutes, coordinator, "Nom mal écrit.")
    item = validated_session.agenda_items.get()

    item.title = "Titre corrigé par erratum"
    item.save()
    html, _queries = _page(client, validated_session)

    assert "Titre corrigé par erratum" in html


# -- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_counts_the_history_once_per_change(login, partner, validated_session):
    client = login(partner)

    first, first_queries = _page_at(client, "/")
    second, second_queries = _page_at(client, "/")
    validated_session.recommendations.get().set_follow_up_status("done")
    third, _queries = _page_at(client, "/")

    # The second is the page kept whole (ctn/cache.py): nothing read, nothing rendered.
    assert second_queries == 0 < first_queries
    assert second.context is None
    assert second.content == first.content.replace(
        csrf_token(first).encode(), csrf_token(second).encode()
    )
    assert first.context["recommendations"]["by_organization"][0]["total"] == 1
    assert third.context["recommendations"]["by_organization"] == []


def _page_at(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


# -- the search ----------------------------------------------------------------------------------


def test_the_search_finds_matching_rows_through_an_index_on_postgresql():
    from django.contrib.postgres.search import SearchQuery, SearchVector
    from django.db import connection

    from sessions.models import AgendaItem
    from sessions.search import SEARCH_CONFIG

    if connection.vendor != "postgresql":
        pytest.skip("full-text search indexes exist on PostgreSQL only")
    vector = SearchVector("title", "summary", config=SEARCH_CONFIG)
    query = SearchQuery("financement", config=SEARCH_CONFIG, search_type="websearch")
    matching = AgendaItem.objects.annotate(v=vector).filter(v=query).values("pk")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = matching.explain()

    assert "ctn_sessions_agendaitem_search" in plan
