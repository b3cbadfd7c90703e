"""The monthly sums always equal a GROUP BY over the lines, whatever wrote them: inserts, lines
sent again, changed amounts, dates moved to another month, removals, plain ORM updates and
deletes, an organisation that changes region."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from crm.core.choices import Channel, Source
from crm.sales import rollups, services
from crm.sales.choices import Flow
from crm.sales.models import SalesLine, SalesMonth, SalesMonthOutlet
from tests.sales.conftest import line

pytestmark = pytest.mark.django_db


def assert_sums_match_the_lines():
    for table in rollups.ROLLUPS:
        assert rollups.differences(table) == [], table


def random_batch(w, rng, size, prefix="L"):
    """Lines of both flows over three months, some returns, with and without outlets."""
    sellers = [
        (w["alpha"], [None, w["alpha_outlet"], w["sub_outlet"]]),
        (w["alpha_sub"], [None, w["sub_outlet"]]),
        (w["zulu"], [None, w["zulu_outlet"]]),
    ]
    products = [w["oil"], w["synthetic_oil"], w["antifreeze"]]
    batch = []
    for n in range(size):
        organisation, outlets = rng.choice(sellers)
        sign = -1 if rng.random() < 0.2 else 1
        quantity = Decimal(rng.randint(1, 20)) * sign
        values = {
            "date": date(2026, rng.randint(1, 3), rng.randint(1, 28)),
            "quantity": quantity,
            "amount": quantity * Decimal(rng.randint(100, 5000)) / 100,
            "outlet_id": getattr(rng.choice(outlets), "pk", None),
        }
        product = rng.choice([*products, None])
        if product is None:
            values["product_group_id"] = w["fluids"].pk
        else:
            values["product_id"] = product.pk
        if rng.random() < 0.5:
            values.update(flow=Flow.SELL_IN, buyer_id=organisation.pk)
        else:
            values.update(flow=Flow.SELL_OUT, seller_id=organisation.pk)
        batch.append(line(f"{prefix}-{n}", **values))
    return batch


def test_the_sums_equal_a_group_by_after_mixed_writes(sales_world, monkeypatch):
    w, rng = sales_world, random.Random(7)
    monkeypatch.setattr(services, "STAGE_ABOVE", 50)  # both write paths
    write = {"source": Source.ERP, "channel": Channel.SYNC}

    first = random_batch(w, rng, 120)
    services.record_lines(first, **write)
    assert_sums_match_the_lines()

    services.record_lines(first[:80], **write)  # sent again: nothing moves
    assert_sums_match_the_lines()

    changed = [
        services.LineData(**{**item.__dict__, "amount": item.amount * 2}) for item in first[:30]
    ]
    moved = [
        services.LineData(**{**item.__dict__, "date": date(2026, 4, 1)}) for item in first[30:40]
    ]
    services.record_lines([*changed, *moved, *random_batch(w, rng, 20, "M")], **write)
    assert_sums_match_the_lines()

    services.remove_lines(Source.ERP, [item.external_id for item in first[40:70]])
    assert_sums_match_the_lines()

    SalesLine.objects.filter(quantity__lt=0).update(amount=0, quantity=0)
    SalesLine.objects.filter(flow=Flow.SELL_IN, date__month=2).delete()
    assert_sums_match_the_lines()

    alpha = w["alpha"]
    alpha.region = w["regions"]["78"]
    alpha.save()
    assert_sums_match_the_lines()


def test_the_two_roll_ups_hold_the_same_totals(sales_world):
    w = sales_world
    services.record_lines(
        random_batch(w, random.Random(3), 60), source=Source.DEALER, channel=Channel.WEB
    )
    for flow in Flow.values:
        by_org = SalesMonth.objects.filter(flow=flow).aggregate(Sum("amount"), Sum("line_count"))
        by_outlet = SalesMonthOutlet.objects.filter(flow=flow).aggregate(
            Sum("amount"), Sum("line_count")
        )
        assert by_org == by_outlet
        lines = SalesLine.objects.filter(flow=flow).aggregate(Sum("amount"), n=Count("id"))
        assert by_org["line_count__sum"] == lines["n"]


def test_a_row_whose_lines_all_left_is_deleted(sales_world):
    w = sales_world
    batch = random_batch(w, random.Random(5), 10)
    services.record_lines(batch, source=Source.DEALER, channel=Channel.WEB)
    services.remove_lines(Source.DEALER, [item.external_id for item in batch])
    assert not SalesMonth.objects.exists()
    assert not SalesMonthOutlet.objects.exists()


def test_rebuilding_gives_the_same_sums(sales_world):
    w = sales_world
    services.record_lines(
        random_batch(w, random.Random(11), 40), source=Source.ERP, channel=Channel.SYNC
    )
    before = sorted(SalesMonth.objects.values_list("month", "organisation_id", "amount"))
    rollups.rebuild()
    assert sorted(SalesMonth.objects.values_list("month", "organisation_id", "amount")) == before
    assert_sums_match_the_lines()
