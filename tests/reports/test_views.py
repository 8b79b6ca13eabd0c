import hashlib

import pytest
from django.core.cache import caches
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext

from reports import services
from reports.models import Download, MinutesEvent, MinutesVersion
from tests.factories import SessionFactory
from tests.reports.conftest import pdf_text
from tests.utils import reviewed

ACTION_URLS = ["submit", "validate", "return", "erratum"]


def html(response):
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


# -- the portal ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_the_portal(client, db):
    response = client.get("/reports/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/reports/")


def test_partner_sees_only_validated_minutes_on_the_portal(
    login, partner, validated_17, session_18
):
    response = login(partner).get("/reports/")

    assert response.status_code == 200
    rows = [row["session"] for row in response.context["rows"]]
    assert rows == [validated_17.session]
    content = html(response)
    assert f'href="/reports/{validated_17.session_id}/minutes.pdf"' in content
    assert f"/reports/{session_18.pk}/" not in content
    assert "Projet" not in content and "Soumis" not in content


def test_editors_see_drafts_and_their_state_on_the_portal(
    login, secretariat, validated_17, submitted_18
):
    response = login(secretariat).get("/reports/")

    rows = [(str(row["session"]), row["status_value"]) for row in response.context["rows"]]
    assert rows == [
        ("18ème session ordinaire", "submitted"),
        ("17ème session ordinaire", "validated"),
    ]
    content = html(response)
    assert "Soumis" in content and "Validé" in content


def test_the_portal_lists_newest_first_with_date_and_size(
    login, partner, validated_17, session_18, secretariat, coordinator
):
    minutes_18 = services.submit(services.minutes_for(session_18), secretariat)
    services.validate(minutes_18, coordinator)

    response = login(partner).get("/reports/")

    rows = response.context["rows"]
    assert [row["session"].number for row in rows] == [18, 17]
    assert rows[0]["latest"].size == MinutesVersion.objects.get(minutes=minutes_18).size
    size = filesizeformat(rows[0]["latest"].size)
    assert f'<td class="d-none d-sm-table-cell">{size}</td>' in html(response)


@pytest.mark.parametrize("role", ["partner", "secretariat"])
def test_the_portal_runs_a_constant_number_of_queries(
    role, request, login, committee, secretariat, coordinator, django_assert_num_queries
):
    user = request.getfixturevalue(role)
    client = login(user)

    def validated_session(number):
        session = SessionFactory(committee=committee, number=number)
        services.validate(services.submit(services.minutes_for(session), secretariat), coordinator)

    validated_session(1)
    client.get("/reports/")  # warm the session and the user's groups
    caches["pages"].clear()  # the list itself, not its cached copy
    with CaptureQueriesContext(connection) as one:
        client.get("/reports/")
    with CaptureQueriesContext(connection) as cached:
        client.get("/reports/")
    validated_session(2)
    validated_session(3)
    with CaptureQueriesContext(connection) as three:
        response = client.get("/reports/")

    assert len(response.context["rows"]) == 3
    # The session, the user with their roles and the change stamps come from the shared cache
    # (the stamps are read again after a write): change stamp, count, rows, versions; the page
    # once rendered: nothing.
    assert len(one) == len(three) == 4
    assert len(cached) == 0


# -- the minutes' page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/reports/{pk}/",
        "/reports/{pk}/preview.pdf",
        "/reports/{pk}/minutes.pdf",
        "/reports/{pk}/minutes-v1.pdf",
        "/reports/{pk}/attendance.pdf",
    ],
)
def test_partner_cannot_reach_a_draft_by_any_url(login, partner, submitted_18, url):
    response = login(partner).get(url.format(pk=submitted_18.session_id))

    assert response.status_code == 404


@pytest.mark.parametrize("action", ACTION_URLS)
def test_partner_posting_an_action_on_a_draft_gets_404(login, partner, submitted_18, action):
    response = login(partner).post(f"/reports/{submitted_18.session_id}/{action}/", {"reason": "x"})

    assert response.status_code == 404
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"


@pytest.mark.parametrize("action", ACTION_URLS)
def test_partner_posting_an_action_on_validated_minutes_gets_403(
    login, partner, validated_17, action
):
    response = login(partner).post(f"/reports/{validated_17.session_id}/{action}/", {"reason": "x"})

    assert response.status_code == 403
    validated_17.refresh_from_db()
    assert validated_17.status == "validated"


@pytest.mark.parametrize("url", ["/reports/{pk}/preview.pdf", "/reports/{pk}/attendance.pdf"])
def test_partner_cannot_get_the_editors_pdfs_of_validated_minutes(
    login, partner, validated_17, url
):
    response = login(partner).get(url.format(pk=validated_17.session_id))

    assert response.status_code == 403


