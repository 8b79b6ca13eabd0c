"""Log-in protection helpers wired in settings: the lockout backend and the client's address."""

import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import render


class LoginAttemptBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Every log-in over HTTP passes the request (Django's AuthenticationForm does), so it is
    counted and locked by user name and address together. A call without a request comes from
    server-side code (a management command, the shell, the test client's ``login()``): there
    is no remote address to lock, so it is left to the next backend instead of raising
    ``AxesBackendRequestParameterRequired`` as axes does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request):
    """The address that sent the request, as axes keys its lockouts on it and the audit trail
    records it; None when it is not an IP address.

    Behind ``PROXY_COUNT`` trusted reverse proxies, each one appends the address it received the
    request from to X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right;
    entries further left were written by the client itself and cannot be trusted. Without a
    proxy, REMOTE_ADDR is the client. Whatever the header holds (a name, a port, a zone, an
    empty entry, markup), only a plain IPv4 or IPv6 address is returned, in its usual form.
    """
    count = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        # Empty entries count: skipping them would move the trusted position leftwards.
        entries = forwarded.split(",")
        return _ip_address(entries[-min(count, len(entries))])
    return _ip_address(request.META.get("REMOTE_ADDR"))


def _ip_address(value):
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    # A zone ("fe80::1%eth0") names an interface of the proxy, not the client.
    if getattr(address, "scope_id", None):
        return None
    return str(address)


def lockout_response(request, original_response=None, credentials=None):
    """The French page shown instead of the log-in form while a user and address are locked."""
    return render(
        request,
        "registration/locked.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
