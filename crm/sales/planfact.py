"""Plan vs fact for staff (issue #7), with drill-down and its XLSX export.

Plan vs fact reads only the monthly sums and the plans (crm.sales.selectors), a fixed handful
of queries whatever the ledger's size; each row leads one level down (region → its dealers →
a dealer's outlets → product groups). Sell-in and sell-out are separate pages of the same
report, never one sum. The page is for staff; rows come through the access rules.
"""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.catalog.models import ProductGroup
from crm.core import exporting
from crm.core.generic import ScopedView
from crm.core.models import ExportStatus
from crm.sales import planfact_table as tables
from crm.sales.choices import Flow, Level
from crm.sales.models import SalesMonth
from crm.sales.planfact_cut import AMOUNT, BOTH, QUANTITY, Cut, read_cut
from crm.sales.planfact_periods import offered
from crm.sales.selectors import plan_vs_fact_table

PAGE_ROWS = 500  # a wider cut shows its largest rows: narrow it by region or dealer
EXPORT_PERMISSION = "sales.export_salesline"
LEVELS = (Level.REGION, Level.DEALER, Level.OUTLET, Level.PRODUCT_GROUP)


class StaffReportMixin:
    """Reports for staff: dealers and other outside parties have their own doors."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_outside_party:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PlanFactView(StaffReportMixin, ScopedView):
    """Plan vs fact of one cut; ``?export=xlsx`` gives the same cut as a file."""

    model = SalesMonth
    template_name = "sales/planfact/report.html"

    def get(self, request):
        cut = read_cut(request)
        exporting_file = request.GET.get("export") == "xlsx"
        limit = settings.EXPORT_ASYNC_THRESHOLD if exporting_file else PAGE_ROWS
        table = plan_vs_fact_table(request.user, limit=limit, **cut.selector_filters())
        shown = tables.in_units(tables.measures(request.user, table, cut.level), cut.units)
        if exporting_file:
            return self.export(cut, table, shown)
        return render(request, self.template_name, self.context(cut, table, shown))

    def context(self, cut: Cut, table, shown) -> dict:
        user = self.request.user
        base = reverse("sales:planfact")
        return {
            "title": _("Plan vs fact"),
            "cut": cut,
            "table": table,
            "measures": shown,
            "lines": tables.lines(cut, table, shown),
            "total_cells": tables.total_cells(table, shown),
            "bar_unit": tables.bar_unit(shown),
            "first_column": tables.first_column(cut.level),
            "crumbs": _crumbs(cut, base),
            "flows": [(value, label, cut.query(flow=value)) for value, label in Flow.choices],
            "levels": [(level, Level(level).label, cut.query(level=level)) for level in LEVELS],
            "units": [
                (value, label, cut.query(units=value))
                for value, label in (
                    (AMOUNT, _("Roubles")),
                    (QUANTITY, _("Quantity")),
                    (BOTH, _("Both")),
                )
            ],
            "periods": offered(timezone.localdate(), cut.period),
            "previous_url": base + cut.query(period=cut.period.previous().slug),
            "next_url": base + cut.query(period=cut.period.next().slug),
            "groups": _group_choices(user),
            "can_export": user.has_perm(EXPORT_PERMISSION),
            "export_url": base + cut.query(export="xlsx"),
            "not_reported_url": reverse("sales:not_reported"),
            "page_rows": PAGE_ROWS,
        }

    def export(self, cut: Cut, table, shown):
        """The cut as XLSX: the export permission, the daily quota and the export log apply
        as to every list export."""
        user, request = self.request.user, self.request
        if not user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        back = reverse("sales:planfact") + cut.query()
        if table.truncated:
            messages.error(
                request,
                _(
                    "This cut has %(rows)s rows; an export takes at most %(limit)s. Narrow it "
                    "by region or dealer."
                )
                % {"rows": table.count, "limit": len(table.rows)},
            )
            return redirect(back)
        rows = len(table.rows) + 1  # and the total
        query = cut.query(export="xlsx")[1:]
        try:
            exporting.quota_reserve(user, rows)
        except exporting.QuotaExceeded as refused:
            self.log(query, rows, ExportStatus.REFUSED)
            messages.error(request, refused.message)
            return redirect(back)
        entry = self.log(query, rows, ExportStatus.QUEUED)
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        header = [tables.first_column(cut.level), *[m.label for m in shown]]
        exporting.write_xlsx(
            handle, header, tables.export_rows(cut, table, shown), title=str(_("Plan vs fact"))
        )
        exporting.log_finish(entry, sha256=exporting.sha256_of_handle(handle))
        response = FileResponse(
            handle,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"plan_fact_{cut.flow}_{cut.level}_{cut.period.slug}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response

    def log(self, query: str, rows: int, status):
        return exporting.log_export(
            self.request.user,
            model=self.model,
            query=query,
            file_format="xlsx",
            rows=rows,
            status=status,
        )


def _crumbs(cut: Cut, base: str) -> list[tuple[str, str]]:
    """The way down to this cut: (label, url); the last one is the page itself."""
    keep = {"region": None, "organisation": None, "outlet": None, "product_group": None}
    crumbs = [(_("All regions"), base + cut.query(level=Level.REGION, **keep))]
    if cut.region:
        keep["region"] = cut.region.pk
        crumbs.append((cut.region.name, base + cut.query(level=Level.DEALER, **keep)))
    if cut.organisation:
        keep["organisation"] = cut.organisation.pk
        crumbs.append((cut.organisation.name, base + cut.query(level=Level.OUTLET, **keep)))
    if cut.outlet:
        keep["outlet"] = cut.outlet.pk
        crumbs.append((cut.outlet.name, base + cut.query(level=Level.PRODUCT_GROUP, **keep)))
    if cut.product_group:
        keep["product_group"] = cut.product_group.pk
        crumbs.append((cut.product_group.name, base + cut.query(level=Level.PRODUCT_GROUP, **keep)))
    return crumbs


def _group_choices(user) -> list[tuple[int, str]]:
    """Product groups for the filter, each under its parent, through the catalogue's rule."""
    groups = list(
        ProductGroup.objects.restrict(user, "view")
        .order_by()
        .values_list("pk", "parent_id", "name", "sort_order")
    )
    children: dict[int | None, list] = {}
    for pk, parent, name, order in groups:
        children.setdefault(parent, []).append((order, name.lower(), pk, name))
    known = {pk for pk, *_rest in groups}
    roots = [item for parent, items in children.items() if parent not in known for item in items]
    choices: list[tuple[int, str]] = []

    def walk(items, depth, seen):
        for _order, _key, pk, name in sorted(items):
            if pk in seen:
                continue
            choices.append((pk, "\u2003" * depth + name))
            walk(children.get(pk, []), depth + 1, seen | {pk})

    walk(roots, 0, frozenset())
    return choices
