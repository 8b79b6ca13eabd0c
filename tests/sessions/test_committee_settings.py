"""The coordinator's committee settings screen: outside the admin, with a first-page preview."""

from sessions.models import Committee
from tests.factories import CommitteeFactory

SETTINGS = {
    "name": "Commission nationale de ciblage",
    "acronym": "CNC",
    "article": "la",
    "programme": "",
    "state": "RÉPUBLIQUE DU NIGER",
    "motto": "Fraternité – Travail – Progrès",
    "letterhead": "MINISTÈRE DE L’ACTION HUMANITAIRE",
    "presidency": "president",
    "numbering": "yearly",
    "document_title": "record",
    "meeting_noun": "session",
    "cadence": "quarterly",
}


def test_the_coordinator_creates_a_committee_and_sees_its_first_page(login, coordinator, db):
    client = login(coordinator)

    response = client.post("/sessions/committees/new/", SETTINGS, follow=True)

    committee = Committee.objects.get(acronym="CNC")
    assert response.redirect_chain == [(f"/sessions/committees/{committee.pk}/", 302)]
    assert (committee.article, committee.presidency, committee.numbering) == (
        "la",
        "president",
        "yearly",
    )
    preview = response.context["preview"]
    assert preview["title"].startswith("Procès-verbal de la 1ère session ordinaire de l’année ")
    assert preview["title"].endswith(" de la Commission nationale de ciblage")
    content = response.content.decode()
    assert "RÉPUBLIQUE DU NIGER" in content and "Fraternité – Travail – Progrès" in content


def test_the_ctn_defaults_reproduce_today_s_document(login, coordinator, db):
    committee = CommitteeFactory()

    response = login(coordinator).get(f"/sessions/committees/{committee.pk}/")

    assert response.context["preview"]["title"].startswith("Compte rendu de la 1ère session ")
    assert response.context["preview"]["title"].endswith(" du Comité Technique National")
    content = response.content.decode()
    assert "RÉPUBLIQUE DU MALI" in content and "Un Peuple – Un But – Une Foi" in content


def test_a_duplicate_acronym_is_a_french_form_error(login, coordinator, db):
    CommitteeFactory(acronym="CNC")

    response = login(coordinator).post("/sessions/committees/new/", SETTINGS)

    assert response.status_code == 400
    assert response.context["form"].errors == {"__all__": ["Un comité porte déjà ce sigle."]}
    assert Committee.objects.count() == 1


def test_other_roles_are_refused_and_anonymous_sent_to_login(
    client, login, secretariat, partner, db
):
    committee = CommitteeFactory()
    url = f"/sessions/committees/{committee.pk}/"

    assert client.get(url)["Location"] == f"/accounts/login/?next={url}"
    assert login(secretariat).post(url, SETTINGS).status_code == 403
    assert login(partner).get("/sessions/committees/").status_code == 403
    committee.refresh_from_db()
    assert committee.acronym == "CTN"


def test_the_list_cannot_be_posted(login, coordinator, db):
    assert login(coordinator).post("/sessions/committees/").status_code == 405
