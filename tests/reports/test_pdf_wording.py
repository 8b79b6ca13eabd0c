"""The compte rendu read back as a partner reads it: each wording defect of issue 13, fixed."""

import datetime
import shutil
import subprocess

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from reports import services
from reports.pdf import _minutes_context, render_minutes_pdf
from tests.factories import (
    CoChairFactory,
    ExpectedResultFactory,
    InterventionFactory,
    OrganizationFactory,
    PersonFactory,
    SessionFactory,
)
from tests.reports.conftest import pdf_text
from tests.utils import reviewed


def raw_pages(pdf_bytes, tmp_path):
    """pdftotext's text page by page, whitespace as printed (no-break spaces kept)."""
    assert shutil.which("pdftotext")
    path = tmp_path / "raw.pdf"
    path.write_bytes(pdf_bytes)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return out.split("\f")


def draft_text(session, tmp_path):
    return pdf_text(render_minutes_pdf(services.minutes_for(session)), tmp_path)


def validate_18(submitted_18, coordinator):
    return services.validate(
        submitted_18,
        coordinator,
        adoption_mode="written",
        adopted_on=datetime.date(2019, 10, 15),
        reviewed=reviewed(submitted_18),
    )


def test_the_overall_assessment_says_on_the_whole_once(session_18, tmp_path):
    text = draft_text(session_18, tmp_path)

    assert "Les résultats attendus de la session ont été atteints dans l’ensemble." in text
    assert text.count("dans l’ensemble") == 1


def test_a_cochair_line_names_the_acronym_once(committee, tmp_path):
    session = SessionFactory(committee=committee)
    drdses = OrganizationFactory(acronym="DRDSES", name="Direction régionale")
    dnpses = OrganizationFactory(acronym="DNPSES", name="Direction nationale")
    CoChairFactory(
        session=session,
        person=PersonFactory(
            civility="M.", first_name="Bakary", last_name="Dembélé", organization=drdses
        ),
        capacity="DRDSES Ségou",
    )
    CoChairFactory(
        session=session,
        person=PersonFactory(
            civility="Mme", first_name="Awa", last_name="Keïta", organization=dnpses
        ),
        capacity="Directrice (DNPSES)",
    )

    text = draft_text(session, tmp_path)

    assert "• M. Bakary DEMBÉLÉ, DRDSES Ségou • Mme Awa KEÏTA, Directrice (DNPSES)" in text
    assert "(DRDSES)" not in text and "(DNPSES) (DNPSES)" not in text


def test_the_programme_is_named_once_in_the_letterhead_and_once_in_the_title(
    committee, session_18, tmp_path
):
    committee.letterhead += "\nPROGRAMME DE FILETS SOCIAUX « JIGISEMEJIRI »"
    committee.programme = "Programme de Filets Sociaux « Jigisemejiri »"
    committee.save()

    first_page = " ".join(
        raw_pages(render_minutes_pdf(services.minutes_for(session_18)), tmp_path)[0].split()
    ).casefold()

    # The letterhead's line, then the title.
    assert first_page.count("programme de filets sociaux « jigisemejiri »") == 2


def test_empty_parts_are_left_out_instead_of_bare_headings(committee, tmp_path):
    session = SessionFactory(committee=committee, objective="Faire le point.")

    text = draft_text(session, tmp_path)

    absent = [
        "Participants",
        "Cérémonie d’ouverture",
        "Adoption de l’ordre du jour",
        "Examen et validation du compte rendu",
        "Aucun compte rendu",
        "Suivi des recommandations",
        "Déroulement des travaux",
        "Recommandations",
        "Résultats obtenus",
        "Cérémonie de clôture",
        "Le rapporteur",
        "Les co-présidents",
        "Le co-président",
    ]
    assert [heading for heading in absent if heading in text] == []
    assert "Objectif de la session Faire le point." in text


def test_signature_blocks_are_printed_only_with_a_name(committee, tmp_path):
    session = SessionFactory(committee=committee)
    CoChairFactory(session=session, capacity="Coordinateur du programme")

    text = draft_text(session, tmp_path)

    assert "Le co-président" in text
    assert "Le rapporteur" not in text


def test_the_draft_of_the_next_session_does_not_deny_an_examination(
    committee, session_18, tmp_path
):
    session_19 = SessionFactory(
        committee=committee,
        number=19,
        start_date=datetime.date(2019, 12, 17),
        end_date=datetime.date(2019, 12, 19),
    )

    text = draft_text(session_19, tmp_path)

    assert "Aucun compte rendu n’a été examiné" not in text


def test_the_verification_address_is_printed_in_full(submitted_18, coordinator, tmp_path):
    version = validate_18(submitted_18, coordinator)

    text = pdf_text(bytes(version.pdf), tmp_path)

    assert f"site du comité : {settings.SITE_URL}/reports/verify/" in text
    assert "(/reports/verify/)" not in text


def test_a_speaker_label_starts_its_paragraph_with_a_capital(committee, tmp_path):
    session = SessionFactory(committee=committee)
    InterventionFactory(
        session=session,
        moment="opening",
        speaker_label="le représentant du gouverneur",
        summary="A ouvert la session.",
    )

    text = draft_text(session, tmp_path)

    assert "Le représentant du gouverneur : A ouvert la session." in text


def test_no_line_may_break_inside_guillemets(session_18, tmp_path):
    # pdftotext prints a no-break space as a space: the document's HTML is read instead.
    with translation.override("fr"):
        minutes = services.minutes_for(session_18)
        html = render_to_string(
            "reports/pdf/minutes.html", _minutes_context(minutes, record=False, version=None)
        )

    assert "«\u00a0Nous offrons" in html
    assert "Jigisemejiri.\u00a0»" in html
    assert "Filets Sociaux «\u00a0Jigisemejiri\u00a0»" in html
    assert "« " not in html and " »" not in html


def test_file_names_and_footers_use_the_ordinal_of_the_text(
    login, submitted_18, coordinator, tmp_path
):
    version = validate_18(submitted_18, coordinator)
    client = login(coordinator)

    text = pdf_text(bytes(version.pdf), tmp_path)
    download = client.get(f"/reports/{submitted_18.session_id}/minutes.pdf")
    preview = client.get(f"/reports/{submitted_18.session_id}/preview.pdf")

    assert "18ème session ordinaire" in text
    assert "CTN-18ème-session-ordinaire-compte-rendu-v1 Page 1" in text
    assert "18e-" not in text
    assert version.filename == "CTN-18ème-session-ordinaire-compte-rendu-v1.pdf"
    assert "CTN-18%C3%A8me-session-ordinaire-compte-rendu-v1.pdf" in download["Content-Disposition"]
    assert "CTN-18%C3%A8me-session-ordinaire-" in preview["Content-Disposition"]


def test_the_validation_box_stays_on_the_page_of_the_signatures(
    committee, submitted_18, coordinator, tmp_path
):
    # Enough expected results to push the end of the text near the bottom of a page.
    for number in range(12):
        ExpectedResultFactory(
            session=submitted_18.session, description=f"Résultat attendu numéro {number}"
        )
    version = validate_18(submitted_18, coordinator)

    pages = raw_pages(bytes(version.pdf), tmp_path)

    signatures = [n for n, page in enumerate(pages) if "Fait à Ségou" in page]
    box = [n for n, page in enumerate(pages) if "Compte rendu validé – version 1" in page]
    assert signatures == box and len(box) == 1
