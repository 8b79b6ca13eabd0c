import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.models import Minutes
from sessions.models import Session
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    InterventionFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def validated(session):
    Minutes.objects.create(session=session, status=Minutes.Status.VALIDATED)
    return session


def session_data(committee, **overrides):
    data = {
        "committee": committee.pk,
        "kind": Session.Kind.ORDINARY,
        "number": "19",
        "start_date": "2019-12-17",
        "end_date": "2019-12-18",
        "city": "Bamako",
        "venue": "salle de conférence de l'UTGFS",
        "objective": "Faire le point du financement additionnel.",
        "opening_summary": "",
        "closing_summary": "",
        "highlights": "",
        "status": Session.Status.PLANNED,
    }
    data.update(overrides)
    return data


# -- home -------------------------------------------------------------------------------------


def test_home_shows_the_next_planned_and_the_latest_held_sessions(login, secretariat):
    committee = CommitteeFactory()
    SessionFactory(committee=committee, number=17, status=Session.Status.HELD)
    SessionFactory(
        committee=committee,
        number=19,
        status=Session.Status.PLANNED,
        start_date=TODAY + datetime.timedelta(days=40),
        end_date=TODAY + datetime.timedelta(days=41),
    )
    SessionFactory(
        committee=committee,
        number=20,
        status=Session.Status.PLANNED,
        start_date=TODAY + datetime.timedelta(days=120),
        end_date=TODAY + datetime.timedelta(days=120),
    )

    response = login(secretariat).get("/")

    assert response.context["next_session"].number == 19
    assert [s.number for s in response.context["latest_sessions"]] == [17]


def test_home_tells_the_secretariat_which_minutes_are_to_write(login, secretariat):
    committee = CommitteeFactory()
    without_minutes = SessionFactory(committee=committee, number=16)
    draft = SessionFactory(committee=committee, number=17)
    Minutes.objects.create(session=draft, status=Minutes.Status.DRAFT)
    submitted = SessionFactory(committee=committee, number=18)
    Minutes.objects.create(session=submitted, status=Minutes.Status.SUBMITTED)
    past_planned = SessionFactory(
        committee=committee,
        number=19,
        status=Session.Status.PLANNED,
        start_date=TODAY - datetime.timedelta(days=3),
        end_date=TODAY - datetime.timedelta(days=2),
    )

    response = login(secretariat).get("/")

    assert [
        (group["title"], [item["session"].pk for item in group["items"]])
        for group in response.context["awaiting"]
    ] == [
        ("Comptes rendus en attente de validation", [submitted.pk]),
        ("Comptes rendus en attente de soumission", [without_minutes.pk, draft.pk]),
        ("Sessions dont les dates sont passées, encore marquées « prévue »", [past_planned.pk]),
    ]
    assert "Comptes rendus en attente" in response.content.decode()


def test_home_shows_the_coordinator_the_minutes_to_validate(login, coordinator):
    submitted = SessionFactory(number=18)
    Minutes.objects.create(session=submitted, status=Minutes.Status.SUBMITTED)

    response = login(coordinator).get("/")

    assert [
        (group["key"], [item["session"].pk for item in group["items"]])
        for group in response.context["awaiting"]
    ] == [("to_validate", [submitted.pk]), ("to_submit", []), ("planned", [])]


def test_home_shows_a_partner_only_validated_sessions_and_no_work(login, partner):
    validated(SessionFactory(number=17))
    SessionFactory(number=18)

    response = login(partner).get("/")

    assert [s.number for s in response.context["latest_sessions"]] == [17]
    assert response.context["awaiting"] == []
    assert "Comptes rendus en attente" not in response.content.decode()


# -- list -------------------------------------------------------------------------------------


def test_session_list_shows_every_session_to_an_editor(login, secretariat):
    committee = CommitteeFactory()
    SessionFactory(
        committee=committee,
        number=17,
        start_date=datetime.date(2019, 6, 20),
        end_date=datetime.date(2019, 6, 20),
    )
    SessionFactory(committee=committee, number=18)

    response = login(secretariat).get("/sessions/")

    assert [str(s) for s in response.context["sessions"]] == [
        "18ème session ordinaire",
        "17ème session ordinaire",
    ]
    content = response.content.decode()
    assert "Les 26, 27 et 28 septembre 2019" in content
    assert 'href="/sessions/new/"' in content


def test_session_list_shows_a_partner_only_validated_sessions(login, partner):
    validated(SessionFactory(number=17))
    SessionFactory(number=18)

    response = login(partner).get("/sessions/")

    assert [s.number for s in response.context["sessions"]] == [17]
    assert 'href="/sessions/new/"' not in response.content.decode()


