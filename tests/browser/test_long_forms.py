"""The recommendations screen in a real browser: « Solution » shown on blockers only, the tags
folded in each row (the chosen ones named once saved or shown again), and an error summary
whose links lead to the wrong row."""

import os

import pytest
from playwright.sync_api import expect

from sessions.models import Tag
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = os.environ.get("CTN_SCREENSHOTS", "")


def row(page, number):
    return page.get_by_role("group", name=f"Ligne {number}", exact=True)


def test_solution_on_blockers_folded_tags_and_a_summary_leading_to_the_wrong_row(
    page, browser_login, secretariat
):
    for n in range(1, 9):
        Tag.objects.create(kind=Tag.Kind.COMPONENT, name=f"Composante {n}")
    session = SessionFactory(number=18)
    page.set_viewport_size({"width": 360, "height": 740})
    browser_login(secretariat)
    page.goto(f"/sessions/{session.pk}/recommendations/")
    first, second = row(page, 1), row(page, 2)

    # A recommendation has no solution; a blocker has one.
    expect(first.get_by_label("Solution")).to_be_hidden()
    first.get_by_label("Type").select_option(label="blocage et solution")
    expect(first.get_by_label("Solution")).to_be_visible()
    first.get_by_role("textbox", name="Texte*").fill("Retard des paiements à Tominian")
    first.get_by_label("Solution").fill("Mobiliser un second opérateur de paiement")

    # The tags are folded: opened on demand, the chosen ones named in the summary.
    tag_box = first.get_by_label("composante : Composante 2")
    expect(tag_box).to_be_hidden()
    first.locator("summary").click()
    tag_box.check()

    # Row 2 is wrong (its text forgotten): the summary names it and leads to it.
    second.get_by_label("Responsable (texte libre)").fill("Cellule de suivi-évaluation")
    second.get_by_label("Échéance").fill("2019-12-31")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Ligne 2 (Cellule de suivi-évaluation)")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/long-form-summary.png")
    summary.get_by_role("link", name="Texte").click()

    expect(page).to_have_url(f"{page.url.split('#')[0]}#id_recommendations-1-text")
    expect(row(page, 2).get_by_role("textbox", name="Texte*")).to_be_in_viewport()
    # What was typed is all there, the tag chosen named in the folded summary.
    expect(row(page, 1).locator("summary")).to_have_text("Étiquettes : composante : Composante 2")
    expect(row(page, 1).get_by_label("Solution")).to_have_value(
        "Mobiliser un second opérateur de paiement"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
