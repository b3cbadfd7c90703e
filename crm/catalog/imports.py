"""Import specs of the catalogue (the wizard in crm.core.imports).

Natural keys, so a re-run of the same file updates rather than duplicates:

* a product is its ERP key where the file has one, else its article (SKU);
* a product group is its ERP key, else its name under its parent group (the parent column
  takes the parent's ERP key or name); a parent must exist before its subgroups are imported,
  so a tree comes in two files, or in one file sorted parents first across chunks;
* a brand is its ERP key, else its name; a series its ERP key, else its brand and name;
* a price is the pair price list + product (the list by name or ERP key, the product by
  article or ERP key).
"""

from django.utils.translation import gettext_lazy as _
from import_export import fields

from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup, Series
from crm.core.imports import registry, widgets
from crm.core.imports.resources import SpecResource
from crm.refs.models import UnitOfMeasure


def _sku(value) -> str:
    """An article as Product.clean() stores it: inner runs of spaces collapsed."""
    return " ".join(str(value or "").split())


def _lookup(model, *names):
    return widgets.LookupWidget(model, names)


_ERP_KEY = registry.NaturalKey("external_code", ("external_code",))
_ERP_ALIASES = registry.ERP_KEY_ALIASES


class ProductResource(SpecResource):
    group = fields.Field(attribute="group", widget=_lookup(ProductGroup, "external_code", "name"))
    brand = fields.Field(attribute="brand", widget=_lookup(Brand, "external_code", "name"))
    series = fields.Field(attribute="series", widget=_lookup(Series, "external_code", "name"))
    unit = fields.Field(
        attribute="unit", widget=_lookup(UnitOfMeasure, "code", "symbol", "name", "external_code")
    )

    class Meta:
        model = Product
        fields = (
            "external_code",
            "sku",
            "name",
            "group",
            "brand",
            "series",
            "unit",
            "barcode",
            "description",
            "is_active",
        )


class ProductGroupResource(SpecResource):
    parent = fields.Field(attribute="parent", widget=_lookup(ProductGroup, "external_code", "name"))

    class Meta:
        model = ProductGroup
        fields = ("external_code", "name", "parent", "sort_order", "is_active")


class BrandResource(SpecResource):
    parent = fields.Field(attribute="parent", widget=_lookup(Brand, "external_code", "name"))

    class Meta:
        model = Brand
        fields = ("external_code", "name", "parent", "description", "is_active")


class SeriesResource(SpecResource):
    brand = fields.Field(attribute="brand", widget=_lookup(Brand, "external_code", "name"))

    class Meta:
        model = Series
        fields = ("external_code", "brand", "name", "is_active")


class PriceListItemResource(SpecResource):
    price_list = fields.Field(
        attribute="price_list", widget=_lookup(PriceList, "external_code", "name")
    )
    product = fields.Field(attribute="product", widget=_lookup(Product, "sku", "external_code"))

    class Meta:
        model = PriceListItem
        fields = ("price_list", "product", "price")


PRODUCTS = registry.register(
    registry.ImportSpec(
        model=Product,
        resource_class=ProductResource,
        keys=(_ERP_KEY, registry.NaturalKey("sku", ("sku",), normalise=_sku)),
        aliases={
            "external_code": _ERP_ALIASES,
            "sku": ("артикул", "код товара", "sku"),
            "name": ("товар", "номенклатура", "наименование"),
            "group": ("группа", "группа товаров", "группа мц"),
            "brand": ("бренд", "торговая марка", "марка"),
            "series": ("серия", "линейка"),
            "unit": ("ед. изм.", "ед.изм.", "единица", "единица измерения"),
            "barcode": ("штрихкод", "штрих-код", "ean"),
            "description": ("описание",),
            "is_active": ("активен", "активный", "действует"),
        },
        key_help=_("Rows are matched to existing products by the ERP key, else by the article."),
    )
)

PRODUCT_GROUPS = registry.register(
    registry.ImportSpec(
        model=ProductGroup,
        resource_class=ProductGroupResource,
        keys=(
            _ERP_KEY,
            registry.NaturalKey(
                "parent_name",
                ("name", "parent"),
                required=("name",),
                normalise=registry.pk_or_value,
                query_field="name",
            ),
        ),
        aliases={
            "external_code": _ERP_ALIASES,
            "name": ("группа", "наименование", "название"),
            "parent": ("родитель", "родительская группа", "входит в группу"),
            "sort_order": ("порядок", "сортировка"),
            "is_active": ("активна", "активный", "действует"),
        },
        key_help=_(
            "Rows are matched to existing groups by the ERP key, else by the name under the "
            "same parent group. A parent group must exist before its subgroups are imported."
        ),
    )
)

BRANDS = registry.register(
    registry.ImportSpec(
        model=Brand,
        resource_class=BrandResource,
        keys=(_ERP_KEY, registry.NaturalKey("name", ("name",))),
        aliases={
            "external_code": _ERP_ALIASES,
            "name": ("бренд", "торговая марка", "наименование", "название"),
            "parent": ("родительский бренд", "бренд-родитель"),
            "description": ("описание",),
            "is_active": ("активен", "активный", "действует"),
        },
        key_help=_("Rows are matched to existing brands by the ERP key, else by the name."),
    )
)

SERIES = registry.register(
    registry.ImportSpec(
        model=Series,
        resource_class=SeriesResource,
        keys=(
            _ERP_KEY,
            registry.NaturalKey(
                "brand_name", ("brand", "name"), normalise=registry.pk_or_value, query_field="name"
            ),
        ),
        aliases={
            "external_code": _ERP_ALIASES,
            "brand": ("бренд", "торговая марка"),
            "name": ("серия", "линейка", "наименование", "название"),
            "is_active": ("активна", "активный", "действует"),
        },
        key_help=_(
            "Rows are matched to existing series by the ERP key, else by the brand and the name."
        ),
    )
)

PRICES = registry.register(
    registry.ImportSpec(
        model=PriceListItem,
        resource_class=PriceListItemResource,
        keys=(
            registry.NaturalKey(
                "list_product",
                ("price_list", "product"),
                normalise=registry.pk_or_value,
                query_field="product",
            ),
        ),
        aliases={
            "price_list": ("прайс-лист", "прайс", "вид цены", "тип цен"),
            "product": ("артикул", "товар", "код товара"),
            "price": ("цена", "цена, руб."),
        },
        key_help=_(
            "Rows are matched to existing prices by the price list and the product (its "
            "article or ERP key): a new price replaces the old one."
        ),
    )
)
