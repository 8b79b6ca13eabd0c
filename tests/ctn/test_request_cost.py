"""The fixed cost of a logged-in request: the session, the user with their roles and the change
stamps come from the cache the workers share; every write that could change them drops them."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from ctn.cache import drop_kept_stamps, latest_change
from ctn.roles import RolesModelBackend, can_edit, is_coordinator, user_roles
from sessions.models import Session
from tests.factories import PASSWORD, SessionFactory, UserFactory


def load(user_id):
    return RolesModelBackend().get_user(user_id)


def test_the_logged_in_user_comes_with_their_roles_then_from_the_cache(coordinator):
    with CaptureQueriesContext(connection) as first:
        user = load(coordinator.pk)
        roles = (user_roles(user), can_edit(user), is_coordinator(user))
    with CaptureQueriesContext(connection) as second:
        again = load(coordinator.pk)
        roles_again = (user_roles(again), can_edit(again), is_coordinator(again))

    assert roles == roles_again == (frozenset({"coordinator"}), True, True)
    assert len(first) == 1
    assert len(second) == 0


def test_a_user_with_two_roles_is_read_once_with_both(db):
    user = UserFactory(username="both", role="secretariat")
    user.groups.add(Group.objects.get(name="coordinator"))

    loaded = load(user.pk)

    assert loaded == user
    assert (loaded.username, loaded.is_active) == ("both", True)
    assert loaded.date_joined == user.date_joined
    assert user_roles(loaded) == frozenset({"secretariat", "coordinator"})
    assert not hasattr(loaded, "ctn_role")


def test_a_user_without_a_role_has_none(db):
    user = UserFactory(username="nobody")

    loaded = load(user.pk)

    assert user_roles(loaded) == frozenset()


def test_an_inactive_or_unknown_user_is_not_loaded(db):
    inactive = UserFactory(username="gone", is_active=False, role="partner")

    assert load(inactive.pk) is None
    assert load(inactive.pk + 1000) is None
    assert load("not-a-number") is None


def test_a_deactivated_user_is_refused_at_their_next_request(login, secretariat):
    client = login(secretariat)
    assert client.get("/").status_code == 200

    secretariat.is_active = False
    secretariat.save()

    assert load(secretariat.pk) is None
    assert client.get("/").status_code == 302


def test_a_role_taken_away_or_given_counts_at_the_next_request(login, secretariat, partner):
    client = login(secretariat)
    assert client.get("/sessions/new/").status_code == 200
    assert can_edit(load(secretariat.pk))

    secretariat.groups.clear()
    assert not can_edit(load(secretariat.pk))
    assert client.get("/sessions/new/").status_code == 403

    Group.objects.get(name="coordinator").user_set.add(secretariat)
    assert is_coordinator(load(secretariat.pk))
    assert client.get("/sessions/new/").status_code == 200

    load(partner.pk)
    Group.objects.get(name="partner").user_set.remove(partner)
    assert user_roles(load(partner.pk)) == frozenset()


def test_a_group_renamed_changes_the_roles_of_its_members(coordinator):
    assert is_coordinator(load(coordinator.pk))

    group = Group.objects.get(name="coordinator")
    group.name = "former coordinators"
    group.save()

    assert user_roles(load(coordinator.pk)) == frozenset({"former coordinators"})


def test_a_new_password_ends_the_other_sessions(client, partner):
    assert client.login(username=partner.username, password=PASSWORD)
    assert client.get("/").status_code == 200

    partner.set_password("another-long-password-2019")
    partner.save()

    assert client.get("/").status_code == 302


def test_a_page_reads_no_session_no_user_and_no_stamp_from_the_database(login, secretariat):
    client = login(secretariat)
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    assert response.status_code == 200
    assert [query["sql"] for query in queries.captured_queries] == []


def test_the_change_stamp_follows_every_write_without_asking_the_database_in_between(db):
    before = latest_change(Session)
    with CaptureQueriesContext(connection) as queries:
        assert latest_change(Session) == before
    assert len(queries) == 0

    session = SessionFactory(number=19, status=Session.Status.PLANNED)
    created = latest_change(Session)
    Session.objects.filter(pk=session.pk).update(venue="Kayes")  # bulk: no signal of its own
    updated = latest_change(Session)
    session.delete()

    assert len({before, created, updated, latest_change(Session)}) == 4


def test_a_transaction_drops_the_stamps_once_at_commit_however_many_rows_it_writes(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        SessionFactory.create_batch(3, status=Session.Status.PLANNED)

    assert [callback for callback in callbacks if callback is drop_kept_stamps] == [
        drop_kept_stamps
    ]


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
