"""Limits a user can read: the rows of each list and the length of each long text
(sessions/forms.py MAX_ROWS and TEXT_LIMITS, README « Limites »)."""

import datetime

import pytest

from participants.models import Attendance
from sessions import forms
from sessions.models import (
    AgendaItem,
    CoChair,
    ExpectedResult,
    FollowUp,
    Intervention,
    Recommendation,
    Session,
)
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)
from tests.sessions.test_followups import formset_data as followup_data
from tests.sessions.test_sections import formset_data
from tests.sessions.test_views import session_data

pytestmark = pytest.mark.django_db


def too_many(count):
    return (
        f"Cette liste compte au plus {count} lignes : supprimez des lignes avant d’en ajouter "
        "d’autres."
    )


def too_long(limit, length):
    return (
        f"Assurez-vous que cette valeur comporte au plus {limit} caractères "
        f"(actuellement {length})."
    )


def test_the_limits_are_those_the_readme_lists():
    # Changing one means measuring again (bench/limits_preview.py) and updating README.md.
    assert {model.__name__: count for model, count in forms.MAX_ROWS.items()} == {
        "CoChair": 10,
        "AgendaItem": 40,
        "Intervention": 60,
        "ExpectedResult": 20,
        "Recommendation": 40,
        "Attendance": 150,
    }
    assert {model.__name__: limits for model, limits in forms.TEXT_LIMITS.items()} == {
        "Session": {
            "objective": 2000,
            "opening_summary": 5000,
            "closing_summary": 5000,
            "highlights": 5000,
            "practical_details": 2000,
        },
        "AgendaItem": {"summary": 2000},
        "Intervention": {"summary": 1000, "quote": 500},
        "ExpectedResult": {"description": 500, "comment": 500},
        "Recommendation": {"text": 800, "solution": 800},
        "FollowUp": {"note": 500},
    }


# -- rows -----------------------------------------------------------------------------------------


def rows_of(slug, count):
    """`count` valid new rows of a section, and the formset's prefix."""
    if slug == "cochairs":
        people = [PersonFactory() for _ in range(count)]
        return "cochairs", [{"person": person.pk} for person in people]
    if slug == "attendance":
        people = [PersonFactory() for _ in range(count)]
        return "attendances", [
            {"person": person.pk, "status": "present", "days": ["1", "2", "3"]} for person in people
        ]
    row = {
        "agenda": ("agenda_items", {"title": "Point", "kind": "information"}),
        "interventions": ("interventions", {"moment": "opening", "speaker_label": "Le maire"}),
        "results": ("expected_results", {"description": "Résultat", "status": "achieved"}),
        "recommendations": (
            "recommendations",
            {"kind": "recommendation", "text": "Faire", "status": "open"},
        ),
    }[slug]
    return row[0], [dict(row[1]) for _ in range(count)]


SECTIONS = [
    ("cochairs", CoChair),
    ("agenda", AgendaItem),
    ("interventions", Intervention),
    ("results", ExpectedResult),
    ("recommendations", Recommendation),
    ("attendance", Attendance),
]


@pytest.mark.parametrize(("slug", "model"), SECTIONS, ids=[s for s, _m in SECTIONS])
def test_one_row_over_the_limit_is_refused_in_french_and_nothing_saved(
    login, secretariat, slug, model
):
    session = SessionFactory()
    limit = forms.MAX_ROWS[model]
    prefix, rows = rows_of(slug, limit + 1)

    response = login(secretariat).post(
        f"/sessions/{session.pk}/{slug}/", formset_data(prefix, rows)
    )

    assert response.status_code == 200
    assert response.context["formset"].non_form_errors() == [too_many(limit)]
    assert too_many(limit) in response.content.decode()
    assert model.objects.count() == 0


def test_a_list_at_its_limit_is_saved(login, secretariat):
    session = SessionFactory()
    limit = forms.MAX_ROWS[AgendaItem]
    prefix, rows = rows_of("agenda", limit)

    response = login(secretariat).post(
        f"/sessions/{session.pk}/agenda/", formset_data(prefix, rows)
    )

    assert response.status_code == 302
    assert session.agenda_items.count() == limit


def test_a_full_list_offers_no_blank_row_and_says_its_maximum(login, secretariat):
    session = SessionFactory()
    for order in range(forms.MAX_ROWS[AgendaItem]):
        AgendaItemFactory(session=session, order=order)

    response = login(secretariat).get(f"/sessions/{session.pk}/agenda/")

    formset = response.context["formset"]
    assert len(formset.forms) == forms.MAX_ROWS[AgendaItem]
    assert 'name="agenda_items-MAX_NUM_FORMS" value="40"' in response.content.decode()


