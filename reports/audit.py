"""The audit trail's own entries (AuditEvent): log-ins, refusals, altered PDFs.

Changes to the records themselves are kept by django-simple-history (a `history` on each
audited model, the user taken from the request by HistoryRequestMiddleware, bulk writes through
ctn.history.HistoryQuerySet). This module adds what is not a change of a record: log-ins and
failed log-ins (auth signals: a logging side effect, not business), refusals (the middleware
below) and altered PDFs refused at download. The history page reads them: reports/history.py.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied

from ctn.security import client_ip
from reports.models import AuditEvent

# Responses the audit trail records as refusals.
REFUSAL_STATUSES = {403, 404, 405, 409}


def record(kind, request=None, *, user=None, username="", session_id=None, status=None, detail=""):
    """Write one AuditEvent; the request gives the user, address, method and path."""
    if request is not None:
        request_user = getattr(request, "user", None)
        if user is None and request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is not None and not username:
        username = user.get_username()
    return AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        ip_address=client_ip(request) if request is not None else None,
        method=(request.method or "") if request is not None else "",
        path=request.get_full_path()[:500] if request is not None else "",
        status_code=status,
        session_id=session_id,
        detail=str(detail),
    )


def record_altered_pdf(version, session_id, request=None, **fields):
    """A validated PDF whose stored bytes no longer match the fingerprint recorded at its
    validation: refused at download, or found by verify_minutes."""
    return record(
        AuditEvent.Kind.TAMPERED,
        request,
        session_id=session_id,
        detail=f"version {version.number}, sha256 {version.sha256}",
        **fields,
    )


def session_id_of(request):
    """The session a URL is about: `pk` under /sessions/, `session_pk` under /reports/."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if "session_pk" in match.kwargs:
        return match.kwargs["session_pk"]
    if match.namespace == "sessions" and "pk" in match.kwargs:
        return match.kwargs["pk"]
    return None


def on_logged_in(sender, request, user, **kwargs):
    record(AuditEvent.Kind.LOGIN, request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditEvent.Kind.LOGOUT, request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password already masked by Django; keep only the name tried.
    username = str(credentials.get("username", ""))
    record(AuditEvent.Kind.LOGIN_FAILED, request, username=username)


def connect_signals():
    user_logged_in.connect(on_logged_in, dispatch_uid="audit_logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit_logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")


class RefusalAuditMiddleware:
    """Records every refusal an authenticated user meets: 403 (role, frozen session), 404
    (an object out of their reach), 405 (GET on an action) and 409 (conflicting edit, altered
    PDF). Anonymous requests are turned to the log-in page before any view, and failed log-ins
    are recorded by the signal above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in REFUSAL_STATUSES and request.user.is_authenticated:
            if not getattr(response, "audit_recorded", False):
                # A view may name its refusal: sessions' edit conflict does (kind "conflict").
                record(
                    getattr(response, "audit_kind", AuditEvent.Kind.REFUSED),
                    request,
                    session_id=session_id_of(request),
                    status=response.status_code,
                    detail=getattr(response, "audit_detail", "")
                    or getattr(request, "audit_refusal", ""),
                )
        return response

    def process_exception(self, request, exception):
        # Keep the reason of a refusal that has one (a frozen session); Django answers 403.
        if isinstance(exception, PermissionDenied) and exception.args:
            request.audit_refusal = str(exception.args[0])
