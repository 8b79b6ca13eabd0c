"""Journey: the secretariat attaches a presentation to a session (and is refused an executable
renamed .pdf); a partner creates their calendar link on their profile and the link serves the
session to a calendar program."""

import os

import pytest
from icalendar import Calendar

from sessions.models import Annex, Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00"
SCREENSHOTS = os.environ.get("CTN_SCREENSHOTS", "")


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_secretariat_attaches_an_annex_and_a_partner_subscribes_to_the_calendar(
    page, browser_login, secretariat, partner, tmp_path
):
    session = SessionFactory(number=19, status=Session.Status.PLANNED)
    fake = tmp_path / "rapport.pdf"
    fake.write_bytes(EXE)
    real = tmp_path / "PTBA 2020.pdf"
    real.write_bytes(PDF)

    browser_login(secretariat)
    page.goto(f"/sessions/{session.pk}/")
    page.get_by_role("link", name="Gérer les annexes").click()
    page.get_by_label("Fichier").set_input_files(str(fake))
    page.get_by_role("button", name="Ajouter", exact=True).click()
    refused = page.get_by_text("Ce fichier a été refusé").inner_text()
    shot(page, "annex-refused")
    page.get_by_label("Fichier").set_input_files(str(real))
    page.get_by_label("Intitulé").fill("Projet de PTBA 2020")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    page.get_by_text("L’annexe « Projet de PTBA 2020 » a été ajoutée.").wait_for()
    shot(page, "annex-added")
    page.get_by_role("button", name="Déconnexion").click()

    browser_login(partner)
    page.get_by_role("link", name=partner.get_full_name()).click()
    page.get_by_role("button", name="Créer mon lien de calendrier").click()
    link = page.get_by_label("Votre lien de calendrier").input_value()
    shot(page, "profile")
    feed = page.request.get(link.replace("http://127.0.0.1:8000", ""))

    assert refused.startswith("Ce fichier a été refusé : son contenu n’est pas celui")
    assert list(Annex.objects.values_list("title", "content_type")) == [
        ("Projet de PTBA 2020", "application/pdf")
    ]
    assert feed.status == 200
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["19ème session ordinaire du CTN"]
