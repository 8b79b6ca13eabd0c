import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import PASSWORD


def test_login_page_is_in_french(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="fr">' in content
    assert "Nom d’utilisateur" in content
    assert "Mot de passe" in content


@pytest.mark.parametrize("url", ["/", "/sessions/", "/participants/people/", "/reports/"])
def test_anonymous_user_is_sent_to_login(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_login_with_a_good_password_reaches_home(client, secretariat):
    response = client.post(
        "/accounts/login/", {"username": "awa", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain == [("/", 302)]
    assert "Comité Technique National" in response.content.decode()


def test_login_with_a_bad_password_shows_a_french_error(client, secretariat):
    response = client.post("/accounts/login/", {"username": "awa", "password": "wrong"})

    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(login, secretariat):
    client = login(secretariat)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_create_user_command_reads_the_password_from_the_environment(db, monkeypatch):
    from django.contrib.auth import authenticate

    monkeypatch.setenv("NEW_PASSWORD", "un-mot-de-passe-solide-2019")

    call_command("create_user", "fatou", "--role", "partner", "--password-from-env", "NEW_PASSWORD")

    user = authenticate(username="fatou", password="un-mot-de-passe-solide-2019")
    assert user is not None
    assert list(user.groups.values_list("name", flat=True)) == ["partner"]


def test_create_user_command_links_a_partner_to_its_organization(db, monkeypatch):
    from participants.models import Organization, Person

    Organization.objects.create(
        acronym="PAM", name="Programme Alimentaire Mondial", is_partner=True
    )
    monkeypatch.setenv("NEW_PASSWORD", "un-mot-de-passe-solide-2019")

    call_command(
        "create_user",
        "pam1",
        "--role",
        "partner",
        "--organization",
        "PAM",
        "--password-from-env",
        "NEW_PASSWORD",
    )

    assert Person.objects.get(user__username="pam1").organization.acronym == "PAM"


def test_create_user_command_refuses_an_unknown_organization(db, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "un-mot-de-passe-solide-2019")

    with pytest.raises(CommandError, match="ONU"):
        call_command(
            "create_user",
            "x",
            "--role",
            "partner",
            "--organization",
            "ONU",
            "--password-from-env",
            "NEW_PASSWORD",
        )


def test_health_check_answers_ok_without_login_or_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")

    assert (response.status_code, response.content) == (200, b"ok")
