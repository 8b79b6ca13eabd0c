"""The minutes' journey in a real browser: the secretariat submits the 17th session's minutes,
the coordinator validates them during the 18th, a partner downloads the PDF and checks it."""

import datetime
import hashlib

import pytest
from playwright.sync_api import expect

from reports.models import Download, MinutesVersion
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)


@pytest.fixture
def sessions_17_and_18(db):
    committee = CommitteeFactory()
    session_17 = SessionFactory(
        committee=committee,
        number=17,
        start_date=datetime.date(2019, 6, 26),
        end_date=datetime.date(2019, 6, 27),
    )
    coordinator = PersonFactory(first_name="Mahamadou", last_name="Coulibaly")
    CoChairFactory(session=session_17, person=coordinator, capacity="Coordinateur du programme")
    AgendaItemFactory(session=session_17, title="Point de la mise en œuvre des activités")
    ExpectedResultFactory(session=session_17, description="Les activités sont présentées")
    RecommendationFactory(session=session_17, text="Transmettre le rapport du FA1")
    AttendanceFactory(session=session_17, person=coordinator)
    session_18 = SessionFactory(committee=committee, number=18)
    ExpectedResultFactory(
        session=session_18,
        description="Le compte rendu de la 17ème session du CTN est validé",
        status="pending",
    )
    return session_17, session_18


def log_out(page):
    page.get_by_role("button", name="Déconnexion").click()
    page.wait_for_url("**/accounts/login/")


def test_minutes_go_from_the_secretariat_to_the_coordinator_to_a_partner(
    page, browser_login, secretariat, coordinator, partner, sessions_17_and_18, tmp_path
):
    session_17, session_18 = sessions_17_and_18

    # The secretariat submits the draft of the 17th session's minutes.
    browser_login(secretariat)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Comptes rendus"
    ).click()
    page.get_by_role("link", name="17ème session ordinaire").click()
    expect(page.locator("#minutes-status")).to_have_text("Projet")
    page.get_by_role("button", name="Soumettre pour validation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Le compte rendu a été soumis au coordinateur pour validation."
    )
    expect(page.locator("#minutes-status")).to_have_text("Soumis")
    log_out(page)

    # The coordinator validates them during the 18th session.
    browser_login(coordinator)
    page.goto(f"/reports/{session_17.pk}/")
    page.get_by_label("Validé lors de la session").select_option(label="18ème session ordinaire")
    expect(page.get_by_label("Décision du comité")).to_have_value("validated")
    # Freezing asks for a confirmation that names what will be frozen.
    page.get_by_label(
        "Je confirme la validation du compte rendu de la 17ème session ordinaire : "
        "la session sera figée."
    ).check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Le compte rendu est validé : la version 1 fait désormais foi."
    )
    expect(page.locator("#minutes-status")).to_have_text("Validé")
    log_out(page)

    # A partner finds them on the portal and downloads the PDF.
    browser_login(partner)
    page.goto("/reports/")
    expect(page.get_by_role("link", name="18ème session ordinaire")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger : Compte rendu de la 17ème session").click()
    download = download_info.value
    assert download.suggested_filename == "CTN-17ème-session-ordinaire-compte-rendu-v1.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    version = MinutesVersion.objects.get(minutes__session=session_17)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == version.sha256
    assert list(Download.objects.values_list("user__username", flat=True)) == ["pam"]

    # And checks it is authentic.
    page.get_by_role("link", name="Vérifier un PDF").click()
    page.get_by_label("Fichier PDF").set_input_files(saved)
    page.get_by_role("button", name="Vérifier").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text("Copie authentique.")
    expect(result).to_contain_text(
        "Compte rendu de la 17ème session ordinaire du Comité Technique National, version 1"
    )
    expect(result).to_contain_text("lors de la 18ème session ordinaire")
    # Signed with the committee's certificate (the tests' own, tests/conftest.py).
    expect(result).to_contain_text(
        "Signé électroniquement par Comité Technique National (tests) (CTN)."
    )
    assert session_18.expected_results.get().status == "achieved"
