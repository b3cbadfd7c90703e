"""The cabinet's stock pages under /cabinet/stock/: the stock of the user's organisation (a
dealer's: and of its sub-dealers), its warehouses, the balances of a warehouse, the XLSX upload.

Every page is a dealers.views.CabinetView: staff get a 404, and rows come only through the one
access policy; a warehouse of another organisation, a sub-dealer's included, is a 404 for
every write (crm.stock.access).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core import access, records
from crm.core.imports import services as imports
from crm.core.imports.models import ImportJob, ImportStatus
from crm.stock import selectors, services
from crm.stock.forms import BalanceEntryForm, StockFilterForm, UploadForm, WarehouseForm
from crm.stock.imports import BALANCES
from crm.stock.models import DealerWarehouse, StockBalance
from dealers.views import CabinetView

PAGE_SIZE = 100
UPLOAD_COLUMNS = ("warehouse", "product", "quantity")


class StockCabinetView(CabinetView):
    """A cabinet page of the stock app (its templates live in crm/stock/templates/stock/)."""

    def page(self, template: str, context: dict, status: int = 200):
        context = {"cabinet": self.cabinet, **context}
        return render(self.request, f"stock/{template}", context, status=status)

    def own_warehouse(self, pk: int) -> DealerWarehouse:
        """One of the organisation's own warehouses, or 404 (another's does not exist)."""
        return access.get_for_user(
            DealerWarehouse.objects.select_related("organisation"),
            self.request.user,
            "change",
            pk=pk,
        )


class StockListView(StockCabinetView):
    """The stock the user sees (own, and a dealer's sub-dealers'), filtered, with totals."""

    model = StockBalance

    def get(self, request):
        user = request.user
        organisation = request.GET.get("organisation", "")
        form = StockFilterForm(
            request.GET or None,
            organisations=selectors.organisation_choices(user),
            warehouses=selectors.warehouse_choices(
                user, int(organisation) if organisation.isdigit() else None
            ),
            groups=selectors.group_choices(),
        )
        filters = {}
        if form.is_bound and form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        balances = selectors.filtered(self.scoped(), **filters)
        ordered = balances.select_related(
            "organisation", "warehouse", "product", "product_group", "updated_by"
        ).order_by("organisation__name", "warehouse__name", "product__name", "pk")
        context = {
            "form": form,
            "filtered": bool(filters),
            "page": Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page")),
            "totals": selectors.totals(balances),
            "query": _without_page(request),
            "can_enter": user.has_perm("stock.change_stockbalance"),
        }
        if self.cabinet.is_dealer:
            context["by_organisation"] = selectors.totals_by_organisation(balances)
        return self.page("cabinet_list.html", context)


class WarehouseListView(StockCabinetView):
    """The organisation's own warehouses, with the form for a new one."""

    model = DealerWarehouse

    def get(self, request):
        return self.render_list(WarehouseForm())

    def render_list(self, form, status: int = 200):
        own = (
            DealerWarehouse.objects.restrict(self.request.user, "change")
            .filter(organisation=self.organisation)
            .order_by("-is_active", "name")
        )
        balances = StockBalance.objects.restrict(self.request.user, "view").filter(
            organisation=self.organisation
        )
        totals = selectors.totals_by_warehouse(balances)
        warehouses = [{"warehouse": w, "totals": totals.get(w.pk)} for w in own]
        context = {
            "form": form,
            "warehouses": warehouses,
            "can_add": self.request.user.has_perm("stock.add_dealerwarehouse"),
            "can_enter": self.request.user.has_perm("stock.change_stockbalance"),
        }
        return self.page("warehouses.html", context, status=status)


class WarehouseCreateView(WarehouseListView):
    action = "add"
    http_method_names = ["post"]

    def post(self, request):
        form = WarehouseForm(request.POST)
        if not form.is_valid():
            return self.render_list(form)
        try:
            warehouse = services.warehouse_create(
                request.user,
                organisation=self.organisation,
                name=form.cleaned_data["name"],
                address=form.cleaned_data["address"],
            )
        except records.RecordError as error:
            form.add_error("name", error.message)
            return self.render_list(form)
        messages.success(
            request,
            _("Warehouse “%(name)s” added. Enter its balances below.") % {"name": warehouse.name},
        )
        return redirect("dealers:stock_entry", pk=warehouse.pk)


class WarehouseEditView(StockCabinetView):
    """Rename, re-address, deactivate or reactivate one of the organisation's warehouses."""

    model = DealerWarehouse
    action = "change"

    def get(self, request, pk: int):
        warehouse = self.own_warehouse(pk)
        initial = {
            "name": warehouse.name,
            "address": warehouse.address,
            "is_active": warehouse.is_active,
            "version": warehouse.version,
        }
        return self.render_form(warehouse, WarehouseForm(initial=initial))

    def post(self, request, pk: int):
        warehouse = self.own_warehouse(pk)
        form = WarehouseForm(request.POST)
        if not form.is_valid():
            return self.render_form(warehouse, form)
        try:
            services.warehouse_update(
                request.user,
                warehouse,
                data=form.cleaned_data,
                expected_version=form.cleaned_data["version"] or 0,
            )
        except records.StaleRecord:
            form.add_error(
                None,
                _(
                    "Someone changed this warehouse after you opened the form. Nothing was "
                    "saved. Open the form again and repeat your change."
                ),
            )
            return self.render_form(warehouse, form, status=409)
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_form(warehouse, form)
        messages.success(request, _("Saved."))
        return redirect("dealers:stock_warehouses")

    def render_form(self, warehouse, form, status: int = 200):
        return self.page(
            "warehouse_form.html", {"warehouse": warehouse, "form": form}, status=status
        )


