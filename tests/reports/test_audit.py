"""The audit trail: who changed what and when, log-ins, refusals, the minutes' workflow and the
downloads, shown to the coordinator on each session's "Historique"; nobody edits it."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser

from participants.models import Attendance, Organization, Person
from reports import services
from reports.admin import AuditEventAdmin
from reports.models import AuditEvent, Minutes, MinutesVersion
from sessions.models import (
    AgendaItem,
    Annex,
    CoChair,
    ExpectedResult,
    FollowUp,
    Intervention,
    Recommendation,
    Session,
    Tag,
)
from tests.factories import AgendaItemFactory, OrganizationFactory, PersonFactory, SessionFactory
from tests.sessions.test_views import session_data

pytestmark = pytest.mark.django_db

AUDITED = [
    Session,
    CoChair,
    AgendaItem,
    Intervention,
    ExpectedResult,
    Recommendation,
    Attendance,
    Organization,
    Person,
    Minutes,
    FollowUp,
    Tag,
    Annex,
]


@pytest.mark.parametrize("model", AUDITED)
def test_every_audited_model_keeps_a_history(model):
    assert (
        model.history.model._meta.db_table.split("_")[-1] == f"historical{model._meta.model_name}"
    )


def test_an_edit_through_the_screens_records_who_when_and_what(login, secretariat):
    session = SessionFactory(number=18, city="Bamako")

    login(secretariat).post(
        f"/sessions/{session.pk}/edit/", session_data(session.committee, number="18", city="Ségou")
    )

    latest = session.history.first()
    previous = latest.prev_record
    assert (latest.history_type, latest.history_user, latest.city) == ("~", secretariat, "Ségou")
    assert [
        (c.field, c.old, c.new) for c in latest.diff_against(previous).changes if c.field == "city"
    ] == [("city", "Bamako", "Ségou")]


def test_a_bulk_queryset_update_leaves_a_history_row():
    session = SessionFactory(city="Bamako")
    before = session.history.count()

    Session.objects.filter(pk=session.pk).update(city="Kayes")

    assert session.history.count() == before + 1
    latest = session.history.first()
    assert (latest.history_type, latest.city) == ("~", "Kayes")


def test_bulk_update_and_bulk_create_leave_history_rows():
    session = SessionFactory()
    item = AgendaItemFactory(session=session, title="Avant")
    item.title = "Après"

    AgendaItem.objects.bulk_update([item], ["title"])
    created = AgendaItem.objects.bulk_create([AgendaItem(session=session, title="Nouveau")])
    Organization.objects.filter(pk=OrganizationFactory(acronym="PAM").pk).update(name="PAM Mali")

    assert list(item.history.values_list("history_type", "title")) == [
        ("~", "Après"),
        ("+", "Avant"),
    ]
    assert list(created[0].history.values_list("history_type", "title")) == [("+", "Nouveau")]
    assert Organization.history.first().name == "PAM Mali"


def test_a_queryset_delete_leaves_a_history_row():
    person = PersonFactory(last_name="Keïta")

    Person.objects.filter(pk=person.pk).delete()

    assert list(Person.history.filter(id=person.pk).values_list("history_type", flat=True)) == [
        "-",
        "+",
    ]


def test_a_version_bump_alone_is_no_history_event():
    session = SessionFactory()
    before = session.history.count()

    Session.objects.filter(pk=session.pk).update(edit_count=7)

    assert session.history.count() == before


def test_log_ins_and_failed_log_ins_are_recorded(client, secretariat):
    client.post("/accounts/login/", {"username": "awa", "password": "wrong"})
    client.post("/accounts/login/", {"username": "personne", "password": "wrong"})
    client.post("/accounts/login/", {"username": "awa", "password": "correct-horse-battery-staple"})

    assert list(
        AuditEvent.objects.order_by("pk").values_list("kind", "username", "user", "ip_address")
    ) == [
        ("login_failed", "awa", None, "127.0.0.1"),
        ("login_failed", "personne", None, "127.0.0.1"),
        ("login", "awa", secretariat.pk, "127.0.0.1"),
    ]


def test_a_refusal_is_recorded_with_its_session_and_reason(login, partner, secretariat, frozen_17):
    login(partner).get(f"/sessions/{frozen_17.pk}/edit/")
    login(secretariat).post(f"/sessions/{frozen_17.pk}/agenda/", {})
    login(secretariat).get("/sessions/999999/")

    assert list(
        AuditEvent.objects.filter(kind="refused")
        .order_by("pk")
        .values_list("user", "status_code", "session", "path")
    ) == [
        (partner.pk, 403, frozen_17.pk, f"/sessions/{frozen_17.pk}/edit/"),
        (secretariat.pk, 404, 999999, "/sessions/999999/"),
    ]


@pytest.fixture
def frozen_17(validated_17):
    return validated_17.session


def test_the_history_page_merges_changes_workflow_downloads_and_refusals(
    login, coordinator, partner, secretariat, session_17
):
    login(secretariat).post(
        f"/sessions/{session_17.pk}/edit/",
        session_data(
            session_17.committee,
            number="17",
            city="Bamako",
            start_date="2019-06-26",
            end_date="2019-06-28",
            status="held",
        ),
    )
    minutes = services.submit(services.minutes_for(session_17), secretariat)
    services.validate(minutes, coordinator)
    login(partner).get(f"/reports/{session_17.pk}/minutes.pdf")
    login(partner).get(f"/sessions/{session_17.pk}/edit/")

    response = login(coordinator).get(f"/sessions/{session_17.pk}/history/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "ville : Ségou → Bamako" in content
    assert "Awa Diarra" in content
    assert "Validé" in content and "état : soumis → validé" in content
    assert "Téléchargement" in content and "PDF, version 1" in content
    assert "Refus" in content and f"/sessions/{session_17.pk}/edit/" in content
    assert content.index("Refus") < content.index("Téléchargement") < content.index("ville :")


def test_the_session_page_links_its_history_for_the_coordinator_only(
    login, coordinator, secretariat
):
    session = SessionFactory()
    link = f'href="/sessions/{session.pk}/history/"'

    assert link in login(coordinator).get(session.get_absolute_url()).content.decode()
    assert link not in login(secretariat).get(session.get_absolute_url()).content.decode()


def test_only_the_coordinator_sees_the_history(client, login, secretariat, partner, frozen_17):
    # A number of its own: the factory's sequence may have reached 17 or 18 (frozen_17's).
    draft = SessionFactory(number=1)
    url = f"/sessions/{frozen_17.pk}/history/"

    anonymous = client.get(url)
    as_secretariat = login(secretariat).get(url)
    as_partner = login(partner).get(url)
    as_partner_draft = login(partner).get(f"/sessions/{draft.pk}/history/")

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert (as_secretariat.status_code, as_partner.status_code) == (403, 403)
    assert as_partner_draft.status_code == 404


def test_the_history_page_is_read_only(login, coordinator):
    session = SessionFactory()

    response = login(coordinator).post(f"/sessions/{session.pk}/history/")

    assert response.status_code == 405


@pytest.mark.parametrize("changes", [1, 3])
def test_the_history_page_costs_a_fixed_number_of_queries(
    login, coordinator, django_assert_num_queries, changes
):
    session = SessionFactory(city="Ségou")
    for number in range(changes):
        item = AgendaItemFactory(
            session=session, title=f"Point {number}", presenter=PersonFactory()
        )
        item.title = f"Point {number} modifié"
        item.presenter = PersonFactory()
        item.save()
    client = login(coordinator)
    client.get(f"/sessions/{session.pk}/history/")  # once: the database's features probed

    # The user and their roles come from the shared cache: the session, the count, the two
    # trails, the people named.
    with django_assert_num_queries(5):
        response = client.get(f"/sessions/{session.pk}/history/")

    assert response.content.decode().count("intitulé : Point") == changes


def test_the_history_is_paginated_newest_first(login, coordinator):
    session = SessionFactory(city="Ville 0")
    for number in range(1, 60):
        Session.objects.filter(pk=session.pk).update(city=f"Ville {number}")
    client = login(coordinator)

    first = client.get(f"/sessions/{session.pk}/history/").content.decode()
    second = client.get(f"/sessions/{session.pk}/history/?page=2").content.decode()

    assert "ville : Ville 58 → Ville 59" in first and "Ville 8 → Ville 9" not in first
    assert "ville : Ville 8 → Ville 9" in second and "Page 2 sur 2" in second


def test_nobody_can_add_change_or_delete_an_audit_entry_in_the_admin(rf, admin_user, login):
    entry = AuditEvent.objects.create(kind="login", username="awa")
    request = rf.get("/")
    request.user = admin_user
    model_admin = AuditEventAdmin(AuditEvent, admin.site)

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, entry) is False
    assert model_admin.has_delete_permission(request, entry) is False
    response = login(admin_user).post(
        f"/admin/reports/auditevent/{entry.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=entry.pk).exists()


def test_the_minutes_history_records_state_changes(secretariat, coordinator, session_17):
    minutes = services.submit(services.minutes_for(session_17), secretariat)

    services.validate(minutes, coordinator)

    assert list(Minutes.history.filter(id=minutes.pk).values_list("status", flat=True)) == [
        "validated",
        "submitted",
        "draft",
    ]
    assert MinutesVersion.objects.filter(minutes=minutes).count() == 1
    assert AnonymousUser().is_authenticated is False
