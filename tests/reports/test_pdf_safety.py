"""The PDF renderer fetches nothing but the project's static files, and a pathological
document fails cleanly within a time and a memory limit, leaving the minutes as they were."""

import re
import time

import pytest
from django.urls import reverse

from reports import services
from reports.models import Minutes, MinutesVersion
from reports.pdf import (
    STATIC_DIR,
    PdfRenderingError,
    _static_url_fetcher,
    _write_pdf,
    render_minutes_pdf,
)
from sessions.models import AgendaItem
from tests.reports.conftest import pdf_text
from tests.utils import reviewed

# What someone may type into the minutes hoping the renderer will fetch it.
HOSTILE_URLS = [
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.org/x.png",
    "file:///work/main/ctn/settings.py",
]
TYPED = [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/">',
    '<img src="https://example.org/x.png">',
    '<iframe src="file:///work/main/ctn/settings.py"></iframe>',
    "<style>@import url(https://example.org/x.css);</style>",
]


def squeezed(text):
    return "".join(text.split())


# --- the URL fetcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        *HOSTILE_URLS,
        f"{(STATIC_DIR / 'css').as_uri()}/../../ctn/settings.py",
        "file://localhost/etc/hostname",
        "file://169.254.169.254/etc/passwd",
        "ftp://example.org/x.png",
        "data:text/plain,hello",
    ],
)
def test_the_url_fetcher_refuses_anything_but_the_static_files(url):
    fetcher = _static_url_fetcher()

    with pytest.raises(ValueError, match="Refused"):
        fetcher.fetch(url)


def test_the_url_fetcher_serves_a_static_file():
    fetcher = _static_url_fetcher()

    response = fetcher.fetch((STATIC_DIR / "css" / "pdf.css").as_uri())

    assert response.headers["Content-Type"] == "text/css"
    assert response.read() == (STATIC_DIR / "css" / "pdf.css").read_bytes()


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_markup_that_would_fetch_a_url_fails_the_rendering_instead(url):
    html = f'<!doctype html><html><body><p>x</p><img src="{url}"></body></html>'

    with pytest.raises(PdfRenderingError, match=f'Error fetching "{re.escape(url)}"'):
        _write_pdf(html, archival=False)


# --- what is typed into the minutes is printed, never fetched -----------------------------------


def test_urls_typed_into_the_minutes_are_printed_as_text(submitted_18, tmp_path):
    session = submitted_18.session
    session.objective = "\n".join(TYPED)
    session.save(update_fields=["objective"])
    AgendaItem.objects.filter(session=session).update(summary=TYPED[0])

    pdf = render_minutes_pdf(submitted_18)

    text = pdf_text(pdf, tmp_path)
    for typed in TYPED:
        assert squeezed(typed) in squeezed(text)


# --- pathological documents ---------------------------------------------------------------------


def twenty_thousand_agenda_items(session):
    AgendaItem.objects.bulk_create(
        AgendaItem(session=session, order=n, title=f"Point {n}", summary="x" * 50)
        for n in range(20_000)
    )


def two_megabytes_without_a_space(session):
    session.objective = "é" * (2 * 1024 * 1024)
    session.save(update_fields=["objective"])


@pytest.mark.parametrize(
    ("build", "limits"),
    [
        (twenty_thousand_agenda_items, {"PDF_RENDER_TIMEOUT": 3}),
        (two_megabytes_without_a_space, {"PDF_RENDER_TIMEOUT": 3}),
        (two_megabytes_without_a_space, {"PDF_RENDER_MEMORY_MB": 64}),
    ],
    ids=["20000 items, time", "2 MB word, time", "2 MB word, memory"],
)
def test_a_pathological_document_fails_validation_cleanly_within_the_limits(
    settings, login, coordinator, submitted_18, session_18, build, limits
):
    for name, value in limits.items():
        setattr(settings, name, value)
    build(session_18)
    client = login(coordinator)
    started = time.monotonic()

    response = client.post(
        reverse("reports:validate", args=[session_18.pk]),
        {
            "outcome": "validated",
            "adoption_mode": "written",
            "adopted_on": "2019-10-15",
            "confirm": "on",
            "reviewed": reviewed(session_18),
        },
    )

    elapsed = time.monotonic() - started
    minutes = Minutes.objects.get(pk=submitted_18.pk)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Le PDF du compte rendu n’a pas pu être produit : la validation n’a pas été "
        "enregistrée et rien n’a changé. Réessayez ; si l’échec se répète, prévenez "
        "l’administrateur."
    ]
    assert minutes.status == Minutes.Status.SUBMITTED
    assert MinutesVersion.objects.filter(minutes=minutes).count() == 0
    assert elapsed < settings.PDF_RENDER_TIMEOUT + 30


def test_the_preview_of_a_pathological_document_says_so_in_french(
    settings, login, secretariat, session_18
):
    settings.PDF_RENDER_TIMEOUT = 3
    twenty_thousand_agenda_items(session_18)
    services.minutes_for(session_18)

    response = login(secretariat).get(reverse("reports:preview_pdf", args=[session_18.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[session_18.pk])


def test_an_ordinary_document_renders_within_the_limits(submitted_18, tmp_path):
    pdf = render_minutes_pdf(submitted_18)

    assert pdf.startswith(b"%PDF-")
    assert "Compte rendu de la 18ème session ordinaire" in pdf_text(pdf, tmp_path)
