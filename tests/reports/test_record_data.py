"""The PDF of record is a tagged PDF/A-3a in French that carries the minutes' structured content
as a JSON associated file; the same JSON is downloadable beside the PDF, under the same rules,
and stays that of the validated version whatever changes afterwards."""

import io
import json
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from reports import services
from reports.models import MinutesVersion
from reports.record_data import ATTACHMENT_NAME, SCHEMA
from sessions.models import FollowUp, Recommendation


@pytest.fixture
def validated_18(session_17, session_18, validated_17, submitted_18, coordinator):
    """The 18th session's minutes validated outside a session, with the follow-up of the 17th
    session's recommendation recorded at the 18th."""
    FollowUp.objects.create(
        recommendation=session_17.recommendations.get(),
        session=session_18,
        status=FollowUp.Status.IN_PROGRESS,
        note="Rapport en cours de finalisation",
    )
    return services.validate(submitted_18, coordinator)


def detached_json(pdf_bytes, tmp_path):
    """The JSON attachment of the PDF, as poppler's pdfdetach saves it."""
    assert shutil.which("pdfdetach"), "poppler-utils (pdfdetach) is needed"
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf_bytes)
    listing = subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert listing.splitlines() == ["1 embedded files", f"1: {ATTACHMENT_NAME}"]
    saved = tmp_path / "saved.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(saved), str(path)], check=True)
    return saved.read_bytes()


def test_the_embedded_json_equals_the_database(validated_18, session_18, tmp_path):
    version = MinutesVersion.objects.get(pk=validated_18.pk)

    embedded = detached_json(bytes(version.pdf), tmp_path)

    assert embedded.decode() == version.record_json
    data = json.loads(embedded)
    assert data["schema"] == SCHEMA
    assert data["document"] == {
        "title": "Compte rendu de la 18ème session ordinaire du Comité Technique National",
        "reference": "CTN-18ème-session-ordinaire-compte-rendu-v1",
        "version": 1,
        "language": "fr",
    }
    assert data["session"]["designation"] == "18ème session ordinaire"
    assert (data["session"]["start_date"], data["session"]["end_date"]) == (
        session_18.start_date.isoformat(),
        session_18.end_date.isoformat(),
    )
    assert data["session"]["city"] == session_18.city == "Ségou"
    assert [(p["name"], p["capacity"]) for p in data["presidency"]] == [
        (c.person.formal_name, c.capacity) for c in session_18.cochairs.order_by("order", "pk")
    ]
    assert [(p["name"], p["status"]) for p in data["attendance"]["participants"]] == [
        (a.person.formal_name, a.status)
        for a in session_18.attendances.order_by("person__last_name", "person__first_name")
    ]
    assert data["attendance"]["present_count"] == 5
    assert [item["title"] for item in data["agenda"]] == list(
        session_18.agenda_items.order_by("order", "pk").values_list("title", flat=True)
    )
    assert data["agenda"][1]["interventions"] == [
        {
            "speaker": "Dr Hassane TANGARA",
            "summary": "A expliqué la collaboration entre Jigisemejiri et l’ANAM.",
            "quote": "Nous offrons des soins aux bénéficiaires de Jigisemejiri.",
        }
    ]
    assert [i["speaker"] for i in data["proceedings"]["opening"]] == [
        "Le représentant du gouverneur de la région de Ségou"
    ]
    assert [r["description"] for r in data["expected_results"]["results"]] == list(
        session_18.expected_results.order_by("order", "pk").values_list("description", flat=True)
    )
    recommendations = Recommendation.objects.filter(session=session_18).order_by("order", "pk")
    assert [
        (r["kind"], r["text"], r["responsible"], r["due_date"])
        for r in data["recommendations"] + data["blockers"]
    ] == [
        (r.kind, r.text, r.responsible_name, r.due_date.isoformat() if r.due_date else None)
        for r in recommendations
    ]
    assert data["recommendations"][0]["responsible"] == "PAM"
    assert data["recommendations"][0]["due_date"] == "2019-12-31"
    assert [
        (f["recommendation"]["text"], f["recommendation"]["session"], f["status"], f["note"])
        for f in data["follow_ups"]
    ] == [
        (
            "Transmettre le rapport financier du FA1 aux partenaires",
            "17ème session ordinaire",
            "in_progress",
            "Rapport en cours de finalisation",
        )
    ]
    assert data["adoption"] == {
        "outcome": "validated",
        "amendments": "",
        "mode": version.adoption_mode,
        "adopted_on": version.adopted_on.isoformat(),
        "during": None,
        "validated_at": version.validated_at.isoformat(),
        "validated_by": "Mahamadou Coulibaly",
    }


def test_the_record_is_tagged_in_french_and_its_json_is_a_data_associated_file(validated_18):
    reader = PdfFileReader(io.BytesIO(bytes(validated_18.pdf)))
    root = reader.root

    assert root["/Lang"] == "fr"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    # WeasyPrint 70 lists the one file specification twice in /AF: one file all the same.
    references = {(ref.idnum, ref.generation) for ref in root.raw_get("/AF")}
    assert len(references) == 1
    associated = [reference.get_object() for reference in root["/AF"]][:1]
    assert [(f["/F"], f["/AFRelationship"]) for f in associated] == [(ATTACHMENT_NAME, "/Data")]
    assert associated[0]["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"


def test_a_partner_downloads_the_json_beside_the_pdf(validated_18, partner, login, tmp_path):
    client = login(partner)
    session_pk = validated_18.minutes.session_id

    latest = client.get(f"/reports/{session_pk}/minutes.json")
    numbered = client.get(f"/reports/{session_pk}/minutes-v1.json")

    embedded = detached_json(bytes(validated_18.pdf), tmp_path)
    assert (latest.status_code, numbered.status_code) == (200, 200)
    assert latest.content == numbered.content == embedded
    assert latest["Content-Type"] == "application/json; charset=utf-8"
    assert latest["Content-Disposition"].startswith("attachment;")
    assert "CTN-18%C3%A8me-session-ordinaire-compte-rendu-v1.json" in latest["Content-Disposition"]


def test_a_partner_gets_no_json_of_minutes_not_validated(submitted_18, partner, login):
    client = login(partner)

    response = client.get(f"/reports/{submitted_18.session_id}/minutes.json")

    assert response.status_code == 404


def test_the_json_stays_that_of_the_validated_version_during_an_erratum(
    validated_18, session_18, coordinator, partner, login
):
    before = validated_18.record_json
    services.open_erratum(validated_18.minutes, coordinator, "Coquille dans un nom")
    recommendation = session_18.recommendations.get(kind="recommendation")
    recommendation.text = "Texte corrigé après validation"
    recommendation.save()
    client = login(partner)

    response = client.get(f"/reports/{session_18.pk}/minutes.json")

    assert response.status_code == 200
    assert response.content.decode() == before
    assert "Texte corrigé après validation" not in before


def test_a_version_not_validated_has_no_json(validated_18, coordinator, login):
    services.open_erratum(validated_18.minutes, coordinator, "Coquille dans un nom")
    client = login(coordinator)

    response = client.get(f"/reports/{validated_18.minutes.session_id}/minutes-v2.json")

    assert response.status_code == 404


def test_the_minutes_page_links_each_signed_version_to_its_json(validated_18, partner, login):
    session_pk = validated_18.minutes.session_id

    html = login(partner).get(f"/reports/{session_pk}/").content.decode()

    assert f'href="/reports/{session_pk}/minutes-v1.json" download>Données (JSON)</a>' in html
