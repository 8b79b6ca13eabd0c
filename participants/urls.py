from django.urls import path

from participants import search_views, views

app_name = "participants"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/search.json", search_views.person_search, name="person_search"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
]