def test_partner_sees_the_validated_versions_without_the_history(login, partner, validated_17):
    response = login(partner).get(f"/reports/{validated_17.session_id}/")

    assert response.status_code == 200
    content = html(response)
    assert "Version 1" in content
    assert "Historique" not in content
    assert "Ce que vous pouvez faire" not in content
    assert response.context["allowed"] == set()


@pytest.mark.parametrize("action", ACTION_URLS)
def test_actions_refuse_get(login, coordinator, submitted_18, action):
    response = login(coordinator).get(f"/reports/{submitted_18.session_id}/{action}/")

    assert response.status_code == 405


@pytest.mark.parametrize("action", ACTION_URLS)
def test_anonymous_actions_are_sent_to_login(client, submitted_18, action):
    url = f"/reports/{submitted_18.session_id}/{action}/"

    response = client.post(url)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")


def test_unknown_session_is_404(login, coordinator, db):
    assert login(coordinator).get("/reports/999999/").status_code == 404


def test_editor_sees_a_session_without_minutes_as_a_draft_to_submit(login, secretariat, session_18):
    response = login(secretariat).get(f"/reports/{session_18.pk}/")

    assert response.status_code == 200
    assert response.context["allowed"] == {"submit"}
    content = html(response)
    assert "Soumettre pour validation" in content
    assert f'action="/reports/{session_18.pk}/submit/"' in content


def test_secretariat_submits_from_the_page(login, secretariat, session_18):
    client = login(secretariat)

    response = client.post(f"/reports/{session_18.pk}/submit/", follow=True)

    assert response.redirect_chain == [(f"/reports/{session_18.pk}/", 302)]
    assert "Le compte rendu a été soumis au coordinateur pour validation." in html(response)
    session_18.minutes.refresh_from_db()
    assert session_18.minutes.status == "submitted"


def test_secretariat_cannot_validate_return_or_open_an_erratum(login, secretariat, submitted_18):
    client = login(secretariat)

    statuses = [
        client.post(f"/reports/{submitted_18.session_id}/{action}/", {"reason": "x"}).status_code
        for action in ("validate", "return", "erratum")
    ]

    assert statuses == [403, 403, 403]
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"


def test_coordinator_page_offers_validation_with_later_sessions(
    login, coordinator, session_17, session_18, secretariat
):
    services.submit(services.minutes_for(session_17), secretariat)

    response = login(coordinator).get(f"/reports/{session_17.pk}/")

    form = response.context["validate_form"]
    assert list(form.fields["validated_during"].queryset) == [session_18]
    assert form["outcome"].value() == "validated"
    content = html(response)
    assert 'name="validated_during"' in content and 'name="amendments"' in content
    assert response.context["allowed"] == {"validate", "postpone", "return"}


