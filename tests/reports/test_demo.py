import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import override_settings

from participants.models import Attendance, Organization
from sessions.models import AgendaItem, FollowUp, Recommendation, Session, Tag

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_demo_holds_the_18th_session_as_the_programme_reported_it():
    call_command("load_demo", stdout=io.StringIO())

    session = Session.objects.with_sections().get(committee__acronym="CTN", number=18)
    assert str(session) == "18ème session ordinaire"
    assert session.date_span == "les 26, 27 et 28 septembre 2019"
    assert (session.start_date, session.end_date) == (
        datetime.date(2019, 9, 26),
        datetime.date(2019, 9, 28),
    )
    assert (session.city, session.venue) == ("Ségou", "salle Kalanblo du Motel Savane")
    assert [c.capacity for c in session.cochairs.all()] == [
        "Coordinateur du programme « Jigisemejiri »",
        "Directeur Régional du Développement Social et de l'Économie Solidaire de Ségou (DRDSES)",
        "Directeur National de la Protection Sociale et de l'Économie Solidaire (DNPSES)",
    ]
    assert "achèvement du financement initial" in session.objective
    assert "régularité dans l'organisation trimestrielle" in session.opening_summary
    speakers = [i.speaker_name for i in session.interventions.all()]
    assert speakers[0] == "le représentant du gouverneur de la région de Ségou"
    assert "Dr Hassane TANGARA" in speakers
    assert len(session.expected_results.all()) == 5
    assert session.results_assessment == "atteints dans l’ensemble"
    assert "match de football" in session.highlights
    assert {"PAM", "FAO", "Banque mondiale", "ANAM"} <= set(
        Organization.objects.filter(is_partner=True).values_list("acronym", flat=True)
    )


@override_settings(DEBUG=True)
def test_demo_is_idempotent_and_has_a_17th_session_awaiting_validation():
    call_command("load_demo", stdout=io.StringIO())
    counts = (Session.objects.count(), Attendance.objects.count())

    call_command("load_demo", stdout=io.StringIO())

    assert (Session.objects.count(), Attendance.objects.count()) == counts
    s17 = Session.objects.get(number=17)
    assert s17.minutes.status == "submitted"
    assert s17.start_date == datetime.date(2019, 6, 27)


@override_settings(DEBUG=True)
def test_demo_users_of_each_role_log_in_with_the_demo_password(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-1")

    call_command("load_demo", stdout=io.StringIO())

    for username, group in [
        ("secretariat", "secretariat"),
        ("coordinator", "coordinator"),
        ("partner", "partner"),
    ]:
        user = authenticate(username=username, password="demo-pass-1")
        assert user is not None and list(user.groups.values_list("name", flat=True)) == [group]


@override_settings(DEBUG=False)
def test_demo_accounts_are_refused_when_debug_is_off():
    call_command("load_demo", stdout=io.StringIO())

    assert authenticate(username="secretariat", password="ctn-demo-2019") is None
    assert Session.objects.filter(number=18).exists()


@override_settings(DEBUG=True)
def test_demo_follows_up_the_17th_session_s_recommendations_at_the_18th():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    s18 = Session.objects.get(number=18)
    follow_ups = FollowUp.objects.filter(session=s18).order_by("recommendation__order")
    assert [(f.recommendation.session.number, f.status) for f in follow_ups] == [
        (17, "done"),
        (17, "in_progress"),
        (17, "in_progress"),
    ]
    assert all("(démo)" in f.note for f in follow_ups)
    assert [r.current_status for r in Recommendation.objects.with_current_status()] == [
        "done",
        "in_progress",
        "in_progress",
    ]


@override_settings(DEBUG=True)
def test_demo_tags_agenda_items_and_recommendations():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    assert {(t.kind, t.name) for t in Tag.objects.all()} >= {
        ("component", "Transferts monétaires"),
        ("financing", "FA1"),
        ("partner", "PAM"),
    }
    pam_tagged = Recommendation.objects.filter(tags__kind="partner", tags__name="PAM")
    assert [r.session.number for r in pam_tagged] == [17]
    fa1_items = AgendaItem.objects.filter(tags__name="FA1").order_by("session__number")
    assert [i.session.number for i in fa1_items] == [17, 18]


@override_settings(DEBUG=True)
def test_after_the_demo_the_dashboard_shows_the_follow_up(client):
    call_command("load_demo", stdout=io.StringIO())
    client.login(username="coordinator", password="ctn-demo-2019")

    response = client.get("/")

    rows = response.context["recommendations"]["by_organization"]
    assert [(row["acronym"], row["total"], row["overdue"]) for row in rows] == [("UTGFS", 2, 2)]
    assert "Le rapport de clôture du FA1 est en cours de rédaction" not in response.content.decode()
    listed = client.get(rows[0]["url"]).content.decode()
    assert "Le rapport de clôture du FA1 est en cours de rédaction (démo)" in listed
