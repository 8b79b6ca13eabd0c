"""The minutes page lists what the minutes still lack before submission and validation."""

from reports import services
from tests.factories import (
    AttendanceFactory,
    CoChairFactory,
    ExpectedResultFactory,
    InterventionFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)


def gaps(response):
    return [(str(gap.message), gap.url) for gap in response.context["gaps"]]


def test_an_empty_session_lists_every_gap_with_the_screen_that_fills_it(
    login, secretariat, committee
):
    session = SessionFactory(committee=committee, closing_summary="")
    ExpectedResultFactory(session=session, status="pending")
    RecommendationFactory(session=session, responsible=None, responsible_label="")
    pk = session.pk

    response = login(secretariat).get(f"/reports/{pk}/")

    assert gaps(response) == [
        ("Aucun président ni co-président n’est enregistré.", f"/sessions/{pk}/cochairs/"),
        ("Aucun rapporteur n’est enregistré.", f"/sessions/{pk}/edit/"),
        ("Aucune présence n’est enregistrée.", f"/sessions/{pk}/attendance/"),
        ("1 résultat(s) attendu(s) sans état.", f"/sessions/{pk}/results/"),
        ("1 recommandation(s) sans structure responsable.", f"/sessions/{pk}/recommendations/"),
        ("La cérémonie de clôture est vide.", f"/sessions/{pk}/edit/"),
    ]
    assert f'href="/sessions/{pk}/cochairs/"' in response.content.decode()


def test_complete_minutes_list_no_gap(login, coordinator, secretariat, session_18):
    session_18.expected_results.update(status="achieved")
    session_18.recommendations.filter(responsible__isnull=True).delete()
    services.submit(services.minutes_for(session_18), secretariat)

    response = login(coordinator).get(f"/reports/{session_18.pk}/")

    assert response.context["gaps"] == []
    assert 'id="completeness"' not in response.content.decode()


def test_the_coordinator_sees_the_gaps_before_validating(
    login, coordinator, secretariat, committee
):
    session = SessionFactory(committee=committee, closing_summary="")
    CoChairFactory(session=session)
    session.rapporteurs.add(PersonFactory())
    AttendanceFactory(session=session)
    InterventionFactory(session=session, moment="closing", summary="A clos la session.")
    services.submit(services.minutes_for(session), secretariat)

    response = login(coordinator).get(f"/reports/{session.pk}/")

    assert gaps(response) == []


def test_partners_see_no_completeness_check(login, partner, validated_17):
    response = login(partner).get(f"/reports/{validated_17.session_id}/")

    assert "gaps" not in response.context
