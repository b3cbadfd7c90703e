"""The demo catalogue: a realistic size, consistent brands and series, valid prices, and a
second run that creates and changes nothing."""

import pytest
from django.apps import apps

from crm.catalog import demo
from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.refs import demo as refs_demo

pytestmark = pytest.mark.django_db
COUNTED_APPS = {"catalog", "refs", "pghistory"}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in COUNTED_APPS and model._meta.managed and not model._meta.proxy
    }


def seed():
    with audit_context(source=Source.SYSTEM, channel=Channel.TASK):
        refs_demo.seed(scale="ci")
        return demo.seed(scale="ci")


@pytest.fixture
def seeded(db):
    return seed()


def test_the_catalogue_is_realistic(seeded):
    assert 140 <= Product.objects.count() <= 160
    assert 5 <= Brand.objects.filter(parent__isnull=True).count() <= 8
    assert Brand.objects.filter(parent__isnull=False).exists()
    assert ProductGroup.objects.filter(parent__parent__isnull=False).exists()  # three levels
    assert PriceList.objects.count() == 2
    assert PriceListItem.objects.count() == 2 * Product.objects.count()


def test_every_product_is_consistent(seeded):
    for product in Product.objects.select_related("series", "unit"):
        product.full_clean()
        assert product.series.brand_id == product.brand_id
        assert product.external_code == f"P-{product.sku}"
    assert not PriceListItem.objects.filter(price__lte=0).exists()


def test_retail_prices_are_above_dealer_prices(seeded):
    dealer, retail = PriceList.objects.order_by("external_code")
    assert dealer.external_code == "PL-DEALER-2026"
    dealer_prices = dict(dealer.items.values_list("product_id", "price"))
    for product_id, price in retail.items.values_list("product_id", "price"):
        assert price > dealer_prices[product_id]


def test_a_second_run_creates_and_changes_nothing(seeded):
    before = row_counts()
    assert seed() == seeded
    assert row_counts() == before
