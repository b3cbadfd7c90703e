"""Catalogue pages: lists with filters, search, sort and export; cards with their tabs; create,
edit, archive and delete; who may do what."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from crm.catalog.models import Brand, PriceListItem, Product, ProductGroup
from tests.catalog.conftest import grant

pytestmark = pytest.mark.django_db


def skus(response) -> set[str]:
    html = response.content.decode()
    return {sku for sku in ("DP-U-5W40-4", "DO-C-10W40-208", "TH-12-5", "OLD-1") if sku in html}


@pytest.fixture
def as_editor(logged_in, editor):
    return logged_in(editor)


def product_list(client, **params):
    return client.get(reverse("catalog:product_list"), params)


def test_the_list_shows_active_products(as_editor, catalog):
    response = product_list(as_editor)
    assert response.status_code == 200
    assert skus(response) == {"DP-U-5W40-4", "DO-C-10W40-208", "TH-12-5"}
    assert response.context["total"] == 3


def test_inactive_products_are_listed_on_request(as_editor, catalog):
    assert skus(product_list(as_editor, active="inactive")) == {"OLD-1"}
    assert len(skus(product_list(as_editor, active="all"))) == 4


def test_a_group_filter_includes_subgroups(as_editor, catalog):
    response = product_list(as_editor, group=catalog["oils"].pk)
    assert skus(response) == {"DP-U-5W40-4", "DO-C-10W40-208"}
    assert skus(product_list(as_editor, group=catalog["synthetic"].pk)) == {"DP-U-5W40-4"}


def test_a_brand_filter_includes_sub_brands(as_editor, catalog):
    assert skus(product_list(as_editor, brand=catalog["demoil"].pk)) == {
        "DP-U-5W40-4",
        "DO-C-10W40-208",
    }
    assert skus(product_list(as_editor, brand=catalog["pro"].pk)) == {"DP-U-5W40-4"}


def test_a_series_filter(as_editor, catalog):
    assert skus(product_list(as_editor, series=catalog["g12"].pk)) == {"TH-12-5"}


def test_search_by_name_part(as_editor, catalog):
    assert skus(product_list(as_editor, q="g12+ крас")) == {"TH-12-5"}


def test_search_by_the_beginning_of_the_article_in_any_case(as_editor, catalog):
    assert skus(product_list(as_editor, q="dp-u")) == {"DP-U-5W40-4"}
    assert skus(product_list(as_editor, q="5W40")) == set()  # the middle of an article


def test_search_by_barcode(as_editor, catalog):
    Product.objects.filter(pk=catalog["classic"].pk).update(barcode="4601234567890")
    assert skus(product_list(as_editor, q="4601234567890")) == {"DO-C-10W40-208"}


def test_sort_by_article_descending(as_editor, catalog):
    response = product_list(as_editor, sort="-sku")
    html = response.content.decode()
    assert html.index("TH-12-5") < html.index("DP-U-5W40-4") < html.index("DO-C-10W40-208")


def test_export_follows_the_filter(as_editor, catalog):
    response = product_list(as_editor, group=catalog["oils"].pk, export="csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = {cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row}
    assert {"DP-U-5W40-4", "DO-C-10W40-208"} <= cells
    assert "TH-12-5" not in cells


def test_a_reader_cannot_export(logged_in, reader, catalog):
    response = product_list(logged_in(reader), export="csv")
    assert response.status_code == 403


@pytest.mark.parametrize("tab", ["overview", "prices", "history"])
def test_the_product_card_tabs(as_editor, catalog, tab):
    product = catalog["ultra_4"]
    response = as_editor.get(product.get_absolute_url(), {"tab": tab})
    assert response.status_code == 200
    html = response.content.decode()
    assert "DP-U-5W40-4" in html
    if tab == "prices":
        assert "Дилерский прайс 2026" in html
        assert "2\u202f920,00\u00a0₽" in html


def product_form(catalog, **changes):
    data = {
        "sku": "NEW-0001",
        "name": "Новое масло",
        "group": catalog["cars"].pk,
        "brand": catalog["pro"].pk,
        "series": catalog["ultra"].pk,
        "unit": catalog["piece"].pk,
        "barcode": "",
        "description": "",
        "external_code": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_create_a_product(as_editor, catalog):
    response = as_editor.post(reverse("catalog:product_create"), product_form(catalog))
    product = Product.objects.get(sku="NEW-0001")
    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    assert product.events.count() == 1  # audited


def test_a_duplicate_article_gives_a_form_error_and_keeps_the_input(as_editor, catalog):
    with translation.override("en"):
        response = as_editor.post(
            reverse("catalog:product_create"), product_form(catalog, sku=" DP-U-5W40-4 ")
        )
    assert response.status_code == 200
    form = response.context["form"]
    with translation.override("en"):  # the error is a lazy string: read it in English
        assert form.errors["sku"] == ["A product with this article (SKU) already exists."]
    assert form.data["name"] == "Новое масло"
    assert Product.objects.filter(sku="DP-U-5W40-4").count() == 1


def test_a_series_of_another_brand_gives_a_form_error(as_editor, catalog):
    response = as_editor.post(
        reverse("catalog:product_create"), product_form(catalog, series=catalog["g12"].pk)
    )
    assert response.status_code == 200
    assert "series" in response.context["form"].errors
    assert not Product.objects.filter(sku="NEW-0001").exists()


def test_edit_a_product_with_its_version(as_editor, catalog):
    product = catalog["classic"]
    data = product_form(
        catalog,
        sku=product.sku,
        name="Демо-Ойл Классик 10W-40, бочка 208 л",
        brand=catalog["demoil"].pk,
        series="",
        unit=catalog["litre"].pk,
        version=product.version,
    )
    response = as_editor.post(reverse("catalog:product_edit", args=[product.pk]), data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name.endswith("208 л")
    assert product.version == 2


def test_archive_and_restore_a_product(as_editor, catalog):
    product = catalog["classic"]
    url = reverse("catalog:product_archive", args=[product.pk])
    assert as_editor.post(url, {"archived": "1"}).status_code == 302
    product.refresh_from_db()
    assert not product.is_active
    as_editor.post(url, {"archived": "0"})
    product.refresh_from_db()
    assert product.is_active


def test_a_product_with_prices_is_not_deleted_and_the_user_is_told(as_editor, catalog):
    product = catalog["ultra_4"]
    response = as_editor.post(reverse("catalog:product_delete", args=[product.pk]), follow=True)
    assert Product.objects.filter(pk=product.pk).exists()
    assert any(
        "Make it inactive" in str(m) or "неактивн" in str(m) for m in response.context["messages"]
    )


def test_the_group_tree_is_indented(as_editor, catalog):
    response = as_editor.get(reverse("catalog:productgroup_list"))
    html = response.content.decode()
    assert response.status_code == 200
    order = ["Моторные масла", "Для легковых", "Синтетические", "Технические жидкости"]
    positions = [html.index(name) for name in order]
    assert positions == sorted(positions)
    assert 'data-depth="2"' in html
    assert 'class="crm-indent-2"' in html  # a class: the CSP drops inline style attributes


def test_a_group_cannot_be_moved_under_its_subgroup_in_the_form(as_editor, catalog):
    oils = catalog["oils"]
    response = as_editor.post(
        reverse("catalog:productgroup_edit", args=[oils.pk]),
        {"name": oils.name, "parent": catalog["synthetic"].pk, "sort_order": 0,
         "is_active": "on", "version": oils.version},
    )  # fmt: skip
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    oils.refresh_from_db()
    assert oils.parent_id is None


@pytest.mark.parametrize("tab", ["overview", "subgroups", "products", "history"])
def test_the_group_card_tabs(as_editor, catalog, tab):
    response = as_editor.get(catalog["oils"].get_absolute_url(), {"tab": tab})
    assert response.status_code == 200
    if tab == "products":
        assert "DP-U-5W40-4" in response.content.decode()  # from a subgroup


def test_the_brand_list_shows_series(as_editor, catalog):
    response = as_editor.get(reverse("catalog:brand_list"))
    html = response.content.decode()
    assert "Ультра" in html
    assert "G12+" in html


@pytest.mark.parametrize("tab", ["overview", "series", "sub_brands", "products", "history"])
def test_the_brand_card_tabs(as_editor, catalog, tab):
    response = as_editor.get(catalog["demoil"].get_absolute_url(), {"tab": tab})
    assert response.status_code == 200


def test_create_a_sub_brand_and_a_series(as_editor, catalog):
    response = as_editor.post(
        reverse("catalog:brand_create"),
        {"name": "Демо-Ойл Эко", "parent": catalog["demoil"].pk, "is_active": "on"},
    )
    assert response.status_code == 302
    eco = Brand.objects.get(name="Демо-Ойл Эко")
    response = as_editor.post(
        reverse("catalog:series_create"), {"brand": eco.pk, "name": "Грин", "is_active": "on"}
    )
    assert response.status_code == 302
    assert eco.series.get().name == "Грин"


def test_the_price_list_card_pages_its_items(as_editor, catalog):
    prices = catalog["dealer_prices"]
    group = ProductGroup.objects.create(name="Много")
    products = Product.objects.bulk_create(
        Product(sku=f"BULK-{n:03d}", name=f"Товар {n:03d}", group=group, unit=catalog["piece"])
        for n in range(60)
    )
    PriceListItem.objects.bulk_create(
        PriceListItem(price_list=prices, product=p, price=Decimal(n))
        for n, p in enumerate(products)
    )
    first = as_editor.get(prices.get_absolute_url(), {"tab": "items"})
    assert first.status_code == 200
    assert len(first.context["items"]) == 50
    second = as_editor.get(prices.get_absolute_url(), {"tab": "items", "page": 2})
    assert len(second.context["items"]) == 12
    found = as_editor.get(prices.get_absolute_url(), {"tab": "items", "q": "bulk-05"})
    assert [row["item"].product.sku for row in found.context["items"]] == [
        f"BULK-{n:03d}" for n in range(50, 60)
    ]


def test_the_price_list_list_counts_items(as_editor, catalog):
    response = as_editor.get(reverse("catalog:pricelist_list"))
    assert response.status_code == 200
    assert "Дилерский прайс 2026" in response.content.decode()


def test_add_a_price_and_refuse_a_second_one_for_the_same_product(as_editor, catalog):
    prices, product = catalog["dealer_prices"], catalog["classic"]
    url = reverse("catalog:pricelistitem_create")
    data = {"price_list": prices.pk, "product": product.pk, "price": "15500.00"}
    assert as_editor.post(url, data).status_code == 302
    again = as_editor.post(url, {**data, "price": "1"})
    assert again.status_code == 200
    assert again.context["form"].errors
    assert PriceListItem.objects.get(price_list=prices, product=product).price == Decimal("15500")


# --- who may do what ------------------------------------------------------------------------------


def pages(catalog):
    product, group = catalog["ultra_4"], catalog["oils"]
    brand, series, prices = catalog["demoil"], catalog["ultra"], catalog["dealer_prices"]
    item = PriceListItem.objects.filter(price_list=prices).first()
    return {
        "product_list": reverse("catalog:product_list"),
        "product_detail": product.get_absolute_url(),
        "product_edit": reverse("catalog:product_edit", args=[product.pk]),
        "product_create": reverse("catalog:product_create"),
        "productgroup_list": reverse("catalog:productgroup_list"),
        "productgroup_detail": group.get_absolute_url(),
        "productgroup_edit": reverse("catalog:productgroup_edit", args=[group.pk]),
        "brand_list": reverse("catalog:brand_list"),
        "brand_detail": brand.get_absolute_url(),
        "brand_edit": reverse("catalog:brand_edit", args=[brand.pk]),
        "series_list": reverse("catalog:series_list"),
        "series_detail": series.get_absolute_url(),
        "pricelist_list": reverse("catalog:pricelist_list"),
        "pricelist_detail": prices.get_absolute_url(),
        "pricelist_edit": reverse("catalog:pricelist_edit", args=[prices.pk]),
        "pricelistitem_edit": reverse("catalog:pricelistitem_edit", args=[item.pk]),
    }


READ_PAGES = {"list", "detail"}


def test_anonymous_visitors_go_to_login(client, catalog):
    for name, url in pages(catalog).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert reverse("accounts:login") in response["Location"]


def test_users_without_catalogue_permissions_are_refused(logged_in, nobody, catalog):
    client = logged_in(nobody)
    for name, url in pages(catalog).items():
        assert client.get(url).status_code == 403, name


def test_a_reader_reads_but_does_not_change(logged_in, reader, catalog):
    client = logged_in(reader)
    for name, url in pages(catalog).items():
        expected = 200 if name.rsplit("_", 1)[1] in READ_PAGES else 403
        assert client.get(url).status_code == expected, name
    archive = reverse("catalog:product_archive", args=[catalog["ultra_4"].pk])
    assert client.post(archive, {"archived": "1"}).status_code == 403


def test_a_dealer_has_no_catalogue_by_default(logged_in, catalog):
    from tests.factories import UserFactory

    dealer = UserFactory(username="dealer", role="dealer")
    assert logged_in(dealer).get(reverse("catalog:product_list")).status_code == 403


def test_the_menu_shows_the_catalogue_to_readers_only(logged_in, reader, nobody, catalog):
    html = logged_in(reader).get(reverse("catalog:product_list")).content.decode()
    assert reverse("catalog:pricelist_list") in html
    grant(nobody)  # nothing
    home = logged_in(nobody).get("/")
    assert reverse("catalog:product_list") not in home.content.decode()
