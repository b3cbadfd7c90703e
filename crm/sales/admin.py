"""Admin of the sales ledger: lines and monthly sums read-only (the services and the triggers
write them), plans and dealer segments editable by administrators (staff use the plan grid,
the import wizard and the segment pages)."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.core import access
from crm.core.generic import capped_count
from crm.sales.models import (
    DealerSegment,
    Plan,
    SalesLine,
    SalesMonth,
    SalesMonthOutlet,
    SalesMonthRegion,
)


class CappedPaginator(Paginator):
    """Counts at most 10,000 rows: a COUNT(*) over ten million lines takes seconds."""

    @cached_property
    def count(self):
        return capped_count(self.object_list, 10_000)[0]


class ReadOnlyAdmin(admin.ModelAdmin):
    paginator = CappedPaginator
    show_full_result_count = False
    ordering = ["-id"]  # the primary key, backwards: no sort over the whole table

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SalesLine)
class SalesLineAdmin(ReadOnlyAdmin):
    """Lines come from the ERP sync, dealers' reports and imports; removing them is the
    services' job (crm.sales.services.remove_lines), so that a source can send them again."""

    list_display = [
        "date",
        "flow",
        "external_id",
        "source",
        "organisation",
        "outlet",
        "product_group",
        "quantity",
        "amount",
    ]
    list_filter = ["flow", "source", "channel"]
    search_fields = ["=external_id", "=document_number", "=document_key"]
    search_help_text = _("An external id, a document number or a document key, exactly.")
    list_select_related = ["organisation", "outlet", "product_group"]


class MonthlySumsAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "flow",
        "source",
        "organisation_id",
        "product_group_id",
        "region_id",
        "quantity",
        "amount",
        "line_count",
    ]
    list_filter = ["flow", "source"]


@admin.register(SalesMonth)
class SalesMonthAdmin(MonthlySumsAdmin):
    """Sums kept by triggers on the lines; ``crm.sales.rollups.rebuild`` recomputes them."""


@admin.register(SalesMonthOutlet)
class SalesMonthOutletAdmin(MonthlySumsAdmin):
    list_display = [
        *MonthlySumsAdmin.list_display[:4],
        "outlet_id",
        *MonthlySumsAdmin.list_display[4:],
    ]


@admin.register(SalesMonthRegion)
class SalesMonthRegionAdmin(ReadOnlyAdmin):
    """Sums per region, without the organisation; seen with the monthly sums' permission."""

    list_display = [
        "month",
        "flow",
        "source",
        "region_id",
        "product_group_id",
        "quantity",
        "amount",
        "line_count",
    ]
    list_filter = ["flow", "source"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(access.permission_name(SalesMonthRegion, "view"))

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "period_kind",
        "period_start",
        "flow",
        "target_display",
        "product_group",
        "quantity",
        "amount",
    ]
    list_filter = ["period_kind", "flow"]
    search_fields = ["organisation__name", "outlet__name", "target_region__name"]
    list_select_related = [
        "outlet",
        "organisation",
        "target_region",
        "target_org_unit",
        "segment",
        "product_group",
    ]
    raw_id_fields = [
        "outlet",
        "organisation",
        "target_region",
        "target_org_unit",
        "segment",
        "product_group",
    ]
    fields = [
        "period_kind",
        "period_start",
        "period_end",
        "flow",
        "outlet",
        "organisation",
        "target_region",
        "target_org_unit",
        "segment",
        "product_group",
        "quantity",
        "amount",
    ]
    readonly_fields = ["period_end"]

    @admin.display(description=_("target"))
    def target_display(self, obj):
        return obj.target


@admin.register(DealerSegment)
class DealerSegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "org_unit"]
    search_fields = ["name"]
    raw_id_fields = ["members", "owner", "org_unit"]
