"""1C sync runs, read-only for administrators (counts, rejected rows and why), with "run now"."""

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from crm.core.outbox import enqueue
from integrations.onec import tasks
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
    change_list_template = "admin/onec/syncrun_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        run_now = self.admin_site.admin_view(self.run_now)
        return [path("run-now/", run_now, name="onec_syncrun_run_now"), *super().get_urls()]

    def run_now(self, request):
        """Queue the dictionaries' sync at once (POST only; the list shows it when done)."""
        if request.method != "POST" or not request.user.has_perm("onec.view_syncrun"):
            return redirect("admin:onec_syncrun_changelist")
        if not tasks.configured():
            messages.error(
                request, _("No 1C is configured: set ONEC_URL, ONEC_USER and ONEC_PASSWORD.")
            )
        else:
            with transaction.atomic():
                enqueue("onec.sync_dictionaries", queue="long")
            messages.success(request, _("The sync is queued; refresh this list in a minute."))
        return redirect(reverse("admin:onec_syncrun_changelist"))
