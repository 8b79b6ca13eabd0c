"""Session.proceedings(): the one shape of a session's interventions, for its page and PDF."""

import pytest

from sessions.models import AgendaEntry, Session
from tests.factories import AgendaItemFactory, InterventionFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_proceedings_follow_the_order_of_the_day():
    session = SessionFactory()
    first = AgendaItemFactory(session=session, order=1)
    second = AgendaItemFactory(session=session, order=2)
    opening = InterventionFactory(session=session, moment="opening", order=1)
    on_first = InterventionFactory(session=session, agenda_item=first, order=2)
    unplaced = InterventionFactory(session=session, order=3)
    closing = InterventionFactory(session=session, moment="closing", order=4)

    proceedings = Session.objects.with_sections().get(pk=session.pk).proceedings()

    assert proceedings.opening == [opening]
    assert proceedings.agenda == [AgendaEntry(first, [on_first]), AgendaEntry(second, [])]
    assert proceedings.unplaced == [unplaced]
    assert proceedings.closing == [closing]


def test_the_moment_places_a_ceremony_speech_that_names_an_agenda_item():
    session = SessionFactory()
    item = AgendaItemFactory(session=session)
    speech = InterventionFactory(session=session, moment="opening", agenda_item=item)

    proceedings = session.proceedings()

    assert proceedings.opening == [speech]
    assert proceedings.agenda == [AgendaEntry(item, [])]
    assert proceedings.unplaced == []


def test_the_session_page_and_the_pdf_read_one_shape(client, secretariat):
    session = SessionFactory()
    item = AgendaItemFactory(session=session, title="Point de la mise en œuvre")
    InterventionFactory(session=session, agenda_item=item, summary="Exposé du coordinateur.")
    client.force_login(secretariat)

    response = client.get(session.get_absolute_url())

    # The page's agenda shows the exchange under its item (the sections are a Jinja2 partial,
    # whose context the test client does not capture: the HTML is read).
    agenda = response.content.decode().split('<section id="agenda"')[1].split("</section>")[0]
    item_at = agenda.index('<h3 class="h5 mb-1">Point de la mise en œuvre</h3>')
    assert agenda.index("Exposé du coordinateur.") > item_at
    assert agenda.count('<li class="mb-2">') == 1
