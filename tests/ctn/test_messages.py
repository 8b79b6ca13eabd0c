"""One-time messages: their storage is made only by a request that adds or reads one
(ctn/messages.py), and a message still reaches the next page shown."""

from django.urls import reverse
from django.utils.functional import empty


def test_a_message_added_before_a_redirect_is_shown_once_on_the_next_page(login, partner):
    client = login(partner)

    created = client.post(reverse("calendar_link_create"))
    shown = client.get(created["Location"])
    again = client.get(created["Location"])

    assert created.status_code == 302
    assert "Copiez-le maintenant" in shown.content.decode()
    assert "Copiez-le maintenant" not in again.content.decode()


def test_a_request_that_reads_no_message_makes_no_message_storage(login, partner):
    client = login(partner)

    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.wsgi_request._messages._wrapped is empty
    assert not response.cookies.get("messages")


def test_a_page_makes_the_storage_when_it_reads_the_messages(login, partner):
    response = login(partner).get("/")

    assert response.wsgi_request._messages._wrapped is not empty
