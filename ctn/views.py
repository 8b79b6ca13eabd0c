from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ctn.cache_backends import cache_answers
from ctn.uploads import upload_refusal


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness probe for a reverse proxy or load balancer; touches no database."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """Readiness probe: 200 "ok" when the database and the shared caches answer, else 503 with
    the reasons, one a line (the caches are optional for the pages, not for a healthy server)."""
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        problems.append(_("The database does not answer."))
    for alias in ("pages", settings.SESSION_CACHE_ALIAS):
        if not cache_answers(caches[alias]):
            problems.append(_("The cache “%(alias)s” does not answer.") % {"alias": alias})
    if problems:
        return HttpResponse(
            "\n".join(problems), status=503, content_type="text/plain; charset=utf-8"
        )
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    """Django's CSRF refusal (403, templates/403_csrf.html), except for a body refused unread
    for its size (ctn/uploads.py): its token could not be read, and the user is told why."""
    refusal = upload_refusal(request)
    if refusal is None:
        return csrf.csrf_failure(request, reason)
    message = refusal.message % refusal.params
    return render(request, "413.html", {"message": message, "back": request.path}, status=413)
