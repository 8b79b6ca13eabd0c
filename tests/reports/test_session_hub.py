"""The session page as the clerk's hub: the minutes' state and, one click away, the documents and
actions of the minutes that the user's role allows (templates/reports/_minutes_hub.html)."""

import datetime
import re

import pytest
from django.utils import timezone

from reports import services
from sessions.models import Session
from tests.factories import SessionFactory
from tests.reports.conftest import build_session, pdf_text


def hub(response):
    """The hub of a session page: its state and its links and buttons, in order."""
    content = response.content.decode()
    section = re.search(r'<section id="minutes-hub".*?</section>', content, re.S)
    assert section, "no hub on the page"
    text = section[0]
    state = re.search(r"Compte rendu : (?:<span[^>]*>)?([^<]+)<", text)[1]
    links = [
        (" ".join(label.split()), href)
        for href, label in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', text)
    ]
    buttons = [
        (" ".join(label.split()), action)
        for action, label in re.findall(
            r'<form method="post" action="([^"]+)".*?<button[^>]*>([^<]+)</button>', text, re.S
        )
    ]
    return state, links, buttons


def editor_links(pk, *, preview=True):
    links = [("Ouvrir le compte rendu", f"/reports/{pk}/")]
    if preview:
        links.append(("Aperçu du projet (PDF)", f"/reports/{pk}/preview.pdf"))
    links += [
        ("Liste de présence à émarger (PDF)", f"/reports/{pk}/attendance.pdf"),
        ("Convocation (PDF)", f"/reports/{pk}/convocation.pdf"),
    ]
    return links


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_editors_find_the_minutes_documents_and_the_submission_on_a_held_session(
    login, session_18, role, request
):
    response = login(request.getfixturevalue(role)).get(f"/sessions/{session_18.pk}/")

    assert response.status_code == 200
    assert hub(response) == (
        "pas encore commencé",
        editor_links(session_18.pk),
        [("Soumettre pour validation", f"/reports/{session_18.pk}/submit/")],
    )


def test_the_secretariat_submits_in_one_click_from_the_session_page(login, secretariat, session_18):
    client = login(secretariat)
    page = client.get(f"/sessions/{session_18.pk}/")
    _state, _links, [(_label, action)] = hub(page)

    response = client.post(action, follow=True)

    assert response.redirect_chain == [(f"/reports/{session_18.pk}/", 302)]
    session_18.refresh_from_db()
    assert session_18.minutes.status == "submitted"


def test_the_secretariat_sees_submitted_minutes_without_actions(login, secretariat, submitted_18):
    session = submitted_18.session

    response = login(secretariat).get(f"/sessions/{session.pk}/")

    assert hub(response) == ("Soumis", editor_links(session.pk), [])


def test_the_coordinator_is_one_click_from_validating_submitted_minutes(
    login, coordinator, submitted_18
):
    session = submitted_18.session

    response = login(coordinator).get(f"/sessions/{session.pk}/")

    assert hub(response) == (
        "Soumis",
        [
            *editor_links(session.pk),
            ("Examiner et valider", f"/reports/{session.pk}/#actions-title"),
        ],
        [],
    )


def test_a_planned_session_offers_its_attendance_sheet_and_convocation(
    login, secretariat, committee
):
    start = timezone.localdate() + datetime.timedelta(days=10)
    planned = build_session(committee, 19, start, status=Session.Status.PLANNED)

    response = login(secretariat).get(f"/sessions/{planned.pk}/")

    assert hub(response) == ("pas encore commencé", editor_links(planned.pk, preview=False), [])
    assert "Les dates de cette session sont passées" not in response.content.decode()


def test_a_planned_session_whose_dates_are_past_says_to_mark_it_held(login, secretariat, committee):
    planned = build_session(
        committee, 19, datetime.date(2019, 12, 17), status=Session.Status.PLANNED
    )

    response = login(secretariat).get(f"/sessions/{planned.pk}/")

    assert "Les dates de cette session sont passées mais elle est encore prévue" in (
        response.content.decode()
    )


def test_the_attendance_sheet_of_a_planned_session_is_printed_from_its_link(
    login, secretariat, committee, tmp_path
):
    planned = build_session(
        committee, 19, timezone.localdate() + datetime.timedelta(days=3), days=2
    )
    planned.status = Session.Status.PLANNED
    planned.save(update_fields=["status"])
    client = login(secretariat)
    _state, links, _buttons = hub(client.get(f"/sessions/{planned.pk}/"))
    url = dict(links)["Liste de présence à émarger (PDF)"]

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_text(response.content, tmp_path).count("Liste de présence") >= 2


def test_a_partner_sees_the_validated_minutes_and_the_convocation_only(
    login, partner, session_17, validated_17
):
    response = login(partner).get(f"/sessions/{session_17.pk}/")

    assert hub(response) == (
        "Validé",
        [
            ("Ouvrir le compte rendu", f"/reports/{session_17.pk}/"),
            ("Télécharger le compte rendu validé (PDF)", f"/reports/{session_17.pk}/minutes.pdf"),
            ("Convocation (PDF)", f"/reports/{session_17.pk}/convocation.pdf"),
        ],
        [],
    )


def test_every_link_of_the_partners_hub_opens(login, partner, session_17, validated_17):
    client = login(partner)
    _state, links, _buttons = hub(client.get(f"/sessions/{session_17.pk}/"))

    statuses = [client.get(href.split("#")[0]).status_code for _label, href in links]

    assert statuses == [200, 200, 200]


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_every_link_of_the_editors_hub_opens(login, session_18, role, request):
    client = login(request.getfixturevalue(role))
    _state, links, _buttons = hub(client.get(f"/sessions/{session_18.pk}/"))

    statuses = [client.get(href.split("#")[0]).status_code for _label, href in links]

    assert statuses == [200, 200, 200, 200]


def test_validated_minutes_offer_their_pdf_to_editors_without_submission(
    login, coordinator, session_17, validated_17
):
    response = login(coordinator).get(f"/sessions/{session_17.pk}/")

    state, links, buttons = hub(response)
    assert state == "Validé"
    download = ("Télécharger le compte rendu validé (PDF)", f"/reports/{session_17.pk}/minutes.pdf")
    assert download in links
    assert buttons == []


def test_a_partner_gets_no_hub_of_a_session_without_validated_minutes(login, partner, session_18):
    response = login(partner).get(f"/sessions/{session_18.pk}/")

    assert response.status_code == 404


def test_the_hub_posts_nothing_for_anonymous(client, session_18):
    response = client.get(f"/sessions/{session_18.pk}/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_hub_costs_no_query_beyond_the_session_page(
    login, secretariat, coordinator, session_18, django_assert_max_num_queries
):
    services.submit(services.minutes_for(session_18), secretariat)
    SessionFactory(committee=session_18.committee, number=30)
    client = login(coordinator)
    client.get(f"/sessions/{session_18.pk}/")

    with django_assert_max_num_queries(15):
        response = client.get(f"/sessions/{session_18.pk}/")

    assert hub(response)[0] == "Soumis"


def test_a_partner_gets_no_attendance_sheet_of_a_planned_session(login, partner, committee):
    planned = build_session(
        committee, 19, timezone.localdate() + datetime.timedelta(days=3), days=2
    )
    planned.status = Session.Status.PLANNED
    planned.save(update_fields=["status"])

    response = login(partner).get(f"/reports/{planned.pk}/attendance.pdf")

    assert response.status_code == 404
