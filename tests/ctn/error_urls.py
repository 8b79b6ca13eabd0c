"""The site's routes, and views that answer each error status, for tests/ctn/test_error_pages.py
(only the statuses the site has no route to answer on demand)."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.shortcuts import render
from django.urls import path

from ctn.urls import urlpatterns as site_urlpatterns


@login_not_required
def refused(request):
    raise PermissionDenied


@login_not_required
def too_many(request):
    return render(request, "429.html", status=429)


@login_not_required
def broken(request):
    raise RuntimeError("a bug in a view")


@login_not_required
def reads_the_database(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return render(request, "home.html")


@login_not_required
def unavailable(request):
    return render(request, "503.html", {"message": request.GET.get("message", "")}, status=503)


urlpatterns = [
    path("errors/403/", refused),
    path("errors/429/", too_many),
    path("errors/500/", broken),
    path("errors/database/", reads_the_database),
    path("errors/503/", unavailable),
    *site_urlpatterns,
]
