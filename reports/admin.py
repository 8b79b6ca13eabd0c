"""Read-only admin of the minutes: the workflow changes them only through reports/services.py."""

from django.contrib import admin

from reports.models import AuditEvent, Download, Minutes, MinutesEvent, MinutesVersion


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MinutesVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MinutesVersion
    fields = [
        "number",
        "validated_at",
        "validated_by",
        "validated_during",
        "outcome",
        "size",
        "sha256",
        "superseded_at",
        "erratum_reason",
    ]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")


class MinutesEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MinutesEvent
    fields = ["at", "action", "from_status", "to_status", "version", "actor", "during", "comment"]
    readonly_fields = fields
    extra = 0


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["session", "status", "version", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["session__committee"]
    readonly_fields = ["session", "status", "version", "created_at", "updated_at"]
    inlines = [MinutesVersionInline, MinutesEventInline]


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "version"]
    list_select_related = ["user", "version__minutes__session__committee"]
    date_hierarchy = "at"
    readonly_fields = ["at", "user", "version"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("version__pdf")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "username", "ip_address", "method", "path", "status_code"]
    list_filter = ["kind"]
    search_fields = ["username", "path", "detail"]
    date_hierarchy = "at"
    readonly_fields = [
        "at",
        "kind",
        "user",
        "username",
        "ip_address",
        "method",
        "path",
        "status_code",
        "session",
        "detail",
    ]
