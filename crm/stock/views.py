"""Staff pages of dealers' stock: the list of balances in the user's scope (crm.core's generic
list: filters, sort, columns, export under the export permission and quota) and the stock of one
organisation, with its warehouses, totals and recent changes."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core import generic
from crm.stock import filtersets, selectors, tables
from crm.stock.models import DealerWarehouse, StockBalance

HISTORY_ROWS = 30


class StockBalanceListView(generic.ObjectListView):
    model = StockBalance
    table = tables.StockBalanceTable
    filterset = filtersets.StockBalanceFilterSet
    bulk_actions = False

    def search(self, queryset, text):
        return queryset.filter(
            Q(product__sku__istartswith=text)
            | Q(product__name__icontains=text)
            | Q(warehouse__name__icontains=text)
            | Q(organisation__name__icontains=text)
        )

    def search_placeholder(self):
        return _("Article, product, warehouse or organisation")

    def import_url(self):
        return None  # balances are uploaded by the dealers themselves, in the cabinet


class OrganisationStockView(generic.ScopedView):
    """One organisation's stock: warehouses, totals by group, balances, recent changes."""

    model = StockBalance

    def get(self, request, pk: int):
        balances = self.scoped().filter(organisation_id=pk)
        warehouses = list(
            DealerWarehouse.objects.restrict(request.user, "view")
            .filter(organisation_id=pk)
            .select_related("organisation")
            .order_by("-is_active", "name")
        )
        # The organisation is read through a row the user may see (its warehouse or balance).
        seen = warehouses[0] if warehouses else balances.select_related("organisation").first()
        if seen is None:
            raise Http404  # out of scope, or nothing to show
        organisation = seen.organisation
        by_warehouse = selectors.totals_by_warehouse(balances)
        context = {
            "opts": self.opts,
            "organisation": organisation,
            "warehouses": [{"warehouse": w, "totals": by_warehouse.get(w.pk)} for w in warehouses],
            "totals": selectors.totals(balances),
            "by_group": selectors.totals_by_group(balances),
            "balances": balances.select_related("warehouse", "product", "updated_by").order_by(
                "warehouse__name", "product__name", "pk"
            )[:500],
            "history": selectors.recent_changes(balances, HISTORY_ROWS),
            "list_url": reverse("stock:stockbalance_list") + f"?organisation={pk}",
        }
        return render(request, "stock/organisation_stock.html", context)
