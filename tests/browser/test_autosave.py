"""What the clerk types is kept in the browser until the server confirms the save: a save
sent over a cut network loses nothing."""

from playwright.sync_api import expect

from sessions.models import AgendaItem
from tests.factories import SessionFactory

DRAFTS = "() => Object.keys(localStorage).filter((key) => key.startsWith('ctn-draft:'))"


def row(page, number):
    return page.get_by_role("group", name=f"Ligne {number}", exact=True)


def test_a_save_over_a_cut_network_loses_nothing(page, browser_login, secretariat):
    session = SessionFactory(number=18)
    agenda_url = f"/sessions/{session.pk}/agenda/"
    browser_login(secretariat)
    page.goto(agenda_url)
    page.wait_for_load_state()

    # Typed in the room, on a row of the page and on a row added by the browser.
    row(page, 1).get_by_label("Intitulé").fill("Point du financement additionnel FA1")
    row(page, 1).get_by_label("Résumé").fill("Le FA1 est décaissé à 80 %.")
    page.get_by_role("button", name="Ajouter une ligne").click()
    row(page, 4).get_by_label("Intitulé").fill("Divers")
    page.wait_for_function(f"() => ({DRAFTS})().length === 1")

    # The connection drops as the clerk saves: the browser shows its own error page.
    page.context.set_offline(True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(lambda url: not url.endswith(agenda_url) or url.startswith("chrome-error"))
    page.context.set_offline(False)
    assert not AgendaItem.objects.exists()

    # Back on the screen: it comes empty from the server, and offers what was typed.
    page.goto(agenda_url)
    expect(row(page, 1).get_by_label("Intitulé")).to_have_value("")
    offer = page.get_by_role("alert").filter(has_text="n’a pas été enregistré")
    expect(offer).to_contain_text("conservé dans ce navigateur")
    offer.get_by_role("button", name="Reprendre ma saisie").click()
    expect(offer).to_have_count(0)
    expect(row(page, 1).get_by_label("Intitulé")).to_have_value(
        "Point du financement additionnel FA1"
    )
    expect(row(page, 1).get_by_label("Résumé")).to_have_value("Le FA1 est décaissé à 80 %.")
    expect(row(page, 4).get_by_label("Intitulé")).to_have_value("Divers")

    # Saved for real this time: the server confirms, and the browser forgets the draft.
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Modifications enregistrées")
    assert list(session.agenda_items.values_list("title", "summary")) == [
        ("Point du financement additionnel FA1", "Le FA1 est décaissé à 80 %."),
        ("Divers", ""),
    ]
    assert page.evaluate(DRAFTS) == []
    page.goto(agenda_url)
    expect(page.get_by_text("n’a pas été enregistré")).to_have_count(0)


def test_a_draft_can_be_discarded(page, browser_login, secretariat):
    session = SessionFactory(number=18)
    edit_url = f"/sessions/{session.pk}/edit/"
    browser_login(secretariat)
    page.goto(edit_url)
    page.wait_for_load_state()
    page.get_by_label("Lieu").fill("Hôtel de l'Amitié")
    page.wait_for_function(f"() => ({DRAFTS})().length === 1")

    # The clerk leaves without saving, comes back, and does not want it.
    page.goto(session.get_absolute_url())
    page.goto(edit_url)
    offer = page.get_by_role("alert").filter(has_text="n’a pas été enregistré")
    offer.get_by_role("button", name="Abandonner").click()

    expect(offer).to_have_count(0)
    expect(page.get_by_label("Lieu")).to_have_value(session.venue)
    assert page.evaluate(DRAFTS) == []
