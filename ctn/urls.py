from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ctn import views as ctn_views
from participants import views as participant_views
from sessions import views as session_views

urlpatterns = [
    path("", session_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", participant_views.profile, name="profile"),
    path(
        "accounts/profile/calendar/",
        participant_views.calendar_link_create,
        name="calendar_link_create",
    ),
    path(
        "accounts/profile/calendar/revoke/",
        participant_views.calendar_link_revoke,
        name="calendar_link_revoke",
    ),
    path("calendar.ics", session_views.calendar_feed, name="calendar"),
    path("search/", session_views.search, name="search"),
    path("healthz/", ctn_views.healthz, name="healthz"),
    path("readyz/", ctn_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("sessions/", include("sessions.urls")),
    path("participants/", include("participants.urls")),
    path("reports/", include("reports.urls")),
]
