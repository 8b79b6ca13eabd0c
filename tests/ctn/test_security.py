"""Log-in protection, sessions, CSRF, security headers, CSP and the production settings."""

import datetime
import os
import re
import secrets
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

import ctn.settings as production
from ctn.security import client_ip
from ctn.settings import BASE_DIR
from tests.factories import PASSWORD, UserFactory

LOGIN_URL = "/accounts/login/"
OFFICE = "41.73.100.7"  # one mobile address shared by a partner's office
ELSEWHERE = "196.200.60.12"


def attempt(client, username, password, address=OFFICE):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_five_times(client, username="awa", address=OFFICE):
    return [attempt(client, username, "wrong", address).status_code for _ in range(5)]


def is_logged_in(client):
    return "_auth_user_id" in client.session


# --- Log-in protection (django-axes) -------------------------------------------------------


def test_five_wrong_passwords_lock_the_user_from_that_address_even_with_the_right_one(
    client, secretariat
):
    statuses = fail_five_times(client)

    response = attempt(client, "awa", PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert not is_logged_in(client)


def test_the_lockout_page_is_in_french_and_not_an_error(client, secretariat):
    fail_five_times(client)

    response = attempt(client, "awa", PASSWORD)

    content = response.content.decode()
    assert response.status_code == 429
    assert "registration/locked.html" in [t.name for t in response.templates]
    assert "Trop d’échecs de connexion" in content
    assert (
        "Après 5 mots de passe erronés, ce compte est bloqué depuis cette connexion "
        "pendant 30 minutes." in content
    )
    assert '<html lang="fr">' in content


def test_another_user_from_the_same_address_still_logs_in(client, secretariat, coordinator):
    fail_five_times(client, "awa")

    response = attempt(client, "coordo", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_logged_in(client)


def test_the_locked_user_still_logs_in_from_another_address(client, secretariat):
    fail_five_times(client, "awa", OFFICE)

    response = attempt(client, "awa", PASSWORD, ELSEWHERE)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_four_wrong_passwords_then_the_right_one_log_in_and_reset_the_count(client, secretariat):
    statuses = [attempt(client, "awa", "wrong").status_code for _ in range(4)]

    response = attempt(client, "awa", PASSWORD)

    assert statuses == [200, 200, 200, 200]
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(username="awa").count() == 0


def test_the_lock_ends_after_the_cool_off(client, secretariat):
    fail_five_times(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))

    response = attempt(client, "awa", PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_lockout_settings_key_on_user_and_address_together():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=30)
    assert settings.AUTHENTICATION_BACKENDS == [
        "ctn.security.LoginAttemptBackend",
        "ctn.roles.RolesModelBackend",
    ]
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


@pytest.mark.parametrize(
    ("proxy_count", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": OFFICE}, OFFICE),
        # A client cannot choose its address by sending its own X-Forwarded-For: the proxy
        # appends the real one on the right.
        (
            1,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"6.6.6.6, {OFFICE}"},
            OFFICE,
        ),
        (1, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (2, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"{OFFICE}, 10.0.0.9"}, OFFICE),
    ],
)
def test_the_client_address_behind_trusted_proxies(settings, proxy_count, meta, expected):
    settings.PROXY_COUNT = proxy_count
    request = RequestFactory().get("/", **meta)

    assert client_ip(request) == expected


# --- Passwords and sessions ----------------------------------------------------------------


def test_production_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS

    encoded = make_password("un-mot-de-passe-solide")

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("un-mot-de-passe-solide", encoded)
    assert not check_password("un-autre", encoded)


def test_weak_passwords_are_refused_in_french(db):
    user = UserFactory.build(username="awa")

    with pytest.raises(ValidationError) as error:
        validate_password("12345", user)

    assert error.value.messages == [
        "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères.",
        "Ce mot de passe est trop courant.",
        "Ce mot de passe est entièrement numérique.",
    ]


def test_the_session_key_changes_at_login(client, secretariat):
    session = client.session
    session["probe"] = "before login"
    session.save()
    key_before = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = attempt(client, "awa", PASSWORD)

    key_after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert response.status_code == 302
    assert key_after != key_before
    assert not SessionStore().exists(key_before)
    assert is_logged_in(client)


def test_sessions_last_a_working_day_and_end_with_the_browser():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_an_expired_session_is_sent_back_to_login(client, secretariat):
    client.force_login(secretariat)
    assert client.get("/").status_code == 200
    DjangoSession.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    # The cached copy (SESSION_ENGINE cached_db) is kept for the same age: it expires too.
    caches[settings.SESSION_CACHE_ALIAS].clear()

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


# --- CSRF -----------------------------------------------------------------------------------


