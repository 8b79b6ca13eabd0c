from django.urls import path

from reports import record_views, views

app_name = "reports"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("verify/", views.verify, name="verify"),
    path("<int:session_pk>/", views.detail, name="detail"),
    path("<int:session_pk>/preview.pdf", views.preview_pdf, name="preview_pdf"),
    path("<int:session_pk>/submit/", views.submit, name="submit"),
    path("<int:session_pk>/validate/", views.validate, name="validate"),
    path("<int:session_pk>/original/", views.attach_original, name="original"),
    path("<int:session_pk>/return/", views.return_to_draft, name="return"),
    path("<int:session_pk>/erratum/", views.open_erratum, name="erratum"),
    path("<int:session_pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("<int:session_pk>/minutes-v<int:number>.pdf", views.version_pdf, name="version_pdf"),
    path("<int:session_pk>/minutes.json", record_views.minutes_json, name="minutes_json"),
    path(
        "<int:session_pk>/minutes-v<int:number>.json",
        record_views.version_json,
        name="version_json",
    ),
    path("<int:session_pk>/attendance.pdf", views.attendance_pdf, name="attendance_pdf"),
    path("<int:session_pk>/convocation.pdf", views.convocation_pdf, name="convocation_pdf"),
]
