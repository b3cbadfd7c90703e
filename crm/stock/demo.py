"""Demo stock: the demo dealer (the organisation the demo user "dealer" acts for) has two
warehouses, its sub-dealers one each, with balances of a dozen or so products; the sub-dealer of
the demo user "subdealer" is among them. Run after ``dealers.demo`` (the memberships).

Idempotent: warehouses are keyed by organisation and name, and balances are written only into a
warehouse that has none yet, so a second run changes nothing.
"""

import random
from decimal import Decimal

from crm.catalog.models import Product
from crm.stock.choices import StockSource
from crm.stock.models import DealerWarehouse, StockBalance
from dealers.models import DealerMembership

DEALER_WAREHOUSES = (("Основной склад", "Москва, ул. Складская, 1"), ("Склад Казань", "Казань"))
SUB_DEALER_WAREHOUSES = (("Склад", ""),)
SUB_DEALERS = 3  # of the demo dealer's sub-dealers, by ERP key
PRODUCTS = (8, 16)  # how many products one warehouse holds


def seed(*, scale: str) -> dict[str, int]:
    memberships = {
        m.user.username: m
        for m in DealerMembership.objects.filter(
            user__username__in=["dealer", "subdealer"]
        ).select_related("user", "organisation")
    }
    if "dealer" not in memberships:
        return {"warehouses": 0, "balances": 0}
    dealer = memberships["dealer"].organisation
    sub_dealers = list(dealer.sub_dealers.order_by("erp_key", "pk")[:SUB_DEALERS])
    own = memberships.get("subdealer")
    if own is not None and own.organisation not in sub_dealers:
        sub_dealers.append(own.organisation)
    products = list(Product.objects.filter(is_active=True).order_by("sku"))
    counts = {"warehouses": 0, "balances": 0}
    plan = [(dealer, DEALER_WAREHOUSES, memberships["dealer"].user)]
    plan += [
        (sub, SUB_DEALER_WAREHOUSES, own.user if own and own.organisation == sub else None)
        for sub in sub_dealers
    ]
    for organisation, warehouses, user in plan:
        for name, address in warehouses:
            warehouse, created = DealerWarehouse.objects.get_or_create(
                organisation=organisation, name=name, defaults={"address": address}
            )
            counts["warehouses"] += created
            counts["balances"] += _balances(warehouse, products, user)
    return counts


def _balances(warehouse, products, user) -> int:
    """A reproducible set of balances for a warehouse that has none yet."""
    if not products or StockBalance.objects.filter(warehouse=warehouse).exists():
        return 0
    rng = random.Random(f"stock:{warehouse.organisation_id}:{warehouse.name}")  # noqa: S311
    chosen = rng.sample(products, min(len(products), rng.randint(*PRODUCTS)))
    rows = [
        StockBalance(
            warehouse=warehouse,
            product=product,
            quantity=Decimal(rng.choice([0, 2, 5, 12, 24, 40, 60, 120, 300])),
            source=StockSource.ENTERED,
            updated_by=user,
        )
        for product in chosen
    ]
    StockBalance.objects.bulk_create(rows)
    return len(rows)
