"""The documents printed for a session, read back with pdftotext: the attendance sheet to sign
(its own title, columns wide enough to write by hand, a line per registered person and blank
lines, a page per day) and the convocation (place and date of issue, reference, subject, start
time, agenda and practical details, under the committee's letterhead)."""

import datetime
import re
import subprocess

import pytest
from django.utils import timezone

from ctn import french
from reports.pdf import render_attendance_sheet_pdf, render_convocation_pdf
from sessions.models import Session
from tests.factories import AgendaItemFactory, AttendanceFactory, PersonFactory
from tests.reports.conftest import build_session, pdf_text

MM = 72 / 25.4  # PDF points in a millimetre


def page_texts(pdf_bytes, tmp_path):
    """The text of each page, whitespace collapsed."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf_bytes)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


def header_positions(pdf_bytes, tmp_path):
    """The left edge (points) of each column heading of the sheet's first page."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf_bytes)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    words = re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]+)<', html)
    return {word: float(x) for x, word in reversed(words)}


def test_the_attendance_sheet_has_its_own_title_not_the_minutes(session_18, tmp_path):
    text = pdf_text(render_attendance_sheet_pdf(session_18), tmp_path)

    assert "Liste de présence 18ème session ordinaire du Comité Technique National (CTN)" in text
    assert "Compte rendu" not in text


def test_the_sheet_has_a_page_per_day_with_each_registered_person_and_blank_lines(
    session_18, tmp_path
):
    pages = page_texts(render_attendance_sheet_pdf(session_18), tmp_path)

    assert len(pages) == 3
    days = ["Jeudi 26 septembre 2019", "Vendredi 27 septembre 2019", "Samedi 28 septembre 2019"]
    for page, day in zip(pages, days, strict=True):
        assert day in page
        # Six people registered (the excused one too: the sheet is printed beforehand).
        for name in ("COULIBALY Mahamadou", "TANGARA Hassane", "TRAORÉ Fatou"):
            assert name in page
        # Then eight blank numbered lines: 7 to 14.
        assert re.search(r"\b14\b", page)
        assert not re.search(r"\b15\b", page.split("Signature", 1)[1])


def test_the_sheets_columns_leave_room_to_write_an_e_mail_and_a_phone_number(session_18, tmp_path):
    x = header_positions(render_attendance_sheet_pdf(session_18), tmp_path)

    assert (x["E-mail"] - x["Téléphone"]) / MM >= 30
    assert (x["Signature"] - x["E-mail"]) / MM >= 70


def test_a_long_list_runs_over_several_pages_a_day_each_day_starting_a_page(committee, tmp_path):
    session = build_session(committee, 30, datetime.date(2020, 3, 3), days=2)
    for _ in range(40):
        AttendanceFactory(session=session, person=PersonFactory())

    pages = page_texts(render_attendance_sheet_pdf(session), tmp_path)

    first_day = [n for n, page in enumerate(pages) if "Mardi 3 mars 2020" in page]
    second_day = [n for n, page in enumerate(pages) if "Mercredi 4 mars 2020" in page]
    assert first_day == [0] and second_day and second_day[0] > 1
    assert all("N° Nom et prénom" in page for page in pages)  # headings on every page
    assert sum(bool(re.search(r"\b48\b", page)) for page in pages) == 2


@pytest.fixture
def convened(committee):
    """The 19th session, planned in Kayes, with everything its convocation prints."""
    session = build_session(
        committee,
        19,
        datetime.date(2019, 12, 17),
        status=Session.Status.PLANNED,
        objective="Faire le point des activités du quatrième trimestre 2019.",
        start_time=datetime.time(9, 0),
        convocation_reference="N° 0125/MSDS-UTGFS",
        convocation_place="Bamako",
        convocation_date=datetime.date(2019, 12, 2),
        practical_details=(
            "Les frais de déplacement sont pris en charge par le programme.\n"
            "Contact : secrétariat du CTN, 20 22 33 44."
        ),
    )
    session.city = "Kayes"
    session.save(update_fields=["city"])
    AgendaItemFactory(session=session, order=1, title="Examen du compte rendu de la 18ème session")
    AgendaItemFactory(session=session, order=2, title="Perspectives 2020 du programme")
    return session


def test_the_convocation_has_place_date_reference_subject_time_agenda_and_practical_details(
    convened, tmp_path
):
    text = pdf_text(render_convocation_pdf(convened), tmp_path)

    expected = [
        "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
        "RÉPUBLIQUE DU MALI",
        "Bamako, le 2 décembre 2019",
        "Réf. : N° 0125/MSDS-UTGFS",
        "Objet : Convocation à la 19ème session ordinaire du Comité Technique National (CTN)",
        "Convocation",
        "J’ai l’honneur de vous inviter à la 19ème session ordinaire du Comité Technique "
        "National (CTN), qui se tiendra les 17, 18 et 19 décembre 2019 à Kayes, salle Kalanblo "
        "du Motel Savane ; l’ouverture aura lieu le mardi 17 décembre 2019 à 9 h 00.",
        "Ordre du jour provisoire 1. Examen du compte rendu de la 18ème session "
        "2. Perspectives 2020 du programme",
        "Informations pratiques Les frais de déplacement sont pris en charge par le programme. "
        "Contact : secrétariat du CTN, 20 22 33 44.",
        "Le Coordinateur",
    ]
    positions = [text.find(part) for part in expected]
    assert [part for part, at in zip(expected, positions, strict=True) if at < 0] == []
    assert positions == sorted(positions)


def test_a_convocation_without_its_details_is_dated_the_day_it_is_printed_in_the_city(
    committee, tmp_path
):
    session = build_session(committee, 20, datetime.date(2020, 3, 5), days=1)

    text = pdf_text(render_convocation_pdf(session), tmp_path)

    assert f"Ségou, le {french.long_date(timezone.localdate())}" in text
    assert "Objet : Convocation à la 20ème session ordinaire du Comité Technique National" in text
    assert "Réf." not in text
    assert "ouverture aura lieu" not in text
    assert "Informations pratiques" not in text


def test_the_secretariat_enters_the_convocations_details_in_the_session_form(
    login, secretariat, convened, tmp_path
):
    client = login(secretariat)
    form = client.get(f"/sessions/{convened.pk}/edit/").context["form"]
    data = {
        name: "" if value is None else value
        for name, value in ((name, form[name].value()) for name in form.fields)
    }
    data.update(
        rapporteurs=[],
        lock=f"{convened.edit_count}:{int(timezone.now().timestamp())}",
        start_time="08:30",
        convocation_reference="N° 0130/MSDS-UTGFS",
        convocation_date="2019-12-05",
    )

    response = client.post(f"/sessions/{convened.pk}/edit/", data)

    assert response.status_code == 302
    convened.refresh_from_db()
    assert (convened.start_time, convened.convocation_reference, convened.convocation_date) == (
        datetime.time(8, 30),
        "N° 0130/MSDS-UTGFS",
        datetime.date(2019, 12, 5),
    )
    text = pdf_text(client.get(f"/reports/{convened.pk}/convocation.pdf").content, tmp_path)
    assert "Bamako, le 5 décembre 2019 Réf. : N° 0130/MSDS-UTGFS" in text
    assert "le mardi 17 décembre 2019 à 8 h 30." in text
