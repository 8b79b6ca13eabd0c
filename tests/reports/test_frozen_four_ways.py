"""Frozen means frozen, four ways: once the minutes are validated, a form POST, save()/delete(),
QuerySet.update()/delete() and (on PostgreSQL) raw SQL all fail, and the content and the PDF of
record with its SHA-256 stay as they were. The download checks the SHA-256 again every time."""

import hashlib
import threading

import pgtrigger
import pytest
from django.db import DatabaseError, connection, connections, transaction

from ctn.freeze import SessionFrozen
from participants.models import Attendance
from reports import services
from reports.models import AuditEvent, Download, Minutes, MinutesEvent, MinutesVersion
from sessions.models import (
    AgendaItem,
    CoChair,
    ExpectedResult,
    Intervention,
    Recommendation,
    Session,
)
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    ExpectedResultFactory,
    InterventionFactory,
    RecommendationFactory,
    UserFactory,
)
from tests.sessions.test_sections import formset_data

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="database triggers exist on PostgreSQL only; SQLite keeps the application guard",
)

# Each content table, a text column to try to change, and its factory.
CONTENT = [
    (CoChair, "capacity", CoChairFactory),
    (AgendaItem, "title", AgendaItemFactory),
    (Intervention, "summary", InterventionFactory),
    (ExpectedResult, "description", ExpectedResultFactory),
    (Recommendation, "text", RecommendationFactory),
    (Attendance, "represented_by", AttendanceFactory),
]


@pytest.fixture
def frozen(session_17, session_18, secretariat, coordinator):
    """The 17th session with a row of every kind, its minutes validated during the 18th."""
    for model, _column, factory in CONTENT:
        if not model.objects.filter(session=session_17).exists():
            factory(session=session_17)
    minutes = services.submit(services.minutes_for(session_17), secretariat)
    services.validate(minutes, coordinator, validated_during=session_18)
    session_17.refresh_from_db()
    return session_17


def snapshot(session):
    """Everything the freeze must keep: the content of every table and the PDF of record."""
    content = {
        "session": Session.objects.filter(pk=session.pk).values().get(),
        **{
            model.__name__: sorted(
                (
                    tuple(sorted(row.items()))
                    for row in model.objects.filter(session=session).values()
                ),
                key=repr,
            )
            for model, _column, _factory in CONTENT
        },
    }
    version = MinutesVersion.objects.get(minutes__session=session, number=1)
    content["pdf"] = (bytes(version.pdf), version.sha256, hashlib.sha256(version.pdf).hexdigest())
    return content


# -- 1. a form POST -----------------------------------------------------------------------------


def test_a_form_post_on_a_frozen_session_fails_and_changes_nothing(frozen, login, coordinator):
    before = snapshot(frozen)
    item = AgendaItem.objects.filter(session=frozen).first()
    client = login(coordinator)

    edit = client.post(
        f"/sessions/{frozen.pk}/edit/",
        {"city": "Kayes", "number": "17", "committee": frozen.committee_id},
    )
    section = client.post(
        f"/sessions/{frozen.pk}/agenda/",
        formset_data(
            "agenda_items",
            [{"id": item.pk, "order": "1", "title": "Changé", "kind": "presentation"}],
            initial=1,
        ),
    )

    assert (edit.status_code, section.status_code) == (302, 302)
    assert edit["Location"] == section["Location"] == f"/sessions/{frozen.pk}/"
    assert snapshot(frozen) == before


# -- 2. instance.save() / delete() --------------------------------------------------------------


@pytest.mark.parametrize(("model", "column", "factory"), CONTENT)
def test_save_and_delete_of_a_frozen_row_fail_and_change_nothing(frozen, model, column, factory):
    before = snapshot(frozen)
    row = model.objects.filter(session=frozen).first()
    setattr(row, column, "Changé")

    with pytest.raises(SessionFrozen):
        row.save()
    with pytest.raises(SessionFrozen):
        row.delete()
    frozen.city = "Kayes"
    with pytest.raises(SessionFrozen):
        frozen.save()
    with pytest.raises(SessionFrozen):
        frozen.delete()

    assert snapshot(frozen) == before


