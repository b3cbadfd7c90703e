"""Reads of the stock pages, always through the access policy (``restrict``).

Product and group names are read as the catalogue's dictionary, as the cabinet's plan vs fact
does: dealers have no catalogue pages, and these are the names of the products they hold.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from crm.catalog import selectors as catalog
from crm.catalog.models import Product, ProductGroup
from crm.clients.models import Organisation
from crm.stock.choices import StockSource
from crm.stock.models import DealerWarehouse, StockBalance

ENTRY_ROWS = 500  # products in one entry form; narrow by group, or upload a file, beyond it


@dataclass
class EntryRow:
    """One product of a warehouse's entry form, with its balance when the form opened."""

    product: Product
    quantity: Decimal | None = None
    version: int = 0
    as_of: object = None


def visible_balances(user):
    return StockBalance.objects.restrict(user, "view")


def filtered(queryset, *, organisation=None, warehouse=None, group=None):
    """Narrow balances by organisation, warehouse and product group (with its subgroups)."""
    if organisation:
        queryset = queryset.filter(organisation_id=organisation)
    if warehouse:
        queryset = queryset.filter(warehouse_id=warehouse)
    if group:
        queryset = queryset.filter(product_group_id__in=catalog.group_descendant_ids(group))
    return queryset


def totals(queryset) -> dict:
    """The total quantity, the number of balances and of distinct products."""
    result = queryset.order_by().aggregate(
        quantity=Sum("quantity"), rows=Count("pk"), products=Count("product_id", distinct=True)
    )
    result["quantity"] = result["quantity"] or Decimal(0)
    return result


def totals_by_organisation(queryset) -> list[dict]:
    """Quantity and number of products per organisation, largest first, with names."""
    rows = list(
        queryset.order_by()
        .values("organisation_id")
        .annotate(quantity=Sum("quantity"), products=Count("product_id", distinct=True))
        .order_by("-quantity")
    )
    names = dict(
        Organisation.objects.filter(pk__in=[r["organisation_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    for row in rows:
        row["name"] = names.get(row["organisation_id"], "—")
    return rows


def totals_by_warehouse(queryset) -> dict[int, dict]:
    rows = (
        queryset.order_by()
        .values("warehouse_id")
        .annotate(quantity=Sum("quantity"), products=Count("product_id", distinct=True))
    )
    return {row["warehouse_id"]: row for row in rows}


def totals_by_group(queryset) -> list[dict]:
    rows = list(
        queryset.order_by()
        .values("product_group_id")
        .annotate(quantity=Sum("quantity"), products=Count("product_id", distinct=True))
        .order_by("-quantity")
    )
    names = dict(
        ProductGroup.objects.filter(pk__in=[r["product_group_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    for row in rows:
        row["name"] = names.get(row["product_group_id"], "—")
    return rows


def organisation_choices(user) -> list[tuple[int, str]]:
    """The organisations whose stock the cabinet user sees: their own first, then sub-dealers."""
    ids = (
        DealerWarehouse.objects.restrict(user, "view")
        .order_by()
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    rows = Organisation.objects.filter(pk__in=list(ids)).order_by("parent_dealer_id", "name")
    return [(org.pk, org.name) for org in rows.only("pk", "name", "parent_dealer_id")]


def warehouse_choices(user, organisation=None) -> list[tuple[int, str]]:
    warehouses = DealerWarehouse.objects.restrict(user, "view").select_related("organisation")
    if organisation:
        warehouses = warehouses.filter(organisation_id=organisation)
    several = len({w.organisation_id for w in warehouses}) > 1
    return [
        (w.pk, f"{w.organisation.name} · {w.name}" if several else w.name)
        for w in warehouses.order_by("organisation__name", "name")
    ]


def group_choices() -> tuple[tuple[int, str], ...]:
    return catalog.group_choices()


def entry_rows(warehouse, *, group=None) -> tuple[list[EntryRow], bool]:
    """The entry form's rows: the products the warehouse holds, then the other active products
    (of a group and its subgroups, when one is chosen), each with its balance; at most
    ENTRY_ROWS. Returns (rows, whether some products were left out)."""
    balances = {
        b.product_id: b
        for b in StockBalance.objects.filter(warehouse=warehouse).only(
            "product_id", "quantity", "version", "as_of"
        )
    }
    products = Product.objects.filter(is_active=True).select_related("group")
    if group:
        products = products.filter(group_id__in=catalog.group_descendant_ids(group))
    ordering = ("group__name", "name", "pk")
    held = list(products.filter(pk__in=list(balances)).order_by(*ordering)[:ENTRY_ROWS])
    room = ENTRY_ROWS - len(held)
    others = list(products.exclude(pk__in=list(balances)).order_by(*ordering)[: room + 1])
    cut = len(others) > room
    rows = []
    for product in [*held, *others[:room]]:
        balance = balances.get(product.pk)
        rows.append(
            EntryRow(
                product,
                quantity=balance.quantity if balance else None,
                version=balance.version if balance else 0,
                as_of=balance.as_of if balance else None,
            )
        )
    return rows, cut


@dataclass
class Change:
    """One change of a balance in the audit trail, as people read it."""

    when: object
    product: str
    warehouse: str
    quantity: Decimal
    as_of: object
    source: str
    who: str
    channel: str


def recent_changes(balances, limit: int) -> list[Change]:
    """The last changes of these balances (inserts and updates), newest first, from the audit
    trail: who (the user of the audit context), when, through which channel."""
    events = (
        StockBalance.events.rel.related_model.objects.filter(pgh_obj__in=balances.values("pk"))
        .select_related("pgh_context", "product", "warehouse")
        .order_by("-pgh_id")[:limit]
    )
    sources = dict(StockSource.choices)
    changes = []
    for event in events:
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        changes.append(
            Change(
                when=event.pgh_created_at,
                product=f"{event.product.name} ({event.product.sku})",
                warehouse=event.warehouse.name,
                quantity=event.quantity,
                as_of=event.as_of,
                source=str(sources.get(event.source, event.source)),
                who=metadata.get("username", ""),
                channel=metadata.get("channel", ""),
            )
        )
    return changes
