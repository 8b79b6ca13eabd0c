"""The French catalogue is complete and the committed .mo is in step with the .po."""

import shutil
import subprocess
import sys

import pytest

from ctn.settings import BASE_DIR

PO = BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
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


def test_every_message_has_a_french_translation():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_committed_mo_is_compiled_from_the_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO)], check=True)

    assert compiled.read_bytes() == MO.read_bytes(), "run `make messages` and commit the .mo"


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
