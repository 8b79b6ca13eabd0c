import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from ctn.settings import BASE_DIR


def run_settings(env):
    """Import the settings module in a fresh interpreter with this environment."""
    code = "import ctn.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_secret_key_with_debug_off_is_a_clear_error():
    result = run_settings({})

    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when DEBUG is off" in result.stderr


def test_debug_is_off_unless_asked_for_and_sqlite_is_the_default():
    result = run_settings({"SECRET_KEY": "x" * 50})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]


def test_database_url_selects_postgresql():
    result = run_settings(
        {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@127.0.0.1:5432/ctn", "DEBUG": "1"}
    )

    assert result.stdout.split() == ["True", "django.db.backends.postgresql"]


def test_locale_and_time_zone_are_malian_french():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Africa/Bamako"
    assert settings.USE_I18N is True
    assert settings.LOCALE_PATHS == [BASE_DIR / "locale"]
    assert settings.CRISPY_TEMPLATE_PACK == "bootstrap5"


@pytest.mark.django_db
def test_role_groups_exist_with_partners_read_only():
    groups = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }

    assert set(groups) >= {"secretariat", "coordinator", "partner"}
    assert "change_session" in groups["secretariat"]
    assert "add_agendaitem" in groups["coordinator"]
    assert groups["partner"] and all(code.startswith("view_") for code in groups["partner"])
