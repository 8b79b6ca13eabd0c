"""The documents of record stay in the committee's language (French) whoever asks for them."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from participants.models import Profile
from reports import services
from reports.pdf import render_attendance_sheet_pdf, render_convocation_pdf
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


def test_an_english_coordinator_validates_a_french_pdf_of_record(
    session_17, session_18, secretariat, coordinator, tmp_path
):
    with translation.override("en"):
        minutes = services.submit(services.minutes_for(session_17), secretariat)
        version = services.validate(minutes, coordinator, validated_during=session_18)

    text = pdf_text(bytes(version.pdf), tmp_path)
    assert "COMPTE RENDU DE LA 17ème SESSION ORDINAIRE" in text.upper().replace("ÈME", "ème")
    assert (
        "Adopté lors de la 18ème session ordinaire, le 26 septembre 2019 (session tenue les 26, "
        "27 et 28 septembre 2019 à Ségou). Décision enregistrée par Mahamadou Coulibaly." in text
    ), text
    assert "Référence : CTN-17ème-session-ordinaire-compte-rendu-v1" in text
    for english in ("Minutes of the", "17th", "ordinary session", "September", "Page 1 of"):
        assert english not in text


def test_the_printed_documents_are_french_under_an_english_interface(session_18, tmp_path):
    with translation.override("en"):
        sheet = pdf_text(render_attendance_sheet_pdf(session_18), tmp_path)
        convocation = pdf_text(render_convocation_pdf(session_18), tmp_path)

    assert "Jeudi 26 septembre 2019" in sheet and "Liste de présence" in sheet
    assert "18ème session ordinaire" in convocation and "Madame, Monsieur," in convocation
    assert "September" not in sheet + convocation and "18th" not in sheet + convocation


def test_an_english_user_downloads_the_french_attendance_sheet(
    client, session_18, secretariat, tmp_path
):
    Profile.objects.create(user=secretariat, language="en")
    client.force_login(secretariat, backend=settings.AUTHENTICATION_BACKENDS[-1])

    page = client.get(reverse("sessions:detail", args=[session_18.pk]))
    sheet = client.get(reverse("reports:attendance_pdf", args=[session_18.pk]))

    assert "18th ordinary session" in page.content.decode()
    assert "Liste de présence" in pdf_text(b"".join(sheet), tmp_path)
