"""The secretariat records, at the 18th session, the follow-up of the 17th session's
recommendations; the dashboard changes, and the search finds the follow-up."""

import datetime
import re

from playwright.sync_api import expect

from reports.models import Minutes
from sessions.models import FollowUp
from tests.factories import (
    CommitteeFactory,
    OrganizationFactory,
    RecommendationFactory,
    SessionFactory,
)


def test_secretariat_records_a_follow_up_sees_the_dashboard_change_and_finds_it(
    page, browser_login, secretariat
):
    committee = CommitteeFactory()
    s17 = SessionFactory(
        committee=committee,
        number=17,
        start_date=datetime.date(2019, 6, 27),
        end_date=datetime.date(2019, 6, 28),
        city="Bamako",
    )
    s18 = SessionFactory(committee=committee, number=18, city="Ségou")
    utgfs = OrganizationFactory(acronym="UTGFS")
    for order, text in enumerate(
        [
            "Transmettre au PAM la liste des ménages de Bla et Tominian",
            "Partager avec l'ANAM le fichier des bénéficiaires",
            "Préparer le rapport de clôture du FA1",
        ],
        start=1,
    ):
        RecommendationFactory(session=s17, order=order, text=text, responsible=utgfs, due_date=None)
    Minutes.objects.create(session=s17, status=Minutes.Status.SUBMITTED)
    browser_login(secretariat)

    # The dashboard: three open recommendations for the UTGFS.
    open_by_organization = page.get_by_role(
        "region", name="Recommandations non soldées par structure responsable"
    )
    utgfs_row = open_by_organization.get_by_role("row", name=re.compile("^UTGFS"))
    expect(utgfs_row).to_have_text(re.compile(r"UTGFS\s+3\s+0"))

    # The 18th session's page, then its follow-up screen.
    page.goto(s18.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("18ème session ordinaire")
    page.get_by_role(
        "link", name="Modifier : Suivi des recommandations de la session précédente"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Suivi des recommandations de la session précédente"
    )
    rows = page.get_by_role("group", name="17ème session ordinaire")
    expect(rows).to_have_count(3)
    rows.nth(0).get_by_label("État à cette session").select_option(label="réalisée")
    rows.nth(0).get_by_label("Observation").fill("Liste remise au PAM à Ségou en août")
    rows.nth(1).get_by_label("État à cette session").select_option(label="en cours")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    # Back on the session page, the follow-up is in its section.
    expect(page).to_have_url(re.compile(rf"/sessions/{s18.pk}/#followups$"))
    expect(page.get_by_role("status")).to_contain_text("Suivi enregistré : 2 modification(s).")
    followups = page.get_by_role(
        "region", name="Suivi des recommandations de la session précédente"
    )
    expect(followups).to_contain_text("Liste remise au PAM à Ségou en août")
    expect(followups).to_contain_text("Réalisée")

    # The dashboard changed: two open recommendations left.
    page.get_by_role("link", name="Accueil").click()
    expect(utgfs_row).to_have_text(re.compile(r"UTGFS\s+2\s+0"))
    utgfs_row.get_by_role("link", name="2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Recommandations de toutes les sessions"
    )
    expect(page.get_by_role("main")).to_contain_text("Recommandations trouvées : 2")

    # The search finds the follow-up, without its accents, highlighted under the 18th session.
    page.get_by_role("link", name="Rechercher").first.click()
    page.get_by_label("Mots à rechercher").fill("segou aout")
    page.get_by_role("button", name="Rechercher").click()
    session_results = page.get_by_role("region", name=re.compile("^18ème session ordinaire"))
    expect(session_results).to_contain_text("Suivi d’une recommandation")
    expect(session_results.locator("mark")).to_have_text(["Ségou", "août"])

    assert sorted(FollowUp.objects.values_list("status", flat=True)) == ["done", "in_progress"]
