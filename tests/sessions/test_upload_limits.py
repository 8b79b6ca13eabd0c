"""Uploads over their limit are refused before their body is read; a full disk leaves nothing.

The request bodies here are produced on demand and count what the server reads of them, so a
test can tell "refused unread" from "read in full, then refused" (ctn/uploads.py).
"""

import errno
import os

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sessions.models import Annex
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

BOUNDARY = "ctn-test-boundary"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MB = 1024 * 1024


class CountingBody:
    """A multipart body of `size` bytes (just its parts when None): the fields, then a file
    part `name` whose content is `head` then zeros, made as it is read; `read_count` is how
    many bytes the server read."""

    def __init__(self, size=None, *, name="file", fields=None, head=b"%PDF-1.7\n"):
        parts = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            for key, value in (fields or {}).items()
        )
        parts += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            'filename="gros.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        self.prefix = parts.encode() + head
        self.suffix = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = len(self.prefix) + len(self.suffix) if size is None else size
        self.read_count = 0

    def _bytes(self, start, end):
        padding_end = self.size - len(self.suffix)
        pieces = [self.prefix[start:end]]
        low, high = max(start, len(self.prefix)), min(end, padding_end)
        pieces.append(b"0" * max(0, high - low))
        low = max(start, padding_end)
        pieces.append(self.suffix[low - padding_end : max(0, end - padding_end)])
        return b"".join(pieces)

    def read(self, size=-1):
        remaining = self.size - self.read_count
        size = remaining if size is None or size < 0 else min(size, remaining)
        data = self._bytes(self.read_count, self.read_count + size)
        self.read_count += size
        return data

    def readline(self, size=-1):
        return self.read(size if size and size > 0 else 65536)


def post_body(client, url, body):
    return client.generic(
        "POST",
        url,
        **{
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(body.size),
            "wsgi.input": body,
        },
    )


def media_files(root):
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _dirs, names in os.walk(root)
        for name in names
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def session(db):
    return SessionFactory(number=18)


def test_the_counting_body_is_a_well_formed_upload(login, secretariat, session):
    # The tool of the tests below: a small body of its making is read in full and accepted.
    body = CountingBody(fields={"title": "Présentation", "agenda_item": ""}, head=PDF)

    response = post_body(login(secretariat), reverse("sessions:annexes", args=[session.pk]), body)

    assert response.status_code == 302
    assert body.read_count == body.size
    assert Annex.objects.get().size == len(PDF)


def test_a_200_mb_annex_is_refused_before_its_body_is_read(login, secretariat, session, media):
    body = CountingBody(200 * MB, fields={"title": "Vidéo"})

    response = post_body(login(secretariat), reverse("sessions:annexes", args=[session.pk]), body)

    assert response.status_code == 413
    assert body.read_count == 0
    assert response.context["form"].errors == {
        "file": ["Le fichier dépasse la taille maximale de 20,0\xa0Mio : il n’a pas été reçu."]
    }
    assert "Le fichier dépasse la taille maximale" in response.content.decode()
    assert Annex.objects.count() == 0
    assert media_files(media) == []


def test_with_csrf_checks_a_refused_upload_says_why_in_french_and_changes_nothing(
    secretariat, session
):
    # The token is in the body, which is not read: the CSRF check cannot pass, and its refusal
    # says the file was too large, with the way back to the form. No view is exempt from CSRF.
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat)
    body = CountingBody(200 * MB)
    url = reverse("sessions:annexes", args=[session.pk])
    client.get(url)  # the form's page sets the CSRF cookie, as in a browser

    response = post_body(client, url, body)

    assert (response.status_code, body.read_count) == (413, 0)
    content = response.content.decode()
    assert "Le fichier dépasse la taille maximale de 20,0\xa0Mio : il n’a pas été reçu." in content
    assert f'href="{url}"' in content
    assert Annex.objects.count() == 0


