"""The secretariat records a new session in a real browser and finds it on the session page."""

import re

from playwright.sync_api import expect

from sessions.models import Session
from tests.factories import CommitteeFactory, OrganizationFactory, PersonFactory


def row(page, number):
    return page.get_by_role("group", name=f"Ligne {number}", exact=True)


def save(page):
    page.get_by_role("button", name="Enregistrer", exact=True).click()


def test_secretariat_records_a_session_with_co_chairs_agenda_and_attendance(
    page, browser_login, secretariat
):
    CommitteeFactory()
    utgfs = OrganizationFactory(acronym="UTGFS")
    drdses = OrganizationFactory(acronym="DRDSES")
    pam = OrganizationFactory(acronym="PAM", is_partner=True)
    PersonFactory(first_name="Mamadou", last_name="Keita", organization=utgfs)
    PersonFactory(first_name="Boubacar", last_name="Sangaré", organization=drdses)
    PersonFactory(first_name="Ousmane", last_name="Traoré", organization=pam)
    browser_login(secretariat)

    # A new session, from the home page.
    page.get_by_role("link", name="Nouvelle session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle session")
    page.get_by_label("Numéro").fill("19")
    page.get_by_label("Date de début").fill("2019-12-17")
    page.get_by_label("Date de fin").fill("2019-12-18")
    page.get_by_label("Ville").fill("Bamako")
    page.get_by_label("Lieu").fill("salle de conférence de l'UTGFS")
    save(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("19ème session ordinaire")
    expect(page.get_by_role("status")).to_contain_text("La 19ème session ordinaire a été créée.")
    session_url = page.url

    # Two co-chairs.
    page.get_by_role("link", name="Modifier : Co-présidence").click()
    row(page, 1).get_by_label("Personne").select_option(label="Mamadou KEITA (UTGFS)")
    row(page, 1).get_by_label("Qualité").fill("Coordinateur du programme")
    row(page, 2).get_by_label("Personne").select_option(label="Boubacar SANGARÉ (DRDSES)")
    row(page, 2).get_by_label("Qualité").fill("DRDSES de Ségou")
    save(page)
    expect(page).to_have_url(re.compile(r"/sessions/\d+/#cochairs$"))

    # Three agenda items, the third on a row added by the "Add a row" button.
    page.get_by_role("link", name="Modifier : Ordre du jour").click()
    row(page, 1).get_by_label("Intitulé").fill("Examen du compte rendu de la 18ème session")
    row(page, 2).get_by_label("Intitulé").fill("Point du financement additionnel")
    row(page, 2).get_by_label("Type").select_option(label="information")
    page.get_by_role("button", name="Ajouter une ligne").click()
    expect(row(page, 4).get_by_label("N° d’ordre")).to_be_focused()
    row(page, 4).get_by_label("Intitulé").fill("Divers")
    save(page)

    # The attendance list, with someone missing from the directory added on the way.
    # (The person lists search the directory as one types: a few letters, then the match.)
    page.get_by_role("link", name="Modifier : Liste de présence").click()
    page.wait_for_load_state()  # the pickers are set up once the page's scripts have run
    for number, letters, label in [
        (1, "keita", "Mamadou KEITA (UTGFS)"),
        (2, "sanga", "Boubacar SANGARÉ (DRDSES)"),
        (3, "ousm", "Ousmane TRAORÉ (PAM)"),
    ]:
        row(page, number).get_by_role("combobox", name="Personne").fill(letters)
        page.get_by_role("option", name=label).click()
    row(page, 3).get_by_label("État").select_option(label="excusé")
    quick_add = page.get_by_role("group", name="Une personne manque à l’annuaire ?")
    quick_add.get_by_label("Civilité").select_option(label="Dr")
    quick_add.get_by_role("textbox", name=re.compile("^Prénom")).fill("Hassane")
    quick_add.get_by_role("textbox", name=re.compile("^Nom")).fill("Tangara")
    quick_add.get_by_role("button", name="Ajouter cette personne").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Hassane TANGARA a été ajouté(e) à l’annuaire et à cette liste."
    )
    page.get_by_role("link", name="19ème session ordinaire").click()

    # Everything is on the session page.
    expect(page).to_have_url(session_url)
    expect(page.locator("main header")).to_contain_text("Les 17 et 18 décembre 2019, Bamako")
    cochairs = page.locator("#cochairs")
    expect(cochairs.get_by_role("listitem")).to_have_text(
        [
            "M. Mamadou KEITA, Coordinateur du programme (UTGFS)",
            "M. Boubacar SANGARÉ, DRDSES de Ségou (DRDSES)",
        ]
    )
    expect(page.locator("#agenda").get_by_role("heading", level=3)).to_have_text(
        ["Examen du compte rendu de la 18ème session", "Point du financement additionnel", "Divers"]
    )
    attendance = page.locator("#attendance tbody tr")
    expect(attendance).to_have_count(4)
    expect(page.locator("#attendance")).to_contain_text("Ousmane TRAORÉ")
    expect(page.locator("#attendance")).to_contain_text("Excusé")
    expect(page.locator("#attendance")).to_contain_text("Dr Hassane TANGARA")
    assert Session.objects.get().attendances.count() == 4