def test_coordinator_validates_during_the_next_session(
    login, coordinator, session_17, session_18, secretariat
):
    services.submit(services.minutes_for(session_17), secretariat)

    response = login(coordinator).post(
        f"/reports/{session_17.pk}/validate/",
        {
            "validated_during": session_18.pk,
            "outcome": "validated",
            "amendments": "",
            "reviewed": reviewed(session_17),
            "confirm": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [(f"/reports/{session_17.pk}/", 302)]
    assert "Le compte rendu est validé : la version 1 fait désormais foi." in html(response)
    version = MinutesVersion.objects.get(minutes__session=session_17)
    assert (version.validated_by, version.validated_during) == (coordinator, session_18)


def test_the_outcome_defaults_to_validated(login, coordinator, submitted_18):
    login(coordinator).post(
        f"/reports/{submitted_18.session_id}/validate/",
        {
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": reviewed(submitted_18),
        },
    )

    submitted_18.refresh_from_db()
    assert submitted_18.status == "validated"
    assert submitted_18.versions.get().outcome == "validated"


def test_validation_subject_to_amendments_without_them_is_a_form_error(
    login, coordinator, submitted_18
):
    response = login(coordinator).post(
        f"/reports/{submitted_18.session_id}/validate/",
        {
            "outcome": "amended",
            "amendments": "",
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": reviewed(submitted_18),
        },
    )

    assert response.status_code == 400
    assert response.context["validate_form"].errors == {
        "amendments": ["Indiquez les amendements dont la validation est assortie."]
    }
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"


def test_a_bad_session_choice_is_a_form_error(login, coordinator, submitted_18, session_17):
    response = login(coordinator).post(
        f"/reports/{submitted_18.session_id}/validate/",
        {"validated_during": session_17.pk, "confirm": "on", "reviewed": reviewed(submitted_18)},
    )

    assert response.status_code == 400
    assert list(response.context["validate_form"].errors) == ["validated_during"]


def test_a_rendering_failure_shows_a_clear_message_and_keeps_the_input(
    login, coordinator, submitted_18, monkeypatch
):
    import weasyprint

    def broken(self, *args, **kwargs):
        raise OSError("no font")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)

    response = login(coordinator).post(
        f"/reports/{submitted_18.session_id}/validate/",
        {
            "outcome": "amended",
            "amendments": "Corriger la date.",
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": reviewed(submitted_18),
        },
    )

    assert response.status_code == 200
    content = html(response)
    assert "Le PDF du compte rendu n’a pas pu être produit" in content
    assert "Corriger la date." in content
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"
    assert not MinutesVersion.objects.exists()


def test_postponement_from_the_page(login, coordinator, submitted_18):
    response = login(coordinator).post(
        f"/reports/{submitted_18.session_id}/validate/",
        {
            "outcome": "postponed",
            "amendments": "Annexes manquantes.",
            "reviewed": reviewed(submitted_18),
        },
        follow=True,
    )

    assert "Le report de la validation a été enregistré." in html(response)
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"
    assert submitted_18.events.latest("pk").action == "postpone"


def test_return_without_a_reason_is_a_form_error(login, coordinator, submitted_18):
    response = login(coordinator).post(
        f"/reports/{submitted_18.session_id}/return/", {"reason": " "}
    )

    assert response.status_code == 400
    assert response.context["return_form"].errors == {"reason": ["Ce champ est obligatoire."]}
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"


def test_coordinator_returns_with_a_reason_shown_in_the_history(
    login, coordinator, secretariat, submitted_18
):
    login(coordinator).post(
        f"/reports/{submitted_18.session_id}/return/", {"reason": "Ajouter les annexes."}
    )
    response = login(secretariat).get(f"/reports/{submitted_18.session_id}/")

    submitted_18.refresh_from_db()
    assert submitted_18.status == "draft"
    assert "Ajouter les annexes." in html(response)
    assert "Renvoyé en projet" in html(response)


def test_a_wrong_state_action_says_why(login, coordinator, validated_17):
    response = login(coordinator).post(f"/reports/{validated_17.session_id}/submit/", follow=True)

    assert "cette action n’est pas possible maintenant" in html(response)


def test_coordinator_opens_an_erratum_and_version_1_stays_downloadable(
    login, coordinator, partner, validated_17
):
    session_pk = validated_17.session_id
    v1 = bytes(validated_17.versions.get().pdf)

    login(coordinator).post(f"/reports/{session_pk}/erratum/", {"reason": "Nom mal écrit."})
    client = login(partner)
    current = client.get(f"/reports/{session_pk}/minutes.pdf")
    first = client.get(f"/reports/{session_pk}/minutes-v1.pdf")
    draft = client.get(f"/reports/{session_pk}/minutes-v2.pdf")
    page = client.get(f"/reports/{session_pk}/")

    validated_17.refresh_from_db()
    assert (validated_17.status, validated_17.version) == ("draft", 2)
    assert current.content == first.content == v1
    assert draft.status_code == 404
    assert "remplacée" in html(page)


# -- downloads -----------------------------------------------------------------------------------


def test_download_serves_the_stored_pdf_with_a_clear_name_and_a_strong_etag(
    login, partner, validated_17
):
    version = validated_17.versions.get()

    response = login(partner).get(f"/reports/{validated_17.session_id}/minutes.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''CTN-17%C3%A8me-session-ordinaire-compte-rendu-v1.pdf"
    )
    assert response["ETag"] == f'"{version.sha256}"'
    assert hashlib.sha256(response.content).hexdigest() == version.sha256
    assert response["Content-Length"] == str(version.size)


def test_every_download_is_logged_and_byte_identical(login, partner, secretariat, validated_17):
    version = validated_17.versions.get()
    person = validated_17.session.recommendations.get().responsible
    first = login(partner).get(f"/reports/{validated_17.session_id}/minutes.pdf").content
    # Data outside the frozen session may change: the record does not.
    person.name = "Autre nom de structure"
    person.save()

    second = login(secretariat).get(f"/reports/{validated_17.session_id}/minutes-v1.pdf").content

    assert first == second == bytes(version.pdf)
    assert list(Download.objects.order_by("pk").values_list("user__username", "version")) == [
        ("pam", version.pk),
        ("awa", version.pk),
    ]


def test_if_none_match_gives_304_without_reading_the_pdf(login, partner, validated_17):
    version = validated_17.versions.get()
    client = login(partner)
    client.get("/reports/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"/reports/{validated_17.session_id}/minutes.pdf",
            headers={"if-none-match": f'"{version.sha256}"'},
        )

    assert response.status_code == 304
    assert response["ETag"] == f'"{version.sha256}"'
    assert not any('"pdf"' in query["sql"] for query in queries.captured_queries)
    assert Download.objects.count() == 0


def test_a_stale_etag_gets_the_pdf(login, partner, validated_17):
    response = login(partner).get(
        f"/reports/{validated_17.session_id}/minutes.pdf", headers={"if-none-match": '"abc"'}
    )

    assert response.status_code == 200


def test_preview_is_a_watermarked_inline_pdf_for_editors(
    login, secretariat, submitted_18, tmp_path
):
    response = login(secretariat).get(f"/reports/{submitted_18.session_id}/preview.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "no-store"
    assert "PROJET" in pdf_text(response.content, tmp_path)


def test_attendance_sheet_is_for_editors(login, coordinator, session_18, tmp_path):
    response = login(coordinator).get(f"/reports/{session_18.pk}/attendance.pdf")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''CTN-18%C3%A8me-session-ordinaire-liste-de-presence.pdf"
    )
    assert "Liste de présence" in pdf_text(response.content, tmp_path)


# -- verification --------------------------------------------------------------------------------


def test_anyone_can_check_an_authentic_file(client, validated_17):
    version = validated_17.versions.get()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/reports/verify/",
        {"file": SimpleUploadedFile("cr.pdf", bytes(version.pdf), "application/pdf")},
    )

    assert response.status_code == 200
    assert response.context["matches"] == [version]
    content = html(response)
    assert "Copie authentique." in content
    assert (
        "Compte rendu de la 17ème session ordinaire du Comité Technique National, version 1"
        in content
    )