# -- 3. QuerySet.update() / delete() ------------------------------------------------------------


@pytest.mark.parametrize(("model", "column", "factory"), CONTENT)
def test_queryset_update_and_delete_fail_and_change_nothing(frozen, model, column, factory):
    before = snapshot(frozen)

    with pytest.raises(SessionFrozen):
        model.objects.filter(session=frozen).update(**{column: "Changé"})
    with pytest.raises(SessionFrozen):
        model.objects.filter(session=frozen).delete()
    with pytest.raises(SessionFrozen):
        Session.objects.filter(pk=frozen.pk).update(city="Kayes")
    with pytest.raises(SessionFrozen):
        Session.objects.filter(pk=frozen.pk).delete()

    assert snapshot(frozen) == before


# -- 4. raw SQL, on PostgreSQL ------------------------------------------------------------------


def raw(sql, params):
    """Run one statement in its own savepoint, so that a refusal leaves the test usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@postgresql_only
def test_a_raw_sql_update_of_a_frozen_session_is_refused_by_the_database(frozen):
    before = snapshot(frozen)

    with pytest.raises(DatabaseError, match="the minutes of the session are validated"):
        raw("UPDATE ctn_sessions_session SET city = 'X' WHERE id = %s", [frozen.pk])
    with pytest.raises(DatabaseError, match="the minutes of the session are validated"):
        raw("DELETE FROM ctn_sessions_session WHERE id = %s", [frozen.pk])

    assert snapshot(frozen) == before


@postgresql_only
@pytest.mark.parametrize(("model", "column", "factory"), CONTENT)
def test_raw_sql_on_every_content_table_of_a_frozen_session_is_refused(
    frozen, model, column, factory
):
    before = snapshot(frozen)
    table = model._meta.db_table
    row = model.objects.filter(session=frozen).first()

    with pytest.raises(DatabaseError, match="validated"):
        raw(f"UPDATE {table} SET {column} = 'X' WHERE id = %s", [row.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="validated"):
        raw(f"DELETE FROM {table} WHERE id = %s", [row.pk])  # noqa: S608
    assert snapshot(frozen) == before


@postgresql_only
def test_a_raw_sql_insert_into_a_frozen_session_is_refused(frozen):
    before = snapshot(frozen)

    with pytest.raises(DatabaseError, match="validated"):
        raw(
            'INSERT INTO ctn_sessions_agendaitem (session_id, "order", title, kind, summary)'
            " VALUES (%s, 9, 'Ajouté', 'presentation', '')",
            [frozen.pk],
        )

    assert snapshot(frozen) == before


@postgresql_only
def test_raw_sql_may_change_the_follow_up_status_of_a_frozen_recommendation(frozen):
    recommendation = Recommendation.objects.filter(session=frozen).first()

    raw(
        "UPDATE ctn_sessions_recommendation SET status = 'done' WHERE id = %s",
        [recommendation.pk],
    )

    recommendation.refresh_from_db()
    assert recommendation.status == "done"


@postgresql_only
def test_the_pdf_of_record_cannot_be_changed_or_deleted_by_raw_sql(frozen):
    before = snapshot(frozen)
    version = MinutesVersion.objects.get(minutes__session=frozen)

    for sql in (
        "UPDATE reports_minutesversion SET pdf = '\\x255044462d'::bytea WHERE id = %s",
        "UPDATE reports_minutesversion SET sha256 = repeat('0', 64) WHERE id = %s",
        "DELETE FROM reports_minutesversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="pgtrigger: Cannot"):
            raw(sql, [version.pk])

    assert snapshot(frozen) == before


@postgresql_only
def test_an_erratum_makes_the_session_writable_again_even_by_raw_sql(frozen, coordinator):
    services.open_erratum(frozen.minutes, coordinator, "Une coquille dans le titre.")

    raw("UPDATE ctn_sessions_session SET city = 'Kayes' WHERE id = %s", [frozen.pk])

    frozen.refresh_from_db()
    assert frozen.city == "Kayes"
    version = MinutesVersion.objects.get(minutes__session=frozen, number=1)
    assert version.superseded_at is not None
    assert hashlib.sha256(version.pdf).hexdigest() == version.sha256


@postgresql_only
def test_audit_rows_cannot_be_changed_or_deleted_by_raw_sql(frozen, partner, client):
    version = MinutesVersion.objects.get(minutes__session=frozen)
    services.log_download(version, partner)
    rows = [
        (Download, Download.objects.get().pk),
        (MinutesEvent, MinutesEvent.objects.filter(minutes__session=frozen).first().pk),
        (AuditEvent, AuditEvent.objects.create(kind="refused", username="x").pk),
    ]

    for model, pk in rows:
        table = model._meta.db_table
        with pytest.raises(DatabaseError, match="pgtrigger: Cannot"):
            raw(f"UPDATE {table} SET id = id WHERE id = %s", [pk])  # noqa: S608
        with pytest.raises(DatabaseError, match="pgtrigger: Cannot"):
            raw(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
        assert model.objects.filter(pk=pk).exists()


# -- the PDF's SHA-256, checked again at every download -----------------------------------------


def tamper(version):
    """Alter the stored bytes behind the application's back (the trigger set aside on PG)."""
    altered = bytes(version.pdf).replace(b"%PDF", b"%PDX", 1)
    with pgtrigger.ignore("reports.MinutesVersion:keep_validated_pdf"), connection.cursor() as c:
        c.execute("UPDATE reports_minutesversion SET pdf = %s WHERE id = %s", [altered, version.pk])
    return altered


