"""The dealer cabinet's pages under /cabinet/.

Every page is a ``CabinetView``: a ``ScopedView`` (login, the model permission of its action,
rows only through the access rule) that also requires a dealer's or sub-dealer's user acting
for an organisation. Anybody else — staff included — gets a 404: the cabinet does not exist
for them.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.catalog.models import Product
from crm.core import access, records, sanity
from crm.core.audit import audit_context_add
from crm.core.generic import ScopedView
from crm.core.periods import Quarter
from crm.outlets.models import Outlet
from crm.sales.choices import Level
from crm.sales.models import SalesLine, SalesMonthOutlet
from dealers import selectors, services
from dealers.forms import EntryForm, ReportForm
from dealers.models import SaleEntry, SalesReport

OUTLET_FIELDS = ("name", "dealer", "status", "format", "address", "region", "phone")


class CabinetView(ScopedView):
    """A cabinet page: only for a user acting for a dealer or sub-dealer (404 otherwise)."""

    # Pages only a dealer has (the quarterly report); a sub-dealer's user gets a 404.
    dealers_only = False
    # The home page also answers a dealer's user not yet linked to an organisation.
    allow_unlinked = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.cabinet = selectors.cabinet_of(request.user)
            if self.cabinet is None and not (
                self.allow_unlinked and request.user.role_codes & selectors.DEALER_ROLES
            ):
                raise Http404
            if self.dealers_only and not self.cabinet.is_dealer:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def organisation(self):
        return self.cabinet.organisation

    def render(self, template: str, context: dict, status: int = 200):
        context = {
            "cabinet": self.cabinet,
            "sees_plans": selectors.sees_plans(self.request.user),
            **context,
        }
        return render(self.request, f"dealers/{template}", context, status=status)


def _quarter_from(request, default: Quarter) -> Quarter:
    """``?quarter=2026-4``, not later than the current quarter; else the default."""
    try:
        quarter = Quarter.from_slug(request.GET.get("quarter", ""))
    except ValueError:
        return default
    return quarter if quarter <= Quarter.of(selectors.today()) else default


class CabinetHomeView(CabinetView):
    """Plan vs fact of a quarter for the user's own organisation, the reports that are due."""

    model = SalesMonthOutlet
    allow_unlinked = True

    def get(self, request):
        if self.cabinet is None:
            return self.render("unlinked.html", {}, status=200)
        user, organisation = request.user, self.organisation
        quarter = _quarter_from(request, Quarter.of(selectors.today()))
        everything = request.GET.get("rows") == "all"
        figures = selectors.home(
            user, organisation, quarter, with_network=self.cabinet.is_dealer, everything=everything
        )
        context = {
            "quarter": quarter,
            "previous": quarter.previous(),
            "next": quarter.next() if quarter < Quarter.of(selectors.today()) else None,
            "everything": everything,
            "by_group": figures.by_group,
            "bars": selectors.chart(figures.by_group),
            "by_outlet": figures.by_outlet,
        }
        if self.cabinet.is_dealer:
            due = selectors.reports_due(user, organisation)
            context.update(
                sub_dealers=figures.sub_dealers,
                due=due,
                next_report=selectors.next_report(due),
            )
        return self.render("home.html", context)


class ReportView(CabinetView):
    """The quarterly report: open prefilled (one click from home), submit (the second)."""

    model = SalesReport
    action = "change"
    dealers_only = True

    def setup_quarter(self, year: int, number: int):
        try:
            self.quarter = Quarter(year, number)
        except ValueError:
            raise Http404 from None
        if self.quarter > Quarter.of(selectors.today()):
            raise Http404
        self.editable = selectors.is_open(self.quarter)
        self.grid = selectors.report_grid(self.request.user, self.organisation, self.quarter)
        if not self.editable and self.grid.report is None:
            raise Http404  # an old quarter nobody reported: nothing to show

    def get(self, request, year: int, number: int):
        self.setup_quarter(year, number)
        return self.render_form(ReportForm(self.grid))

    def post(self, request, year: int, number: int):
        self.setup_quarter(year, number)
        self.refuse_foreign_outlets(request.POST)
        form = ReportForm(self.grid, request.POST)
        if not self.editable:
            form.add_error(None, services.PeriodClosed(self.quarter).message)
            return self.render_form(form)
        if not form.is_valid():
            return self.render_form(form)
        values = {
            "organisation": self.organisation,
            "quarter": self.quarter,
            "figures": form.figures(),
            "labels": self.grid.labels(),
        }
        warnings = sanity.warnings_for(request.user, SalesReport, self.grid.report, values)
        if warnings and request.POST.get(sanity.CONFIRM_FIELD) != sanity.digest(warnings):
            return self.render_form(form, value_warnings=warnings)
        if warnings:  # confirmed: the history of this submission records what was seen
            audit_context_add(confirmed_warnings=[warning.message for warning in warnings])
        try:
            services.report_submit(
                request.user,
                organisation=self.organisation,
                quarter=self.quarter,
                figures=values["figures"],
                expected_version=form.cleaned_data["version"],
            )
        except services.ReportChanged as stale:
            return self.render_stale(form, stale)
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_form(form)
        messages.success(
            request,
            _("The report for %(quarter)s is sent. Its figures are in plan and fact below.")
            % {"quarter": self.quarter.label},
        )
        return HttpResponseRedirect(f"{reverse('dealers:home')}?quarter={self.quarter.slug}")

    def refuse_foreign_outlets(self, data) -> None:
        """Figures posted for an outlet that is not in this dealer's report: 404, as if the
        outlet did not exist (nothing is written)."""
        allowed = {str(pk) for pk in self.grid.outlet_ids()} | {"0"}
        for name in data:
            prefix, _sep, rest = name.partition("-")
            if prefix in ("q", "a") and rest and rest.split("-")[0] not in allowed:
                raise Http404

    def render_stale(self, form, stale):
        data = form.data.copy()
        data["version"] = stale.current.version if stale.current else 0
        form = ReportForm(self.grid, data)
        form.is_valid()
        return self.render_form(form, stale=stale, status=409)

    def render_form(self, form, status: int = 200, **extra):
        warnings = extra.get("value_warnings") or []
        warned = {warning.field for warning in warnings}
        form.style(warned)
        context = {
            "quarter": self.quarter,
            "grid": self.grid,
            "form": form,
            "editable": self.editable,
            "rows": _form_rows(self.grid, form),
            "warnings_digest": sanity.digest(warnings) if warnings else "",
            **extra,
        }
        return self.render("report.html", context, status=status)


