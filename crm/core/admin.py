"""Admin of the core: the task outbox, worker heartbeats and the export log (API keys:
admin_api.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.core.models import ExportLog, OutboxMessage, WorkerHeartbeat

admin.site.site_header = _("Dealer CRM: administration")
admin.site.site_title = _("Dealer CRM administration")
admin.site.index_title = _("Settings and reference data")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task_name", "queue", "created_at", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "queue", "task_name"]
    search_fields = ["task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "seen_at"]
    readonly_fields = ["hostname", "seen_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Who exported what: evidence, so nobody adds, changes or deletes entries here."""

    list_display = [
        "created_at",
        "user",
        "model",
        "file_format",
        "rows",
        "status",
        "sha256_short",
    ]
    list_filter = ["status", "model", "file_format"]
    date_hierarchy = "created_at"
    search_fields = ["user__username"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ExportLog._meta.fields]

    @admin.display(description=_("file SHA-256"), ordering="sha256")
    def sha256_short(self, obj):
        return obj.sha256[:12]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from crm.core import admin_api  # noqa: E402, F401  (the API key admin, owned by the API area)
