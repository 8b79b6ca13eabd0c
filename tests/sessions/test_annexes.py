"""Annexes of a session: upload checked on the file's content, download, deletion, freezing."""

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from reports import services
from reports.models import Minutes
from sessions.annexes import detect_content_type
from sessions.models import Annex, SessionFrozen
from tests.factories import AgendaItemFactory, SessionFactory
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
JPEG += b"\xff\xd9"
OOXML = "application/vnd.openxmlformats-officedocument"


def png_bytes():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def office_bytes(main_part, main_type):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main_part}" ContentType="{main_type}"/></Types>',
        )
        package.writestr(main_part, "<document/>")
    return buffer.getvalue()


def docx_bytes():
    return office_bytes("word/document.xml", f"{OOXML}.wordprocessingml.document.main+xml")


def pptx_bytes():
    return office_bytes("ppt/presentation.xml", f"{OOXML}.presentationml.presentation.main+xml")


def xlsx_bytes():
    buffer = io.BytesIO()
    Workbook().save(buffer)  # a real workbook, as a spreadsheet program writes it
    return buffer.getvalue()


def upload(client, session, name, content, **fields):
    return client.post(
        reverse("sessions:annexes", args=[session.pk]),
        {"file": SimpleUploadedFile(name, content), "title": "", "agenda_item": "", **fields},
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def session(db):
    return SessionFactory(number=18)


def publish(session, secretariat, coordinator):
    minutes = services.submit(services.minutes_for(session), secretariat)
    services.validate(minutes, coordinator)


# -- the type, read from the content ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, Annex.ContentType.PDF),
        (png_bytes(), Annex.ContentType.PNG),
        (JPEG, Annex.ContentType.JPEG),
        (docx_bytes(), Annex.ContentType.DOCX),
        (xlsx_bytes(), Annex.ContentType.XLSX),
        (pptx_bytes(), Annex.ContentType.PPTX),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx", "pptx"],
)
def test_each_accepted_type_is_recognised_by_its_content(content, expected):
    assert detect_content_type(io.BytesIO(content)) == expected


@pytest.mark.parametrize(
    "content",
    [
        EXE,
        b"",
        b"Just some text named .pdf",
        PDF[:-7],  # a PDF cut short: no %%EOF
        png_bytes()[:-12],  # a PNG without its IEND chunk
        JPEG[:-2],  # a JPEG without its end marker
        b"PK\x03\x04" + b"\x00" * 200,  # a broken ZIP archive
        office_bytes("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
        office_bytes("content.xml", "application/vnd.oasis.opendocument.text"),
    ],
    ids=[
        "exe",
        "empty",
        "text",
        "truncated-pdf",
        "truncated-png",
        "truncated-jpeg",
        "broken-zip",
        "macro-enabled-docm",
        "other-zip",
    ],
)
def test_other_or_damaged_content_is_not_recognised(content):
    assert detect_content_type(io.BytesIO(content)) is None


# -- upload -------------------------------------------------------------------------------------


def test_the_secretariat_uploads_a_presentation(login, secretariat, session, media):
    item = AgendaItemFactory(session=session, title="Perspectives 2019-2023")
    content = pptx_bytes()

    response = upload(
        login(secretariat),
        session,
        "Perspectives.PPTX",
        content,
        title="Présentation des perspectives",
        agenda_item=item.pk,
    )

    annex = Annex.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("sessions:annexes", args=[session.pk])
    assert (annex.session, annex.agenda_item, annex.title) == (
        session,
        item,
        "Présentation des perspectives",
    )
    assert annex.content_type == Annex.ContentType.PPTX
    assert annex.original_name == "Perspectives.PPTX"
    assert annex.size == len(content)
    assert annex.sha256 == hashlib.sha256(content).hexdigest()
    assert annex.uploaded_by == secretariat
    assert annex.file.name.startswith(f"annexes/session-{session.pk}/")
    assert annex.file.name.endswith(".pptx")
    assert "Perspectives" not in annex.file.name
    assert (media / annex.file.name).read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.JPEG", JPEG), ("photo.png", png_bytes()), ("note.docx", docx_bytes())],
)
def test_the_title_defaults_to_the_file_name(login, coordinator, session, name, content):
    upload(login(coordinator), session, name, content)

    assert Annex.objects.get().title == name.rsplit(".", 1)[0]