def _form_rows(grid, form) -> list[dict]:
    """The grid's rows with each cell's two bound fields, for the template."""
    return [
        {
            "outlet": row.outlet,
            "cells": [
                {"cell": cell, "quantity": form[f"q-{cell.key}"], "amount": form[f"a-{cell.key}"]}
                for cell in row.cells
            ],
        }
        for row in grid.rows
    ]


class SaleEntryListView(CabinetView):
    """Sales entered as they happen: a dealer's drafts for the report, or a sub-dealer's sales
    (recorded in the ledger at once); the dealer also sees what its sub-dealers recorded."""

    model = SaleEntry

    def get(self, request):
        return self.render_page(self.entry_form())

    def entry_form(self, data=None) -> EntryForm:
        user = self.request.user
        outlets = Outlet.objects.restrict(user, "view").filter(
            dealer=self.organisation, is_archived=False
        )
        products = Product.objects.filter(is_active=True).select_related("group")
        return EntryForm(
            data,
            outlets=list(outlets.order_by("name", "pk")),
            products=list(products.order_by("group__name", "name")),
            quarters=selectors.open_quarters(),
            today=selectors.today(),
        )

    def render_page(self, form, status: int = 200):
        user, quarter = self.request.user, Quarter.of(selectors.today())
        entries = (
            SaleEntry.objects.restrict(user, "view")
            .filter(organisation=self.organisation, date__gte=quarter.previous().start)
            .select_related("outlet", "product", "created_by")[:200]
        )
        context = {"form": form, "entries": entries, "quarter": quarter, "user_id": user.pk}
        if self.cabinet.is_dealer:
            context["sub_dealer_lines"] = selectors.sub_dealer_sales(
                user, self.organisation, quarter
            )
            context["line_fields"] = access.visible_fields(user, SalesLine)
        return self.render("entries.html", context, status=status)


class SaleEntryCreateView(SaleEntryListView):
    model = SaleEntry
    action = "add"
    http_method_names = ["post"]

    def post(self, request):
        form = self.entry_form(request.POST)
        outlet = request.POST.get("outlet", "")
        if outlet and (not outlet.isdigit() or int(outlet) not in form.outlets):
            raise Http404  # another organisation's outlet does not exist for this user
        if not form.is_valid():
            return self.render_page(form, status=200)
        data = services.EntryData(
            date=form.cleaned_data["date"],
            product=form.chosen_product(),
            quantity=form.cleaned_data["quantity"],
            amount=form.cleaned_data["amount"],
            outlet=form.chosen_outlet(),
            key=form.cleaned_data["key"],
        )
        try:
            services.entry_record(request.user, organisation=self.organisation, data=data)
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_page(form)
        if self.cabinet.is_sub_dealer:
            messages.success(request, _("The sale is recorded. Your dealer sees it too."))
        else:
            messages.success(request, _("Saved. It will be filled into the quarter's report."))
        return redirect("dealers:saleentry_list")


class SaleEntryDeleteView(CabinetView):
    model = SaleEntry
    action = "delete"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        entry = access.get_for_user(SaleEntry.objects.all(), request.user, "delete", pk=pk)
        try:
            services.entry_delete(request.user, entry)
        except records.RecordError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Deleted."))
        return redirect("dealers:saleentry_list")


class OutletListView(CabinetView):
    """The outlets of the user's organisation (a dealer: and of its sub-dealers); changes and
    new outlets are proposed from here (dealers.more_views)."""

    model = Outlet

    def get(self, request):
        outlets = self.scoped().select_related("dealer", "format", "region").order_by("name", "pk")
        visible = access.visible_fields(request.user, Outlet)
        return self.render(
            "outlet_list.html",
            {"outlets": list(outlets[:500]), "fields": visible, "opts": Outlet._meta},
        )


class OutletDetailView(CabinetView):
    """An outlet's card: the fields the user may see and the quarter's plan vs fact."""

    model = Outlet

    def get(self, request, pk: int):
        outlet = access.get_for_user(
            Outlet.objects.select_related("dealer", "format", "region"), request.user, pk=pk
        )
        visible = access.visible_fields(request.user, Outlet)
        fields = [
            (
                Outlet._meta.get_field(name).verbose_name,
                records.display(outlet, Outlet._meta.get_field(name)),
            )
            for name in OUTLET_FIELDS
            if name in visible
        ]
        quarter = Quarter.of(selectors.today())
        by_group = selectors.plan_fact(
            request.user,
            quarter,
            Level.PRODUCT_GROUP,
            organisation=outlet.dealer_id,
            outlet=outlet.pk,
        )
        from dealers.more_views import proposals_of

        context = {
            "outlet": outlet,
            "fields": fields,
            "quarter": quarter,
            "by_group": by_group,
            "proposals": proposals_of(request.user, outlet=outlet, limit=20),
        }
        return self.render("outlet_detail.html", context)
