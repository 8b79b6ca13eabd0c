"""The convocation (invitation letter) of a session: /reports/<pk>/convocation.pdf."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ctn import french
from reports.models import Minutes
from reports.pdf import render_convocation_pdf
from sessions.models import Session
from tests.factories import (
    AgendaItemFactory,
    CoChairFactory,
    ExpectedResultFactory,
    PersonFactory,
    SessionFactory,
)
from tests.reports.conftest import build_session, pdf_text


@pytest.fixture
def planned_19(committee):
    """The 19th session, planned in Ségou in December 2019, with its draft agenda."""
    session = build_session(
        committee,
        19,
        datetime.date(2019, 12, 17),
        status=Session.Status.PLANNED,
        objective="Faire le point des activités du quatrième trimestre 2019.",
    )
    coordinator = PersonFactory(
        civility="M.", first_name="Mahamadou", last_name="Coulibaly", function="Coordinateur"
    )
    CoChairFactory(
        session=session,
        person=PersonFactory(first_name="Bakary", last_name="Dembélé"),
        capacity="DRDSES de Ségou",
        order=1,
    )
    CoChairFactory(
        session=session, person=coordinator, capacity="Coordinateur du programme", order=2
    )
    AgendaItemFactory(
        session=session, order=1, title="Examen et validation du compte rendu de la 18ème session"
    )
    AgendaItemFactory(
        session=session, order=2, title="Perspectives 2020 du programme", presenter=coordinator
    )
    ExpectedResultFactory(
        session=session, description="Le compte rendu de la 18ème session du CTN est validé"
    )
    return session


def test_the_convocation_holds_the_session_its_agenda_and_its_signatory(planned_19, tmp_path):
    text = pdf_text(render_convocation_pdf(planned_19), tmp_path)

    expected = [
        "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
        "RÉPUBLIQUE DU MALI",
        f"Ségou, le {french.long_date(timezone.localdate())}",
        "Convocation",
        "19ème session ordinaire – Comité Technique National (CTN)",
        "Ségou, salle Kalanblo du Motel Savane – les 17, 18 et 19 décembre 2019",
        "Madame, Monsieur,",
        "J’ai l’honneur de vous inviter à la 19ème session ordinaire du Comité Technique "
        "National (CTN), qui se tiendra les 17, 18 et 19 décembre 2019 à Ségou, salle Kalanblo "
        "du Motel Savane.",
        "Objectif de la session Faire le point des activités du quatrième trimestre 2019.",
        "Résultats attendus 1. Le compte rendu de la 18ème session du CTN est validé",
        "Ordre du jour provisoire 1. Examen et validation du compte rendu de la 18ème session "
        "2. Perspectives 2020 du programme (présenté par M. Mahamadou COULIBALY",
        "Coordinateur du programme M. Mahamadou COULIBALY",
    ]
    positions = [text.find(part) for part in expected]
    assert [part for part, at in zip(expected, positions, strict=True) if at < 0] == []
    assert positions == sorted(positions)
    assert "Bakary" not in text


def test_without_coordinator_the_convocation_is_signed_by_the_coordinator_title(
    committee, tmp_path
):
    session = build_session(committee, 20, datetime.date(2020, 3, 5), days=1)

    text = pdf_text(render_convocation_pdf(session), tmp_path)

    assert "le 5 mars 2020 à Ségou" in text
    assert "L’ordre du jour sera communiqué ultérieurement." in text
    assert text.endswith(
        "considération distinguée. Le Coordinateur "
        "CTN – Convocation à la 20ème session ordinaire Page 1 / 1"
    )


@pytest.mark.parametrize("role", ["secretariat", "coordinator", "partner"])
def test_every_role_downloads_the_convocation_of_a_planned_session(
    login, planned_19, role, request, tmp_path
):
    response = login(request.getfixturevalue(role)).get(
        reverse("reports:convocation_pdf", args=[planned_19.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''CTN-19%C3%A8me-session-ordinaire-convocation.pdf"
    )
    assert "Ordre du jour provisoire" in pdf_text(response.content, tmp_path)


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_editors_get_the_convocation_of_any_session(login, session_18, role, request):
    response = login(request.getfixturevalue(role)).get(
        reverse("reports:convocation_pdf", args=[session_18.pk])
    )

    assert response.status_code == 200


def test_a_partner_gets_no_convocation_of_a_held_session_without_validated_minutes(
    login, partner, session_18
):
    response = login(partner).get(reverse("reports:convocation_pdf", args=[session_18.pk]))

    assert response.status_code == 404


def test_a_partner_gets_the_convocation_of_a_session_with_validated_minutes(
    login, partner, session_17, validated_17
):
    response = login(partner).get(reverse("reports:convocation_pdf", args=[session_17.pk]))

    assert response.status_code == 200


def test_a_partner_gets_no_convocation_of_an_unknown_session(login, partner, planned_19):
    response = login(partner).get(reverse("reports:convocation_pdf", args=[planned_19.pk + 100]))

    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in_for_the_convocation(client, planned_19):
    url = reverse("reports:convocation_pdf", args=[planned_19.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_the_convocation_refuses_post(login, secretariat, planned_19):
    response = login(secretariat).post(reverse("reports:convocation_pdf", args=[planned_19.pk]))

    assert response.status_code == 405


def test_the_convocation_does_not_exist_as_minutes(planned_19):
    render_convocation_pdf(planned_19)

    assert Minutes.objects.filter(session=planned_19).exists() is False


def test_the_convocation_is_built_in_a_constant_number_of_queries(committee):
    small = SessionFactory(committee=committee, number=40)
    large = SessionFactory(committee=committee, number=41)
    for session, count in ((small, 1), (large, 3)):
        for _ in range(count):
            AgendaItemFactory(session=session, presenter=PersonFactory())
            CoChairFactory(session=session)
            ExpectedResultFactory(session=session)

    counts = []
    for session in (small, large):
        with CaptureQueriesContext(connection) as queries:
            render_convocation_pdf(session)
        counts.append(len(queries))

    assert counts == [4, 4]
