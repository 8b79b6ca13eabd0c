"""Earlier minutes kept on paper or in Word (issue 13): the secretariat records the past session
and attaches the scan of the signed original; the coordinator records when and how the
committee adopted it; partners then find the original, byte for byte, in the portal, and the
verification page recognises its SHA-256. Drafts stay hidden from partners; a validated record
is never replaced. Everything through the screens."""

import datetime
import hashlib
import io

import pytest

from reports.models import Minutes, MinutesVersion
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.4\n% scan of the signed original, page 1 of 3\n" + b"\x00scan" * 2000 + b"%%EOF\n"


def scan_file(content=SCAN, name="CR 3e session signe.pdf"):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


@pytest.fixture
def earlier_session(db):
    return SessionFactory(
        number=3,
        start_date=datetime.date(2012, 5, 9),
        end_date=datetime.date(2012, 5, 10),
        city="Bamako",
    )


def attach(client, session, upload=None):
    return client.post(
        f"/reports/{session.pk}/original/", {"file": upload or scan_file()}, follow=False
    )


def record_adoption(client, session, **adoption):
    page = client.get(f"/reports/{session.pk}/")
    form = page.context["validate_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(adoption, confirm="on")
    return client.post(f"/reports/{session.pk}/validate/", data)


def test_the_original_of_earlier_minutes_becomes_the_record_as_uploaded(
    login, secretariat, coordinator, partner, earlier_session
):
    session = earlier_session
    client = login(secretariat)

    attached = attach(client, session)
    submitted = client.post(f"/reports/{session.pk}/submit/")
    client = login(coordinator)
    validated = record_adoption(client, session, adoption_mode="written", adopted_on="2012-07-02")

    assert (attached.status_code, submitted.status_code, validated.status_code) == (302, 302, 302)
    version = MinutesVersion.objects.get(minutes__session=session)
    assert version.original_scan and version.is_validated
    assert bytes(version.pdf) == SCAN
    assert version.sha256 == hashlib.sha256(SCAN).hexdigest()
    assert (version.adoption_mode, version.adopted_on) == ("written", datetime.date(2012, 7, 2))
    assert version.validated_by == coordinator
    assert Minutes.objects.get(session=session).status == "validated"


def test_partners_find_the_original_in_the_portal_and_download_it_unchanged(
    login, secretariat, coordinator, partner, earlier_session
):
    session = earlier_session
    attach(login(secretariat), session)
    login(secretariat).post(f"/reports/{session.pk}/submit/")
    record_adoption(login(coordinator), session, adoption_mode="meeting", adopted_on="2012-06-01")
    client = login(partner)

    portal = client.get("/reports/").content.decode()
    download = client.get(f"/reports/{session.pk}/minutes.pdf")

    assert (
        '3ème session ordinaire</a> <span class="badge text-bg-secondary">'
        "original signé, numérisé</span>" in portal
    )
    assert download.status_code == 200
    assert (
        b"".join(download.streaming_content if download.streaming else [download.content]) == SCAN
    )


def test_the_verification_page_recognises_the_scan(
    login, secretariat, coordinator, client, earlier_session
):
    session = earlier_session
    attach(login(secretariat), session)
    login(secretariat).post(f"/reports/{session.pk}/submit/")
    record_adoption(login(coordinator), session, adoption_mode="written", adopted_on="2012-07-02")
    client.logout()

    response = client.post("/reports/verify/", {"file": scan_file(), "sha256": ""})

    content = response.content.decode()
    assert response.context["matches"] == [MinutesVersion.objects.get(minutes__session=session)]
    assert "Copie authentique." in content
    assert (
        "Ce fichier est la numérisation de l’original signé d’un compte rendu antérieur, "
        "adopté le 2 juillet 2012" in content
    )


def test_partners_never_see_an_attached_original_before_its_adoption(
    login, secretariat, partner, earlier_session
):
    session = earlier_session
    attach(login(secretariat), session)
    client = login(partner)

    portal = client.get("/reports/")
    page = client.get(f"/reports/{session.pk}/")
    download = client.get(f"/reports/{session.pk}/minutes.pdf")
    verify = client.get("/reports/verify/", {"sha256": hashlib.sha256(SCAN).hexdigest()})

    assert session not in [row["session"] for row in portal.context["rows"]]
    assert (page.status_code, download.status_code) == (404, 404)
    assert verify.context["matches"] == []


def test_a_validated_record_is_not_replaced_by_a_scan(login, secretariat, coordinator):
    session = SessionFactory(start_date=datetime.date(2019, 9, 26))
    attach(login(secretariat), session)
    login(secretariat).post(f"/reports/{session.pk}/submit/")
    record_adoption(login(coordinator), session, adoption_mode="written", adopted_on="2019-10-02")
    login(coordinator).post(f"/reports/{session.pk}/erratum/", {"reason": "Coquille"})
    client = login(secretariat)

    page = client.get(f"/reports/{session.pk}/")
    response = attach(client, session, scan_file(content=b"%PDF-1.4 another scan %%EOF"))

    assert "scan_form" not in page.context
    assert response.status_code == 302
    assert [
        (v.number, bytes(v.pdf) if v.pdf is not None else None)
        for v in MinutesVersion.objects.filter(minutes__session=session).order_by("number")
    ] == [(1, SCAN), (2, None)]


def test_a_new_scan_replaces_the_draft_one_before_submission(login, secretariat, earlier_session):
    client = login(secretariat)

    attach(client, earlier_session)
    attach(client, earlier_session, scan_file(content=b"%PDF-1.4 the better scan %%EOF"))

    assert [bytes(v.pdf) for v in MinutesVersion.objects.all()] == [
        b"%PDF-1.4 the better scan %%EOF"
    ]
    page = client.get(f"/reports/{earlier_session.pk}/").content.decode()
    assert "L’original signé de ce compte rendu antérieur est joint" in page


def test_a_file_that_is_not_a_pdf_is_refused_in_french(login, secretariat, earlier_session):
    response = attach(
        login(secretariat), earlier_session, scan_file(content=b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    )

    assert response.status_code == 400
    assert response.context["scan_form"].errors == {
        "file": ["Ce fichier n’est pas un PDF : numérisez l’original signé en PDF."]
    }
    assert not MinutesVersion.objects.exists()


def test_a_scan_over_the_verification_limit_is_refused(
    login, secretariat, earlier_session, settings
):
    settings.VERIFY_MAX_SIZE = 1024

    response = attach(login(secretariat), earlier_session)

    assert response.status_code == 400
    assert list(response.context["scan_form"].errors) == ["file"]
    assert not MinutesVersion.objects.exists()


def test_a_session_not_yet_held_takes_no_original(login, secretariat):
    future = datetime.date.today() + datetime.timedelta(days=30)
    session = SessionFactory(start_date=future, end_date=future, status="planned")

    response = attach(login(secretariat), session)

    assert response.status_code == 302
    assert not MinutesVersion.objects.exists()


def test_partners_and_anonymous_visitors_cannot_attach(login, partner, client, earlier_session):
    anonymous = client.post(f"/reports/{earlier_session.pk}/original/", {"file": scan_file()})
    as_partner = attach(login(partner), earlier_session)
    by_get = login(partner).get(f"/reports/{earlier_session.pk}/original/")

    assert anonymous.status_code == 302 and "/login/" in anonymous.url
    assert as_partner.status_code == 404
    assert by_get.status_code == 405
    assert not MinutesVersion.objects.exists()
