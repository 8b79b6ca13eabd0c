"""The screens name a session as its committee's documents do (issue 13): one designation and
one document title (sessions.models.Committee.designation and document_title_of) for the
pages and the PDF; the coordinator reaches the committees' settings from the header."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.pdf import _committee_wording
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CommitteeFactory,
    PersonFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def one_day(committee, number, day, **fields):
    return SessionFactory(
        committee=committee, number=number, start_date=day, end_date=day, **fields
    )


def test_a_ctn_session_keeps_its_name():
    session = SessionFactory(number=18)

    assert str(session) == "18ème session ordinaire"
    assert session.title == (
        "Compte rendu de la 18ème session ordinaire du Comité Technique National"
    )


def test_a_session_of_a_committee_numbering_per_year_is_named_with_its_year():
    copil = CommitteeFactory(
        acronym="COPIL", name="Comité de Pilotage", numbering="yearly", document_title="record"
    )
    session = one_day(copil, 1, datetime.date(2024, 3, 14))

    assert str(session) == "1ère session ordinaire de l’année 2024"
    assert session.title == (
        "Procès-verbal de la 1ère session ordinaire de l’année 2024 du Comité de Pilotage"
    )


def test_an_unnumbered_meeting_is_named_by_its_date_without_ordinal():
    bureau = CommitteeFactory(
        acronym="BUR", name="Bureau du Comité", numbering="none", meeting_noun="meeting"
    )
    meeting = one_day(bureau, 7, datetime.date(2015, 3, 12))

    assert str(meeting) == "réunion du 12 mars 2015"
    assert meeting.title == "Compte rendu de la réunion du 12 mars 2015 du Bureau du Comité"


def test_the_pdf_title_and_the_page_title_are_one_wording():
    commission = CommitteeFactory(
        acronym="CNC", name="Commission nationale de ciblage", article="la", numbering="none"
    )
    meeting = one_day(commission, 1, datetime.date(2021, 3, 2))

    wording = _committee_wording(commission, meeting, None)

    assert wording["pdf_title"] == meeting.title
    assert wording["designation"] == str(meeting)
    assert meeting.title == (
        "Compte rendu de la session du 2 mars 2021 de la Commission nationale de ciblage"
    )


def test_the_pages_of_a_yearly_session_use_its_name(login, secretariat):
    copil = CommitteeFactory(acronym="COPIL", name="Comité de Pilotage", numbering="yearly")
    session = one_day(copil, 2, datetime.date(2024, 6, 20))
    client = login(secretariat)

    page = client.get(f"/sessions/{session.pk}/").content.decode()
    listing = client.get("/sessions/").content.decode()
    minutes = client.get(f"/reports/{session.pk}/").content.decode()

    assert '<h1 class="h3">2ème session ordinaire de l’année 2024</h1>' in page
    assert "2ème session ordinaire de l’année 2024" in listing
    assert (
        '<h1 class="h3">Compte rendu de la 2ème session ordinaire de l’année 2024 du Comité '
        "de Pilotage</h1>" in minutes
    )


def test_the_header_links_the_coordinator_to_the_committees(login, coordinator, secretariat):
    coordinator_home = login(coordinator).get("/").content.decode()
    secretariat_home = login(secretariat).get("/").content.decode()

    link = '<a class="nav-link" href="/sessions/committees/">Comités</a>'
    assert link in coordinator_home
    assert link not in secretariat_home


def test_the_dashboard_heads_its_attendance_columns_as_the_committee_numbers(login, secretariat):
    copil = CommitteeFactory(acronym="COPIL", name="Comité de Pilotage", numbering="yearly")
    bureau = CommitteeFactory(acronym="BUR", name="Bureau du Comité", numbering="none")
    person = PersonFactory()
    for held in (
        one_day(copil, 2, datetime.date(2024, 6, 20)),
        one_day(copil, 1, datetime.date(2025, 3, 13)),
        one_day(bureau, 7, datetime.date(2015, 3, 12)),
    ):
        AttendanceFactory(session=held, person=person)

    response = login(secretariat).get("/")

    assert {
        table["committee"].acronym: [s.short_label for s in table["sessions"]]
        for table in response.context["attendance"]
    } == {"BUR": ["12/03/2015"], "COPIL": ["2ème (2024)", "1ère (2025)"]}


def test_search_results_are_headed_as_the_committees_name_their_sessions_at_a_fixed_cost(
    login, secretariat
):
    client = login(secretariat)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", {"q": "tominian"})
        return response, len(queries)

    ctn = CommitteeFactory()
    AgendaItemFactory(session=one_day(ctn, 18, datetime.date(2019, 9, 26)), title="Tominian")
    _response, one_committee = count()
    copil = CommitteeFactory(acronym="COPIL", name="Comité de Pilotage", numbering="yearly")
    bureau = CommitteeFactory(
        acronym="BUR", name="Bureau du Comité", numbering="none", meeting_noun="meeting"
    )
    AgendaItemFactory(session=one_day(copil, 1, datetime.date(2024, 3, 14)), title="Tominian")
    AgendaItemFactory(session=one_day(bureau, 7, datetime.date(2015, 3, 12)), title="Tominian")
    response, three_committees = count()

    assert [group.heading for group in response.context["results"].groups] == [
        "1ère session ordinaire de l’année 2024",
        "18ème session ordinaire",
        "Réunion du 12 mars 2015",
    ]
    assert three_committees == one_committee
