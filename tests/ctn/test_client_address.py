"""Behind the HTTPS proxy, the client's address comes from X-Forwarded-For (ctn/security.py,
client_ip). A value there that is not an IP address never breaks a request: the address is
recorded as unknown (None) in the audit trail and for django-axes, on both databases (an
invalid address is a 500 on PostgreSQL's inet column otherwise)."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from ctn.security import client_ip
from reports.models import AuditEvent
from tests.factories import PASSWORD

NOT_ADDRESSES = [
    "nonsense",
    "1.2.3.4, <script>",
    "1.2.3.4, ",
    "1.2.3.4,,",
    "fe80::1%eth0",
    "999.1.1.1",
    "41.73.100.7:8080",
    "[2001:db8::1]",
    "' OR 1=1 --",
    "1.2.3.4\x00",
]


@pytest.fixture(autouse=True)
def behind_the_proxy(settings):
    """As with BEHIND_HTTPS_PROXY=1: one trusted proxy appends the client's address."""
    settings.PROXY_COUNT = 1


@pytest.mark.parametrize("forwarded", NOT_ADDRESSES)
def test_what_is_not_an_ip_address_is_an_unknown_client(forwarded):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) is None


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("41.73.100.7", "41.73.100.7"),
        ("6.6.6.6, 41.73.100.7", "41.73.100.7"),
        ("nonsense, 41.73.100.7", "41.73.100.7"),
        (" 2001:DB8:0:0::1 ", "2001:db8::1"),
    ],
)
def test_an_ip_address_is_kept_in_its_usual_form(forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_without_a_proxy_an_invalid_remote_address_is_unknown_too(settings):
    settings.PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="unix:/run/gunicorn.sock")

    assert client_ip(request) is None


@pytest.mark.parametrize("forwarded", NOT_ADDRESSES)
def test_a_failed_log_in_with_a_bad_forwarded_address_is_refused_and_recorded_unknown(
    client, secretariat, forwarded
):
    response = client.post(
        "/accounts/login/",
        {"username": "awa", "password": "wrong"},
        HTTP_X_FORWARDED_FOR=forwarded,
    )

    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()
    assert list(AuditEvent.objects.values_list("kind", "username", "ip_address")) == [
        (AuditEvent.Kind.LOGIN_FAILED, "awa", None)
    ]
    assert list(
        AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")
    ) == [("awa", None, 1)]


def test_a_log_in_with_a_bad_forwarded_address_succeeds_and_is_recorded_unknown(
    client, secretariat
):
    response = client.post(
        "/accounts/login/",
        {"username": "awa", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="1.2.3.4, <script>",
    )

    assert (response.status_code, response["Location"]) == (302, "/")
    assert list(AuditEvent.objects.values_list("kind", "ip_address")) == [
        (AuditEvent.Kind.LOGIN, None)
    ]


@pytest.mark.parametrize("forwarded", ["nonsense", "1.2.3.4, ", "fe80::1%eth0"])
@pytest.mark.parametrize(("url", "status"), [("/sessions/new/", 403), ("/sessions/999999/", 404)])
def test_a_logged_refusal_with_a_bad_forwarded_address_answers_and_is_recorded_unknown(
    login, partner, forwarded, url, status
):
    client = login(partner)

    response = client.get(url, HTTP_X_FORWARDED_FOR=forwarded)

    assert response.status_code == status
    assert list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.REFUSED).values_list(
            "status_code", "path", "ip_address"
        )
    ) == [(status, url, None)]


def test_a_good_forwarded_address_is_recorded(login, partner):
    client = login(partner)

    response = client.get("/sessions/new/", HTTP_X_FORWARDED_FOR="6.6.6.6, 41.73.100.7")

    assert response.status_code == 403
    assert list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.REFUSED).values_list("ip_address", flat=True)
    ) == ["41.73.100.7"]
