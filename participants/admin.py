from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ctn.freeze import FrozenSessionAdminMixin
from participants.models import Attendance, Membership, Organization, Person


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "is_partner"]
    list_filter = ["kind", "is_partner"]
    search_fields = ["acronym", "name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "civility", "function", "organization", "email"]
    list_filter = ["organization__kind", "organization"]
    list_select_related = ["organization"]
    search_fields = ["first_name", "last_name", "function", "email", "organization__acronym"]
    autocomplete_fields = ["organization", "user"]


@admin.register(Attendance)
class AttendanceAdmin(FrozenSessionAdminMixin, admin.ModelAdmin):
    list_display = ["person", "session", "status", "represented_by", "days"]
    list_filter = ["status", "session__committee", "session"]
    list_select_related = ["person__organization", "session__committee"]
    search_fields = ["person__first_name", "person__last_name", "person__organization__acronym"]
    autocomplete_fields = ["person", "session"]

    @admin.display(description=_("days present"))
    def days(self, attendance):
        return attendance.days_label


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["organization", "committee", "representative"]
    list_filter = ["committee"]
    list_select_related = ["organization", "committee", "representative__organization"]
    autocomplete_fields = ["organization", "representative"]
