"""/healthz/: the process answers (no database). /readyz/: the database and the shared caches
answer, else 503 with the reasons in French, in plain text; neither is ever cached."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

FAIL_SAFE = "ctn.cache_backends.FailSafeCache"
FILE_CACHE = "ctn.cache_backends.FileCache"


def file_caches(settings, folder):
    settings.CACHES = {
        **settings.CACHES,
        **{
            alias: {
                "BACKEND": FAIL_SAFE,
                "WRAPPED_BACKEND": FILE_CACHE,
                "LOCATION": str(folder / alias),
            }
            for alias in ("sessions", "pages")
        },
    }


def answer(response):
    return (
        response.status_code,
        response["Content-Type"],
        response.content.decode(),
        "no-store" in response["Cache-Control"],
    )


def database_down(*args, **kwargs):
    raise OperationalError("could not connect to server: Connection refused")


def test_healthz_answers_without_the_database():
    # No `db` fixture: pytest-django refuses any database access in this test.
    response = Client().get("/healthz/")

    assert answer(response) == (200, "text/plain", "ok", True)


def test_readyz_answers_ok_when_the_database_and_the_caches_answer(db):
    response = Client().get("/readyz/")

    assert answer(response) == (200, "text/plain", "ok", True)


def test_readyz_answers_ok_with_the_file_caches_of_production(db, settings, tmp_path):
    file_caches(settings, tmp_path / "cache")

    response = Client().get("/readyz/")

    assert answer(response) == (200, "text/plain", "ok", True)


def test_readyz_answers_503_when_the_database_is_down(db, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", database_down)
        response = Client().get("/readyz/")

    assert answer(response) == (
        503,
        "text/plain; charset=utf-8",
        "La base de données ne répond pas.",
        True,
    )


def test_readyz_answers_503_when_the_caches_cannot_be_written(db, settings, tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    file_caches(settings, blocked)

    response = Client().get("/readyz/")

    assert answer(response) == (
        503,
        "text/plain; charset=utf-8",
        "Le cache « pages » ne répond pas.\nLe cache « sessions » ne répond pas.",
        True,
    )


def test_healthz_says_ok_while_the_database_is_down(db, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", database_down)
        response = Client().get("/healthz/")

    assert answer(response) == (200, "text/plain", "ok", True)


@pytest.mark.parametrize("url", ["/healthz/", "/readyz/"])
def test_the_probes_need_no_log_in_and_take_only_get(db, url):
    response = Client().post(url)

    assert (response.status_code, response["Allow"]) == (405, "GET")
