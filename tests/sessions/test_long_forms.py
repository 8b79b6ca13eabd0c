"""The long section screens: tags as a compact choice, an error summary at the top that names
and links each wrong row, and fields shown (and kept) for the kind of row they apply to."""

import re

import pytest

from sessions.models import Recommendation, Tag
from tests.factories import (
    AgendaItemFactory,
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)
from tests.sessions.test_sections import formset_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def tags(db):
    return [
        Tag.objects.create(kind=Tag.Kind.COMPONENT, name=f"Composante {n}") for n in range(1, 9)
    ]


def details_of(content, prefix):
    """The <details> holding the tags of the row `prefix` (agenda_items-0…)."""
    found = re.search(
        rf'<details class="compact-choices[^"]*" id="div_id_{prefix}-tags"[^>]*>.*?</details>',
        content,
        re.S,
    )
    return found[0] if found else ""


def test_the_tags_of_each_row_are_a_compact_choice_naming_those_chosen(login, secretariat, tags):
    session = SessionFactory()
    item = AgendaItemFactory(session=session, title="Point du FA1")
    item.tags.set([tags[0], tags[2]])

    content = login(secretariat).get(f"/sessions/{session.pk}/agenda/").content.decode()

    first = details_of(content, "agenda_items-0")
    summary = re.search(r"<summary>(.*?)</summary>", first, re.S)[1]
    assert re.sub(r"\s+", " ", summary).strip() == (
        'Étiquettes : <span class="compact-choices-chosen" data-none="aucune">'
        "<span>composante : Composante 1</span><span>composante : Composante 3</span></span>"
    )
    assert first.count('type="checkbox"') == 8
    assert 'name="agenda_items-1-tags"' in details_of(content, "agenda_items-1")
    # Every tag box is inside a row's <details>: none left in the open.
    outside = re.sub(r"<details.*?</details>", "", content, flags=re.S)
    assert re.findall(r'type="checkbox" name="(agenda_items-\d+-\w+)"', outside) == [
        "agenda_items-0-DELETE"
    ]
    assert 'id="div_id_agenda_items-1-tags" >' not in content  # closed when no error


def test_recommendation_rows_have_compact_tags_too(login, secretariat, tags):
    session = SessionFactory()
    RecommendationFactory(session=session)

    content = login(secretariat).get(f"/sessions/{session.pk}/recommendations/").content.decode()

    assert details_of(content, "recommendations-0").count('type="checkbox"') == 8


def test_the_error_summary_names_and_links_each_wrong_row(login, secretariat):
    session = SessionFactory()
    rows = [
        {"order": "1", "title": "Ouverture", "kind": "presentation"},
        {"order": "2", "title": "Point du financement", "kind": "presentation"},
        {"order": "3", "title": "", "kind": "presentation", "summary": "Exposé du PAM"},
        {"order": "x", "title": "Divers", "kind": "presentation"},
    ]

    response = login(secretariat).post(
        f"/sessions/{session.pk}/agenda/", formset_data("agenda_items", rows)
    )

    content = response.content.decode()
    summary = re.search(r'<div [^>]*id="error-summary".*?</div>', content, re.S)[0]
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary) == [
        ("agenda_items-2-row", "Ligne 3"),
        ("id_agenda_items-2-title", "Intitulé"),
        ("agenda_items-3-row", "Ligne 4"),
        ("id_agenda_items-3-order", "N° d’ordre"),
    ]
    assert "(Divers)" in summary
    assert "Ce champ est obligatoire." in summary
    assert "Saisissez un nombre entier." in summary
    assert summary.index("Ligne 3") < summary.index("Ligne 4")
    assert 'id="agenda_items-2-row"' in content and 'id="agenda_items-3-row"' in content
    assert content.index('id="error-summary"') < content.index('id="agenda_items-0-row"')
    assert session.agenda_items.count() == 0


def test_a_row_is_named_by_its_person_in_the_summary(login, secretariat):
    session = SessionFactory()
    person = PersonFactory(
        first_name="Ousmane", last_name="Traoré", organization=OrganizationFactory(acronym="PAM")
    )
    rows = [{"order": "1", "person": str(person.pk), "capacity": "x" * 300}]

    response = login(secretariat).post(
        f"/sessions/{session.pk}/cochairs/", formset_data("cochairs", rows)
    )

    rows = response.context["formset"].error_rows
    assert [(row.number, row.anchor, row.name) for row in rows] == [
        (1, "cochairs-0-row", "Ousmane TRAORÉ (PAM)")
    ]
    assert [error.field_id for error in rows[0].errors] == ["id_cochairs-0-capacity"]


def test_no_summary_on_a_screen_without_errors(login, secretariat):
    session = SessionFactory()

    content = login(secretariat).get(f"/sessions/{session.pk}/agenda/").content.decode()

    assert 'id="error-summary"' not in content


def test_the_solution_is_kept_for_a_blocker_only(login, secretariat):
    session = SessionFactory()
    rows = [
        {"order": "1", "kind": "recommendation", "text": "Partager le PTBA", "solution": "x"},
        {"order": "2", "kind": "blocker", "text": "Retard des paiements", "solution": "Opérateur"},
    ]
    data = formset_data("recommendations", rows)
    for index in range(2):
        data[f"recommendations-{index}-status"] = Recommendation.Status.OPEN

    response = login(secretariat).post(f"/sessions/{session.pk}/recommendations/", data)

    assert response.status_code == 302
    assert list(session.recommendations.values_list("kind", "solution")) == [
        ("recommendation", ""),
        ("blocker", "Opérateur"),
    ]


def test_the_solution_is_hidden_by_the_stylesheet_on_recommendation_rows():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "ctn.css").read_text()

    assert (
        '.formset-row:has([name$="-kind"] option[value="recommendation"]:checked) [id$="-solution"]'
    ) in css