def test_a_modified_file_is_not_authentic(client, validated_17):
    from django.core.files.uploadedfile import SimpleUploadedFile

    tampered = bytes(validated_17.versions.get().pdf) + b"\n% modified"

    response = client.post(
        "/reports/verify/", {"file": SimpleUploadedFile("cr.pdf", tampered, "application/pdf")}
    )

    assert response.context["matches"] == []
    assert "Copie non authentique." in html(response)


def test_a_sha256_given_in_the_url_is_checked(client, validated_17):
    version = validated_17.versions.get()

    response = client.get(f"/reports/verify/?sha256={version.sha256.upper()}")

    assert response.context["matches"] == [version]


def test_the_printed_content_fingerprint_is_recognised(client, validated_17):
    version = validated_17.versions.get()

    response = client.post("/reports/verify/", {"sha256": version.content_sha256})

    assert response.context["matches"] == [version]
    assert "Empreinte de contenu authentique." in html(response)


def test_a_draft_preview_is_not_authentic(client, login, secretariat, submitted_18):
    preview = login(secretariat).get(f"/reports/{submitted_18.session_id}/preview.pdf").content
    client.logout()

    response = client.get(f"/reports/verify/?sha256={hashlib.sha256(preview).hexdigest()}")

    assert response.context["matches"] == []


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"sha256": "pas-une-empreinte"},
            "Une empreinte SHA-256 compte 64 caractères hexadécimaux",
        ),
        ({}, "Choisissez un fichier PDF ou indiquez son empreinte SHA-256."),
    ],
)
def test_bad_verification_input_is_a_french_form_error(client, db, data, error):
    response = client.post("/reports/verify/", data)

    assert response.status_code == 400
    assert error in html(response)


def test_the_verify_page_shows_its_form(client, db):
    response = client.get("/reports/verify/")

    assert response.status_code == 200
    assert 'name="file"' in html(response) and 'name="sha256"' in html(response)
    assert response.context["checked"] is False


def test_events_are_written_by_the_views(login, secretariat, coordinator, session_18):
    login(secretariat).post(f"/reports/{session_18.pk}/submit/")
    login(coordinator).post(
        f"/reports/{session_18.pk}/validate/",
        {
            "outcome": "validated",
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": reviewed(session_18),
        },
    )

    assert list(MinutesEvent.objects.values_list("action", "actor__username")) == [
        ("submit", "awa"),
        ("validate", "coordo"),
    ]


def test_the_next_session_page_shows_the_validation_recorded_during_it(
    login, coordinator, validated_17, session_18
):
    response = login(coordinator).get(f"/reports/{session_18.pk}/")

    content = html(response)
    assert "Examen et validation du compte rendu de la session précédente" in content
    assert (
        "Compte rendu de la 17ème session ordinaire du Comité Technique National : validé"
        in content
    )


def test_the_minutes_admin_is_read_only(login, admin_user, validated_17):
    client = login(admin_user)
    url = f"/admin/reports/minutes/{validated_17.pk}/change/"

    page = client.get(url)
    change = client.post(url, {"status": "draft"})
    add = client.get("/admin/reports/minutes/add/")

    assert page.status_code == 200
    assert 'name="_save"' not in html(page)
    assert (change.status_code, add.status_code) == (403, 403)
    validated_17.refresh_from_db()
    assert validated_17.status == "validated"
