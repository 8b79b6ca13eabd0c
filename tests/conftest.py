import os

import pytest
from django.core.cache import caches

from ctn.roles import RolesModelBackend
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _empty_shared_caches():
    """Rendered pages, change stamps, users and sessions are cached by ids and versions, which
    a rolled-back test may reuse."""
    yield
    caches["pages"].clear()
    caches["sessions"].clear()
    caches["pdfs"].clear()


@pytest.fixture(scope="session", autouse=True)
def signing_certificate(tmp_path_factory):
    """The committee's certificate that signs the PDFs of record: a self-signed one made for
    the run (no private key is kept in the repository), given to this process's settings and,
    through the environment, to the servers the tests start. Returns (path, passphrase)."""
    from django.conf import settings

    from reports.signing import self_signed_pkcs12

    passphrase = "tests-only-passphrase"  # noqa: S105  # nosec B105
    path = tmp_path_factory.mktemp("signing") / "committee.p12"
    path.write_bytes(
        self_signed_pkcs12("Comité Technique National (tests)", "CTN", passphrase.encode())
    )
    values = {
        "SIGNING_PKCS12_FILE": str(path),
        "SIGNING_PKCS12_PASSPHRASE": passphrase,
        "SIGNING_PKCS12_PASSPHRASE_FILE": "",
    }
    for name, value in values.items():
        setattr(settings, name, value)
        os.environ[name] = value
    return path, passphrase


@pytest.fixture(autouse=True)
def _own_cache_dir(settings, tmp_path):
    """Files kept on disk (the verified copies of the PDFs) in the test's own folder, never in
    the project's, which other runs share."""
    settings.CACHE_DIR = tmp_path / "cache"


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
        # As after the user's first page: the logged-in user is in the shared cache (the log-in
        # itself saves the user, which drops the cached copy), so that two requests of a test
        # cost the same whichever comes first.
        RolesModelBackend().get_user(user.pk)
        return client

    return _login
