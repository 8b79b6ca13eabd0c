import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participants.models import Organization, Person
from tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db

EDIT_URLS = [
    "/participants/organizations/new/",
    "/participants/organizations/{organization}/edit/",
    "/participants/people/new/",
    "/participants/people/{person}/edit/",
]


def person_data(**overrides):
    data = {
        "civility": "Dr",
        "first_name": "Hassane",
        "last_name": "Tangara",
        "function": "Directeur général",
        "organization": "",
        "email": "h.tangara@example.org",
        "phone": "+223 20 00 00 00",
    }
    data.update(overrides)
    return data


# -- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/participants/organizations/", "/participants/people/", *EDIT_URLS]
)
def test_partner_gets_403_on_the_directory(login, partner, url):
    organization = OrganizationFactory()
    person = PersonFactory(organization=organization)
    url = url.format(organization=organization.pk, person=person.pk)
    client = login(partner)

    get, post = client.get(url), client.post(url, person_data())

    assert (get.status_code, post.status_code) == (403, 403)
    assert Person.objects.count() == 1


@pytest.mark.parametrize("url", EDIT_URLS)
def test_anonymous_user_is_sent_to_login_from_the_directory(client, url):
    organization = OrganizationFactory()
    person = PersonFactory(organization=organization)
    url = url.format(organization=organization.pk, person=person.pk)

    response = client.get(url)

    assert response["Location"] == f"/accounts/login/?next={url}"


def test_editing_an_unknown_person_is_not_found(login, secretariat):
    assert login(secretariat).get("/participants/people/999/edit/").status_code == 404


# -- organizations ----------------------------------------------------------------------------


def test_organization_list_shows_each_with_its_number_of_people(login, coordinator):
    pam = OrganizationFactory(acronym="PAM", name="Programme Alimentaire Mondial")
    PersonFactory(organization=pam)
    PersonFactory(organization=pam)
    OrganizationFactory(acronym="FAO")

    response = login(coordinator).get("/participants/organizations/")

    assert [(o.acronym, o.people_count) for o in response.context["organizations"]] == [
        ("FAO", 0),
        ("PAM", 2),
    ]
    assert f'href="/participants/organizations/{pam.pk}/edit/"' in response.content.decode()


def test_secretariat_creates_an_organization(login, secretariat):
    response = login(secretariat).post(
        "/participants/organizations/new/",
        {"acronym": "ANAM", "name": "Agence Nationale d'Assistance Médicale", "kind": "agency"},
        follow=True,
    )

    assert response.redirect_chain == [("/participants/organizations/", 302)]
    assert Organization.objects.get().name == "Agence Nationale d'Assistance Médicale"
    assert "ANAM a été ajouté(e)." in response.content.decode()


def test_an_acronym_already_used_is_refused_in_french(login, secretariat):
    OrganizationFactory(acronym="PAM")

    response = login(secretariat).post(
        "/participants/organizations/new/",
        {"acronym": "pam", "name": "Un autre nom", "kind": "tfp", "is_partner": "on"},
    )

    assert response.context["form"].errors == {"acronym": ["Une structure porte déjà ce sigle."]}
    assert 'value="Un autre nom"' in response.content.decode()
    assert Organization.objects.count() == 1


def test_secretariat_edits_an_organization(login, secretariat):
    organization = OrganizationFactory(acronym="BM", name="Banque")

    login(secretariat).post(
        f"/participants/organizations/{organization.pk}/edit/",
        {"acronym": "BM", "name": "Banque mondiale", "kind": "tfp", "is_partner": "on"},
    )

    organization.refresh_from_db()
    assert (organization.name, organization.is_partner) == ("Banque mondiale", True)


# -- people -----------------------------------------------------------------------------------


def test_person_list_finds_people_by_name_or_organization(login, secretariat):
    anam = OrganizationFactory(acronym="ANAM")
    PersonFactory(first_name="Hassane", last_name="Tangara", organization=anam)
    PersonFactory(first_name="Awa", last_name="Diarra", organization=OrganizationFactory())
    client = login(secretariat)

    by_name = client.get("/participants/people/", {"q": "tanga"})
    by_organization = client.get("/participants/people/", {"q": "anam"})
    nobody = client.get("/participants/people/", {"q": "zzz"})

    assert [p.last_name for p in by_name.context["people"]] == ["Tangara"]
    assert [p.last_name for p in by_organization.context["people"]] == ["Tangara"]
    assert "Personne ne correspond à cette recherche." in nobody.content.decode()


def test_person_list_makes_the_same_queries_for_one_or_three_people(
    login, secretariat, django_assert_num_queries
):
    client = login(secretariat)
    PersonFactory()
    with CaptureQueriesContext(connection) as one:
        client.get("/participants/people/")
    PersonFactory()
    PersonFactory()

    with django_assert_num_queries(len(one)):
        response = client.get("/participants/people/")

    assert len(response.context["people"]) == 3


def test_organization_list_makes_the_same_queries_for_one_or_three(
    login, secretariat, django_assert_num_queries
):
    client = login(secretariat)
    OrganizationFactory()
    with CaptureQueriesContext(connection) as one:
        client.get("/participants/organizations/")
    OrganizationFactory()
    OrganizationFactory()

    with django_assert_num_queries(len(one)):
        response = client.get("/participants/organizations/")

    assert len(response.context["organizations"]) == 3


def test_secretariat_adds_a_person_and_returns_where_they_were(login, secretariat):
    anam = OrganizationFactory(acronym="ANAM")

    response = login(secretariat).post(
        "/participants/people/new/?next=/sessions/1/attendance/",
        person_data(organization=anam.pk),
    )

    assert response["Location"] == "/sessions/1/attendance/"
    person = Person.objects.get()
    assert (person.formal_name, person.organization) == ("Dr Hassane TANGARA", anam)


def test_an_outside_next_address_is_ignored(login, secretariat):
    response = login(secretariat).post(
        "/participants/people/new/?next=https://example.com/", person_data()
    )

    assert response["Location"] == "/participants/people/"


def test_a_person_without_a_last_name_or_a_valid_email_is_refused_in_french(login, secretariat):
    response = login(secretariat).post(
        "/participants/people/new/", person_data(last_name="", email="pas-un-courriel")
    )

    assert response.context["form"].errors == {
        "last_name": ["Ce champ est obligatoire."],
        "email": ["Saisissez une adresse de courriel valide."],
    }
    assert 'value="Hassane"' in response.content.decode()
    assert not Person.objects.exists()


def test_coordinator_edits_a_person(login, coordinator):
    person = PersonFactory(first_name="Hassane", last_name="Tangara")

    response = login(coordinator).post(
        f"/participants/people/{person.pk}/edit/", person_data(function="Directeur")
    )

    assert response["Location"] == "/participants/people/"
    person.refresh_from_db()
    assert person.function == "Directeur"


def test_person_form_page_is_accessible_enough(login, secretariat):
    content = login(secretariat).get("/participants/people/new/").content.decode()

    assert content.count("<h1") == 1
    assert 'for="id_first_name"' in content
    assert 'type="tel"' in content
