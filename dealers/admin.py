"""Admin of the cabinet: administrators link users to their dealer and close quarters; reports
and entries are read-only here (dealers write them in the cabinet)."""

from django.contrib import admin
from django.utils import timezone

from dealers.models import DealerMembership, ReportingPeriod, SaleEntry, SalesReport


@admin.register(DealerMembership)
class DealerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    raw_id_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "quarter_start", "is_closed", "closed_at"]
    list_filter = ["is_closed"]

    def save_model(self, request, obj, form, change):
        obj.closed_at = timezone.now() if obj.is_closed else None
        super().save_model(request, obj, form, change)


class ReadOnly(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SalesReport)
class SalesReportAdmin(ReadOnly):
    list_display = ["organisation", "quarter_start", "version", "submitted_at", "submitted_by"]
    list_filter = ["quarter_start"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "submitted_by"]


@admin.register(SaleEntry)
class SaleEntryAdmin(ReadOnly):
    list_display = ["date", "organisation", "outlet", "product", "quantity", "amount", "recorded"]
    list_filter = ["recorded"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "outlet", "product"]
