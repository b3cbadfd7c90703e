"""A sales world: the security tests' org structure (Moscow unit with an office, St Petersburg),
dealers and sub-dealers in and out of the manager's territory, their outlets, a small product
group tree, and a helper that records lines."""

from datetime import date
from decimal import Decimal

import pytest

from crm.accounts.scopes import resolve_scope
from crm.core.choices import Channel, Source
from crm.sales import services
from crm.sales.choices import Flow
from tests.sales.factories import (
    DealerFactory,
    OutletFactory,
    ProductFactory,
    ProductGroupFactory,
    SubDealerFactory,
)
from tests.security.conftest import add_perms, build_world

SALES_VIEW = ("view_salesline", "view_salesmonth", "view_salesmonthoutlet", "view_plan")


def may_view_sales(*users):
    """The sales permissions the roles will get by default (not declared in roles.py yet)."""
    for user in users:
        add_perms(user, *SALES_VIEW, app="sales")
        user.refresh_access()


def acting_for(user, organisation):
    """Make a dealer's user act for this organisation: their membership (one per user), and
    the scope resolved afresh, as the next request would."""
    from dealers.models import DealerMembership

    DealerMembership.objects.update_or_create(user=user, defaults={"organisation": organisation})
    user._crm_scope = resolve_scope(user)
    user.__dict__.pop("_dealers_cabinet", None)
    return user


def line(external_id, **values):
    """A sell-out line of 1 unit for 100.00 on 2026-02-10 unless told otherwise."""
    data = {
        "external_id": external_id,
        "flow": Flow.SELL_OUT,
        "date": date(2026, 2, 10),
        "quantity": Decimal("1"),
        "amount": Decimal("100.00"),
    }
    data.update(values)
    return services.LineData(**data)


@pytest.fixture
def record():
    """record(lines, source="dealer", channel="web", **options) → RecordResult."""

    def write(lines, source=Source.DEALER, channel=Channel.WEB, **options):
        return services.record_lines(lines, source=source, channel=channel, **options)

    return write


@pytest.fixture
def sales_world(db):
    """Dealer "alpha" in Moscow (77, the manager's), its sub-dealer "alpha_sub" in the Moscow
    oblast (50), dealer "zulu" in St Petersburg (78, the stranger's); one outlet each; groups
    "oils" > "synthetic" and "fluids", a product in each leaf."""
    world = build_world()
    regions = world["regions"]
    alpha = DealerFactory(name="Альфа-Дилер", region=regions["77"], owner=world["manager"])
    alpha_sub = SubDealerFactory(name="Альфа-Суб", parent_dealer=alpha, region=regions["50"])
    zulu = DealerFactory(name="Зулу-Дилер", region=regions["78"], owner=world["stranger"])
    oils = ProductGroupFactory(name="Масла")
    synthetic = ProductGroupFactory(name="Синтетика", parent=oils)
    fluids = ProductGroupFactory(name="Жидкости")
    world.update(
        alpha=alpha,
        alpha_sub=alpha_sub,
        zulu=zulu,
        alpha_outlet=OutletFactory(dealer=alpha, name="Альфа-Точка"),
        sub_outlet=OutletFactory(dealer=alpha_sub, name="Суб-Точка"),
        zulu_outlet=OutletFactory(dealer=zulu, name="Зулу-Точка"),
        oils=oils,
        synthetic=synthetic,
        fluids=fluids,
        synthetic_oil=ProductFactory(name="Синтетическое масло 5W-40", group=synthetic),
        oil=ProductFactory(name="Масло общее", group=oils),
        antifreeze=ProductFactory(name="Антифриз", group=fluids),
    )
    may_view_sales(world["manager"], world["stranger"], world["head"], world["regional"])
    return world


def without_sales_permissions(user) -> None:
    """Take the sales permissions from the user and their roles (the roles have them by
    default)."""
    from django.contrib.auth.models import Permission

    sales = Permission.objects.filter(content_type__app_label="sales")
    for group in user.groups.all():
        group.permissions.remove(*sales)
    user.user_permissions.remove(*sales)
    user.refresh_access()
