"""A small catalogue and a cast: an editor (every catalogue permission), a reader (view
only), a user without catalogue permissions, and a dealer."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup, Series
from crm.core import memo
from crm.refs.models import UnitOfMeasure
from tests.factories import UserFactory


def grant(user, *actions):
    """Give a user the catalogue permissions of these actions (view, add, change...)."""
    codenames = [p.codename for p in Permission.objects.filter(content_type__app_label="catalog")]
    wanted = [c for c in codenames if c.split("_", 1)[0] in actions]
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="catalog", codename__in=wanted)
    )
    user.refresh_access()
    return user


def build_catalog():
    cache.clear()
    memo.forget_all()  # group, brand and series choices are kept per process
    piece = UnitOfMeasure.objects.create(code="796", symbol="шт", name="Штука")
    litre = UnitOfMeasure.objects.create(code="112", symbol="л", name="Литр")
    oils = ProductGroup.objects.create(name="Моторные масла", external_code="G-MO")
    cars = ProductGroup.objects.create(name="Для легковых", parent=oils)
    synthetic = ProductGroup.objects.create(name="Синтетические", parent=cars)
    fluids = ProductGroup.objects.create(name="Технические жидкости")
    demoil = Brand.objects.create(name="Демо-Ойл")
    pro = Brand.objects.create(name="Демо-Ойл Профи", parent=demoil)
    other = Brand.objects.create(name="Термолайн")
    ultra = Series.objects.create(name="Ультра", brand=pro)
    g12 = Series.objects.create(name="G12+", brand=other)
    ultra_4 = Product.objects.create(
        sku="DP-U-5W40-4",
        name="Демо-Ойл Профи Ультра 5W-40, 4 л",
        group=synthetic,
        brand=pro,
        series=ultra,
        unit=piece,
    )
    classic = Product.objects.create(
        sku="DO-C-10W40-208", name="Демо-Ойл Классик 10W-40, бочка", group=cars,
        brand=demoil, unit=litre,
    )  # fmt: skip
    antifreeze = Product.objects.create(
        sku="TH-12-5", name="Термолайн G12+ красный, 5 кг", group=fluids, brand=other,
        series=g12, unit=piece,
    )  # fmt: skip
    retired = Product.objects.create(
        sku="OLD-1", name="Снятое с производства масло", group=cars, unit=piece, is_active=False
    )
    dealer_prices = PriceList.objects.create(name="Дилерский прайс 2026")
    PriceListItem.objects.create(price_list=dealer_prices, product=ultra_4, price=Decimal("2920"))
    PriceListItem.objects.create(price_list=dealer_prices, product=antifreeze, price=Decimal("990"))
    return {
        "piece": piece,
        "litre": litre,
        "oils": oils,
        "cars": cars,
        "synthetic": synthetic,
        "fluids": fluids,
        "demoil": demoil,
        "pro": pro,
        "other": other,
        "ultra": ultra,
        "g12": g12,
        "ultra_4": ultra_4,
        "classic": classic,
        "antifreeze": antifreeze,
        "retired": retired,
        "dealer_prices": dealer_prices,
    }


@pytest.fixture
def catalog(db):
    return build_catalog()


@pytest.fixture
def editor(db):
    return grant(
        UserFactory(username="editor", role="head_of_sales"),
        "view",
        "add",
        "change",
        "delete",
        "export",
    )


@pytest.fixture
def reader(db):
    return grant(UserFactory(username="reader"), "view")


@pytest.fixture
def nobody(db):
    return UserFactory(username="nobody")
