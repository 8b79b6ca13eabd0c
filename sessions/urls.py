from django.urls import path

from sessions import views

app_name = "sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/followups/", views.followup_edit, name="followups"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/new/", views.tag_create, name="tag_create"),
    path("tags/<int:pk>/edit/", views.tag_edit, name="tag_edit"),
    path("<int:pk>/annexes/", views.annex_list, name="annexes"),
    path("<int:pk>/annexes/<int:annex_pk>/", views.annex_download, name="annex_download"),
    path("<int:pk>/annexes/<int:annex_pk>/delete/", views.annex_delete, name="annex_delete"),
    # Spreadsheets (XLSX and CSV) of one session, and of every session the user may see.
    path(
        "<int:pk>/recommendations.xlsx",
        views.recommendations_export,
        {"file_format": "xlsx"},
        name="recommendations_xlsx",
    ),
    path(
        "<int:pk>/recommendations.csv",
        views.recommendations_export,
        {"file_format": "csv"},
        name="recommendations_csv",
    ),
    path(
        "<int:pk>/attendance.xlsx",
        views.attendance_export,
        {"file_format": "xlsx"},
        name="attendance_xlsx",
    ),
    path(
        "<int:pk>/attendance.csv",
        views.attendance_export,
        {"file_format": "csv"},
        name="attendance_csv",
    ),
    path(
        "recommendations.xlsx",
        views.all_recommendations_export,
        {"file_format": "xlsx"},
        name="all_recommendations_xlsx",
    ),
    path(
        "recommendations.csv",
        views.all_recommendations_export,
        {"file_format": "csv"},
        name="all_recommendations_csv",
    ),
    path("<int:pk>/history/", views.session_history, name="history"),
] + [
    # One screen per section of the session: /sessions/<pk>/cochairs/, …/agenda/, …
    path(f"<int:pk>/{slug}/", views.section_edit, {"section": slug}, name=slug)
    for slug in views.SECTIONS
]