def all_url_patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from all_url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_view_is_exempt_from_csrf():
    exempt = [route for route, view in all_url_patterns() if getattr(view, "csrf_exempt", False)]

    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert exempt == []


def test_a_login_post_without_csrf_token_is_refused(secretariat):
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN_URL, {"username": "awa", "password": PASSWORD})

    assert response.status_code == 403
    assert not is_logged_in(client)


def test_a_logout_post_without_csrf_token_is_refused(secretariat):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat)

    response = client.post("/accounts/logout/")

    assert response.status_code == 403
    assert is_logged_in(client)


# --- Security headers and Content-Security-Policy -------------------------------------------

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def csp(response):
    """The Content-Security-Policy header as {directive: sources}, whatever its order."""
    directives = (
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return {name: sources for name, sources in directives}


def test_pages_carry_the_content_security_policy_and_security_headers(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert csp(response) == CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


INLINE_CODE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event-handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(html):
    return sorted(name for name, pattern in INLINE_CODE.items() if pattern.search(html))


def test_templates_have_no_inline_script_or_style():
    offenders = {
        str(path.relative_to(BASE_DIR)): found
        for path in sorted((BASE_DIR / "templates").rglob("*.html"))
        if (found := inline_code(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}


def test_the_inline_code_check_finds_what_the_policy_blocks():
    assert inline_code('<script src="/static/js/a.js"></script><p class="x">') == []
    assert inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code('<p style="color: red">') == ["style attribute"]
    assert inline_code('<button onclick="go()">') == ["event-handler attribute"]


def test_admin_pages_work_under_the_content_security_policy(client, admin_user, secretariat):
    client.force_login(admin_user)
    urls = [
        "/admin/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{secretariat.pk}/change/",
        "/admin/axes/accessattempt/",
    ]

    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert csp(response) == CSP
        found[url] = inline_code(response.content.decode())

    assert found == {url: [] for url in urls}


# --- HTTPS and production settings ----------------------------------------------------------


def run_python(code, env, args=()):
    """Run Python code in a fresh interpreter with only this environment for CTN's settings."""
    ours = {
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "ALLOWED_HOSTS",
        "BEHIND_HTTPS_PROXY",
        "PROXY_COUNT",
        "SESSION_COOKIE_AGE",
    }
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ours
        and not k.startswith(("DJANGO_", "SECURE_", "AXES_", "CSRF_", "SESSION_COOKIE"))
    }
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        env={**clean, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


SETTINGS_PROBE = (
    "import ctn.settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
    "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, getattr(s, 'SECURE_PROXY_SSL_HEADER', None) "
    "is not None, s.PROXY_COUNT)"
)
STRONG_KEY = {"SECRET_KEY": secrets.token_urlsafe(50)}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False 0 False False False 0"),
        ({"BEHIND_HTTPS_PROXY": "1"}, "True 31536000 True True True 1"),
        ({"BEHIND_HTTPS_PROXY": "1", "DEBUG": "1"}, "False 0 False False True 1"),
        (
            {"BEHIND_HTTPS_PROXY": "1", "SECURE_SSL_REDIRECT": "0"},
            "False 31536000 True True True 1",
        ),
        (
            {"BEHIND_HTTPS_PROXY": "1", "SECURE_HSTS_SECONDS": "3600", "PROXY_COUNT": "2"},
            "True 3600 True True True 2",
        ),
    ],
)
def test_https_settings_follow_the_environment(env, expected):
    result = run_python(SETTINGS_PROBE, {**STRONG_KEY, **env})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_session_age_and_lockout_come_from_the_environment():
    code = (
        "import ctn.settings as s; "
        "print(s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.seconds)"
    )
    env = {"SESSION_COOKIE_AGE": "1800", "AXES_FAILURE_LIMIT": "3", "AXES_COOLOFF_MINUTES": "10"}

    result = run_python(code, {**STRONG_KEY, **env})

    assert result.stdout.split() == ["1800", "3", "600"]


PRODUCTION = {
    **STRONG_KEY,
    "ALLOWED_HOSTS": "ctn.jigisemejiri.ml",
    "CSRF_TRUSTED_ORIGINS": "https://ctn.jigisemejiri.ml",
    "BEHIND_HTTPS_PROXY": "1",
}


def check_deploy(env):
    return run_python(None, env, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"])


def test_check_deploy_is_clean_with_the_production_variables():
    result = check_deploy(PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_fails_without_https_behind_the_proxy():
    env = {k: v for k, v in PRODUCTION.items() if k != "BEHIND_HTTPS_PROXY"}

    result = check_deploy(env)

    assert result.returncode == 1
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in result.stderr


def test_http_is_redirected_to_https_and_https_gets_hsts(settings, db):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()

    plain = client.get(LOGIN_URL)
    secure = client.get(LOGIN_URL, HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