def refusal(response):
    assert response.status_code == 400
    assert Annex.objects.count() == 0
    return response.context["form"].errors


def test_an_exe_renamed_pdf_is_refused_in_french(login, secretariat, session, media):
    errors = refusal(upload(login(secretariat), session, "rapport.pdf", EXE))

    assert errors == {
        "file": [
            "Ce fichier a été refusé : son contenu n’est pas celui d’un document PDF, Word, Excel "
            "ou PowerPoint ni d’une image PNG ou JPEG, ou bien le fichier est endommagé."
        ]
    }
    assert not media.exists() or list(media.rglob("*.*")) == []


def test_a_damaged_document_is_refused(login, secretariat, session):
    errors = refusal(upload(login(secretariat), session, "compte-rendu.docx", b"PK\x03\x04oops"))

    assert errors["file"][0].startswith("Ce fichier a été refusé")


def test_a_file_whose_name_does_not_match_its_content_is_refused(login, secretariat, session):
    errors = refusal(upload(login(secretariat), session, "tableau.xlsx", PDF))

    assert errors == {
        "file": [
            "Le nom du fichier ne correspond pas à son contenu (document PDF) : nommez-le avec "
            "l’extension .pdf."
        ]
    }


def test_a_file_over_the_size_limit_is_refused(login, secretariat, session, settings):
    settings.ANNEX_MAX_SIZE = 1024

    response = upload(login(secretariat), session, "gros.pdf", PDF + b" " * 2000)

    # Stopped by the upload handler as it reads the file (ctn/uploads.py).
    assert response.status_code == 413
    assert response.context["form"].errors == {
        "file": ["Le fichier dépasse la taille maximale de 1,0\xa0Kio : il n’a pas été reçu."]
    }
    assert Annex.objects.count() == 0


def test_an_empty_file_or_no_file_is_refused(login, secretariat, session):
    client = login(secretariat)

    empty = refusal(upload(client, session, "vide.pdf", b""))
    missing = refusal(
        client.post(reverse("sessions:annexes", args=[session.pk]), {"title": "Sans fichier"})
    )

    assert empty == {"file": ["Le fichier soumis est vide."]}
    assert missing == {"file": ["Ce champ est obligatoire."]}


def test_an_agenda_item_of_another_session_is_refused(login, secretariat, session):
    other_item = AgendaItemFactory(session=SessionFactory())

    errors = refusal(upload(login(secretariat), session, "a.pdf", PDF, agenda_item=other_item.pk))

    assert list(errors) == ["agenda_item"]


def test_the_model_refuses_an_agenda_item_of_another_session(session, secretariat):
    annex = Annex(
        session=session,
        agenda_item=AgendaItemFactory(session=SessionFactory()),
        title="a",
        file="annexes/a.pdf",
        content_type=Annex.ContentType.PDF,
        size=1,
        sha256="0" * 64,
        uploaded_by=secretariat,
    )

    with pytest.raises(ValidationError) as refused:
        annex.full_clean()

    assert refused.value.message_dict == {
        "agenda_item": ["Choisissez un point de l’ordre du jour de cette session."]
    }


def test_a_partner_cannot_see_the_annex_screen_nor_upload(login, partner, session):
    client = login(partner)

    page = client.get(reverse("sessions:annexes", args=[session.pk]))
    post = upload(client, session, "a.pdf", PDF)

    assert page.status_code == 403
    assert post.status_code == 403
    assert Annex.objects.count() == 0


