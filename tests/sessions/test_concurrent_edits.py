"""No lost edits: two people editing the same session or section, the second save is refused."""

import re

import pytest
from django.test import Client

from reports.models import AuditEvent
from sessions.models import AgendaItem, Session
from tests.factories import PASSWORD, AgendaItemFactory, SessionFactory
from tests.sessions.test_sections import formset_data
from tests.sessions.test_views import session_data

pytestmark = pytest.mark.django_db

CONFLICT = "Quelqu’un d’autre a enregistré cette session pendant que vous la modifiiez"


def client_for(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def lock_of(response):
    """The hidden lock token of the form on a page."""
    found = re.search(r'name="lock" value="([^"]+)"', response.content.decode())
    assert found, "the form carries no lock"
    return found.group(1)


def test_second_save_of_the_session_is_refused_and_the_first_stays(secretariat, coordinator):
    session = SessionFactory(number=18, city="Ségou")
    awa, mahamadou = client_for(secretariat), client_for(coordinator)
    url = f"/sessions/{session.pk}/edit/"
    lock_awa, lock_mahamadou = lock_of(awa.get(url)), lock_of(mahamadou.get(url))

    first = awa.post(
        url, session_data(session.committee, number="18", city="Bamako", lock=lock_awa)
    )
    second = mahamadou.post(
        url, session_data(session.committee, number="18", city="Kayes", lock=lock_mahamadou)
    )

    assert first.status_code == 302
    assert second.status_code == 409
    content = second.content.decode()
    assert CONFLICT in content
    assert "ville : Ségou → Bamako" in content
    assert "Awa Diarra" in content
    assert 'value="Kayes"' in content  # what the second person typed is still in the form
    session.refresh_from_db()
    assert (session.city, session.edit_count) == ("Bamako", 2)
    assert list(AuditEvent.objects.filter(kind="conflict").values_list("user", "session")) == [
        (coordinator.pk, session.pk)
    ]


def test_after_a_conflict_the_form_shown_can_be_saved_deliberately(secretariat, coordinator):
    session = SessionFactory(number=18, city="Ségou")
    awa, mahamadou = client_for(secretariat), client_for(coordinator)
    url = f"/sessions/{session.pk}/edit/"
    lock_awa, lock_mahamadou = lock_of(awa.get(url)), lock_of(mahamadou.get(url))
    awa.post(url, session_data(session.committee, number="18", city="Bamako", lock=lock_awa))
    conflict = mahamadou.post(
        url, session_data(session.committee, number="18", city="Kayes", lock=lock_mahamadou)
    )

    again = mahamadou.post(
        url, session_data(session.committee, number="18", city="Kayes", lock=lock_of(conflict))
    )

    assert again.status_code == 302
    session.refresh_from_db()
    assert (session.city, session.edit_count) == ("Kayes", 3)


def test_an_invalid_post_keeps_the_lock_it_was_loaded_with(secretariat, coordinator):
    session = SessionFactory(number=18, city="Ségou")
    awa, mahamadou = client_for(secretariat), client_for(coordinator)
    url = f"/sessions/{session.pk}/edit/"
    lock_awa, lock_mahamadou = lock_of(awa.get(url)), lock_of(mahamadou.get(url))
    awa.post(url, session_data(session.committee, number="18", city="Bamako", lock=lock_awa))

    invalid = mahamadou.post(
        url, session_data(session.committee, number="18", city="", lock=lock_mahamadou)
    )

    assert invalid.status_code == 200
    assert lock_of(invalid) == lock_mahamadou


def test_second_save_of_a_section_is_refused_and_the_first_stays(secretariat, coordinator):
    session = SessionFactory(number=18)
    item = AgendaItemFactory(session=session, order=1, title="Point initial")
    awa, mahamadou = client_for(secretariat), client_for(coordinator)
    url = f"/sessions/{session.pk}/agenda/"
    lock_awa, lock_mahamadou = lock_of(awa.get(url)), lock_of(mahamadou.get(url))

    def post(client, title, lock):
        row = {"id": item.pk, "order": "1", "title": title, "kind": "presentation"}
        return client.post(url, formset_data("agenda_items", [row], initial=1, lock=lock))

    first = post(awa, "Point d’Awa", lock_awa)
    second = post(mahamadou, "Point de Mahamadou", lock_mahamadou)

    assert first.status_code == 302
    assert second.status_code == 409
    content = second.content.decode()
    assert CONFLICT in content
    assert "intitulé : Point initial → Point d’Awa" in content
    assert "Point de Mahamadou" in content
    assert list(AgendaItem.objects.values_list("title", flat=True)) == ["Point d’Awa"]


def test_a_section_save_and_a_session_save_lock_each_other(secretariat, coordinator):
    session = SessionFactory(number=18, city="Ségou")
    awa, mahamadou = client_for(secretariat), client_for(coordinator)
    lock_section = lock_of(awa.get(f"/sessions/{session.pk}/agenda/"))
    lock_session = lock_of(mahamadou.get(f"/sessions/{session.pk}/edit/"))

    awa.post(
        f"/sessions/{session.pk}/agenda/",
        formset_data(
            "agenda_items",
            [{"order": "1", "title": "Nouveau point", "kind": "presentation"}],
            lock=lock_section,
        ),
    )
    second = mahamadou.post(
        f"/sessions/{session.pk}/edit/",
        session_data(session.committee, number="18", city="Kayes", lock=lock_session),
    )

    assert second.status_code == 409
    assert "Point de l’ordre du jour : « Nouveau point »" in second.content.decode()
    assert Session.objects.get(pk=session.pk).city == "Ségou"


def test_saves_one_after_the_other_bump_the_version(login, secretariat):
    session = SessionFactory(number=18)
    client = login(secretariat)
    url = f"/sessions/{session.pk}/edit/"

    for city in ("Bamako", "Kayes"):
        response = client.post(
            url,
            session_data(session.committee, number="18", city=city, lock=lock_of(client.get(url))),
        )
        assert response.status_code == 302

    session.refresh_from_db()
    assert (session.city, session.edit_count) == ("Kayes", 3)
