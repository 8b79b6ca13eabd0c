"""The signature of the PDFs of record: PAdES, with the committee's certificate (pyHanko).

The certificate and its private key are a PKCS#12 file (settings.SIGNING_PKCS12_FILE) opened
with a passphrase given in the environment (SIGNING_PKCS12_PASSPHRASE) or read from a file
(SIGNING_PKCS12_PASSPHRASE_FILE, better: it stays out of the process's environment). With
DEBUG on and no certificate configured, the self-signed demo certificate that
`manage.py make_demo_certificate` writes is used (`make run` makes it).

The signature is appended to the rendered PDF/A as an incremental update: the rendered bytes
stay as they are, the signature's objects follow them and cover the whole file, so that a PDF
reader (or poppler's `pdfsig`) shows who signed and that nothing changed since.
"""

import asyncio
import datetime
import hashlib
import io
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# The signature's form field in the PDF.
SIGNATURE_FIELD = "Signature"
DEMO_CERTIFICATE_NAME = "ctn-demo-certificate.p12"
# A file name, not a secret.
DEMO_PASSPHRASE_NAME = "ctn-demo-certificate.passphrase"  # noqa: S105  # nosec B105


class SigningError(Exception):
    """The PDF could not be signed: no certificate, an unreadable one, or pyHanko failed."""


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    # Who signed, as the verification page shows it: the certificate's subject.
    signer: str
    # The SHA-256 of the signing certificate (DER), as PDF readers show it.
    certificate_sha256: str


def demo_certificate_paths():
    """Where `make_demo_certificate` writes the demo certificate and its passphrase."""
    folder = Path(settings.DEMO_CERTIFICATE_DIR)
    return folder / DEMO_CERTIFICATE_NAME, folder / DEMO_PASSPHRASE_NAME


def configured_certificate():
    """(PKCS#12 path, passphrase file or None, passphrase) in use, or None when there is none:
    the committee's certificate, else with DEBUG on the demo certificate if it was made."""
    if settings.SIGNING_PKCS12_FILE:
        return (
            Path(settings.SIGNING_PKCS12_FILE),
            Path(settings.SIGNING_PKCS12_PASSPHRASE_FILE)
            if settings.SIGNING_PKCS12_PASSPHRASE_FILE
            else None,
            settings.SIGNING_PKCS12_PASSPHRASE,
        )
    if settings.DEBUG:
        certificate, passphrase_file = demo_certificate_paths()
        if certificate.exists():
            return certificate, passphrase_file, ""
    return None


def _passphrase(passphrase_file, passphrase):
    if passphrase_file is not None:
        try:
            # The first line; a trailing newline left by an editor is not part of it.
            return passphrase_file.read_text().splitlines()[0].encode() or None
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise SigningError(f"Cannot read the passphrase file {passphrase_file}: {exc}") from exc
    return passphrase.encode() or None


def load_signer():
    """The pyHanko signer of the configured certificate. Raises SigningError."""
    from pyhanko.sign import signers

    configured = configured_certificate()
    if configured is None:
        raise SigningError(
            "No certificate signs the PDFs of record: set SIGNING_PKCS12_FILE "
            "(and its passphrase), or run `manage.py make_demo_certificate` with DEBUG on."
        )
    path, passphrase_file, passphrase = configured
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"Cannot read the certificate {path}: {exc}") from exc
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=_passphrase(passphrase_file, passphrase)
        )
    except ValueError as exc:
        raise SigningError(
            f"Cannot open the certificate {path} (wrong passphrase or not PKCS#12)."
        ) from exc
    not_after = signer.signing_cert.not_valid_after
    if not_after < datetime.datetime.now(datetime.UTC):
        raise SigningError(f"The certificate {path} expired on {not_after:%Y-%m-%d}.")
    return signer


def describe_certificate(certificate):
    """ "Common name (organization)" of an asn1crypto certificate's subject."""
    subject = certificate.subject.native
    name = subject.get("common_name") or certificate.subject.human_friendly
    organization = subject.get("organization_name")
    if isinstance(organization, list):
        organization = ", ".join(organization)
    return f"{name} ({organization})" if organization and organization != name else name


def sign_pdf(pdf, *, reason):
    """The PDF `pdf` signed (PAdES B-B, SHA-256) with the configured certificate, as an
    incremental update after its bytes. Returns a SignedPdf; raises SigningError."""
    signer = load_signer()

    def sign():
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        # pyHanko writes its own name as the XMP metadata's producer but appends it to the Info
        # dictionary's: the two would differ, which PDF/A forbids. Without an Info producer,
        # it writes the same in both.
        try:
            info = writer.trailer["/Info"]
        except KeyError:
            info = None
        if info is not None and "/Producer" in info:
            del info["/Producer"]
        metadata = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
        )
        return signers.sign_pdf(writer, metadata, signer=signer).getvalue()

    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            signed = sign()
        else:
            # pyHanko runs its own event loop: never inside a running one (an async caller).
            with ThreadPoolExecutor(max_workers=1) as pool:
                signed = pool.submit(sign).result()
    except SigningError:
        raise
    except Exception as exc:
        raise SigningError(f"{type(exc).__name__}: {exc}") from exc
    certificate = signer.signing_cert
    return SignedPdf(
        pdf=signed,
        signer=describe_certificate(certificate),
        certificate_sha256=hashlib.sha256(certificate.dump()).hexdigest(),
    )


def self_signed_pkcs12(common_name, organization, passphrase, *, days=3 * 365):
    """A new RSA key and a self-signed certificate for it, as PKCS#12 bytes encrypted with
    `passphrase` (bytes). For the demo and the tests: a self-signed certificate proves the
    file unchanged, not who signed it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    # RSA rather than an elliptic curve: pyHanko marks a P-256 signature as PDF 2.0 (ISO
    # 32002), which a PDF/A-3 file (PDF 1.7) must not be.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        common_name.encode(),
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(passphrase),
    )


def make_demo_certificate(common_name, organization):
    """Write the demo certificate and a new random passphrase beside it (owner-only files),
    unless they exist. Returns (path of the certificate, whether it was made now)."""
    certificate, passphrase_file = demo_certificate_paths()
    if certificate.exists() and passphrase_file.exists():
        return certificate, False
    certificate.parent.mkdir(parents=True, exist_ok=True)
    passphrase = secrets.token_urlsafe(24)
    passphrase_file.touch(mode=0o600)
    passphrase_file.write_text(passphrase + "\n")
    certificate.touch(mode=0o600)
    certificate.write_bytes(self_signed_pkcs12(common_name, organization, passphrase.encode()))
    return certificate, True
