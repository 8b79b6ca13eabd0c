"""The adoption of the minutes: how and when the committee adopted them, in words, in the PDF."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ctn import french
from reports import services
from reports.models import MinutesVersion
from sessions.models import Session
from tests.reports.conftest import build_session, pdf_text
from tests.utils import reviewed


@pytest.fixture
def session_19(committee, session_18):
    """The 19th session, in Kayes on 17-19 December 2019, planned after the 18th."""
    session = build_session(committee, 19, datetime.date(2019, 12, 17))
    session.city = "Kayes"
    session.save()
    return session


def validation_form(client, session):
    """The review page's validation form as the coordinator receives it."""
    form = client.get(f"/reports/{session.pk}/").context["validate_form"]
    return form, {name: form[name].value() or "" for name in form.fields}


def test_the_form_proposes_the_next_session_and_its_first_day(
    login, coordinator, submitted_18, session_19
):
    form, data = validation_form(login(coordinator), submitted_18.session)

    assert (data["adoption_mode"], data["validated_during"], data["adopted_on"]) == (
        "session",
        session_19.pk,
        datetime.date(2019, 12, 17),
    )
    assert form["confirm"].label == (
        "Je confirme la validation du compte rendu de la 18ème session ordinaire : la session "
        "sera figée."
    )


def test_adopted_during_the_next_session_the_pdf_states_its_first_day_not_the_click(
    login, coordinator, submitted_18, session_19, tmp_path
):
    client = login(coordinator)
    _form, data = validation_form(client, submitted_18.session)
    data["confirm"] = "on"

    response = client.post(f"/reports/{submitted_18.session_id}/validate/", data)

    assert response.status_code == 302
    version = MinutesVersion.objects.get(minutes=submitted_18)
    assert (version.adoption_mode, version.adopted_on, version.validated_during) == (
        "session",
        datetime.date(2019, 12, 17),
        session_19,
    )
    text = pdf_text(bytes(version.pdf), tmp_path)
    assert (
        "Adopté lors de la 19ème session ordinaire, le 17 décembre 2019 (session tenue les 17, "
        "18 et 19 décembre 2019 à Kayes). Décision enregistrée par Mahamadou Coulibaly." in text
    )
    assert french.long_date(timezone.localdate()) not in text


def test_the_next_sessions_minutes_state_the_adoption_date(
    login, coordinator, submitted_18, session_19, tmp_path
):
    client = login(coordinator)
    _form, data = validation_form(client, submitted_18.session)
    client.post(f"/reports/{submitted_18.session_id}/validate/", {**data, "confirm": "on"})

    draft_19 = client.get(f"/reports/{session_19.pk}/preview.pdf")

    text = pdf_text(draft_19.content, tmp_path)
    assert (
        "Le compte rendu de la 18ème session ordinaire du CTN a été validé le 17 décembre 2019."
        in text
    )
    assert french.long_date(timezone.localdate()) not in text


def test_written_procedure_nine_months_later(login, coordinator, submitted_18, tmp_path):
    client = login(coordinator)
    _form, data = validation_form(client, submitted_18.session)
    assert data["adoption_mode"] == "written"  # no later session: the normal case is absent

    client.post(
        f"/reports/{submitted_18.session_id}/validate/",
        {**data, "adopted_on": "2020-06-29", "confirm": "on"},
    )

    version = MinutesVersion.objects.get(minutes=submitted_18)
    assert (version.adoption_mode, version.adopted_on, version.validated_during) == (
        "written",
        datetime.date(2020, 6, 29),
        None,
    )
    text = pdf_text(bytes(version.pdf), tmp_path)
    assert "Adopté par procédure écrite le 29 juin 2020." in text


