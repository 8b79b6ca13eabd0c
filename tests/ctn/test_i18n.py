"""Both catalogues (French, English) are complete and their committed .mo are in step with
the .po."""

import shutil
import subprocess
import sys

import pytest

from ctn.settings import BASE_DIR

LANGUAGES = ["fr", "en"]


def po_of(language):
    return BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"


PO = po_of("fr")
MO = PO.with_suffix(".mo")

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="gettext (msgfmt) is not installed"
)


def msgids(po_path):
    """(context, msgid) pairs of a .po file, read with msgfmt's own parser via msgcat."""
    out = subprocess.run(
        ["msgcat", "--no-wrap", "--sort-output", str(po_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    entries, context = set(), None
    for line in out.splitlines():
        if line.startswith("msgctxt "):
            context = line[8:]
        elif line.startswith("msgid "):
            if line != 'msgid ""' or context:
                entries.add((context, line[6:]))
            context = None
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation(language):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po_of(language))],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_is_compiled_from_the_po(tmp_path, language):
    po = po_of(language)
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(po)], check=True)

    assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes(), (
        "run `make messages` and commit the .mo"
    )


def test_both_catalogues_hold_the_same_messages():
    assert msgids(po_of("en")) == msgids(po_of("fr"))


def test_a_message_left_untranslated_is_found(tmp_path):
    """The check above fails on an empty translation, in either catalogue."""
    po = tmp_path / "django.po"
    po.write_text(
        po_of("en").read_text(encoding="utf-8")
        + '\nmsgid "A message nobody translated"\nmsgstr ""\n',
        encoding="utf-8",
    )

    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert "1 untranslated message" in result.stderr


def test_catalogue_holds_every_string_of_the_code(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "staticfiles", "node_modules", "*.pyc", "media", ".test-media"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            "--add-location",
            "file",
            "-i",
            "tests/*",
            "-i",
            "bench/*",
            "-i",
            "staticfiles/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )

    assert msgids(copy / "locale/fr/LC_MESSAGES/django.po") == msgids(PO), "run `make messages`"
