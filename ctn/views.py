from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness probe for a reverse proxy or load balancer; touches no database."""
    return HttpResponse("ok", content_type="text/plain")
