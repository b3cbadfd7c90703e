"""Columns of the staff stock list."""

from django.utils.translation import gettext_lazy as _

from crm.core import formatting
from crm.core.tables import Column, Table, owner_column
from crm.stock.models import StockBalance


class StockBalanceTable(Table):
    model = StockBalance
    select_related = ("organisation", "warehouse", "product", "product_group", "updated_by")
    columns = [
        Column("organisation", accessor="organisation.name", sort="organisation__name", link=True),
        Column("warehouse", accessor="warehouse.name", sort="warehouse__name"),
        Column(
            "sku",
            label=_("Article"),
            field="product",
            accessor="product.sku",
            sort="product__sku",
            css="text-nowrap",  # an article read whole, not broken at its hyphens
        ),
        Column("product", accessor="product.name", sort="product__name"),
        Column("product_group", accessor="product_group.name", sort="product_group__name"),
        Column(
            "quantity",
            css="text-end text-nowrap",
            render=lambda balance: formatting.number(balance.quantity),
            reads=("quantity",),
        ),
        Column("as_of"),
        Column("source", default=False),
        owner_column("updated_by", default=False),
        Column("updated_at", label=_("Changed"), sort="updated_at"),
    ]
