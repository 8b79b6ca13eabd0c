import pytest
from django.core.cache import caches

from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Rendered pages are cached by ids and versions, which a rolled-back test may reuse."""
    yield
    caches["pages"].clear()


@pytest.fixture
def secretariat(db):
    return UserFactory(username="awa", first_name="Awa", last_name="Diarra", role="secretariat")


@pytest.fixture
def coordinator(db):
    return UserFactory(
        username="coordo", first_name="Mahamadou", last_name="Coulibaly", role="coordinator"
    )


@pytest.fixture
def partner(db):
    return UserFactory(username="pam", first_name="Fatou", last_name="Traoré", role="partner")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def login(client):
    """Log the test client in as the given user and return the client."""

    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login
