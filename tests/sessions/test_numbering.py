"""The numbering of sessions follows the committee's settings (issue 13): continuous numbers are
unique for the committee's life, per-year numbers within their year, unnumbered meetings are
asked no number. The screens say it in French; the database holds it on SQLite and PostgreSQL."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from reports import services
from sessions.models import Session
from tests.factories import CommitteeFactory, SessionFactory

pytestmark = pytest.mark.django_db


def session_data(committee, **overrides):
    data = {
        "committee": committee.pk,
        "kind": Session.Kind.ORDINARY,
        "number": "1",
        "start_date": "2025-03-13",
        "end_date": "2025-03-13",
        "city": "Bamako",
        "venue": "",
        "objective": "",
        "opening_summary": "",
        "closing_summary": "",
        "highlights": "",
        "status": Session.Status.HELD,
    }
    data.update(overrides)
    return data


def yearly_committee():
    return CommitteeFactory(acronym="COPIL", name="Comité de Pilotage", numbering="yearly")


def test_a_committee_numbering_per_year_starts_again_at_one_each_year(login, secretariat):
    copil = yearly_committee()
    SessionFactory(
        committee=copil,
        number=1,
        start_date=datetime.date(2024, 3, 14),
        end_date=datetime.date(2024, 3, 14),
    )

    response = login(secretariat).post("/sessions/new/", session_data(copil))

    assert response.status_code == 302
    assert sorted(
        Session.objects.filter(committee=copil).values_list("number", "numbering_year")
    ) == [(1, 2024), (1, 2025)]


def test_a_second_first_session_in_the_same_year_is_a_french_form_error(login, secretariat):
    copil = yearly_committee()
    SessionFactory(
        committee=copil,
        number=1,
        start_date=datetime.date(2025, 1, 9),
        end_date=datetime.date(2025, 1, 9),
    )

    response = login(secretariat).post("/sessions/new/", session_data(copil))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "number": ["Le comité a déjà une 1ère session ordinaire de l’année 2025."]
    }
    assert Session.objects.filter(committee=copil).count() == 1


def test_a_continuous_number_stays_unique_for_the_committee_s_life(login, secretariat):
    ctn = CommitteeFactory()
    SessionFactory(committee=ctn, number=18, start_date=datetime.date(2019, 9, 26))

    response = login(secretariat).post(
        "/sessions/new/", session_data(ctn, number="18", start_date="2025-03-13")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "number": ["Le comité a déjà une 18ème session ordinaire."]
    }


def test_moving_a_session_into_a_year_that_has_its_number_is_refused(login, secretariat):
    copil = yearly_committee()
    SessionFactory(
        committee=copil,
        number=2,
        start_date=datetime.date(2025, 6, 5),
        end_date=datetime.date(2025, 6, 5),
    )
    other = SessionFactory(
        committee=copil,
        number=2,
        start_date=datetime.date(2024, 6, 5),
        end_date=datetime.date(2024, 6, 5),
    )

    response = login(secretariat).post(
        f"/sessions/{other.pk}/edit/",
        session_data(copil, number="2", start_date="2025-09-04", end_date="2025-09-04"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "number": ["Le comité a déjà une 2ème session ordinaire de l’année 2025."]
    }
    other.refresh_from_db()
    assert (other.start_date, other.numbering_year) == (datetime.date(2024, 6, 5), 2024)


def test_an_unnumbered_committee_s_meetings_are_asked_no_number(login, secretariat):
    bureau = CommitteeFactory(acronym="BUR", name="Bureau du Comité", numbering="none")
    client = login(secretariat)

    first = client.post("/sessions/new/", session_data(bureau, number=""))
    second = client.post(
        "/sessions/new/",
        session_data(bureau, number="", start_date="2025-04-10", end_date="2025-04-10"),
    )

    assert (first.status_code, second.status_code) == (302, 302)
    assert Session.objects.filter(committee=bureau).count() == 2


def test_a_numbered_committee_needs_the_number(login, secretariat):
    ctn = CommitteeFactory()

    response = login(secretariat).post("/sessions/new/", session_data(ctn, number=""))

    assert response.context["form"].errors == {
        "number": ["Donnez le numéro de la session : ce comité numérote ses sessions."]
    }


def test_the_database_refuses_a_number_twice_in_a_year_and_allows_it_next_year():
    copil = yearly_committee()
    SessionFactory(
        committee=copil,
        number=1,
        start_date=datetime.date(2024, 3, 14),
        end_date=datetime.date(2024, 3, 14),
    )
    SessionFactory(
        committee=copil,
        number=1,
        start_date=datetime.date(2025, 3, 13),
        end_date=datetime.date(2025, 3, 13),
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(
            committee=copil,
            number=1,
            start_date=datetime.date(2025, 9, 4),
            end_date=datetime.date(2025, 9, 4),
        )


def test_the_database_keeps_a_continuous_number_unique_across_years():
    ctn = CommitteeFactory()
    SessionFactory(committee=ctn, number=18, start_date=datetime.date(2019, 9, 26))

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(
            committee=ctn,
            number=18,
            start_date=datetime.date(2021, 9, 26),
            end_date=datetime.date(2021, 9, 27),
        )


def test_switching_a_committee_to_yearly_numbering_counts_its_sessions_in_their_year(
    login, coordinator
):
    committee = CommitteeFactory(acronym="COPIL", name="Comité de Pilotage")
    session = SessionFactory(
        committee=committee,
        number=3,
        start_date=datetime.date(2024, 3, 14),
        end_date=datetime.date(2024, 3, 14),
    )
    settings = {
        "name": committee.name,
        "acronym": "COPIL",
        "article": "le",
        "programme": "",
        "state": committee.state,
        "motto": committee.motto,
        "letterhead": "",
        "presidency": "president",
        "numbering": "yearly",
        "document_title": "record",
        "meeting_noun": "session",
        "cadence": "quarterly",
    }

    response = login(coordinator).post(f"/sessions/committees/{committee.pk}/", settings)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.numbering_year == 2024


def test_switching_back_to_continuous_numbering_with_two_number_ones_is_a_form_error(
    login, coordinator
):
    copil = yearly_committee()
    for year in (2024, 2025):
        SessionFactory(
            committee=copil,
            number=1,
            start_date=datetime.date(year, 3, 13),
            end_date=datetime.date(year, 3, 13),
        )
    settings = {
        "name": copil.name,
        "acronym": "COPIL",
        "article": "le",
        "programme": "",
        "state": copil.state,
        "motto": copil.motto,
        "letterhead": "",
        "presidency": "cochairs",
        "numbering": "continuous",
        "document_title": "minutes",
        "meeting_noun": "session",
        "cadence": "quarterly",
    }

    response = login(coordinator).post(f"/sessions/committees/{copil.pk}/", settings)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "numbering": [
            "Deux sessions de ce comité auraient alors le même numéro : corrigez d’abord "
            "leurs numéros."
        ]
    }
    copil.refresh_from_db()
    assert copil.numbering == "yearly"


def test_the_numbering_of_a_committee_with_validated_minutes_is_kept(login, coordinator):
    copil = yearly_committee()
    session = SessionFactory(committee=copil, number=1)
    minutes = services.minutes_for(session)
    services.submit(minutes, coordinator)
    services.validate(minutes, coordinator, adoption_mode="written", adopted_on=session.end_date)
    settings = {
        "name": copil.name,
        "acronym": "COPIL",
        "article": "le",
        "programme": "",
        "state": copil.state,
        "motto": copil.motto,
        "letterhead": "",
        "presidency": "cochairs",
        "numbering": "continuous",
        "document_title": "minutes",
        "meeting_noun": "session",
        "cadence": "quarterly",
    }

    response = login(coordinator).post(f"/sessions/committees/{copil.pk}/", settings)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["numbering"]
    copil.refresh_from_db()
    assert copil.numbering == "yearly"
