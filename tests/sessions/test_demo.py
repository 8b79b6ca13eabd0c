import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import override_settings

from participants.models import Attendance, Organization
from sessions.models import Session

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
