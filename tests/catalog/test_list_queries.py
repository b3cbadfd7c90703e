"""Query-count ceilings of the catalogue pages: a fixed number of queries whatever the number
of rows (3 or 30), and few of them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.catalog.models import PriceListItem, Product, Series
from tests.catalog.conftest import build_catalog, grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_CEILING = 8  # a list page, caches warm
PAGE_CEILING = 14  # cards, fragments with filters, exports

HTMX = {"HX-Request": "true", "HX-Target": "list-results"}
CARD_HTMX = {"HX-Request": "true", "HX-Target": "card-tab"}


def fill(catalog, count, start=0):
    """``count`` more products in a subgroup with a series, a price each, and a series each on
    the brand (so lists, the brand list's series and the price list's items all grow)."""
    numbers = range(start, start + count)
    products = Product.objects.bulk_create(
        Product(
            sku=f"FILL-{n:03d}",
            name=f"Масло {n:03d}",
            group=catalog["synthetic"],
            brand=catalog["pro"],
            series=catalog["ultra"],
            unit=catalog["piece"],
        )
        for n in numbers
    )
    PriceListItem.objects.bulk_create(
        PriceListItem(price_list=catalog["dealer_prices"], product=p, price=Decimal(100 + n))
        for n, p in zip(numbers, products, strict=True)
    )
    Series.objects.bulk_create(Series(name=f"Серия {n:03d}", brand=catalog["pro"]) for n in numbers)


def count_queries(client, url, params=None, headers=None):
    client.get(url, params or {}, headers=headers or {})  # warm: session, choices caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {}, headers=headers or {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, params, response.status_code)
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def measure(logged_in):
    def run(url_of, params, headers):
        catalog = build_catalog()
        user = grant(UserFactory(username="measure", role="sales_manager"), "view", "export")
        client = logged_in(user)
        url = url_of(catalog)
        fill(catalog, 3)
        small, _sqls = count_queries(client, url, params, headers)
        fill(catalog, 27, start=3)
        big, sqls = count_queries(client, url, params, headers)
        assert small == big, f"{small} queries for 3 rows, {big} for 30:\n" + "\n".join(sqls)
        return big, sqls

    return run


def _list(name):
    return lambda catalog: reverse(name)


LIST_CASES = {
    "product-page": (_list("catalog:product_list"), {}, None),
    "product-htmx": (_list("catalog:product_list"), {}, HTMX),
    "product-search": (_list("catalog:product_list"), {"q": "масло"}, None),
    "product-search-sku": (_list("catalog:product_list"), {"q": "fill-0"}, None),
    "product-filter-group": (_list("catalog:product_list"), {"group": "__oils__"}, HTMX),
    "product-sort": (_list("catalog:product_list"), {"sort": "-brand"}, None),
    "brand-page": (_list("catalog:brand_list"), {}, None),
    "series-page": (_list("catalog:series_list"), {}, None),
    "pricelist-page": (_list("catalog:pricelist_list"), {}, None),
    "productgroup-page": (_list("catalog:productgroup_list"), {}, None),
}


@pytest.mark.parametrize("case", list(LIST_CASES))
def test_list_queries_do_not_grow_with_rows(measure, case):
    url_of, params, headers = LIST_CASES[case]
    if params.get("group") == "__oils__":
        from crm.catalog.models import ProductGroup

        def url_of_with_group(catalog, base=url_of):
            params["group"] = ProductGroup.objects.get(name="Моторные масла").pk
            return base(catalog)

        url_of = url_of_with_group
    count, sqls = measure(url_of, params, headers)
    ceiling = LIST_CEILING if case.endswith("-page") else PAGE_CEILING
    assert count <= ceiling, f"{count} queries (ceiling {ceiling}):\n" + "\n".join(sqls)


CARD_CASES = {
    "product-prices": (lambda c: c["ultra_4"].get_absolute_url(), "prices"),
    "product-history": (lambda c: c["ultra_4"].get_absolute_url(), "history"),
    "group-products": (lambda c: c["oils"].get_absolute_url(), "products"),
    "brand-series": (lambda c: c["pro"].get_absolute_url(), "series"),
    "brand-products": (lambda c: c["demoil"].get_absolute_url(), "products"),
    "pricelist-items": (lambda c: c["dealer_prices"].get_absolute_url(), "items"),
}


@pytest.mark.parametrize("case", list(CARD_CASES))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_card_tab_queries_do_not_grow_with_rows(measure, case, htmx):
    url_of, tab = CARD_CASES[case]
    count, sqls = measure(url_of, {"tab": tab}, CARD_HTMX if htmx else None)
    assert count <= PAGE_CEILING, f"{count} queries:\n" + "\n".join(sqls)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "name",
    ["catalog:product_list", "catalog:brand_list", "catalog:series_list", "catalog:pricelist_list"],
)
def test_export_queries_do_not_grow_with_rows(measure, name, file_format):
    count, sqls = measure(_list(name), {"export": file_format}, None)
    assert count <= PAGE_CEILING + 4, f"{count} queries:\n" + "\n".join(sqls)
