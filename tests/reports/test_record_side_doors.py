"""No side door into a validated record, and partners see only what was validated.

Each test reproduces a way the record broke (issue 11): an erratum's draft shown to partners,
an erratum deleting an annex an earlier version lists, a rapporteur deleted from a frozen
session, an edit slipping between the coordinator's review and the validation.
"""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from participants.models import Person
from reports import services
from reports.models import Minutes, MinutesVersion
from sessions.models import Annex, Session, SessionFrozen
from tests.factories import PersonFactory, SessionFactory
from tests.reports.conftest import pdf_text
from tests.utils import close_response, reviewed

ANNEX = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_annex(session, user, title):
    return Annex.objects.create(
        session=session,
        title=title,
        file=ContentFile(ANNEX, name="annexe.pdf"),
        content_type=Annex.ContentType.PDF,
        size=len(ANNEX),
        sha256=hashlib.sha256(ANNEX).hexdigest(),
        uploaded_by=user,
    )


@pytest.fixture
def only_rapporteur(session_18):
    """A rapporteur of the 18th session named nowhere else (protected by no other link)."""
    person = PersonFactory(first_name="Oumar", last_name="Diallo")
    session_18.rapporteurs.add(person)
    return person


@pytest.fixture
def validated_18(session_18, only_rapporteur, secretariat, coordinator, settings, tmp_path):
    """The 18th session with one annex, validated (version 1)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    make_annex(session_18, secretariat, "PTBA 2020 validé")
    minutes = services.submit(services.minutes_for(session_18), secretariat)
    services.validate(minutes, coordinator)
    minutes.refresh_from_db()
    return minutes


@pytest.fixture
def erratum_18(validated_18, coordinator):
    services.open_erratum(validated_18, coordinator, "Corriger l'objectif")
    validated_18.refresh_from_db()
    return validated_18


def page(response):
    return response.content.decode()


# -- an erratum shows partners nothing that is not validated -----------------------------------


def test_during_an_erratum_partners_see_only_the_validated_version(
    login, erratum_18, session_18, secretariat, partner
):
    new_annex = make_annex(session_18, secretariat, "Annexe du brouillon")
    session_18.refresh_from_db()
    session_18.objective = "Objectif du brouillon"
    session_18.save()
    old_annex = Annex.objects.get(title="PTBA 2020 validé")
    client = login(partner)

    detail = client.get(f"/reports/{session_18.pk}/")
    new_download = client.get(new_annex.get_absolute_url())
    old_download = client.get(old_annex.get_absolute_url())
    convocation = client.get(f"/reports/{session_18.pk}/convocation.pdf")
    session_page = client.get(f"/sessions/{session_18.pk}/")
    pdf = client.get(f"/reports/{session_18.pk}/minutes.pdf")

    assert detail.status_code == 200
    assert "PTBA 2020 validé" in page(detail)
    assert "Annexe du brouillon" not in page(detail)
    assert "convocation.pdf" not in page(detail)
    assert new_download.status_code == 404
    assert old_download.status_code == 200
    assert b"".join(old_download.streaming_content) == ANNEX
    close_response(old_download)
    assert convocation.status_code == 404
    assert session_page.status_code == 404
    assert pdf.status_code == 200


def test_editors_see_the_draft_annexes_during_an_erratum(
    login, erratum_18, session_18, secretariat
):
    make_annex(session_18, secretariat, "Annexe du brouillon")

    response = login(secretariat).get(f"/reports/{session_18.pk}/")

    assert "Annexe du brouillon" in page(response) and "PTBA 2020 validé" in page(response)


# -- annexes of a validated version stay --------------------------------------------------------


def test_an_erratum_withdraws_a_recorded_annex_and_keeps_its_file(
    login, erratum_18, session_18, secretariat, coordinator, partner, tmp_path
):
    annex = Annex.objects.get(title="PTBA 2020 validé")
    client = login(secretariat)

    response = client.post(f"/sessions/{session_18.pk}/annexes/{annex.pk}/delete/", follow=True)

    assert "retirée de la prochaine version" in page(response)
    annex.refresh_from_db()
    assert annex.withdrawn_at is not None
    assert annex.file.storage.exists(annex.file.name)
    minutes = services.submit(erratum_18, secretariat)
    version_2 = services.validate(minutes, coordinator)
    version_1 = MinutesVersion.objects.get(minutes=minutes, number=1)
    assert list(version_1.annexes.all()) == [annex]
    assert list(version_2.annexes.all()) == []
    assert "PTBA 2020 validé" not in pdf_text(bytes(version_2.pdf), tmp_path)
    assert "PTBA 2020 validé" in pdf_text(bytes(version_1.pdf), tmp_path)
    download = login(partner).get(annex.get_absolute_url())
    assert download.status_code == 200
    close_response(download)


def test_a_recorded_annex_cannot_be_deleted_nor_changed_by_any_path(erratum_18, session_18):
    annex = Annex.objects.get(title="PTBA 2020 validé")

    with pytest.raises(SessionFrozen):
        annex.delete()
    with pytest.raises(SessionFrozen):
        Annex.objects.filter(pk=annex.pk).delete()
    with pytest.raises(SessionFrozen):
        Annex.objects.filter(pk=annex.pk).update(title="Autre titre")
    annex.title = "Autre titre"
    with pytest.raises(SessionFrozen):
        annex.save()

    annex.refresh_from_db()
    assert annex.title == "PTBA 2020 validé"
    assert MinutesVersion.objects.get(number=1).annexes.get() == annex


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only")
def test_the_database_refuses_to_delete_a_recorded_annex(erratum_18):
    annex = Annex.objects.get(title="PTBA 2020 validé")

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ctn_sessions_annex WHERE id = %s", [annex.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        table = MinutesVersion.annexes.through._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE annex_id = %s", [annex.pk])  # noqa: S608

    assert Annex.objects.filter(pk=annex.pk).exists()


# -- people named by a frozen session ------------------------------------------------------------


def test_a_rapporteur_of_a_frozen_session_cannot_be_deleted(
    validated_18, session_18, only_rapporteur
):
    rapporteur = only_rapporteur
    before = set(session_18.rapporteurs.all())

    with pytest.raises(SessionFrozen), transaction.atomic():
        rapporteur.delete()
    with pytest.raises(SessionFrozen), transaction.atomic():
        Person.objects.filter(pk=rapporteur.pk).delete()
    with pytest.raises(SessionFrozen), transaction.atomic():
        rapporteur.reported_sessions.clear()
    with pytest.raises(SessionFrozen), transaction.atomic():
        rapporteur.reported_sessions.set([])
    with pytest.raises(SessionFrozen), transaction.atomic():
        session_18.rapporteurs.set([])

    assert set(Session.objects.get(pk=session_18.pk).rapporteurs.all()) == before


def test_the_admin_refuses_to_delete_a_rapporteur_of_a_frozen_session(
    login, admin_user, validated_18, session_18, only_rapporteur
):
    rapporteur = only_rapporteur

    response = login(admin_user).post(
        f"/admin/participants/person/{rapporteur.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert rapporteur in Session.objects.get(pk=session_18.pk).rapporteurs.all()


def test_deleting_a_rapporteur_of_a_draft_session_is_in_its_history(session_18, only_rapporteur):
    before = session_18.history.count()

    only_rapporteur.delete()

    assert only_rapporteur not in session_18.rapporteurs.all()
    assert session_18.history.count() > before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only")
def test_the_database_refuses_to_change_the_rapporteurs_of_a_frozen_session(
    validated_18, session_18
):
    table = Session.rapporteurs.through._meta.db_table

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE session_id = %s", [session_18.pk])  # noqa: S608

    assert session_18.rapporteurs.count() == 2


# -- submitted minutes lock editing; the validation is bound to the review ---------------------


def test_submitted_minutes_lock_the_session_for_the_secretariat(
    login, submitted_18, session_18, secretariat
):
    client = login(secretariat)
    form = client.get(f"/sessions/{session_18.pk}/edit/", follow=True)

    response = client.post(
        f"/sessions/{session_18.pk}/edit/",
        {"objective": "Objectif changé après soumission"},
        follow=True,
    )

    assert "soumis au coordinateur" in page(form)
    assert "soumis au coordinateur" in page(response)
    session_18.refresh_from_db()
    assert "Objectif changé" not in session_18.objective


def test_returned_minutes_can_be_edited_again(login, submitted_18, session_18, coordinator):
    services.return_to_draft(submitted_18, coordinator, "Compléter les interventions")

    response = login(coordinator).get(f"/sessions/{session_18.pk}/edit/")

    assert response.status_code == 200


def test_validation_is_refused_when_the_minutes_changed_since_the_review(
    login, submitted_18, session_18, coordinator
):
    client = login(coordinator)
    review = client.get(f"/reports/{session_18.pk}/")
    seen = review.context["validate_form"]["reviewed"].value()
    # Changed behind the screens meanwhile (the admin, say).
    session = Session.objects.get(pk=session_18.pk)
    session.objective = "Objectif modifié pendant la relecture"
    session.save()

    response = client.post(
        f"/reports/{session_18.pk}/validate/",
        {
            "outcome": "validated",
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": seen,
        },
        follow=True,
    )

    assert "a changé depuis que vous l’avez ouvert" in page(response)
    assert reverse("reports:preview_pdf", args=[session_18.pk]) in page(response)
    assert Minutes.objects.get(pk=submitted_18.pk).status == "submitted"
    assert not MinutesVersion.objects.exists()
    fresh = response.context["validate_form"]["reviewed"].value()
    assert fresh != seen and fresh == reviewed(session_18)


def test_validation_of_what_was_reviewed_succeeds(login, submitted_18, session_18, coordinator):
    client = login(coordinator)
    seen = client.get(f"/reports/{session_18.pk}/").context["validate_form"]["reviewed"].value()

    client.post(
        f"/reports/{session_18.pk}/validate/",
        {
            "outcome": "validated",
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": seen,
        },
    )

    assert Minutes.objects.get(pk=submitted_18.pk).status == "validated"


def test_a_validation_without_the_review_fingerprint_is_refused(
    login, submitted_18, session_18, coordinator
):
    response = login(coordinator).post(
        f"/reports/{session_18.pk}/validate/", {"outcome": "validated"}
    )

    assert response.status_code == 400
    assert "rouvrez le compte rendu" in page(response)
    assert Minutes.objects.get(pk=submitted_18.pk).status == "submitted"


def _rename_cochair(session):
    person = session.cochairs.first().person
    person.last_name = "Autre"
    person.save()


def _edit_recommendation(session):
    recommendation = session.recommendations.first()
    recommendation.text = "Texte corrigé"
    recommendation.save()


def _add_rapporteur(session):
    session.rapporteurs.add(PersonFactory())


def _rename_responsible(session):
    organization = session.recommendations.first().responsible
    organization.name = "Nouveau nom"
    organization.save()


def _move_next_session(session):
    following = Session.objects.get(committee=session.committee, number=19)
    following.city = "Kayes"
    following.save()


@pytest.mark.parametrize(
    "change",
    [
        _rename_cochair,
        _edit_recommendation,
        _add_rapporteur,
        _rename_responsible,
        _move_next_session,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_the_review_fingerprint_follows_what_the_minutes_print(submitted_18, session_18, change):
    SessionFactory(
        committee=session_18.committee,
        number=19,
        start_date=session_18.end_date + datetime.timedelta(days=80),
        end_date=session_18.end_date + datetime.timedelta(days=82),
    )
    before = reviewed(session_18)

    change(session_18)

    assert reviewed(session_18) != before


def test_the_review_fingerprint_ignores_other_sessions(submitted_18, session_18, session_17):
    before = reviewed(session_18)

    session_17.objective = "Un autre objectif"
    session_17.save()

    assert reviewed(session_18) == before
