import datetime
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import services
from reports.pdf import (
    PdfRenderingError,
    _static_url_fetcher,
    render_attendance_sheet_pdf,
    render_minutes_pdf,
)
from sessions.models import FollowUp
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    ExpectedResultFactory,
    InterventionFactory,
    RecommendationFactory,
    SessionFactory,
)
from tests.reports.conftest import pdf_text


@pytest.fixture
def record_18(session_17, session_18, validated_17, secretariat, coordinator):
    """The 18th session's minutes validated outside a session (the 17th's during it), with the
    follow-up of the 17th session's recommendation recorded at the 18th."""
    FollowUp.objects.create(
        recommendation=session_17.recommendations.get(),
        session=session_18,
        status=FollowUp.Status.IN_PROGRESS,
        note="Rapport en cours de finalisation",
    )
    minutes = services.submit(services.minutes_for(session_18), secretariat)
    return services.validate(minutes, coordinator)


def pdf_meta(pdf_bytes, tmp_path):
    path = tmp_path / "meta.pdf"
    path.write_bytes(pdf_bytes)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    xmp = subprocess.run(
        ["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    fields = dict(line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in fields.items()}, xmp, fonts.stdout


def test_the_pdf_of_record_holds_the_whole_session(record_18, tmp_path):
    text = pdf_text(bytes(record_18.pdf), tmp_path)

    expected = [
        "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
        "RÉPUBLIQUE DU MALI",
        "Un Peuple – Un But – Une Foi",
        "Compte rendu de la 18ème session ordinaire du Comité Technique National (CTN)",
        "Ségou, les 26, 27 et 28 septembre 2019",
        "Le Comité Technique National a tenu sa 18ème session ordinaire les 26, 27 et 28 "
        "septembre 2019 à Ségou, salle Kalanblo du Motel Savane.",
        "La session a été coprésidée par :",
        "M. Mahamadou COULIBALY, Coordinateur du programme",
        "M. Bakary DEMBÉLÉ, DRDSES de Ségou",
        "Mme Awa KEÏTA, DNPSES",
        "Cérémonie d’ouverture",
        "Le représentant du gouverneur de la région de Ségou : A salué la régularité",
        "Objectif de la session",
        "Faire le point des activités d’achèvement du financement initial",
        "Adoption de l’ordre du jour",
        "1. Examen et validation du compte rendu de la 17ème session",
        "2. Situation des activités de clôture du FA1",
        "3. Perspectives 2019-2023 du programme",
        "Examen et validation du compte rendu de la session précédente",
        "Le compte rendu de la 17ème session ordinaire du CTN a été validé le 26 septembre 2019.",
        "Suivi des recommandations de la session précédente",
        "Suivi des recommandations de la session précédente N° Recommandation Responsable État "
        "Observation 1 Transmettre le rapport financier du FA1 aux partenaires (17ème session "
        "ordinaire) UTGFS Rapport en cours de finalisation en cours",
        "Déroulement des travaux",
        "Dr Hassane TANGARA (ANAM) : A expliqué la collaboration entre Jigisemejiri et l’ANAM.",
        "« Nous offrons des soins aux bénéficiaires de Jigisemejiri. »",
        "Partager le plan de travail et budget annuel avec les partenaires PAM 31 décembre 2019",
        "Blocages et solutions",
        "Retard des paiements dans le cercle de Tominian",
        "Mobiliser un second opérateur de paiement",
        "Résultats obtenus",
        "Le compte rendu de la 17ème session du CTN est validé atteint",
        "Les perspectives 2019-2023 du programme sont partagées atteint",
        "Les résultats attendus de la session ont été atteints dans l’ensemble.",
        "La session a été marquée par un match de football entre le CTN et la CCR.",
        "Cérémonie de clôture",
        "Fait à Ségou, le 28 septembre 2019",
        "Le rapporteur",
        "M. Issa SANGARÉ",
        "Les co-présidents",
        "Annexe : liste de présence",
        "Dr Hassane TANGARA ANAM",
        "Fatou TRAORÉ PAM Chargé de suivi Excusé",
        "Compte rendu validé – version 1",
        "Adopté lors d’une réunion extraordinaire hors session, le",
        "Référence : CTN-18ème-session-ordinaire-compte-rendu-v1",
        "Empreinte du contenu (SHA-256 du texte précédant cette mention) : "
        + record_18.content_sha256,
        "Page 1 / 4",
        "Page 4 / 4",
    ]
    missing = [phrase for phrase in expected if phrase not in text]
    assert missing == []
    assert "PROJET" not in text


def test_the_record_mentions_when_by_whom_and_during_which_session(validated_17, tmp_path):
    version = validated_17.versions.get()

    text = pdf_text(bytes(version.pdf), tmp_path)

    assert (
        "Adopté lors de la 18ème session ordinaire, le 26 septembre 2019 (session tenue les 26, "
        "27 et 28 septembre 2019 à Ségou). Décision enregistrée par Mahamadou Coulibaly." in text
    ), text
    assert "Référence : CTN-17ème-session-ordinaire-compte-rendu-v1" in text


def test_the_record_is_an_archival_pdf_with_metadata_and_embedded_fonts(record_18, tmp_path):
    info, xmp, fonts = pdf_meta(bytes(record_18.pdf), tmp_path)

    assert (
        info["Title"] == "Compte rendu de la 18ème session ordinaire du Comité Technique National"
    )
    assert info["Author"] == "Comité Technique National (CTN)"
    assert info["Subject"] == (
        "Compte rendu validé, version 1 – les 26, 27 et 28 septembre 2019, Ségou"
    )
    assert info["Page size"].endswith("(A4)")
    # PDF/A-3 level A: archival, and tagged for screen readers, in the committee's language.
    assert 'pdfaid:part="3" pdfaid:conformance="A"' in xmp
    assert info["Tagged"] == "yes"
    assert info["PDF version"] == "1.7"
    font_rows = fonts.splitlines()[2:]
    assert font_rows and all("Source-Sans-3" in row for row in font_rows)
    assert all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in font_rows)


def test_a_draft_preview_is_watermarked_without_validation_mention(session_18, tmp_path):
    pdf = render_minutes_pdf(services.minutes_for(session_18))

    text = pdf_text(pdf, tmp_path)
    assert text.count("PROJET") >= 3  # the watermark on every page, and the footer
    assert "PROJET – non validé" in text
    assert "Compte rendu validé" not in text
    assert "Référence" not in text
    info, _xmp, _fonts = pdf_meta(pdf, tmp_path)
    assert info["Subject"].startswith("Projet de compte rendu, non validé")


def test_the_attendance_sheet_has_one_sheet_per_day_to_sign(session_18, tmp_path):
    pdf = render_attendance_sheet_pdf(session_18)

    text = pdf_text(pdf, tmp_path)
    info, _xmp, _fonts = pdf_meta(pdf, tmp_path)
    assert info["Pages"] == "3"
    for day in (
        "Jeudi 26 septembre 2019",
        "Vendredi 27 septembre 2019",
        "Samedi 28 septembre 2019",
    ):
        assert day in text
    assert "jour 1 sur 3" in text and "jour 3 sur 3" in text
    for column in ("N° Nom et prénom", "Structure", "Fonction", "Téléphone", "E-mail", "Signature"):
        assert text.count(column) == 3, column
    assert text.count("TANGARA Hassane") == 3
    assert "Liste de présence" in text


def test_a_one_day_session_has_a_single_sheet(committee, tmp_path):
    session = SessionFactory(
        committee=committee,
        kind="extraordinary",
        number=2,
        start_date=datetime.date(2020, 3, 5),
        end_date=datetime.date(2020, 3, 5),
    )

    info, _xmp, _fonts = pdf_meta(render_attendance_sheet_pdf(session), tmp_path)

    assert info["Pages"] == "1"


def test_the_url_fetcher_serves_only_the_static_files():
    fetcher = _static_url_fetcher()

    css = fetcher(f"file://{_root()}/static/css/pdf.css")

    assert css.read().startswith(b"/* Print stylesheet")
    for url in (
        "file:///etc/passwd",
        f"file://{_root()}/static/../manage.py",
        "https://example.org/font.woff",
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError):
            fetcher(url)


def _root():
    from django.conf import settings

    return settings.BASE_DIR


def test_a_template_fetching_outside_static_fails_the_rendering(monkeypatch):
    from reports import pdf

    with pytest.raises(PdfRenderingError):
        pdf._write_pdf('<link rel="stylesheet" href="file:///etc/passwd"><p>x</p>', archival=False)


def fill(session, count):
    item = None
    for _ in range(count):
        item = AgendaItemFactory(session=session)
        InterventionFactory(session=session, agenda_item=item)
        CoChairFactory(session=session)
        ExpectedResultFactory(session=session)
        RecommendationFactory(session=session)
        AttendanceFactory(session=session)
    return item


@pytest.mark.parametrize("renderer", ["minutes", "attendance"])
def test_the_pdf_builders_run_a_constant_number_of_queries(committee, renderer):
    small = SessionFactory(committee=committee, number=30)
    large = SessionFactory(committee=committee, number=31)
    fill(small, 1)
    fill(large, 3)

    def render(session):
        if renderer == "minutes":
            return render_minutes_pdf(minutes[session.pk])
        return render_attendance_sheet_pdf(session)

    minutes = {session.pk: services.minutes_for(session) for session in (small, large)}

    counts = []
    for session in (small, large):
        with CaptureQueriesContext(connection) as queries:
            render(session)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[0] == {"minutes": 11, "attendance": 2}[renderer]


def test_the_minutes_announce_the_next_session_when_it_is_planned(committee, session_18, tmp_path):
    SessionFactory(
        committee=committee,
        number=19,
        start_date=datetime.date(2019, 12, 17),
        end_date=datetime.date(2019, 12, 18),
        city="Bamako",
        status="planned",
    )

    text = pdf_text(render_minutes_pdf(services.minutes_for(session_18)), tmp_path)

    assert "La 19ème session ordinaire est prévue les 17 et 18 décembre 2019 à Bamako." in text