@pytest.mark.parametrize(
    "change, field, error",
    [
        (
            {"adopted_on": "2019-12-20"},
            "adopted_on",
            "La date d’adoption doit tomber dans les dates de la 19ème session ordinaire "
            "(les 17, 18 et 19 décembre 2019).",
        ),
        (
            {"adoption_mode": "written", "adopted_on": ""},
            "adopted_on",
            "Indiquez la date à laquelle le compte rendu a été adopté.",
        ),
        (
            {"adoption_mode": "written", "adopted_on": "2019-09-27"},
            "adopted_on",
            "Le compte rendu ne peut pas être adopté avant la fin de sa session "
            "(28 septembre 2019).",
        ),
        (
            {"adoption_mode": "meeting", "adopted_on": "2099-01-01"},
            "adopted_on",
            "La date d’adoption ne peut pas être dans le futur.",
        ),
        (
            {"adoption_mode": "session", "validated_during": ""},
            "validated_during",
            "Choisissez la session au cours de laquelle le compte rendu a été adopté.",
        ),
        (
            {"confirm": ""},
            "confirm",
            "Cochez la confirmation : la validation fige la session définitivement.",
        ),
    ],
)
def test_a_wrong_adoption_is_a_french_form_error_and_nothing_is_validated(
    login, coordinator, submitted_18, session_19, change, field, error
):
    client = login(coordinator)
    _form, data = validation_form(client, submitted_18.session)

    response = client.post(
        f"/reports/{submitted_18.session_id}/validate/", {**data, "confirm": "on", **change}
    )

    assert response.status_code == 400
    assert response.context["validate_form"].errors == {field: [error]}
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"
    assert not MinutesVersion.objects.exists()


def test_the_service_refuses_a_date_outside_the_session_of_adoption(
    coordinator, submitted_18, session_19
):
    with pytest.raises(services.MinutesError) as error:
        services.validate(
            submitted_18,
            coordinator,
            validated_during=session_19,
            adopted_on=datetime.date(2019, 12, 24),
            reviewed=reviewed(submitted_18),
        )

    assert "19ème session ordinaire" in str(error.value.message)
    assert not MinutesVersion.objects.exists()


def test_a_postponement_asks_for_no_confirmation(login, coordinator, submitted_18, session_19):
    client = login(coordinator)
    _form, data = validation_form(client, submitted_18.session)

    response = client.post(
        f"/reports/{submitted_18.session_id}/validate/",
        {**data, "outcome": "postponed", "amendments": "Annexes manquantes."},
    )

    assert response.status_code == 302
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"


@override_settings(DEBUG=True)
def test_the_demo_adopts_the_18th_during_the_19th_on_its_first_day(
    login, coordinator, secretariat, tmp_path
):
    call_command("load_demo", stdout=io.StringIO())
    session_18 = Session.objects.get(committee__acronym="CTN", number=18)
    services.submit(services.minutes_for(session_18), secretariat)
    client = login(coordinator)
    _form, data = validation_form(client, session_18)

    client.post(f"/reports/{session_18.pk}/validate/", {**data, "confirm": "on"})

    version = MinutesVersion.objects.get(minutes__session=session_18)
    assert version.adopted_on == datetime.date(2019, 12, 17)
    text = pdf_text(bytes(version.pdf), tmp_path)
    assert "Adopté lors de la 19ème session ordinaire, le 17 décembre 2019" in text
    assert "(DRDSES) (" not in text and "(DNPSES) (" not in text
    assert "Le représentant du gouverneur de la région de Ségou :" in text


def test_the_portal_shows_partners_the_adoption_date_not_the_click(
    login, coordinator, partner, submitted_18, session_19
):
    client = login(coordinator)
    _form, data = validation_form(client, submitted_18.session)
    data["confirm"] = "on"
    client.post(f"/reports/{submitted_18.session_id}/validate/", data)
    version = MinutesVersion.objects.get(minutes=submitted_18)

    page = login(partner).get("/reports/").content.decode()

    assert version.validated_at.date() == timezone.localdate() != version.adopted_on
    assert "17 décembre 2019" in page
    assert french.long_date(timezone.localdate()) not in page
