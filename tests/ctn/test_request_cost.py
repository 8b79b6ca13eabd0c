"""The fixed cost of a logged-in request: the session from the shared cache, the user and their
roles in two plain queries."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from ctn.roles import RolesModelBackend, can_edit, is_coordinator, user_roles
from tests.factories import UserFactory


def test_the_logged_in_user_comes_with_their_roles(coordinator):
    with CaptureQueriesContext(connection) as queries:
        user = RolesModelBackend().get_user(coordinator.pk)
        roles = (user_roles(user), can_edit(user), is_coordinator(user))

    assert roles == (frozenset({"coordinator"}), True, True)
    assert len(queries) == 2


def test_a_user_without_a_role_has_none(db):
    user = UserFactory(username="nobody")

    loaded = RolesModelBackend().get_user(user.pk)

    assert user_roles(loaded) == frozenset()


def test_an_inactive_or_unknown_user_is_not_loaded(db):
    inactive = UserFactory(username="gone", is_active=False, role="partner")

    assert RolesModelBackend().get_user(inactive.pk) is None
    assert RolesModelBackend().get_user(inactive.pk + 1000) is None


def test_a_page_reads_no_session_and_the_roles_once(login, secretariat):
    client = login(secretariat)
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    sql = [query["sql"] for query in queries.captured_queries]
    assert response.status_code == 200
    assert not [query for query in sql if "django_session" in query]
    assert len([query for query in sql if "auth_group" in query]) == 1
    assert len([query for query in sql if 'FROM "auth_user"' in query]) == 1


def test_sessions_are_in_the_database_and_in_a_cache_shared_by_the_workers():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert settings.SESSION_CACHE_ALIAS == "sessions"


@override_settings(
    CACHES={
        **settings.CACHES,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
)
def test_logging_out_removes_the_session_from_the_shared_cache(login, partner):
    client = login(partner)
    key = client.session.session_key
    cache_key = f"django.contrib.sessions.cached_db{key}"
    client.get("/")
    assert caches["sessions"].get(cache_key)[SESSION_KEY] == str(partner.pk)

    client.post("/accounts/logout/")

    assert caches["sessions"].get(cache_key) is None
