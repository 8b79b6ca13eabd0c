"""Planned sessions and the calendar feed /calendar.ics?token=… (read back with icalendar)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from participants.models import Profile
from reports.models import Minutes
from sessions.models import Session
from tests.factories import AgendaItemFactory, CommitteeFactory, SessionFactory, UserFactory
from tests.sessions.test_sections import formset_data

pytestmark = pytest.mark.django_db


def feed_url(user):
    token = Profile.for_user(user).new_calendar_token()
    return f"{reverse('calendar')}?token={token}"


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def sessions(db):
    committee = CommitteeFactory()
    planned = SessionFactory(
        committee=committee,
        number=19,
        start_date=datetime.date(2019, 12, 17),
        end_date=datetime.date(2019, 12, 19),
        status=Session.Status.PLANNED,
        objective="Faire le point des activités du quatrième trimestre.",
    )
    validated = SessionFactory(
        committee=committee,
        number=18,
        objective="Faire le point des activités d’achèvement du financement initial.",
    )
    Minutes.objects.create(session=validated, status=Minutes.Status.VALIDATED)
    draft = SessionFactory(committee=committee, number=17, start_date=datetime.date(2019, 6, 26))
    return {"planned": planned, "validated": validated, "draft": draft}


def test_a_partner_s_feed_lists_planned_sessions_and_validated_ones(client, partner, sessions):
    response = client.get(feed_url(partner))

    found = events(response)
    assert sorted(found) == [
        "18ème session ordinaire du CTN",
        "19ème session ordinaire du CTN",
    ]


def test_an_event_carries_the_dates_the_venue_and_the_objective(client, partner, sessions):
    event = events(client.get(feed_url(partner)))["18ème session ordinaire du CTN"]

    assert event.decoded("DTSTART") == datetime.date(2019, 9, 26)
    # All-day event: the end is exclusive, the day after the last day of the session.
    assert event.decoded("DTEND") == datetime.date(2019, 9, 29)
    assert str(event["LOCATION"]) == "salle Kalanblo du Motel Savane, Ségou"
    assert str(event["DESCRIPTION"]) == (
        "Faire le point des activités d’achèvement du financement initial."
    )
    assert str(event["UID"]) == f"ctn-session-{sessions['validated'].pk}@127.0.0.1"


def test_a_planned_session_links_to_its_convocation(client, partner, sessions, settings):
    event = events(client.get(feed_url(partner)))["19ème session ordinaire du CTN"]

    pk = sessions["planned"].pk
    assert str(event["DESCRIPTION"]) == (
        "Faire le point des activités du quatrième trimestre.\n\n"
        f"Convocation : {settings.SITE_URL}/reports/{pk}/convocation.pdf"
    )


def test_the_uid_of_a_session_is_stable_across_feeds_and_edits(client, partner, sessions):
    url = feed_url(partner)
    first = events(client.get(url))["19ème session ordinaire du CTN"]
    Session.objects.filter(pk=sessions["planned"].pk).update(city="Bamako")

    second = events(client.get(url))["19ème session ordinaire du CTN"]

    assert str(second["UID"]) == str(first["UID"])
    assert str(second["LOCATION"]) == "salle Kalanblo du Motel Savane, Bamako"


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_editors_see_every_session_in_their_feed(client, role, sessions, request):
    user = request.getfixturevalue(role)

    found = events(client.get(feed_url(user)))

    assert sorted(found) == [
        "17ème session ordinaire du CTN",
        "18ème session ordinaire du CTN",
        "19ème session ordinaire du CTN",
    ]


def test_the_feed_needs_no_log_in_but_a_token(client, sessions):
    response = client.get(reverse("calendar"))

    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "Lien de calendrier inconnu ou révoqué. Créez-en un nouveau sur votre page de profil."
    )


@pytest.mark.parametrize("token", ["", "x", "not-a-token-but-long-enough-anyway", "a" * 500])
def test_an_unknown_token_is_a_404_in_french(client, partner, sessions, token):
    Profile.for_user(partner).new_calendar_token()

    response = client.get(reverse("calendar"), {"token": token})

    assert response.status_code == 404
    assert "Lien de calendrier inconnu ou révoqué" in response.content.decode()


def test_an_expired_token_is_refused_in_french(client, partner, sessions, settings):
    settings.CALENDAR_TOKEN_MAX_AGE = 30
    url = feed_url(partner)
    Profile.objects.filter(user=partner).update(
        calendar_token_created_at=timezone.now() - datetime.timedelta(days=30, seconds=1)
    )

    response = client.get(url)

    assert response.status_code == 403
    assert response.content.decode() == (
        "Ce lien de calendrier a expiré. Créez-en un nouveau sur votre page de profil."
    )


def test_a_token_still_works_the_day_before_it_expires(client, partner, sessions, settings):
    settings.CALENDAR_TOKEN_MAX_AGE = 30
    url = feed_url(partner)
    Profile.objects.filter(user=partner).update(
        calendar_token_created_at=timezone.now() - datetime.timedelta(days=29)
    )

    assert client.get(url).status_code == 200


def test_the_token_of_a_deactivated_account_no_longer_works(client, partner, sessions):
    url = feed_url(partner)
    partner.is_active = False
    partner.save(update_fields=["is_active"])

    assert client.get(url).status_code == 404


def test_the_feed_refuses_post(client, partner, sessions):
    response = client.post(feed_url(partner))

    assert response.status_code == 405


def test_a_user_without_role_sees_only_what_partners_see(client, sessions):
    nobody = UserFactory(username="sans-role")

    found = events(client.get(feed_url(nobody)))

    assert sorted(found) == [
        "18ème session ordinaire du CTN",
        "19ème session ordinaire du CTN",
    ]


def test_the_feed_makes_the_same_queries_for_one_or_three_sessions(client, partner):
    committee = CommitteeFactory()
    url = feed_url(partner)
    counts = []
    for number in (1, 2, 3):
        SessionFactory(committee=committee, number=number, status=Session.Status.PLANNED)
        if number == 2:
            continue
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))

    assert counts == [3, 3]


def test_a_planned_session_is_created_ahead_with_its_draft_agenda(
    login, secretariat, partner, client
):
    committee = CommitteeFactory()
    login(secretariat)

    created = client.post(
        reverse("sessions:create"),
        {
            "committee": committee.pk,
            "kind": "ordinary",
            "number": "19",
            "start_date": "2019-12-17",
            "end_date": "2019-12-19",
            "city": "Ségou",
            "venue": "salle Kalanblo du Motel Savane",
            "objective": "Faire le point des activités du quatrième trimestre.",
            "status": "planned",
        },
    )
    session = Session.objects.get(committee=committee, number=19)
    agenda = client.post(
        reverse("sessions:agenda", args=[session.pk]),
        formset_data(
            "agenda_items",
            [
                {
                    "order": "1",
                    "title": "Examen du compte rendu de la 18ème session",
                    "kind": "validation",
                },
                {"order": "2", "title": "Point du PTBA 2020", "kind": "presentation"},
            ],
        ),
    )
    client.logout()
    feed = events(client.get(feed_url(partner)))

    assert created.status_code == 302
    assert agenda.status_code == 302
    assert session.status == Session.Status.PLANNED
    assert list(session.agenda_items.values_list("title", flat=True)) == [
        "Examen du compte rendu de la 18ème session",
        "Point du PTBA 2020",
    ]
    assert list(feed) == ["19ème session ordinaire du CTN"]
    assert feed["19ème session ordinaire du CTN"].decoded("DTEND") == datetime.date(2019, 12, 20)


def test_the_draft_agenda_of_a_planned_session_can_be_changed(login, coordinator):
    session = SessionFactory(status=Session.Status.PLANNED)
    item = AgendaItemFactory(session=session, order=1, title="Point provisoire")

    response = login(coordinator).post(
        reverse("sessions:agenda", args=[session.pk]),
        formset_data(
            "agenda_items",
            [{"id": item.pk, "order": "1", "title": "Point définitif", "kind": "presentation"}],
            initial=1,
        ),
    )

    assert response.status_code == 302
    assert list(session.agenda_items.values_list("title", flat=True)) == ["Point définitif"]
