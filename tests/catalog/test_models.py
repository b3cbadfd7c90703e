"""The catalogue's own rules: the group and brand trees have no cycles, a series belongs to the
product's brand, an article is unique, prices are not negative and unique per list."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.catalog import selectors
from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in the source language."""
    from django.utils import translation

    with translation.override("en"):
        yield


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_a_group_cannot_move_under_its_own_subgroup(catalog):
    oils = catalog["oils"]
    oils.parent = catalog["synthetic"]  # oils → cars → synthetic → oils would be a cycle
    assert "parent" in errors_of(oils)


def test_a_group_cannot_be_its_own_parent(catalog):
    cars = catalog["cars"]
    cars.parent = cars
    assert "parent" in errors_of(cars)


def test_a_group_may_move_to_another_branch(catalog):
    cars = catalog["cars"]
    cars.parent = catalog["fluids"]
    cars.full_clean()


def test_a_brand_cannot_be_a_sub_brand_of_its_sub_brand(catalog):
    demoil = catalog["demoil"]
    demoil.parent = catalog["pro"]
    assert "parent" in errors_of(demoil)


def test_sub_brands_may_nest_deeper(catalog):
    deeper = Brand(name="Демо-Ойл Профи Спорт", parent=catalog["pro"])
    deeper.full_clean()


def test_a_series_of_another_brand_is_refused(catalog):
    product = catalog["ultra_4"]
    product.brand = catalog["other"]
    assert "series" in errors_of(product)


def test_a_series_without_a_brand_brings_its_brand(catalog):
    product = Product(
        sku="NEW-1", name="Новый", group=catalog["cars"], series=catalog["g12"],
        unit=catalog["piece"],
    )  # fmt: skip
    product.full_clean()
    assert product.brand_id == catalog["other"].pk


def test_an_article_is_unique_with_a_clear_message(catalog):
    twin = Product(sku="DP-U-5W40-4", name="Двойник", group=catalog["cars"], unit=catalog["piece"])
    assert errors_of(twin)["sku"] == ["A product with this article (SKU) already exists."]


def test_a_barcode_has_digits_only(catalog):
    product = catalog["classic"]
    product.barcode = "46-00"
    assert "barcode" in errors_of(product)


def test_a_negative_price_is_refused(catalog):
    item = PriceListItem(
        price_list=catalog["dealer_prices"], product=catalog["classic"], price=Decimal("-1")
    )
    assert "price" in errors_of(item)


def test_a_product_has_one_price_per_list(catalog):
    item = PriceListItem(
        price_list=catalog["dealer_prices"], product=catalog["ultra_4"], price=Decimal("1")
    )
    assert errors_of(item)["__all__"] == ["This product already has a price in this price list."]


def test_a_price_list_period_ends_after_it_starts():
    from datetime import date

    prices = PriceList(name="Кривой", valid_from=date(2026, 5, 1), valid_to=date(2026, 4, 1))
    assert "valid_to" in errors_of(prices)


def test_external_codes_are_unique_when_set(catalog):
    ProductGroup(name="Без кода A").full_clean()
    duplicate = ProductGroup(name="Ещё масла", external_code="G-MO")
    assert errors_of(duplicate)["__all__"] == ["Another record already has this external code."]


def test_the_tree_lists_each_parent_before_its_subgroups(catalog):
    nodes = [(node.group.name, node.depth) for node in selectors.group_tree()]
    assert nodes == [
        ("Моторные масла", 0),
        ("Для легковых", 1),
        ("Синтетические", 2),
        ("Технические жидкости", 0),
    ]


def test_a_group_includes_all_its_subgroups(catalog):
    ids = set(selectors.group_descendant_ids(catalog["oils"].pk))
    assert ids == {catalog["oils"].pk, catalog["cars"].pk, catalog["synthetic"].pk}


def test_prices_read_the_russian_way():
    from django.utils import translation

    with translation.override("ru"):
        assert selectors.money(Decimal("1234.5")) == "1\u202f234,50\u00a0₽"
