"""A committee's letterhead and participant categories (issue 13): an optional logo, uploaded by
the coordinator through Django's storage and checked as an image within LOGO_MAX_SIZE; the
layout of the letterhead; the names under which the minutes count those present. The preview
shows them, the PDF embeds the logo from the storage (nothing fetched)."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from reports.pdf import render_minutes_pdf
from reports.services import minutes_for
from sessions.models import Committee
from tests.factories import (
    AttendanceFactory,
    CommitteeFactory,
    OrganizationFactory,
    PersonFactory,
    SessionFactory,
)
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def image_file(name="logo.png", image_format="PNG", size=(120, 80)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 40)).save(buffer, format=image_format)
    buffer.name = name
    buffer.seek(0)
    return buffer


def settings_of(committee, **overrides):
    data = {
        "name": committee.name,
        "acronym": committee.acronym,
        "article": committee.article,
        "programme": committee.programme,
        "state": committee.state,
        "motto": committee.motto,
        "letterhead": committee.letterhead,
        "letterhead_layout": committee.letterhead_layout,
        "presidency": committee.presidency,
        "numbering": committee.numbering,
        "document_title": committee.document_title,
        "meeting_noun": committee.meeting_noun,
        "cadence": committee.cadence,
    }
    data.update(overrides)
    return data


def embedded_images(pdf_bytes, tmp_path):
    """The images of a PDF as pdfimages lists them: (width, height) of each."""
    assert shutil.which("pdfimages"), "poppler-utils (pdfimages) is needed"
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf_bytes)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    return [tuple(int(n) for n in re.split(r"\s+", line.strip())[3:5]) for line in listing]


def test_the_coordinator_gives_a_logo_a_layout_and_categories(login, coordinator):
    committee = CommitteeFactory(acronym="CRP", name="Comité Régional de Pilotage")

    response = login(coordinator).post(
        f"/sessions/committees/{committee.pk}/",
        settings_of(
            committee,
            logo=image_file(name="Logo du Ministère.png"),
            letterhead_layout="centred",
            category_tfp="Partenaires",
            category_ngo="Partenaires",
            category_government="Services de l’État",
        ),
        follow=True,
    )

    committee.refresh_from_db()
    assert response.redirect_chain == [(f"/sessions/committees/{committee.pk}/", 302)]
    assert re.fullmatch(r"committees/[0-9a-f]{32}\.png", committee.logo.name)
    assert default_storage.exists(committee.logo.name)
    assert committee.letterhead_layout == "centred"
    assert committee.participant_categories == {
        "government": "Services de l’État",
        "tfp": "Partenaires",
        "ngo": "Partenaires",
    }
    preview = response.content.decode().split('id="committee-preview"')[1]
    assert 'src="data:image/png;base64,' in preview
    assert "Partenaires, Services de l’État" in preview


def test_a_file_that_is_not_an_image_is_refused_in_french(login, coordinator):
    committee = CommitteeFactory()
    fake = io.BytesIO(b"%PDF-1.7 not an image")
    fake.name = "logo.png"

    response = login(coordinator).post(
        f"/sessions/committees/{committee.pk}/", settings_of(committee, logo=fake)
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "logo": [
            "Téléversez une image valide. Le fichier que vous avez transféré n’est pas une "
            "image ou bien est corrompu."
        ]
    }
    committee.refresh_from_db()
    assert not committee.logo


def test_an_image_of_another_type_is_refused(login, coordinator):
    committee = CommitteeFactory()

    response = login(coordinator).post(
        f"/sessions/committees/{committee.pk}/",
        settings_of(committee, logo=image_file(name="logo.gif", image_format="GIF")),
    )

    assert response.context["form"].errors == {"logo": ["Le logo doit être une image PNG ou JPEG."]}


def test_a_logo_over_the_limit_is_cut_as_it_is_read(login, coordinator, settings):
    settings.LOGO_MAX_SIZE = 200
    committee = CommitteeFactory()

    response = login(coordinator).post(
        f"/sessions/committees/{committee.pk}/",
        settings_of(committee, logo=image_file(size=(300, 300))),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "logo": ["Le fichier dépasse la taille maximale de 200\xa0octets : il n’a pas été reçu."]
    }
    committee.refresh_from_db()
    assert not committee.logo


def test_a_body_far_over_the_logo_limit_is_refused_unread(login, coordinator, settings):
    settings.LOGO_MAX_SIZE = 1024
    committee = CommitteeFactory(name="Comité Technique")
    big = io.BytesIO(b"\x89PNG" + b"0" * (400 * 1024))
    big.name = "logo.png"

    response = login(coordinator).post(
        f"/sessions/committees/{committee.pk}/", settings_of(committee, logo=big)
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "logo": ["Le fichier dépasse la taille maximale de 1,0\xa0Kio : il n’a pas été reçu."]
    }


def test_the_pdf_embeds_the_logo_from_the_storage(tmp_path, settings):
    committee = CommitteeFactory(acronym="CRP", name="Comité Régional de Pilotage")
    committee.logo.save("logo.png", image_file(size=(120, 80)))
    session = SessionFactory(committee=Committee.objects.get(pk=committee.pk))

    pdf = render_minutes_pdf(minutes_for(session))

    assert embedded_images(pdf, tmp_path) == [(120, 80)]
    assert "RÉPUBLIQUE DU MALI" in pdf_text(pdf, tmp_path)


@pytest.mark.parametrize("layout", ["sides", "centred", "logo_left"])
def test_every_layout_prints_the_authority_the_state_and_the_logo(tmp_path, layout):
    committee = CommitteeFactory(
        acronym="CRP",
        name="Comité Régional de Pilotage",
        letterhead="MINISTÈRE DE L’ACTION HUMANITAIRE",
        state="RÉPUBLIQUE DU NIGER",
        motto="Fraternité – Travail – Progrès",
        letterhead_layout=layout,
    )
    committee.logo.save("logo.png", image_file())
    session = SessionFactory(committee=Committee.objects.get(pk=committee.pk))

    pdf = render_minutes_pdf(minutes_for(session))

    text = pdf_text(pdf, tmp_path)
    assert "MINISTÈRE DE L’ACTION HUMANITAIRE" in text
    assert "RÉPUBLIQUE DU NIGER" in text and "Fraternité – Travail – Progrès" in text
    assert embedded_images(pdf, tmp_path) == [(120, 80)]


def test_the_ctn_without_logo_prints_no_image(tmp_path):
    session = SessionFactory()

    pdf = render_minutes_pdf(minutes_for(session))

    assert embedded_images(pdf, tmp_path) == []


def test_the_minutes_count_those_present_under_the_committee_s_categories(tmp_path):
    committee = CommitteeFactory(
        participant_categories={"tfp": "Partenaires", "ngo": "Partenaires"}
    )
    session = SessionFactory(committee=committee)
    for kind in ("tfp", "ngo", "government", "government"):
        organization = OrganizationFactory(kind=kind)
        AttendanceFactory(session=session, person=PersonFactory(organization=organization))

    text = pdf_text(render_minutes_pdf(minutes_for(session)), tmp_path)

    assert "Participants présents : 4, à savoir : • Partenaires : 2 • Service de l’État : 2" in text


def test_the_ctn_counts_those_present_by_kind_of_organization_as_before(tmp_path):
    session = SessionFactory()
    for kind in ("tfp", "ngo"):
        AttendanceFactory(
            session=session, person=PersonFactory(organization=OrganizationFactory(kind=kind))
        )

    text = pdf_text(render_minutes_pdf(minutes_for(session)), tmp_path)

    assert "à savoir : • ONG : 1 • Partenaire technique et financier : 1" in text