def test_session_list_makes_the_same_queries_for_one_or_three_sessions(
    login, secretariat, django_assert_num_queries
):
    client = login(secretariat)
    validated(SessionFactory(number=1))
    with CaptureQueriesContext(connection) as one:
        client.get("/sessions/")
    SessionFactory(number=2)
    validated(SessionFactory(number=3))

    with django_assert_num_queries(len(one)):
        response = client.get("/sessions/")

    assert len(response.context["sessions"]) == 3


# -- detail -----------------------------------------------------------------------------------


def full_session(items=1, number=18):
    """A session with `items` rows in each of its sections."""
    session = SessionFactory(
        number=number,
        opening_summary="Mot de bienvenue du maire.",
        highlights="Match de football CTN contre CCR.",
        closing_summary="Clôture par le coordinateur.",
    )
    session.rapporteurs.add(PersonFactory(first_name="Awa", last_name="Sidibé"))
    for n in range(items):
        CoChairFactory(session=session, person=PersonFactory(last_name=f"Coprésident{n}"))
        item = AgendaItemFactory(session=session, title=f"Point {n}", presenter=PersonFactory())
        InterventionFactory(
            session=session, agenda_item=item, speaker=PersonFactory(), summary=f"Échange {n}"
        )
        InterventionFactory(session=session, moment="opening", speaker_label=f"Orateur {n}")
        ExpectedResultFactory(session=session, description=f"Résultat {n}")
        RecommendationFactory(session=session, text=f"Recommandation {n}")
        RecommendationFactory(
            session=session, text=f"Blocage {n}", kind="blocker", solution=f"Solution {n}"
        )
        AttendanceFactory(session=session, person=PersonFactory(last_name=f"Présent{n}"))
    return session


def test_session_page_shows_every_section_in_order(login, secretariat):
    session = full_session()
    AgendaItemFactory(session=session, title="Divers")

    response = login(secretariat).get(f"/sessions/{session.pk}/")

    content = response.content.decode()
    assert content.count("<h1") == 1
    expected_in_order = [
        "18ème session ordinaire",
        "Les 26, 27 et 28 septembre 2019, Ségou, salle Kalanblo du Motel Savane",
        "Awa SIDIBÉ",
        "Co-présidence",
        "COPRÉSIDENT0",
        "Objectif",
        "Faire le point des activités.",
        "Cérémonie d’ouverture",
        "Mot de bienvenue du maire.",
        "Orateur 0",
        "Ordre du jour",
        "Point 0",
        "Échange 0",
        "Divers",
        "Résultats attendus",
        "Résultat 0",
        "atteints dans l’ensemble",
        "Recommandations et blocages",
        "Recommandation 0",
        "31 décembre 2019",
        "Blocage 0",
        "Solution 0",
        "Faits marquants",
        "Match de football CTN contre CCR.",
        "Cérémonie de clôture",
        "Clôture par le coordinateur.",
        "Liste de présence",
        "PRÉSENT0",
    ]
    main = content[content.index("<main") :]
    position, missing = 0, []
    for text in expected_in_order:
        found = main.find(text, position)
        if found < 0:
            missing.append(text)
        else:
            position = found
    assert missing == []


def test_session_page_offers_an_edit_link_per_section_to_editors(login, secretariat):
    session = SessionFactory()

    content = login(secretariat).get(f"/sessions/{session.pk}/").content.decode()

    for slug in [
        "edit",
        "cochairs",
        "agenda",
        "interventions",
        "results",
        "recommendations",
        "attendance",
    ]:
        assert f'href="/sessions/{session.pk}/{slug}/"' in content


def test_session_page_of_validated_minutes_has_no_edit_link(login, secretariat):
    session = validated(SessionFactory())

    content = login(secretariat).get(f"/sessions/{session.pk}/").content.decode()

    assert f'href="/sessions/{session.pk}/agenda/"' not in content
    assert "ne peut plus être modifiée" in content


