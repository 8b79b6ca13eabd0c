from django import forms
from django.contrib import admin
from django.db import models

from ctn.dates import BoundedDateField
from ctn.freeze import FrozenSessionAdminMixin
from participants.models import Attendance, Membership
from sessions.forms import SessionDatesMixin
from sessions.models import (
    AgendaItem,
    CoChair,
    Committee,
    ExpectedResult,
    Intervention,
    Recommendation,
    Session,
)

# Dates typed in the admin hold the same range as on the screens (ctn/dates.py); the admin's
# date widget is kept.
BOUNDED_DATES = {models.DateField: {"form_class": BoundedDateField}}


class SessionAdminForm(SessionDatesMixin, forms.ModelForm):
    pass


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization", "representative"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "cadence"]
    list_filter = ["cadence"]
    search_fields = ["name", "acronym", "programme"]
    inlines = [MembershipInline]


class CoChairInline(FrozenSessionAdminMixin, admin.TabularInline):
    model = CoChair
    extra = 0
    autocomplete_fields = ["person"]


class AgendaItemInline(FrozenSessionAdminMixin, admin.StackedInline):
    model = AgendaItem
    extra = 0
    autocomplete_fields = ["presenter"]


class InterventionInline(FrozenSessionAdminMixin, admin.StackedInline):
    model = Intervention
    extra = 0
    autocomplete_fields = ["speaker"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the agenda items of the session being changed.
        if db_field.name == "agenda_item":
            session_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = AgendaItem.objects.filter(session_id=session_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ExpectedResultInline(FrozenSessionAdminMixin, admin.TabularInline):
    model = ExpectedResult
    extra = 0


class RecommendationInline(FrozenSessionAdminMixin, admin.StackedInline):
    model = Recommendation
    extra = 0
    formfield_overrides = BOUNDED_DATES
    autocomplete_fields = ["responsible"]


class AttendanceInline(FrozenSessionAdminMixin, admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Session)
class SessionAdmin(FrozenSessionAdminMixin, admin.ModelAdmin):
    form = SessionAdminForm
    formfield_overrides = BOUNDED_DATES
    list_display = ["__str__", "committee", "start_date", "end_date", "city", "status"]
    list_filter = ["committee", "kind", "status", "minutes__status"]
    list_select_related = ["committee"]
    search_fields = ["city", "venue", "objective", "committee__acronym"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["rapporteurs"]
    inlines = [
        CoChairInline,
        AgendaItemInline,
        InterventionInline,
        ExpectedResultInline,
        RecommendationInline,
        AttendanceInline,
    ]


class SessionPartAdmin(FrozenSessionAdminMixin, admin.ModelAdmin):
    """The parts of a session, each searchable and filterable on its own."""

    list_filter = ["session__committee", "session"]
    list_select_related = ["session__committee"]
    autocomplete_fields = ["session"]


@admin.register(CoChair)
class CoChairAdmin(SessionPartAdmin):
    list_display = ["person", "capacity", "session", "order"]
    list_select_related = ["session__committee", "person__organization"]
    search_fields = ["person__first_name", "person__last_name", "capacity"]
    autocomplete_fields = ["session", "person"]


@admin.register(AgendaItem)
class AgendaItemAdmin(SessionPartAdmin):
    list_display = ["title", "kind", "presenter", "session", "order"]
    list_filter = ["kind", *SessionPartAdmin.list_filter]
    list_select_related = ["session__committee", "presenter__organization"]
    search_fields = ["title", "summary", "presenter__last_name"]
    autocomplete_fields = ["session", "presenter"]


@admin.register(Intervention)
class InterventionAdmin(SessionPartAdmin):
    list_display = ["__str__", "moment", "agenda_item", "session", "order"]
    list_filter = ["moment", *SessionPartAdmin.list_filter]
    list_select_related = ["session__committee", "speaker", "agenda_item"]
    search_fields = ["speaker_label", "speaker__last_name", "summary", "quote"]
    autocomplete_fields = ["session", "speaker", "agenda_item"]


@admin.register(ExpectedResult)
class ExpectedResultAdmin(SessionPartAdmin):
    list_display = ["description", "status", "session", "order"]
    list_filter = ["status", *SessionPartAdmin.list_filter]
    search_fields = ["description", "comment"]


@admin.register(Recommendation)
class RecommendationAdmin(SessionPartAdmin):
    formfield_overrides = BOUNDED_DATES
    list_display = ["text", "kind", "responsible", "due_date", "status", "session"]
    list_filter = ["kind", "status", "responsible", *SessionPartAdmin.list_filter]
    list_select_related = ["session__committee", "responsible"]
    search_fields = ["text", "solution", "responsible__acronym", "responsible_label"]
    autocomplete_fields = ["session", "responsible"]
