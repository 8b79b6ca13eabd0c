"""A refused workflow request creates nothing: the minutes' draft row is written only by an
action that its draft allows (submit), never by one that is refused."""

import pytest

from reports.models import Minutes, MinutesEvent
from sessions.models import Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

NOT_NOW = "Le compte rendu est à l’état « projet » : cette action n’est pas possible maintenant."


@pytest.fixture
def planned(db):
    return SessionFactory(number=19, status=Session.Status.PLANNED)


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize("action", ["erratum", "return"])
def test_an_erratum_or_return_without_a_reason_creates_nothing(
    login, coordinator, planned, action, reason
):
    response = login(coordinator).post(f"/reports/{planned.pk}/{action}/", {"reason": reason})

    assert response.status_code == 400
    assert [str(message) for message in response.context["messages"]] == [NOT_NOW]
    assert Minutes.objects.count() == 0
    assert MinutesEvent.objects.count() == 0


@pytest.mark.parametrize("action", ["erratum", "return"])
def test_an_erratum_or_return_on_a_session_without_minutes_creates_nothing(
    login, coordinator, planned, action
):
    client = login(coordinator)

    response = client.post(f"/reports/{planned.pk}/{action}/", {"reason": "Nom mal écrit."})

    assert (response.status_code, response["Location"]) == (302, f"/reports/{planned.pk}/")
    assert Minutes.objects.count() == 0
    assert MinutesEvent.objects.count() == 0
    page = client.get(response["Location"])
    assert [str(message) for message in page.context["messages"]] == [NOT_NOW]


def test_a_validation_of_a_session_without_minutes_creates_nothing(login, coordinator, planned):
    response = login(coordinator).post(f"/reports/{planned.pk}/validate/", {"outcome": ""})

    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [NOT_NOW]
    assert Minutes.objects.count() == 0


def test_a_refused_role_creates_nothing(login, secretariat, planned):
    response = login(secretariat).post(f"/reports/{planned.pk}/erratum/", {"reason": ""})

    assert response.status_code == 403
    assert Minutes.objects.count() == 0


def test_submitting_a_session_without_minutes_still_creates_them(login, secretariat):
    session = SessionFactory(number=18)

    response = login(secretariat).post(f"/reports/{session.pk}/submit/")

    assert response.status_code == 302
    assert list(Minutes.objects.values_list("session_id", "status")) == [
        (session.pk, Minutes.Status.SUBMITTED)
    ]


def test_an_empty_reason_on_submitted_minutes_is_still_a_form_error(login, coordinator):
    minutes = Minutes.objects.create(
        session=SessionFactory(number=18), status=Minutes.Status.SUBMITTED
    )

    response = login(coordinator).post(f"/reports/{minutes.session_id}/return/", {"reason": ""})

    assert response.status_code == 400
    assert response.context["return_form"].errors == {"reason": ["Ce champ est obligatoire."]}
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SUBMITTED
    assert MinutesEvent.objects.count() == 0
