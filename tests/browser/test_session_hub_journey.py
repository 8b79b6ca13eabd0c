"""Journey: on the morning of day 1, the secretariat prints the attendance sheet and the
convocation from the page of the planned session, on a phone; once the session is held, the
minutes are submitted from the same page in one click."""

import datetime

import pytest
from playwright.sync_api import expect

from sessions.models import Session
from tests.factories import AttendanceFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_secretariat_prints_the_sheet_of_a_planned_session_then_submits_from_its_page(
    page, browser_login, secretariat
):
    today = datetime.date.today()
    session = SessionFactory(
        number=19, status=Session.Status.PLANNED, start_date=today, end_date=today
    )
    AttendanceFactory(
        session=session, person=PersonFactory(first_name="Hassane", last_name="Tangara")
    )
    page.set_viewport_size({"width": 360, "height": 740})
    browser_login(secretariat)
    page.goto(f"/sessions/{session.pk}/")
    hub = page.get_by_role("region", name="Compte rendu et documents")

    expect(hub).to_contain_text("Compte rendu : pas encore commencé")
    expect(hub.get_by_role("button", name="Soumettre pour validation")).to_have_count(0)
    with page.expect_download() as sheet:
        hub.get_by_role("link", name="Liste de présence à émarger (PDF)").click()
    with page.expect_download() as convocation:
        hub.get_by_role("link", name="Convocation (PDF)").click()

    assert sheet.value.suggested_filename == "CTN-19ème-session-ordinaire-liste-de-presence.pdf"
    assert convocation.value.suggested_filename == "CTN-19ème-session-ordinaire-convocation.pdf"

    # The session held: its page offers the submission.
    Session.objects.filter(pk=session.pk).update(status=Session.Status.HELD)
    page.reload()
    hub.get_by_role("button", name="Soumettre pour validation").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Le compte rendu a été soumis au coordinateur pour validation."
    )
    page.get_by_role("link", name="Ouvrir la session").click()
    expect(page.get_by_role("region", name="Compte rendu et documents")).to_contain_text(
        "Compte rendu : Soumis"
    )
