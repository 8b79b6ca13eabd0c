"""The Django admin lists every model of sessions and participants, with search and filters."""

import pytest

from reports.models import Minutes
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    ExpectedResultFactory,
    InterventionFactory,
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("ctn_sessions/committee", {"q": "CTN", "cadence": "quarterly"}),
    ("ctn_sessions/session", {"q": "Ségou", "status": "held", "kind": "ordinary"}),
    ("ctn_sessions/cochair", {"q": "Coordinateur"}),
    ("ctn_sessions/agendaitem", {"q": "Point", "kind": "presentation"}),
    ("ctn_sessions/intervention", {"q": "gouverneur", "moment": "agenda"}),
    ("ctn_sessions/expectedresult", {"q": "Résultat", "status": "achieved"}),
    ("ctn_sessions/recommendation", {"q": "Recommandation", "status": "open"}),
    ("participants/organization", {"q": "ANAM", "is_partner__exact": "1"}),
    ("participants/person", {"q": "Tangara", "organization__kind": "agency"}),
    ("participants/attendance", {"q": "Nom", "status": "present"}),
]


@pytest.fixture
def recorded_session():
    session = SessionFactory(number=18)
    CoChairFactory(session=session)
    AgendaItemFactory(session=session)
    InterventionFactory(session=session)
    ExpectedResultFactory(session=session)
    RecommendationFactory(session=session)
    anam = OrganizationFactory(acronym="ANAM", kind="agency", is_partner=True)
    AttendanceFactory(session=session, person=PersonFactory(last_name="Tangara", organization=anam))
    return session


@pytest.mark.parametrize(("path", "query"), CHANGELISTS)
def test_admin_searches_and_filters_every_model(login, admin_user, recorded_session, path, query):
    response = login(admin_user).get(f"/admin/{path}/", query)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_admin_changes_a_session_with_all_its_sections_inline(login, admin_user, recorded_session):
    response = login(admin_user).get(f"/admin/ctn_sessions/session/{recorded_session.pk}/change/")

    assert response.status_code == 200
    assert [formset.formset.prefix for formset in response.context["inline_admin_formsets"]] == [
        "cochairs",
        "agenda_items",
        "interventions",
        "expected_results",
        "recommendations",
        "attendances",
    ]


def test_admin_shows_a_validated_session_read_only(login, admin_user, recorded_session):
    Minutes.objects.create(session=recorded_session, status=Minutes.Status.VALIDATED)

    response = login(admin_user).get(f"/admin/ctn_sessions/session/{recorded_session.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
