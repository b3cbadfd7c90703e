"""1C sync runs, read-only for administrators (counts, rejected rows and why)."""

from django.contrib import admin

from integrations.onec.models import SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "entity",
        "status",
        "started_at",
        "finished_at",
        "fetched",
        "inserted",
        "updated",
        "unchanged",
        "archived",
        "rejected",
    ]
    list_filter = ["status", "entity"]
    readonly_fields = [f.name for f in SyncRun._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
