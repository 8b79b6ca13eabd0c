"""The PDF of record is signed (PAdES) with the committee's certificate at validation: poppler's
pdfsig says the signature is valid and covers the whole file, and no longer once a byte changed.
A signing failure leaves nothing validated. The verification page names the signer."""

import hashlib
import io
import re
import shutil
import stat
import subprocess

import pytest
from django.core import checks
from django.core.management import call_command

from reports import services
from reports.models import Minutes, MinutesEvent, MinutesVersion
from reports.pdf import minutes_fingerprint
from reports.signing import describe_certificate, load_signer

SIGNER = "Comité Technique National (tests) (CTN)"


@pytest.fixture
def validated_18(submitted_18, coordinator):
    return services.validate(submitted_18, coordinator)


def pdfsig(pdf_bytes, tmp_path):
    """pdfsig's report on the PDF (without the check of the certificate's issuer, which a
    self-signed certificate cannot pass)."""
    assert shutil.which("pdfsig"), "poppler-utils (pdfsig) is needed"
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf_bytes)
    result = subprocess.run(
        ["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=False
    )
    return result.stdout + result.stderr


def test_pdfsig_says_a_validated_pdf_is_signed_whole_and_valid(validated_18, tmp_path):
    report = pdfsig(bytes(validated_18.pdf), tmp_path)

    assert "Signature #1:" in report
    assert "Signature #2:" not in report
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert "Signer Certificate Common Name: Comité Technique National (tests)" in report
    assert "Signature Type: ETSI.CAdES.detached" in report  # PAdES


def test_pdfsig_says_the_signature_is_invalid_once_one_byte_changed(validated_18, tmp_path):
    pdf = bytearray(validated_18.pdf)
    # One byte of the first page's content stream: inside the signed bytes, the file still opens.
    offset = pdf.index(b"stream", 1000) + 20
    pdf[offset] ^= 0x01

    report = pdfsig(bytes(pdf), tmp_path)

    assert "Signature #1:" in report
    assert "Signature is Valid." not in report
    assert "Signature Validation: Digest Mismatch." in report


def test_the_stored_sha256_and_signer_are_those_of_the_signed_bytes(validated_18):
    version = MinutesVersion.objects.get(pk=validated_18.pk)
    pdf = bytes(version.pdf)

    assert version.sha256 == hashlib.sha256(pdf).hexdigest()
    assert version.size == len(pdf)
    assert b"/ByteRange" in pdf  # the signature is part of what is stored and fingerprinted
    signer = load_signer()
    assert version.signer == SIGNER == describe_certificate(signer.signing_cert)
    assert (
        version.signer_certificate_sha256 == hashlib.sha256(signer.signing_cert.dump()).hexdigest()
    )


def test_the_signature_is_an_incremental_update_of_the_rendered_pdf_a(validated_18, tmp_path):
    pdf = bytes(validated_18.pdf)
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)

    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True).stdout

    # WeasyPrint's file ends at its first %%EOF; the signature's objects follow it.
    assert pdf.count(b"%%EOF") == 2
    assert pdf.index(b"/Type /Sig") > pdf.index(b"%%EOF")
    # Still PDF/A-3a, its Info dictionary in step with its XMP metadata.
    assert 'pdfaid:part="3" pdfaid:conformance="A"' in xmp
    producer = re.search(r"^Producer:\s+(.*)$", info.stdout, re.MULTILINE).group(1)
    assert f'pdf:Producer="{producer}"' in xmp


def _nothing_validated(minutes):
    minutes = Minutes.objects.get(pk=minutes.pk)
    return (
        minutes.status,
        list(MinutesVersion.objects.filter(minutes=minutes).validated()),
        list(MinutesEvent.objects.filter(minutes=minutes, action="validate")),
    )


def test_a_wrong_passphrase_fails_the_validation_cleanly(submitted_18, coordinator, settings):
    settings.SIGNING_PKCS12_PASSPHRASE = "not-the-passphrase"

    with pytest.raises(services.MinutesError) as error:
        services.validate(submitted_18, coordinator)

    assert "n’a pas pu être signé" in str(error.value.message)
    assert _nothing_validated(submitted_18) == ("submitted", [], [])


def test_without_a_certificate_the_validation_fails_cleanly(submitted_18, coordinator, settings):
    settings.SIGNING_PKCS12_FILE = ""
    settings.DEBUG = False

    with pytest.raises(services.MinutesError):
        services.validate(submitted_18, coordinator)

    assert _nothing_validated(submitted_18) == ("submitted", [], [])


def test_a_signing_failure_is_said_in_french_on_the_minutes_page(
    submitted_18, coordinator, login, settings
):
    settings.SIGNING_PKCS12_FILE = str(settings.BASE_DIR / "no-such-certificate.p12")
    client = login(coordinator)
    minutes = Minutes.objects.get(pk=submitted_18.pk)

    response = client.post(
        f"/reports/{minutes.session_id}/validate/",
        {
            "outcome": "validated",
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": minutes_fingerprint(minutes),
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 200
    assert "n’a pas pu être signé" in response.content.decode()
    assert _nothing_validated(submitted_18) == ("submitted", [], [])


def test_the_passphrase_may_be_read_from_a_file(
    submitted_18, coordinator, settings, signing_certificate, tmp_path
):
    _path, passphrase = signing_certificate
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(passphrase + "\n")
    settings.SIGNING_PKCS12_PASSPHRASE = ""
    settings.SIGNING_PKCS12_PASSPHRASE_FILE = str(passphrase_file)

    version = services.validate(submitted_18, coordinator)

    assert version.signer == SIGNER


def test_the_verify_page_names_the_signer(validated_18, client):
    response = client.get("/reports/verify/", {"sha256": validated_18.sha256})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Signé électroniquement par Comité Technique National (tests) (CTN)." in html
    assert validated_18.signer_certificate_sha256 in html


def test_make_demo_certificate_makes_one_that_signs_with_debug_on(
    submitted_18, coordinator, settings, tmp_path
):
    settings.SIGNING_PKCS12_FILE = ""
    settings.DEBUG = True
    settings.DEMO_CERTIFICATE_DIR = tmp_path / "demo"
    out = io.StringIO()

    call_command("make_demo_certificate", stdout=out)
    call_command("make_demo_certificate", stdout=out)
    version = services.validate(submitted_18, coordinator)

    said = out.getvalue()
    assert "certificat de démonstration auto-signé créé" in said.lower()
    assert "trouvé" in said
    files = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert files == ["ctn-demo-certificate.p12", "ctn-demo-certificate.passphrase"]
    for path in (tmp_path / "demo").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert version.signer == "Comité Technique National – certificat de démonstration (CTN)"


def test_the_demo_certificate_never_signs_with_debug_off(settings, tmp_path):
    settings.SIGNING_PKCS12_FILE = ""
    settings.DEBUG = True
    settings.DEMO_CERTIFICATE_DIR = tmp_path / "demo"
    call_command("make_demo_certificate", stdout=io.StringIO())
    settings.DEBUG = False

    warnings = [c.id for c in checks.run_checks() if c.id.startswith("reports.")]

    assert warnings == ["reports.W001"]


def test_the_system_check_is_quiet_with_a_certificate_that_opens(settings):
    warnings = [
        c.id
        for c in checks.run_checks(include_deployment_checks=True)
        if c.id.startswith("reports.")
    ]
    settings.SIGNING_PKCS12_PASSPHRASE = "not-the-passphrase"
    wrong = [
        c.id
        for c in checks.run_checks(include_deployment_checks=True)
        if c.id.startswith("reports.")
    ]

    assert (warnings, wrong) == ([], ["reports.W002"])
