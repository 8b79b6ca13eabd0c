from django.urls import path

from sessions import views

app_name = "sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
] + [
    # One screen per section of the session: /sessions/<pk>/cochairs/, …/agenda/, …
    path(f"<int:pk>/{slug}/", views.section_edit, {"section": slug}, name=slug)
    for slug in views.SECTIONS
]
