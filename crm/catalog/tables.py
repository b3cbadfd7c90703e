"""Columns of the catalogue lists."""

from django.utils.translation import gettext_lazy as _

from crm.catalog.models import Brand, PriceList, Product, Series
from crm.core.tables import Column, Table


class ProductTable(Table):
    model = Product
    select_related = ("group", "brand", "series", "unit")
    columns = [
        Column("sku", link=True, css="text-nowrap"),
        Column("name", link=True),
        Column("group", accessor="group.name", sort="group__name"),
        Column("brand", accessor="brand.name", sort="brand__name"),
        Column("series", accessor="series.name", sort="series__name"),
        Column("unit", accessor="unit.symbol", sort="unit__symbol"),
        Column("barcode", default=False),
        Column("is_active", default=False),
        Column("external_code", default=False),
        Column("updated_at", label=_("Changed"), sort="updated_at", default=False),
    ]


def _series_names(brand) -> str:
    return ", ".join(series.name for series in brand.series.all())


class BrandTable(Table):
    """Brands with their series (prefetched by the list view)."""

    model = Brand
    select_related = ("parent",)
    columns = [
        Column("name", link=True),
        Column("parent", accessor="parent.name", sort="parent__name"),
        Column("series", label=_("Series"), field="name", render=_series_names, reads=("pk",)),
        Column("is_active"),
        Column("external_code", default=False),
    ]

    def _default_sort(self, column):
        return None if column.name == "series" else super()._default_sort(column)


class SeriesTable(Table):
    model = Series
    select_related = ("brand",)
    columns = [
        Column("name", link=True),
        Column("brand", accessor="brand.name", sort="brand__name"),
        Column("is_active"),
        Column("external_code", default=False),
    ]


class PriceListTable(Table):
    """Price lists with their number of items (annotated by the list view)."""

    model = PriceList
    columns = [
        Column("name", link=True),
        Column("currency"),
        Column("valid_from"),
        Column("valid_to"),
        Column(
            "item_count",
            label=_("Items"),
            field="name",
            sort="item_count",
            render=lambda p: getattr(p, "item_count", ""),
            reads=("pk",),
        ),
        Column("is_active"),
        Column("external_code", default=False),
    ]