def test_rows_deleted_make_room_for_new_ones_in_the_same_save(login, secretariat):
    session = SessionFactory()
    items = [AgendaItemFactory(session=session, order=n) for n in range(40)]
    rows = [{"id": item.pk, "title": item.title, "kind": item.kind} for item in items]
    rows[0]["DELETE"] = "on"
    rows.append({"title": "Nouveau point", "kind": "information"})

    response = login(secretariat).post(
        f"/sessions/{session.pk}/agenda/", formset_data("agenda_items", rows, initial=40)
    )

    assert response.status_code == 302
    assert session.agenda_items.count() == 40
    assert session.agenda_items.filter(title="Nouveau point").exists()


def test_a_forged_row_count_is_refused_without_building_its_rows(login, secretariat):
    # The issue: 1,000 agenda items made a 9.6 MB form that took 13–17 s to answer.
    session = SessionFactory()
    data = formset_data("agenda_items", [])
    data["agenda_items-TOTAL_FORMS"] = "100000"

    response = login(secretariat).post(f"/sessions/{session.pk}/agenda/", data)

    formset = response.context["formset"]
    assert response.status_code == 200
    assert len(formset.forms) == forms.MAX_ROWS[AgendaItem] + forms.ABSOLUTE_MAX_MARGIN
    assert formset.non_form_errors() == [too_many(forms.MAX_ROWS[AgendaItem])]
    assert AgendaItem.objects.count() == 0


def test_a_follow_up_list_longer_than_offered_is_refused(login, secretariat):
    committee = CommitteeFactory()
    s17 = SessionFactory(committee=committee, number=17, start_date=datetime.date(2019, 6, 26))
    s18 = SessionFactory(committee=committee, number=18, start_date=datetime.date(2019, 9, 26))
    recommendation = RecommendationFactory(session=s17)
    data = followup_data([(recommendation.pk, "done", "")], total=1000)

    response = login(secretariat).post(f"/sessions/{s18.pk}/followups/", data)

    formset = response.context["formset"]
    assert response.status_code == 400
    assert formset.non_form_errors() == [too_many(1 + forms.ABSOLUTE_MAX_MARGIN)]
    assert FollowUp.objects.count() == 0


# -- texts ----------------------------------------------------------------------------------------

FORM_OF = {
    Session: forms.SessionForm,
    AgendaItem: forms.AgendaItemForm,
    Intervention: forms.InterventionForm,
    ExpectedResult: forms.ExpectedResultForm,
    Recommendation: forms.RecommendationForm,
    FollowUp: forms.FollowUpForm,
}
TEXTS = [
    (model, name, limit)
    for model, limits in forms.TEXT_LIMITS.items()
    for name, limit in limits.items()
]


@pytest.mark.parametrize(
    ("model", "name", "limit"), TEXTS, ids=[f"{m.__name__}.{n}" for m, n, _l in TEXTS]
)
def test_every_long_text_has_its_limit_in_its_form_and_its_textarea(model, name, limit):
    field = FORM_OF[model].base_fields[name]

    assert field.max_length == limit
    assert field.widget.attrs["maxlength"] == str(limit)


def test_a_session_objective_one_character_too_long_is_refused_in_french(login, secretariat):
    committee = CommitteeFactory()
    client = login(secretariat)

    refused = client.post("/sessions/new/", session_data(committee, objective="é" * 2001))
    accepted = client.post("/sessions/new/", session_data(committee, objective="é" * 2000))

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"objective": [too_long(2000, 2001)]}
    assert accepted.status_code == 302
    assert list(Session.objects.values_list("objective", flat=True)) == ["é" * 2000]


def test_an_intervention_one_character_too_long_saves_no_row(login, secretariat):
    session = SessionFactory()
    rows = [
        {"moment": "opening", "speaker_label": "Le maire", "summary": "Bienvenue."},
        {"moment": "closing", "speaker_label": "Le préfet", "summary": "x" * 1001},
    ]

    response = login(secretariat).post(
        f"/sessions/{session.pk}/interventions/", formset_data("interventions", rows)
    )

    assert response.status_code == 200
    assert [form.errors for form in response.context["formset"].forms] == [
        {},
        {"summary": [too_long(1000, 1001)]},
    ]
    assert Intervention.objects.count() == 0


def test_a_follow_up_note_one_character_too_long_is_refused(login, secretariat):
    committee = CommitteeFactory()
    s17 = SessionFactory(committee=committee, number=17, start_date=datetime.date(2019, 6, 26))
    s18 = SessionFactory(committee=committee, number=18, start_date=datetime.date(2019, 9, 26))
    recommendation = RecommendationFactory(session=s17)

    response = login(secretariat).post(
        f"/sessions/{s18.pk}/followups/",
        followup_data([(recommendation.pk, "done", "n" * 501)]),
    )

    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors == {"note": [too_long(500, 501)]}
    assert FollowUp.objects.count() == 0