def test_partner_reads_a_validated_session_without_edit_links(login, partner):
    session = validated(full_session())

    response = login(partner).get(f"/sessions/{session.pk}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Point 0" in content
    assert f'href="/sessions/{session.pk}/agenda/"' not in content


def test_partner_does_not_find_a_session_whose_minutes_are_not_validated(login, partner):
    session = SessionFactory()

    assert login(partner).get(f"/sessions/{session.pk}/").status_code == 404


def test_unknown_session_is_not_found(login, secretariat):
    assert login(secretariat).get("/sessions/999999/").status_code == 404


def test_anonymous_user_is_sent_to_login_from_a_session(client):
    session = SessionFactory()

    response = client.get(f"/sessions/{session.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/sessions/{session.pk}/"


def test_session_page_makes_as_many_queries_for_one_or_three_rows_per_section(
    login, secretariat, django_assert_max_num_queries
):
    client = login(secretariat)
    small = full_session(items=1)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/sessions/{small.pk}/")
    big = full_session(items=3, number=30)

    with django_assert_max_num_queries(len(one)):
        response = client.get(f"/sessions/{big.pk}/")

    agenda = response.content.decode().split('<section id="agenda"')[1].split("</section>")[0]
    assert agenda.count('<h3 class="h5 mb-1">') == 3


# -- create and edit --------------------------------------------------------------------------


def test_secretariat_creates_a_session(login, secretariat):
    committee = CommitteeFactory()
    rapporteur = PersonFactory()

    response = login(secretariat).post(
        "/sessions/new/", session_data(committee, rapporteurs=[rapporteur.pk]), follow=True
    )

    session = Session.objects.get()
    assert response.redirect_chain == [(f"/sessions/{session.pk}/", 302)]
    assert (str(session), session.date_span, session.city) == (
        "19ème session ordinaire",
        "les 17 et 18 décembre 2019",
        "Bamako",
    )
    assert list(session.rapporteurs.all()) == [rapporteur]
    assert "La 19ème session ordinaire a été créée." in response.content.decode()


def test_new_session_form_proposes_the_only_committee(login, coordinator):
    committee = CommitteeFactory()

    response = login(coordinator).get("/sessions/new/")

    assert response.context["form"]["committee"].value() == committee.pk
    content = response.content.decode()
    assert 'type="date"' in content
    assert "<h1" in content and content.count("<h1") == 1


def test_new_session_with_a_number_already_used_is_refused_in_french(login, secretariat):
    existing = SessionFactory(number=19)

    response = login(secretariat).post("/sessions/new/", session_data(existing.committee))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Le comité a déjà une 19ème session ordinaire." in content
    assert 'value="salle de conférence de l&#x27;UTGFS"' in content
    assert Session.objects.count() == 1


def test_new_session_ending_before_it_starts_is_refused_in_french(login, secretariat):
    committee = CommitteeFactory()

    response = login(secretariat).post(
        "/sessions/new/", session_data(committee, start_date="2019-12-18", end_date="2019-12-17")
    )

    assert response.context["form"].errors == {
        "end_date": ["La date de fin ne peut pas précéder la date de début."]
    }
    assert 'value="2019-12-17"' in response.content.decode()
    assert not Session.objects.exists()


def test_new_session_without_a_city_is_refused_in_french(login, secretariat):
    committee = CommitteeFactory()

    response = login(secretariat).post("/sessions/new/", session_data(committee, city=""))

    assert response.context["form"].errors == {"city": ["Ce champ est obligatoire."]}
    content = response.content.decode()
    assert "Rien n’a encore été enregistré" in content
    assert "Faire le point du financement additionnel." in content
    assert not Session.objects.exists()


def test_secretariat_edits_a_session(login, secretariat):
    session = SessionFactory(number=18)

    response = login(secretariat).post(
        f"/sessions/{session.pk}/edit/",
        session_data(
            session.committee,
            number="18",
            status=Session.Status.HELD,
            highlights="Match de football.",
        ),
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.city, session.highlights) == ("Bamako", "Match de football.")


def test_edit_form_shows_dates_as_the_browser_expects_them(login, secretariat):
    session = SessionFactory()

    content = login(secretariat).get(f"/sessions/{session.pk}/edit/").content.decode()

    assert 'value="2019-09-26"' in content


@pytest.mark.parametrize("url", ["/sessions/new/", "/sessions/{pk}/edit/"])
def test_partner_may_not_create_or_edit_a_session(login, partner, url):
    session = validated(SessionFactory())
    client = login(partner)

    get = client.get(url.format(pk=session.pk))
    post = client.post(url.format(pk=session.pk), session_data(session.committee, number="40"))

    assert (get.status_code, post.status_code) == (403, 403)
    assert Session.objects.count() == 1


def test_partner_gets_403_even_on_a_session_they_cannot_see(login, partner):
    session = SessionFactory()

    assert login(partner).get(f"/sessions/{session.pk}/edit/").status_code == 403


def test_validated_session_cannot_be_edited(login, secretariat):
    session = validated(SessionFactory(city="Ségou"))
    client = login(secretariat)

    get = client.get(f"/sessions/{session.pk}/edit/", follow=True)
    post = client.post(
        f"/sessions/{session.pk}/edit/", session_data(session.committee, number=session.number)
    )

    assert get.redirect_chain == [(f"/sessions/{session.pk}/", 302)]
    assert "Le compte rendu de cette session est validé" in get.content.decode()
    assert post.status_code == 302
    session.refresh_from_db()
    assert session.city == "Ségou"


def test_session_list_with_a_huge_query_string_is_not_a_server_error(login, secretariat):
    client = login(secretariat)

    response = client.get("/sessions/", {"tag": "<b>" * 2000, "kind": "1.5"})

    assert response.status_code == 200
