"""Error pages in French in the site's layout (templates/400.html … 503.html), for anonymous
and logged-in users; the 500 page without the database.

Real requests answer each status the site can be brought to answer (a foreign Host header, a
refused role, an unknown page, a GET on an action, a locked log-in); tests/ctn/error_urls.py
adds views answering the others (a 500, a 503 with its reason, a plain 403 and 429).
"""

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.factories import PASSWORD

LAYOUT = "Programme de Filets Sociaux « Jigisemejiri » · Comité Technique National (CTN)"

PAGES = {
    400: (
        "Requête incorrecte",
        "La requête n’a pas pu être comprise. Revenez à la page précédente et réessayez.",
    ),
    403: (
        "Accès refusé",
        "Vous n’êtes pas autorisé à faire ceci. Si vous pensez devoir l’être, adressez-vous au "
        "secrétariat du comité.",
    ),
    404: ("Page introuvable", "Cette page n’existe pas, ou elle ne vous est pas accessible."),
    405: (
        "Action non permise",
        "Cette adresse n’accepte pas ce type de requête. Utilisez les boutons et les formulaires "
        "du site.",
    ),
    429: (
        "Trop de requêtes",
        "Trop de requêtes sont venues de votre connexion. Patientez quelques minutes et réessayez.",
    ),
    500: (
        "Erreur du serveur",
        "Une erreur inattendue s’est produite et a été enregistrée. Réessayez dans quelques "
        "minutes ; si elle se reproduit, prévenez l’administrateur.",
    ),
    503: (
        "Service indisponible",
        "Le site ne peut pas répondre pour le moment. Réessayez dans quelques minutes.",
    ),
}


def page(response):
    """What an error page shows: its status, title, heading, text and layout."""
    html = response.content.decode()
    title, text = PAGES[response.status_code]
    return {
        "status": response.status_code,
        "French": '<html lang="fr">' in html,
        "title": f"<title>{title} · CTN Jigisemejiri</title>" in html,
        "heading": f'<h1 class="h3 mb-3">{title}</h1>' in html,
        "code": f"Erreur {response.status_code}</p>" in html,
        "text": f"<p>{text}</p>" in html,
        "layout": LAYOUT in html and '<main id="main"' in html,
        "stylesheet": "/static/css/ctn.css" in html,
    }


def shown(status):
    return {
        "status": status,
        "French": True,
        "title": True,
        "heading": True,
        "code": True,
        "text": True,
        "layout": True,
        "stylesheet": True,
    }


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.fixture
def logged_in(secretariat):
    client = Client(raise_request_exception=False)
    assert client.login(username=secretariat.username, password=PASSWORD)
    return client


# -- real requests --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "logged_in"])
def test_a_foreign_host_name_gets_the_french_400_page(request, who, db):
    client = request.getfixturevalue(who)

    response = client.get("/", HTTP_HOST="attacker.example")

    assert page(response) == shown(400)


def test_a_role_refused_gets_the_french_403_page_with_the_user_in_the_header(login, partner):
    client = login(partner)

    response = client.get("/sessions/new/")

    assert page(response) == shown(403)
    assert "Fatou Traoré" in response.content.decode()


def test_a_form_posted_without_its_security_code_gets_the_french_csrf_page(secretariat):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "awa", "password": PASSWORD})

    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>Formulaire expiré · CTN Jigisemejiri</title>" in html
    assert (
        "<p>Le formulaire a été refusé car son code de sécurité (CSRF) manque ou a expiré (après "
        "une déconnexion, ou sur une page restée ouverte trop longtemps). Rechargez la page et "
        "réessayez.</p>"
    ) in html
    assert LAYOUT in html


@pytest.mark.parametrize(
    ("who", "url"), [("anonymous", "/no-such-page/"), ("logged_in", "/sessions/999999/")]
)
def test_an_unknown_page_gets_the_french_404_page(request, who, url, db):
    client = request.getfixturevalue(who)

    response = client.get(url)

    assert page(response) == shown(404)


@pytest.mark.parametrize(
    ("who", "method", "url", "allow"),
    [
        ("anonymous", "post", "/healthz/", "GET"),
        ("anonymous", "put", "/readyz/", "GET"),
        ("logged_in", "get", "/accounts/logout/", "POST, OPTIONS"),
        ("logged_in", "get", "/reports/1/submit/", "POST"),
    ],
)
def test_a_method_a_page_does_not_take_gets_the_french_405_page_and_its_allow_header(
    request, who, method, url, allow, db
):
    client = request.getfixturevalue(who)

    response = getattr(client, method)(url)

    assert page(response) == shown(405)
    assert response["Allow"] == allow


def test_a_locked_log_in_gets_a_french_429_page_in_the_layout(client, secretariat):
    for _attempt in range(5):
        client.post("/accounts/login/", {"username": "awa", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "awa", "password": PASSWORD})

    html = response.content.decode()
    assert response.status_code == 429
    assert "<title>Trop d’échecs de connexion · CTN Jigisemejiri</title>" in html
    assert LAYOUT in html


# -- the statuses answered on demand --------------------------------------------------------------


@pytest.mark.urls("tests.ctn.error_urls")
@pytest.mark.parametrize("who", ["anonymous", "logged_in"])
@pytest.mark.parametrize(
    ("url", "status"),
    [("/errors/403/", 403), ("/errors/429/", 429), ("/errors/500/", 500), ("/errors/503/", 503)],
)
def test_each_error_page_is_french_in_the_layout(request, who, url, status, db):
    client = request.getfixturevalue(who)

    response = client.get(url)

    assert page(response) == shown(status)


@pytest.mark.urls("tests.ctn.error_urls")
def test_the_503_page_says_why_when_it_is_told(logged_in):
    response = logged_in.get("/errors/503/", {"message": "Le disque est plein <b>ici</b>."})

    html = response.content.decode()
    assert page(response) == shown(503)
    assert (
        '<div class="alert alert-warning" role="alert">Le disque est plein &lt;b&gt;ici&lt;/b&gt;.'
        "</div>"
    ) in html
    assert "Awa Diarra" in html


def test_the_403_page_gives_the_reason_of_a_refusal_that_has_one(rf, secretariat):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.user = secretariat

    response = permission_denied(request, PermissionDenied("Ce compte rendu est validé."))

    assert response.status_code == 403
    assert (
        '<div class="alert alert-warning" role="alert">Ce compte rendu est validé.</div>'
        in response.content.decode()
    )


# -- the 500 page needs no database ---------------------------------------------------------------


def test_the_500_page_renders_without_the_database():
    # No `db` fixture: pytest-django refuses any database access in this test.
    response = server_error(RequestFactory().get("/sessions/"))

    assert page(response) == shown(500)


@pytest.mark.urls("tests.ctn.error_urls")
def test_an_anonymous_request_that_fails_gets_the_500_page_without_the_database():
    response = Client(raise_request_exception=False).get("/errors/500/")

    assert page(response) == shown(500)


@pytest.mark.urls("tests.ctn.error_urls")
def test_a_logged_in_request_gets_the_500_page_when_the_database_is_down(
    logged_in, monkeypatch, django_assert_num_queries
):
    assert logged_in.get("/errors/database/").status_code == 200

    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    with monkeypatch.context() as patch, django_assert_num_queries(0):
        patch.setattr(connection, "cursor", database_down)
        response = logged_in.get("/errors/database/")

    assert page(response) == shown(500)
