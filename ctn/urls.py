from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ctn import views as ctn_views
from sessions import views as session_views

urlpatterns = [
    path("", session_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", ctn_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("sessions/", include("sessions.urls")),
    path("participants/", include("participants.urls")),
    path("reports/", include("reports.urls")),
]
