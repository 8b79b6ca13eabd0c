"""Follow-up of recommendations: at each session, the status of the earlier recommendations."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reports import services
from reports.models import Minutes
from reports.pdf import render_minutes_pdf
from sessions.models import FollowUp, Recommendation, SessionFrozen
from tests.factories import (
    PASSWORD,
    CommitteeFactory,
    OrganizationFactory,
    RecommendationFactory,
    SessionFactory,
)
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


def held(number, start, committee=None, **fields):
    return SessionFactory(
        committee=committee or CommitteeFactory(),
        number=number,
        start_date=start,
        end_date=start + datetime.timedelta(days=1),
        **fields,
    )


@pytest.fixture
def committee(db):
    return CommitteeFactory()


@pytest.fixture
def s16(committee):
    return held(16, datetime.date(2019, 3, 20), committee)


@pytest.fixture
def s17(committee):
    return held(17, datetime.date(2019, 6, 27), committee)


@pytest.fixture
def s18(committee):
    return held(18, datetime.date(2019, 9, 26), committee)


def validate(session):
    Minutes.objects.update_or_create(session=session, defaults={"status": "validated"})
    return session


def formset_data(rows, total=None):
    data = {
        "followups-TOTAL_FORMS": str(len(rows) if total is None else total),
        "followups-INITIAL_FORMS": str(len(rows)),
        "followups-MIN_NUM_FORMS": "0",
        "followups-MAX_NUM_FORMS": "1000",
    }
    for index, (recommendation, status, note) in enumerate(rows):
        data[f"followups-{index}-recommendation"] = str(recommendation)
        data[f"followups-{index}-status"] = status
        data[f"followups-{index}-note"] = note
    return data


# -- the model --------------------------------------------------------------------------------


def test_current_status_is_the_latest_follow_up_by_session_date(s16, s17, s18):
    recommendation = RecommendationFactory(session=s16, status="open")
    # Recorded out of order: the 18th session's follow-up first.
    FollowUp.objects.create(recommendation=recommendation, session=s18, status="done")
    FollowUp.objects.create(recommendation=recommendation, session=s17, status="in_progress")

    annotated = Recommendation.objects.with_current_status().get()

    assert annotated.current_status == "done"
    assert annotated.latest_follow_up_session_id == s18.pk
    assert Recommendation.objects.get().current_status == "done"
    assert annotated.get_current_status_display() == "réalisée"


def test_without_follow_up_the_current_status_is_the_recommendation_s_own(s17):
    RecommendationFactory(session=s17, status="in_progress")

    recommendation = Recommendation.objects.with_current_status().get()

    assert (recommendation.current_status, recommendation.is_followed_up) == ("in_progress", False)
    assert recommendation.get_current_status_display() == "en cours"


def test_a_follow_up_says_not_done_for_a_recommendation_still_open(s17, s18):
    recommendation = RecommendationFactory(session=s17)

    follow_up = FollowUp.objects.create(recommendation=recommendation, session=s18, status="open")

    assert follow_up.get_status_display() == "non réalisée"
    assert list(
        Recommendation.objects.with_current_status().filter(
            current_status_value__in=Recommendation.OPEN_STATUSES
        )
    ) == [recommendation]


def test_the_current_status_of_a_list_costs_one_query(s16, s17, s18, django_assert_num_queries):
    for _ in range(3):
        recommendation = RecommendationFactory(session=s16)
        FollowUp.objects.create(recommendation=recommendation, session=s17, status="in_progress")
        FollowUp.objects.create(recommendation=recommendation, session=s18, status="done")

    with django_assert_num_queries(1):
        statuses = [r.current_status for r in Recommendation.objects.with_current_status()]

    assert statuses == ["done", "done", "done"]


@pytest.mark.parametrize("where", ["same", "earlier"])
def test_a_follow_up_at_the_same_or_an_earlier_session_is_refused_in_french(s17, s18, where):
    recommendation = RecommendationFactory(session=s18)
    session = s18 if where == "same" else s17
    follow_up = FollowUp(recommendation=recommendation, session=session, status="done")

    with pytest.raises(ValidationError) as refused:
        follow_up.full_clean()
    with pytest.raises(ValidationError):
        follow_up.save()
    with pytest.raises(ValidationError):
        FollowUp.objects.bulk_create([follow_up])

    assert refused.value.message_dict["recommendation"] == [
        "Une recommandation ne peut être suivie qu’à une session postérieure à celle qui l’a "
        "formulée."
    ]
    assert FollowUp.objects.count() == 0


def test_a_follow_up_at_a_session_of_another_committee_is_refused(s17):
    other = held(5, datetime.date(2019, 12, 1), CommitteeFactory(acronym="CNP"))
    follow_up = FollowUp(
        recommendation=RecommendationFactory(session=s17), session=other, status="done"
    )

    with pytest.raises(ValidationError) as refused:
        follow_up.full_clean()

    assert refused.value.message_dict["recommendation"] == [
        "Une recommandation est suivie lors d’une session de son propre comité."
    ]


def test_a_recommendation_is_followed_up_once_per_session(s17, s18):
    recommendation = RecommendationFactory(session=s17)
    FollowUp.objects.create(recommendation=recommendation, session=s18, status="done")
    again = FollowUp(recommendation=recommendation, session=s18, status="open")

    with pytest.raises(ValidationError) as refused:
        again.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()

    assert refused.value.messages == ["Cette recommandation est déjà suivie à cette session."]


def test_a_follow_up_never_changes_the_recommendation_whose_minutes_are_validated(s17, s18):
    recommendation = RecommendationFactory(session=s17, status="open")
    validate(s17)

    FollowUp.objects.create(recommendation=recommendation, session=s18, status="done", note="Fait")

    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.current_status) == ("open", "done")


def test_a_follow_up_freezes_with_the_minutes_of_the_reviewing_session(s17, s18):
    recommendation = RecommendationFactory(session=s17)
    follow_up = FollowUp.objects.create(recommendation=recommendation, session=s18, status="done")
    validate(s18)

    follow_up.status = "open"
    with pytest.raises(SessionFrozen):
        follow_up.save()
    with pytest.raises(SessionFrozen):
        FollowUp.objects.get().delete()
    with pytest.raises(SessionFrozen):
        FollowUp.objects.update(note="changé")
    with pytest.raises(SessionFrozen):
        FollowUp.objects.create(
            recommendation=RecommendationFactory(session=s17), session=s18, status="open"
        )
    # Nor through a cascade from the recommendation's own, unfrozen session.
    with pytest.raises(SessionFrozen), transaction.atomic():
        recommendation.delete()

    assert FollowUp.objects.get().status == "done"


def test_the_follow_up_screen_lists_what_was_open_before_the_session(s16, s17, s18, committee):
    done_before = RecommendationFactory(session=s16, text="Faite à la 17e")
    FollowUp.objects.create(recommendation=done_before, session=s17, status="done")
    still_open = RecommendationFactory(session=s16, text="Toujours en cours")
    FollowUp.objects.create(recommendation=still_open, session=s17, status="in_progress")
    RecommendationFactory(session=s17, text="De la 17e", order=1)
    RecommendationFactory(session=s17, text="Réalisée d'emblée", order=2, status="done")
    reviewed_here = RecommendationFactory(session=s17, text="Déjà suivie ici", order=3)
    FollowUp.objects.create(recommendation=reviewed_here, session=s18, status="done")
    RecommendationFactory(session=s18, text="De la 18e elle-même")
    RecommendationFactory(
        session=held(9, datetime.date(2019, 5, 1), CommitteeFactory(acronym="CNP")), text="CNP"
    )

    listed = Recommendation.objects.to_follow_up_at(s18)

    assert [(r.text, r.status_before) for r in listed] == [
        ("Toujours en cours", "in_progress"),
        ("De la 17e", "open"),
        ("Déjà suivie ici", "open"),
    ]


def test_partners_current_status_counts_only_follow_ups_of_validated_minutes(
    s16, s17, s18, partner
):
    recommendation = RecommendationFactory(session=s16)
    FollowUp.objects.create(recommendation=recommendation, session=s17, status="in_progress")
    FollowUp.objects.create(recommendation=recommendation, session=s18, status="done")
    validate(s16)
    validate(s17)

    seen = Recommendation.objects.visible_to(partner).get()

    assert seen.current_status == "in_progress"


# -- the screen ---------------------------------------------------------------------------------


def test_secretariat_sees_the_open_recommendations_of_earlier_sessions(
    login, secretariat, s17, s18
):
    RecommendationFactory(
        session=s17,
        text="Transmettre la liste au PAM",
        responsible=OrganizationFactory(acronym="UTGFS"),
    )

    response = login(secretariat).get(f"/sessions/{s18.pk}/followups/")

    assert response.status_code == 200
    assert [f.recommendation_row.text for f in response.context["formset"]] == [
        "Transmettre la liste au PAM"
    ]
    content = response.content.decode()
    assert "Suivi des recommandations de la session précédente" in content
    assert "17ème session ordinaire" in content
    assert "Non examinée à cette session" in content


def test_coordinator_records_the_follow_up_and_the_session_page_shows_it(
    login, coordinator, s17, s18
):
    first = RecommendationFactory(session=s17, text="Transmettre la liste au PAM", order=1)
    second = RecommendationFactory(session=s17, text="Partager le fichier avec l'ANAM", order=2)
    third = RecommendationFactory(session=s17, text="Préparer le rapport du FA1", order=3)
    client = login(coordinator)

    response = client.post(
        f"/sessions/{s18.pk}/followups/",
        formset_data(
            [
                (first.pk, "done", "Liste transmise en août"),
                (second.pk, "in_progress", ""),
                (third.pk, "", ""),
            ]
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{s18.pk}/#followups"
    assert sorted(
        FollowUp.objects.filter(session=s18).values_list("recommendation__text", "status", "note")
    ) == [
        ("Partager le fichier avec l'ANAM", "in_progress", ""),
        ("Transmettre la liste au PAM", "done", "Liste transmise en août"),
    ]
    page = client.get(f"/sessions/{s18.pk}/").content.decode()
    assert "Liste transmise en août" in page
    assert "réalisée" in page.lower()


def test_a_follow_up_is_changed_and_removed_from_the_same_screen(login, secretariat, s17, s18):
    kept = RecommendationFactory(session=s17, order=1)
    removed = RecommendationFactory(session=s17, order=2)
    FollowUp.objects.create(recommendation=kept, session=s18, status="in_progress")
    FollowUp.objects.create(recommendation=removed, session=s18, status="done")

    response = login(secretariat).post(
        f"/sessions/{s18.pk}/followups/",
        formset_data([(kept.pk, "done", "Achevée"), (removed.pk, "", "")]),
    )

    assert response.status_code == 302
    assert list(FollowUp.objects.values_list("recommendation", "status", "note")) == [
        (kept.pk, "done", "Achevée")
    ]


def test_a_note_without_status_is_refused_in_french_and_nothing_is_lost(
    login, secretariat, s17, s18
):
    first = RecommendationFactory(session=s17, order=1)
    second = RecommendationFactory(session=s17, order=2)

    response = login(secretariat).post(
        f"/sessions/{s18.pk}/followups/",
        formset_data([(first.pk, "done", "Bien"), (second.pk, "", "Une observation sans état")]),
    )

    assert response.status_code == 400
    assert FollowUp.objects.count() == 0
    content = response.content.decode()
    assert "Choisissez l’état à cette session pour garder cette observation." in content
    assert "Une observation sans état" in content


def test_a_follow_up_of_a_recommendation_from_a_later_session_is_refused(
    login, secretariat, s17, s18
):
    later = RecommendationFactory(session=held(19, datetime.date(2019, 12, 17), s17.committee))

    response = login(secretariat).post(
        f"/sessions/{s18.pk}/followups/", formset_data([(later.pk, "done", "")])
    )

    assert response.status_code == 400
    assert FollowUp.objects.count() == 0
    assert (
        "Une recommandation ne peut être suivie qu’à une session postérieure à celle qui l’a "
        "formulée." in response.content.decode()
    )


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_an_unknown_recommendation_is_refused_without_error_page(login, secretariat, s18, value):
    data = formset_data([(value, "done", "")])

    response = login(secretariat).post(f"/sessions/{s18.pk}/followups/", data)

    assert response.status_code == 400
    assert FollowUp.objects.count() == 0


def test_a_broken_form_without_its_management_data_is_refused(login, secretariat, s18):
    response = login(secretariat).post(f"/sessions/{s18.pk}/followups/", {})

    assert response.status_code == 400
    assert FollowUp.objects.count() == 0


def test_partner_gets_403_and_anonymous_goes_to_log_in(client, login, partner, s18):
    assert client.get(f"/sessions/{s18.pk}/followups/")["Location"].startswith("/accounts/login/")

    response = login(partner).post(f"/sessions/{s18.pk}/followups/", formset_data([]))

    assert response.status_code == 403


def test_a_frozen_session_refuses_its_follow_up_and_changes_nothing(login, secretariat, s17, s18):
    recommendation = RecommendationFactory(session=s17)
    FollowUp.objects.create(recommendation=recommendation, session=s18, status="in_progress")
    validate(s18)
    client = login(secretariat)

    response = client.post(
        f"/sessions/{s18.pk}/followups/", formset_data([(recommendation.pk, "done", "")])
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{s18.pk}/"
    assert FollowUp.objects.get().status == "in_progress"
    assert "ne peut plus être modifiée" in client.get(response["Location"]).content.decode()


def test_an_unknown_session_is_not_found(login, coordinator):
    assert login(coordinator).get("/sessions/999999/followups/").status_code == 404


def test_nothing_to_follow_up_is_said(login, secretariat, s17):
    response = login(secretariat).get(f"/sessions/{s17.pk}/followups/")

    assert response.status_code == 200
    assert "il n’y a rien à suivre à cette session" in response.content.decode()


def test_the_follow_up_screen_runs_a_constant_number_of_queries(login, secretariat, committee):
    client = login(secretariat)
    counts = []
    for count, start in [(1, datetime.date(2019, 3, 1)), (3, datetime.date(2020, 3, 1))]:
        earlier = held(100 + count, start, committee)
        later = held(200 + count, start + datetime.timedelta(days=60), committee)
        for _ in range(count):
            recommendation = RecommendationFactory(session=earlier)
            FollowUp.objects.create(recommendation=recommendation, session=later, status="open")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/sessions/{later.pk}/followups/").status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


# -- the minutes -------------------------------------------------------------------------------


def test_the_minutes_of_the_next_session_print_the_follow_up_table(s17, s18, tmp_path):
    recommendation = RecommendationFactory(
        session=s17,
        text="Transmettre la liste au PAM",
        responsible=OrganizationFactory(acronym="UTGFS"),
    )
    FollowUp.objects.create(
        recommendation=recommendation, session=s18, status="done", note="Transmise en août"
    )

    text = pdf_text(render_minutes_pdf(services.minutes_for(s18)), tmp_path)

    table = text[text.index("Suivi des recommandations de la session précédente") :]
    assert "N° Recommandation" in table
    # pdftotext reads the table's columns in its own order: each cell is looked for.
    for cell in [
        "Transmettre la liste au PAM (17ème session ordinaire)",
        "Responsable État Observation",
        "UTGFS",
        "réalisée",
        "Transmise en août",
    ]:
        assert cell in table[:600], cell


def test_two_people_following_up_at_once_the_second_save_is_refused(
    secretariat, coordinator, s17, s18
):
    recommendation = RecommendationFactory(session=s17)
    awa, mahamadou = Client(), Client()
    assert awa.login(username=secretariat.username, password=PASSWORD)
    assert mahamadou.login(username=coordinator.username, password=PASSWORD)
    url = f"/sessions/{s18.pk}/followups/"
    locks = [
        re.search(r'name="lock" value="([^"]+)"', c.get(url).content.decode()).group(1)
        for c in (awa, mahamadou)
    ]

    first = awa.post(url, {**formset_data([(recommendation.pk, "done", "")]), "lock": locks[0]})
    second = mahamadou.post(
        url, {**formset_data([(recommendation.pk, "open", "Pas faite")]), "lock": locks[1]}
    )

    assert (first.status_code, second.status_code) == (302, 409)
    assert "Quelqu’un d’autre a enregistré cette session" in second.content.decode()
    assert "Pas faite" in second.content.decode()
    assert list(FollowUp.objects.values_list("status", "note")) == [("done", "")]