class BalanceEntryView(StockCabinetView):
    """The balances of one of the organisation's warehouses: a number per product."""

    model = StockBalance
    action = "change"

    def setup_rows(self, pk: int, data):
        self.warehouse = self.own_warehouse(pk)
        group = data.get("group", "")
        self.group = int(group) if group.isdigit() else None
        self.rows, self.cut = selectors.entry_rows(self.warehouse, group=self.group)

    def get(self, request, pk: int):
        self.setup_rows(pk, request.GET)
        return self.render_form(BalanceEntryForm(self.rows))

    def post(self, request, pk: int):
        self.setup_rows(pk, request.POST)
        form = BalanceEntryForm(self.rows, request.POST)
        if not form.is_valid():
            return self.render_form(form)
        quantities = form.quantities()
        if not quantities:
            form.add_error(None, _("Enter at least one quantity: nothing was filled in."))
            return self.render_form(form)
        try:
            result = services.balances_set(
                request.user,
                warehouse=self.warehouse,
                quantities=quantities,
                versions=form.versions(),
                as_of=form.cleaned_data["as_of"],
            )
        except services.StockChanged as stale:
            return self.render_stale(request.POST, stale)
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_form(form)
        messages.success(
            request,
            _("Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        url = reverse("dealers:stock_entry", args=[self.warehouse.pk])
        return HttpResponseRedirect(f"{url}?group={self.group}" if self.group else url)

    def render_stale(self, posted, stale):
        """The form again with the user's figures and the current versions (saving again
        confirms them), and what changed meanwhile; status 409."""
        data = posted.copy()
        for row in self.rows:
            data[f"v-{row.product.pk}"] = str(row.version)
        form = BalanceEntryForm(self.rows, data)
        form.is_valid()
        return self.render_form(form, stale=stale, status=409)

    def render_form(self, form, status: int = 200, **extra):
        context = {
            "warehouse": self.warehouse,
            "form": form,
            "cells": form.cells(),
            "cut": self.cut,
            "group": self.group,
            "groups": selectors.group_choices(),
            **extra,
        }
        return self.page("entry.html", context, status=status)


class UploadView(StockCabinetView):
    """Upload an XLSX of balances: it is checked at once (nothing written), then confirmed."""

    model = StockBalance
    action = "import"

    def get(self, request):
        return self.render_form(UploadForm())

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form)
        try:
            job = imports.import_upload(
                request.user, spec=BALANCES, upload=form.cleaned_data["file"]
            )
        except records.RecordError as error:
            form.add_error("file", error.message)
            return self.render_form(form)
        missing = [name for name in UPLOAD_COLUMNS if name not in job.mapping.values()]
        if missing:
            job.file.delete(save=False)
            job.delete()
            names = ", ".join(f"«{_column_label(name)}»" for name in missing)
            form.add_error(
                "file",
                _(
                    "The first row of the file has no column %(columns)s. Name the columns "
                    "Warehouse, Article and Quantity (in Russian or English) and upload again."
                )
                % {"columns": names},
            )
            return self.render_form(form)
        try:
            imports.import_check(request.user, job=job)
        except records.RecordError as error:
            messages.error(request, error.message)
        return redirect("dealers:stock_upload_detail", pk=job.pk)

    def render_form(self, form):
        user = self.request.user
        warehouses = (
            DealerWarehouse.objects.restrict(user, "change")
            .filter(organisation=self.organisation, is_active=True)
            .order_by("name")
        )
        jobs = access.restrict(ImportJob.objects.all(), user).filter(model=BALANCES.label)[:10]
        context = {"form": form, "warehouses": warehouses, "jobs": jobs}
        return self.page("upload.html", context, status=400 if form.errors else 200)


def _column_label(name: str) -> str:
    return {"warehouse": _("Warehouse"), "product": _("Article"), "quantity": _("Quantity")}[name]


class UploadDetailView(StockCabinetView):
    """One upload: its check (every bad row and column), its progress, its result."""

    model = StockBalance
    action = "import"

    def job(self, pk: int, action: str = "view") -> ImportJob:
        jobs = ImportJob.objects.filter(model=BALANCES.label)
        return access.get_for_user(jobs, self.request.user, action, pk=pk)

    def get(self, request, pk: int):
        job = self.job(pk)
        context = {
            "job": job,
            "errors_page": Paginator(job.errors, PAGE_SIZE).get_page(request.GET.get("page")),
            "hidden_errors": max(0, job.error_count - len(job.errors)),
            "ready": job.status == ImportStatus.CHECKED,
            "done": job.status == ImportStatus.DONE,
        }
        return self.page("upload_detail.html", context)


class UploadConfirmView(UploadDetailView):
    """Write a checked file's balances: all rows or none."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        job = self.job(pk, "change")
        try:
            imports.import_apply(request.user, job=job)
        except records.RecordError as error:
            messages.error(request, error.message)
        else:
            if job.status == ImportStatus.DONE:
                messages.success(
                    request,
                    _("Uploaded: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                    % {
                        "created": job.created_count,
                        "updated": job.updated_count,
                        "unchanged": job.unchanged_count,
                    },
                )
        return redirect("dealers:stock_upload_detail", pk=job.pk)


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