def test_an_upload_within_the_limit_still_needs_its_csrf_token(secretariat, session):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat)

    response = client.post(
        reverse("sessions:annexes", args=[session.pk]),
        {"file": SimpleUploadedFile("cr.pdf", PDF), "title": "", "agenda_item": ""},
    )

    assert response.status_code == 403
    assert Annex.objects.count() == 0


def test_a_file_growing_past_the_limit_is_no_longer_read(
    login, secretariat, session, settings, media
):
    # The Content-Length is within the body's allowance (file limit + the form's fields), the
    # file itself is not: the upload handler stops reading it at the limit.
    settings.ANNEX_MAX_SIZE = 100_000
    body = CountingBody(300_000, fields={"title": "Gros"})

    response = post_body(login(secretariat), reverse("sessions:annexes", args=[session.pk]), body)

    assert response.status_code == 413
    assert body.read_count < 200_000
    assert response.context["form"].errors == {
        "file": ["Le fichier dépasse la taille maximale de 97,7\xa0Kio : il n’a pas été reçu."]
    }
    assert Annex.objects.count() == 0
    assert media_files(media) == []


def test_the_anonymous_verify_page_refuses_a_200_mb_file_unread(db):
    client = Client(enforce_csrf_checks=True)
    body = CountingBody(200 * MB)
    client.get(reverse("reports:verify"))

    response = post_body(client, reverse("reports:verify"), body)

    assert (response.status_code, body.read_count) == (413, 0)
    assert "Le fichier dépasse la taille maximale de 5,0\xa0Mio" in response.content.decode()


def test_the_verify_form_shows_a_file_cut_at_its_limit_again(client, settings):
    # Without CSRF enforcement (the test client), the view itself shows the refusal on its form.
    body = CountingBody(200 * MB)

    response = post_body(client, reverse("reports:verify"), body)

    assert (response.status_code, body.read_count) == (413, 0)
    assert response.context["form"].errors == {
        "file": ["Le fichier dépasse la taille maximale de 5,0\xa0Mio : il n’a pas été reçu."]
    }
    assert response.context["matches"] == []


def test_a_huge_multipart_body_to_a_page_without_upload_is_not_read(db):
    # Any other page (here the log-in, anonymous): the CSRF check would read the body.
    body = CountingBody(200 * MB, name="username")

    response = post_body(Client(enforce_csrf_checks=True), reverse("login"), body)

    assert (response.status_code, body.read_count) == (403, 0)


def test_a_partner_s_huge_upload_is_refused_unread_and_still_forbidden(login, partner, session):
    # The refusal does not open the screen to other roles.
    body = CountingBody(200 * MB)

    response = post_body(login(partner), reverse("sessions:annexes", args=[session.pk]), body)

    assert (response.status_code, body.read_count) == (403, 0)


# -- a full disk --------------------------------------------------------------------------------


class FullDiskStorage(FileSystemStorage):
    """A disk that fills up during the write: part of the file is written, then ENOSPC, as
    Django's FileSystemStorage leaves it on a real full disk."""

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as partial:
            partial.write(next(iter(content.chunks()))[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_leaves_no_file_no_row_and_answers_503_in_french(
    login, secretariat, session, settings, media, caplog
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDiskStorage"},
    }

    response = login(secretariat).post(
        reverse("sessions:annexes", args=[session.pk]),
        {"file": SimpleUploadedFile("ptba.pdf", PDF), "title": "PTBA", "agenda_item": ""},
    )

    assert response.status_code == 503
    assert "Le fichier n’a pas pu être enregistré" in response.content.decode()
    assert Annex.objects.count() == 0
    assert media_files(media) == []
    assert "could not be stored" in caplog.text


def test_an_upload_works_again_once_the_disk_has_room(login, secretariat, session, media):
    response = login(secretariat).post(
        reverse("sessions:annexes", args=[session.pk]),
        {"file": SimpleUploadedFile("ptba.pdf", PDF), "title": "PTBA", "agenda_item": ""},
    )

    annex = Annex.objects.get()
    assert response.status_code == 302
    assert media_files(media) == [annex.file.name]
