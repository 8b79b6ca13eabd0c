"""The pages everyone opens all the time, kept whole per user (ctn/cache.py)."""

from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from ctn.cache import CSRF_PLACEHOLDER, whole_page
from ctn.roles import RolesModelBackend
from sessions.models import Session
from tests.factories import PASSWORD, SessionFactory
from tests.utils import csrf_token as token

KEPT_PAGES = ["/", "/sessions/", "/reports/", "/search/?q=Ségou"]


def test_a_kept_page_reads_nothing_and_differs_only_by_a_fresh_csrf_token(login, coordinator):
    client = login(coordinator)
    for url in KEPT_PAGES:
        first = client.get(url)
        with CaptureQueriesContext(connection) as queries:
            second = client.get(url)

        assert first.status_code == second.status_code == 200, url
        assert queries.captured_queries == [], url
        assert first.context is not None and second.context is None, url  # not rendered again
        assert token(first) != token(second)
        assert second["Content-Type"] == first["Content-Type"] == "text/html; charset=utf-8"
        assert CSRF_PLACEHOLDER not in second.content.decode()
        assert second.content == first.content.replace(
            token(first).encode(), token(second).encode()
        )


def test_the_token_of_a_kept_page_is_accepted(coordinator):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=coordinator.username, password=PASSWORD)
    client.get("/")
    kept = client.get("/")

    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token(kept)})

    assert response.status_code == 302
    assert client.get("/").status_code == 302  # logged out: to the log-in page


def test_a_write_shows_at_the_next_request(login, secretariat):
    client = login(secretariat)
    client.get("/sessions/")
    assert "Kidal" not in client.get("/sessions/").content.decode()

    SessionFactory(number=40, city="Kidal", status=Session.Status.PLANNED)

    assert "Kidal" in client.get("/sessions/").content.decode()


def test_users_never_share_a_kept_page(login, coordinator, secretariat, partner):
    pages = {}
    for user in (coordinator, secretariat, partner):
        client = login(user)
        client.get("/reports/")
        pages[user.username] = client.get("/reports/").content.decode()

    assert "Mahamadou Coulibaly" in pages["coordo"]
    assert "Awa Diarra" in pages["awa"] and "Mahamadou" not in pages["awa"]
    assert "Fatou Traoré" in pages["pam"]
    # Partners see no editing link in the navigation.
    assert "/participants/people/" in pages["awa"]
    assert "/participants/people/" not in pages["pam"]


def test_a_new_name_shows_at_once(login, partner):
    client = login(partner)
    client.get("/")
    partner.first_name = "Fatoumata"
    partner.save()

    assert "Fatoumata Traoré" in client.get("/").content.decode()


def test_a_page_that_shows_a_message_is_never_kept(login, coordinator):
    client = login(coordinator)

    first = client.get("/?tag=999")
    second = client.get("/?tag=999")

    for response in (first, second):
        assert "Cette étiquette n’existe pas" in response.content.decode()
        assert response.context is not None  # rendered each time


# -- the decorator itself -------------------------------------------------------------------------


def request_for(user, path="/"):
    request = RequestFactory().get(path)
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = RolesModelBackend().get_user(user.pk)
    return request


def counting_view():
    calls = []

    @whole_page
    def view(request):
        calls.append(request)
        return render(request, "home.html", {"dashboard_html": "contenu"})

    return view, calls


def test_a_pending_message_is_shown_once_and_its_page_never_kept(coordinator):
    view, calls = counting_view()
    view(request_for(coordinator))  # kept

    with_message = request_for(coordinator)
    messages.info(with_message, "Compte rendu transmis.")
    shown = view(with_message)
    after = view(request_for(coordinator))

    assert "Compte rendu transmis." in shown.content.decode()
    assert "Compte rendu transmis." not in after.content.decode()
    assert len(calls) == 2  # the first, and the one with the message


def test_only_a_successful_get_is_kept(coordinator):
    view, calls = counting_view()
    request = request_for(coordinator)
    request.method = "POST"

    view(request)
    view(request)

    assert len(calls) == 2