def test_an_altered_stored_pdf_is_never_served(frozen, login, partner):
    version = MinutesVersion.objects.get(minutes__session=frozen)
    altered = tamper(version)
    client = login(partner)

    latest = client.get(f"/reports/{frozen.pk}/minutes.pdf")
    numbered = client.get(f"/reports/{frozen.pk}/minutes-v1.pdf")

    for response in (latest, numbered):
        assert response.status_code == 409
        assert response["Content-Type"].startswith("text/html")
        assert altered not in response.content
        assert "ne correspond plus à l’empreinte" in response.content.decode()
    assert not Download.objects.exists()
    assert list(AuditEvent.objects.filter(kind="tampered").values_list("user", "session")) == [
        (partner.pk, frozen.pk),
        (partner.pk, frozen.pk),
    ]


def test_an_intact_pdf_is_served_after_its_check(frozen, login, partner):
    version = MinutesVersion.objects.get(minutes__session=frozen)

    response = login(partner).get(f"/reports/{frozen.pk}/minutes.pdf")

    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == version.sha256
    assert Download.objects.filter(version=version, user=partner).count() == 1


# -- transitions lock the row -------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_validating_at_once_make_one_validation_and_one_pdf(
    session_17, session_18
):
    secretariat = UserFactory(username="awa2", role="secretariat")
    first, second = (UserFactory(username=n, role="coordinator") for n in ("c1", "c2"))
    minutes = services.submit(services.minutes_for(session_17), secretariat)
    barrier = threading.Barrier(2)
    outcomes = []

    def validate(user):
        try:
            barrier.wait()
            services.validate(Minutes.objects.get(pk=minutes.pk), user, validated_during=session_18)
            outcomes.append("validated")
        except services.MinutesError as error:
            outcomes.append(str(error.message))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=validate, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == [
        "Le compte rendu est à l’état « validé » : cette action n’est pas possible maintenant.",
        "validated",
    ]
    assert MinutesVersion.objects.filter(minutes=minutes, pdf__isnull=False).count() == 1
    assert MinutesVersion.objects.filter(minutes=minutes, validated_at__isnull=False).count() == 1
    assert MinutesEvent.objects.filter(minutes=minutes, action="validate").count() == 1
