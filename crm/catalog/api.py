"""REST API of the catalogue, under the same policy as the pages.

Read with the ``catalog:read`` scope, write with ``catalog:write``; the key's service user's
model permissions and field policies apply (crm.core.api.records). Changes send the record's
``version``; lists are cursor-paginated, ordered by id unless ``?ordering=`` asks otherwise.
Products, groups, brands, series and price lists carry the ERP's ``external_code``; filter by
it (``?external_code=``) to find the row a sync should update.
"""

from django.db.models import Q

from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup, Series
from crm.core.api.records import (
    RecordSerializer,
    RecordViewSet,
    contains,
    exact,
    record_schema,
)


def article_prefix(term: str) -> Q:
    """Articles by their beginning, in any case (the UPPER(sku) pattern index)."""
    return Q(sku__istartswith=term)


READ, WRITE = ["catalog:read"], ["catalog:write"]
CATALOG_SCOPES = {
    "GET": READ,
    "HEAD": READ,
    "OPTIONS": READ,
    "POST": WRITE,
    "PATCH": WRITE,
    "DELETE": WRITE,
}


def _serializer(model_class, doc: str):
    meta = type("Meta", (), {"model": model_class, "fields": "__all__"})
    return type(
        f"{model_class.__name__}Serializer", (RecordSerializer,), {"Meta": meta, "__doc__": doc}
    )


ProductGroupSerializer = _serializer(
    ProductGroup, "A product group; ``parent`` is the id of its parent group (null at the top)."
)
BrandSerializer = _serializer(Brand, "A brand; a brand with a ``parent`` is a sub-brand of it.")
SeriesSerializer = _serializer(Series, "A series of a brand (its id).")
ProductSerializer = _serializer(
    Product,
    "A product: article (``sku``, unique), group, brand, series (of that brand) and unit "
    "(ids). Send ``version`` with a change.",
)
PriceListSerializer = _serializer(PriceList, "A price list: currency and period of validity.")
PriceListItemSerializer = _serializer(
    PriceListItem, "The price of one product in one price list (one per product and list)."
)


class CatalogViewSet(RecordViewSet):
    """A catalogue endpoint: the catalog:read and catalog:write scopes."""

    required_scopes = CATALOG_SCOPES


def _viewset(
    model_class, serializer, doc, *, filters=None, search=None, ordering=("id",), external=True
):
    keys = {"external_code": "external_code"} if external else {}
    viewset = type(
        f"{model_class.__name__}ViewSet",
        (CatalogViewSet,),
        {
            "__doc__": doc,
            "model": model_class,
            "serializer_class": serializer,
            "filter_fields": {**keys, **(filters or {})},
            "search_fields": search or [],
            "ordering_fields": ordering,
        },
    )
    return record_schema(viewset)


ACTIVE_AND_CHANGED = {"is_active": "is_active", "updated_since": "updated_at__gte"}

ProductGroupViewSet = _viewset(
    ProductGroup,
    ProductGroupSerializer,
    "Product groups (a tree through parent).",
    filters={"parent": "parent_id", **ACTIVE_AND_CHANGED},
    search=[("name", contains("name"))],
    ordering=("id", "name", "sort_order", "updated_at"),
)
BrandViewSet = _viewset(
    Brand,
    BrandSerializer,
    "Brands and sub-brands.",
    filters={"parent": "parent_id", **ACTIVE_AND_CHANGED},
    search=[("name", contains("name"))],
    ordering=("id", "name", "updated_at"),
)
SeriesViewSet = _viewset(
    Series,
    SeriesSerializer,
    "Series of brands.",
    filters={"brand": "brand_id", **ACTIVE_AND_CHANGED},
    search=[("name", contains("name"))],
    ordering=("id", "name", "updated_at"),
)
ProductViewSet = _viewset(
    Product,
    ProductSerializer,
    "Products with their article (SKU).",
    filters={
        "sku": "sku",
        "group": "group_id",
        "brand": "brand_id",
        "series": "series_id",
        "barcode": "barcode",
        **ACTIVE_AND_CHANGED,
    },
    search=[("name", contains("name")), ("sku", article_prefix), ("barcode", exact("barcode"))],
    ordering=("id", "sku", "name", "created_at", "updated_at"),
)
PriceListViewSet = _viewset(
    PriceList,
    PriceListSerializer,
    "Price lists.",
    filters={"currency": "currency", **ACTIVE_AND_CHANGED},
    search=[("name", contains("name"))],
    ordering=("id", "name", "updated_at"),
)
PriceListItemViewSet = _viewset(
    PriceListItem,
    PriceListItemSerializer,
    "Prices of products in price lists.",
    filters={
        "price_list": "price_list_id",
        "product": "product_id",
        "updated_since": "updated_at__gte",
    },
    ordering=("id", "updated_at"),
    external=False,  # a sync finds an item by its price list and product
)


def register(router) -> None:
    """Add the catalogue endpoints to the API router (crm/core/api/urls.py)."""
    router.register("catalog/groups", ProductGroupViewSet, basename="productgroup")
    router.register("catalog/brands", BrandViewSet, basename="brand")
    router.register("catalog/series", SeriesViewSet, basename="series")
    router.register("catalog/products", ProductViewSet, basename="product")
    router.register("catalog/price-lists", PriceListViewSet, basename="pricelist")
    router.register("catalog/price-list-items", PriceListItemViewSet, basename="pricelistitem")
