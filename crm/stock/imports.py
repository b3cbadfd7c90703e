"""The import spec of stock balances (the wizard's engine in crm.core.imports).

The cabinet's XLSX upload runs on it: a row is a warehouse (by name, among the warehouses the
user may change: their own organisation's), a product (by article) and a quantity, optionally
the date the balance is as of (else the day of the upload). The pair warehouse + product
identifies a balance, so a second upload of the same file finds every row unchanged and writes
nothing; the engine checks every row first and writes all rows or none.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields

from crm.catalog.models import Product
from crm.core.audit import current_context
from crm.core.imports import registry, widgets
from crm.core.imports.resources import SpecResource
from crm.stock.choices import StockSource
from crm.stock.models import DealerWarehouse, StockBalance

NEGATIVE = _("A stock balance is not negative: enter 0 or more.")


def _own_active_warehouses(user):
    return DealerWarehouse.objects.restrict(user, "change").filter(is_active=True)


def _active_products(user):
    return Product.objects.filter(is_active=True)


class StockBalanceResource(SpecResource):
    warehouse = fields.Field(
        attribute="warehouse",
        widget=widgets.LookupWidget(DealerWarehouse, ("name",), queryset=_own_active_warehouses),
    )
    product = fields.Field(
        attribute="product",
        widget=widgets.LookupWidget(Product, ("sku",), queryset=_active_products),
    )

    class Meta:
        model = StockBalance
        fields = ("warehouse", "product", "quantity", "as_of")


def _defaults(user) -> dict:
    return {"source": StockSource.UPLOADED, "updated_by_id": user.pk}


def _stamp(obj, changed, created, now) -> list[str]:
    """An updated balance records that it came from a file, and who uploaded it."""
    if created:
        return []
    obj.source = StockSource.UPLOADED
    obj.updated_by_id = current_context("user")
    return ["source", "updated_by"]


def _validate(obj) -> None:
    if obj.quantity is not None and obj.quantity < 0:
        raise ValidationError({"quantity": [NEGATIVE]})


BALANCES = registry.register(
    registry.ImportSpec(
        model=StockBalance,
        resource_class=StockBalanceResource,
        keys=(
            registry.NaturalKey(
                "warehouse_product",
                ("warehouse", "product"),
                normalise=registry.pk_or_value,
                query_field="warehouse",
            ),
        ),
        aliases={
            "warehouse": ("склад", "warehouse", "наименование склада"),
            "product": ("артикул", "article", "sku", "код товара", "товар"),
            "quantity": ("количество", "остаток", "кол-во", "qty", "quantity"),
            "as_of": ("дата", "на дату", "дата остатка", "date"),
        },
        required=("quantity",),
        defaults=_defaults,
        before_save=_stamp,
        stamp_fields=("source", "updated_by"),
        validate=_validate,
        key_help=_(
            "Rows are matched to existing balances by the warehouse (its name, among your own "
            "warehouses) and the product (its article)."
        ),
    )
)
