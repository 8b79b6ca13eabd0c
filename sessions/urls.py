from django.urls import path

from sessions import (
    annex_views,
    attendance_views,
    committee_views,
    export_views,
    membership_views,
    tag_views,
    views,
)

app_name = "sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/followups/", views.followup_edit, name="followups"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("committees/", committee_views.committee_list, name="committee_list"),
    path("committees/new/", committee_views.committee_create, name="committee_create"),
    path("committees/<int:pk>/", committee_views.committee_edit, name="committee_edit"),
    path(
        "committees/<int:pk>/members/",
        membership_views.committee_members,
        name="committee_members",
    ),
    path("tags/", tag_views.tag_list, name="tag_list"),
    path("tags/new/", tag_views.tag_create, name="tag_create"),
    path("tags/<int:pk>/edit/", tag_views.tag_edit, name="tag_edit"),
    path("<int:pk>/annexes/", annex_views.annex_list, name="annexes"),
    path("<int:pk>/annexes/<int:annex_pk>/", annex_views.annex_download, name="annex_download"),
    path("<int:pk>/annexes/<int:annex_pk>/delete/", annex_views.annex_delete, name="annex_delete"),
    # Spreadsheets (XLSX and CSV) of one session, and of every session the user may see.
    path(
        "<int:pk>/recommendations.xlsx",
        export_views.recommendations_export,
        {"file_format": "xlsx"},
        name="recommendations_xlsx",
    ),
    path(
        "<int:pk>/recommendations.csv",
        export_views.recommendations_export,
        {"file_format": "csv"},
        name="recommendations_csv",
    ),
    path(
        "<int:pk>/attendance.xlsx",
        export_views.attendance_export,
        {"file_format": "xlsx"},
        name="attendance_xlsx",
    ),
    path(
        "<int:pk>/attendance.csv",
        export_views.attendance_export,
        {"file_format": "csv"},
        name="attendance_csv",
    ),
    path(
        "recommendations.xlsx",
        export_views.all_recommendations_export,
        {"file_format": "xlsx"},
        name="all_recommendations_xlsx",
    ),
    path(
        "recommendations.csv",
        export_views.all_recommendations_export,
        {"file_format": "csv"},
        name="all_recommendations_csv",
    ),
] + [
    # One screen per section of the session: /sessions/<pk>/cochairs/, …/agenda/, …; the
    # attendance list has its own (pre-filled rows, days ticked).
    path(
        f"<int:pk>/{slug}/",
        attendance_views.attendance_edit if slug == "attendance" else views.section_edit,
        {} if slug == "attendance" else {"section": slug},
        name=slug,
    )
    for slug in views.SECTIONS
]
