from django.urls import path

from participants import views

app_name = "participants"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
    path("people/", views.person_list, name="person_list"),
]
