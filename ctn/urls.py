from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ctn import views as ctn_views
from participants import views as participant_views
from reports import views as report_views
from sessions import export_views, search_views
from sessions import urls as session_urls

urlpatterns = [
    path("", report_views.home, name="home"),
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
    path("calendar.ics", export_views.calendar_feed, name="calendar"),
    path("search/", search_views.search, name="search"),
    path("healthz/", ctn_views.healthz, name="healthz"),
    path("readyz/", ctn_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # The history page reads the minutes too: a reports view under the sessions' names.
    path(
        "sessions/",
        include(
            (
                [
                    *session_urls.urlpatterns,
                    path("<int:pk>/history/", report_views.session_history, name="history"),
                ],
                "sessions",
            )
        ),
    ),
    path("participants/", include("participants.urls")),
    path("reports/", include("reports.urls")),
]