def test_anonymous_is_sent_to_log_in_from_the_annexes(client, session):
    url = reverse("sessions:annexes", args=[session.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_the_annex_screen_of_an_unknown_session_is_a_404(login, secretariat):
    assert login(secretariat).get(reverse("sessions:annexes", args=[999])).status_code == 404


# -- download -----------------------------------------------------------------------------------


@pytest.fixture
def annex(login, secretariat, session, client):
    upload(login(secretariat), session, "ptba.pdf", PDF, title="PTBA 2020 : projet")
    client.logout()
    return Annex.objects.get()


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_editors_download_an_annex(login, annex, role, request):
    response = login(request.getfixturevalue(role)).get(annex.get_absolute_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="PTBA_2020__projet.pdf"'
    assert b"".join(response.streaming_content) == PDF


def test_a_partner_gets_a_404_for_an_annex_before_the_minutes_are_validated(login, partner, annex):
    assert login(partner).get(annex.get_absolute_url()).status_code == 404


def test_a_partner_downloads_an_annex_once_the_minutes_are_validated(
    login, partner, annex, secretariat, coordinator
):
    publish(annex.session, secretariat, coordinator)

    response = login(partner).get(annex.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_an_annex_under_another_session_s_address_is_a_404(login, coordinator, annex):
    other = SessionFactory()

    response = login(coordinator).get(reverse("sessions:annex_download", args=[other.pk, annex.pk]))

    assert response.status_code == 404


def test_an_annex_whose_file_is_missing_is_a_404_not_an_error(login, coordinator, annex, media):
    (media / annex.file.name).unlink()

    assert login(coordinator).get(annex.get_absolute_url()).status_code == 404


def test_anonymous_cannot_download_an_annex(client, annex):
    response = client.get(annex.get_absolute_url())

    assert response.status_code == 302


# -- deletion and freezing ----------------------------------------------------------------------


def test_the_coordinator_deletes_an_annex_and_its_file(
    login, coordinator, annex, media, django_capture_on_commit_callbacks
):
    path = media / annex.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = login(coordinator).post(
            reverse("sessions:annex_delete", args=[annex.session_id, annex.pk])
        )

    assert response.status_code == 302
    assert Annex.objects.count() == 0
    assert not path.exists()


def test_deleting_an_annex_refuses_get_and_partners(login, partner, coordinator, annex):
    url = reverse("sessions:annex_delete", args=[annex.session_id, annex.pk])

    by_partner = login(partner).post(url)
    by_get = login(coordinator).get(url)

    assert (by_partner.status_code, by_get.status_code) == (403, 405)
    assert Annex.objects.count() == 1


def test_annexes_are_listed_in_the_minutes_and_frozen_with_them(
    login, secretariat, coordinator, annex, media, tmp_path, django_capture_on_commit_callbacks
):
    session = annex.session
    minutes = services.submit(services.minutes_for(session), secretariat)
    version = services.validate(minutes, coordinator)
    client = login(secretariat)

    added = upload(client, session, "ajout.pdf", PDF)
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(reverse("sessions:annex_delete", args=[session.pk, annex.pk]))
    page = client.get(reverse("sessions:annexes", args=[session.pk]))

    text = pdf_text(bytes(version.pdf), tmp_path)
    assert (
        "Annexe : documents et présentations N° Titre Point de l’ordre du jour Type Taille "
        "1 PTBA 2020 : projet – document PDF 77 octets"
    ) in text
    assert (added.status_code, deleted.status_code) == (302, 302)
    assert list(Annex.objects.all()) == [annex]
    assert (media / annex.file.name).exists()
    assert page.context["form"] is None
    assert "Le compte rendu de cette session est validé" in page.content.decode()
    with pytest.raises(SessionFrozen):
        annex.delete()
    with pytest.raises(SessionFrozen):
        Annex.objects.filter(pk=annex.pk).update(title="Autre")


def test_the_minutes_page_lists_the_annexes_for_partners(
    login, partner, annex, secretariat, coordinator
):
    publish(annex.session, secretariat, coordinator)

    page = login(partner).get(reverse("reports:detail", args=[annex.session_id])).content.decode()

    assert f'href="{annex.get_absolute_url()}"' in page
    assert "PTBA 2020 : projet" in page
    assert f'href="{reverse("sessions:annexes", args=[annex.session_id])}"' not in page


def test_the_annex_screen_makes_the_same_queries_for_one_or_three_annexes(
    login, secretariat, session
):
    client = login(secretariat)
    other = SessionFactory()
    upload(client, session, "a.pdf", PDF)
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        upload(client, other, name, PDF)

    counts = []
    for target in (session, other):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("sessions:annexes", args=[target.pk])).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert Minutes.objects.count() == 0
