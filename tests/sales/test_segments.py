"""Saved segments of dealers: plan vs fact is the segment's own plan against the sum of its
dealers' lines (returns included) per flow, with the dealers' own plans beside it; the pages
follow the access rule."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from crm.sales import segments
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import DealerSegment, Plan, SalesLine
from crm.sales.plans import Period
from tests.sales.conftest import line
from tests.sales.factories import DealerFactory, PlanFactory
from tests.security.conftest import add_perms

pytestmark = pytest.mark.django_db

Q2 = Period(PeriodKind.QUARTER, date(2026, 4, 1))
SEGMENT_PERMS = ("view_dealersegment", "add_dealersegment", "change_dealersegment")


@pytest.fixture
def world(sales_world, record):
    w = sales_world
    segment = DealerSegment.objects.create(
        name="Ключевые", owner=w["regional"], org_unit=w["units"]["moscow"]
    )
    segment.members.add(w["alpha"], w["alpha_sub"])
    w["segment"] = segment
    for user in (w["regional"], w["stranger"], w["manager"]):
        add_perms(user, *SEGMENT_PERMS, app="sales")
    one, ten = Decimal("1"), Decimal("10")
    record(
        [
            line("a1", seller_id=w["alpha"].pk, product_id=w["synthetic_oil"].pk,
                 date=date(2026, 4, 3), quantity=3 * one, amount=300 * ten),
            line("a2", seller_id=w["alpha"].pk, product_id=w["oil"].pk,
                 date=date(2026, 6, 30), quantity=2 * one, amount=150 * ten),
            line("a3-return", seller_id=w["alpha"].pk, product_id=w["synthetic_oil"].pk,
                 date=date(2026, 5, 5), quantity=-one, amount=-100 * ten),
            line("s1", seller_id=w["alpha_sub"].pk, product_id=w["antifreeze"].pk,
                 date=date(2026, 5, 20), quantity=5 * one, amount=50 * ten),
            line("s2", seller_id=w["alpha_sub"].pk, product_id=w["oil"].pk,
                 date=date(2026, 4, 20), quantity=4 * one, amount=40 * ten),
            line("z1", seller_id=w["zulu"].pk, product_id=w["oil"].pk,  # not a member
                 date=date(2026, 4, 20), quantity=9 * one, amount=900 * ten),
            line("a-march", seller_id=w["alpha"].pk, product_id=w["oil"].pk,  # another quarter
                 date=date(2026, 3, 31), quantity=7 * one, amount=70 * ten),
            line("in1", flow=Flow.SELL_IN, buyer_id=w["alpha"].pk, product_id=w["oil"].pk,
                 date=date(2026, 4, 10), quantity=20 * one, amount=2000 * ten),
            line("in2-return", flow=Flow.SELL_IN, buyer_id=w["alpha_sub"].pk,
                 product_id=w["antifreeze"].pk, date=date(2026, 4, 11),
                 quantity=-2 * one, amount=-20 * ten),
        ]
    )  # fmt: skip
    plan = {"period_kind": PeriodKind.QUARTER, "period_start": Q2.start, "flow": Flow.SELL_OUT}
    PlanFactory(segment=segment, product_group=w["oils"], quantity=10, amount=9000, **plan)
    PlanFactory(segment=segment, product_group=w["synthetic"], quantity=1, amount=500, **plan)
    # April's plan is covered by the quarter's: not counted twice
    PlanFactory(
        segment=segment,
        product_group=w["oils"],
        quantity=99,
        amount=99,
        flow=Flow.SELL_OUT,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 4, 1),
    )
    PlanFactory(organisation=w["alpha"], product_group=w["oils"], quantity=4, amount=4000, **plan)
    PlanFactory(
        organisation=w["alpha_sub"], product_group=w["fluids"], quantity=6, amount=60, **plan
    )
    PlanFactory(outlet=w["alpha_outlet"], product_group=w["oils"], quantity=50, amount=50, **plan)
    return w


def ledger_sums(w, flow):
    """The members' lines of the quarter, by top-level group, straight from the ledger."""
    members = [w["alpha"].pk, w["alpha_sub"].pk]
    top = {
        w["oils"].pk: w["oils"].pk,
        w["synthetic"].pk: w["oils"].pk,
        w["fluids"].pk: w["fluids"].pk,
    }
    sums = {}
    rows = (
        SalesLine.objects.filter(
            flow=flow, organisation_id__in=members, date__range=(Q2.start, Q2.end)
        )
        .values("product_group_id")
        .annotate(q=Sum("quantity"), a=Sum("amount"))
    )
    for row in rows:
        q, a = sums.get(top[row["product_group_id"]], (0, 0))
        sums[top[row["product_group_id"]]] = (q + row["q"], a + row["a"])
    return sums


@pytest.mark.parametrize("flow", [Flow.SELL_OUT, Flow.SELL_IN])
def test_segment_fact_is_the_sum_of_its_dealers_lines_per_flow(world, flow):
    w = world
    rows = segments.segment_plan_vs_fact(w["regional"], w["segment"], period=Q2, flow=flow)
    by_group = {row.group: row for row in rows}
    expected = ledger_sums(w, flow)
    for group in (w["oils"].pk, w["fluids"].pk):
        q, a = expected.get(group, (0, 0))
        assert (by_group[group].fact_quantity, by_group[group].fact_amount) == (q, a)
    total = by_group[None]
    assert total.fact_quantity == sum(q for q, _a in expected.values())
    assert total.fact_amount == sum(a for _q, a in expected.values())


def test_segment_plan_vs_fact_in_numbers(world):
    w = world
    rows = segments.segment_plan_vs_fact(w["regional"], w["segment"], period=Q2, flow=Flow.SELL_OUT)
    oils = next(row for row in rows if row.group == w["oils"].pk)
    # returns subtract: 3 + 2 - 1 (alpha) + 4 (alpha_sub); zulu and March left out
    assert (oils.fact_quantity, oils.fact_amount) == (Decimal("8"), Decimal("3900"))
    # the segment's quarter plans of oils and its subgroup; April's plan is covered
    assert (oils.plan_quantity, oils.plan_amount) == (Decimal("11"), Decimal("9500"))
    assert oils.completion_quantity == Decimal("72.7")
    # beside it: the dealers' own plans (alpha), not their outlets'
    assert (oils.members_plan_quantity, oils.members_plan_amount) == (Decimal("4"), Decimal("4000"))
    fluids = next(row for row in rows if row.group == w["fluids"].pk)
    assert (fluids.plan_quantity, fluids.members_plan_quantity) == (Decimal("0"), Decimal("6"))
    assert fluids.completion_quantity is None  # no plan, no completion
    sell_in = segments.segment_plan_vs_fact(
        w["regional"], w["segment"], period=Q2, flow=Flow.SELL_IN
    )
    assert sell_in[-1].fact_quantity == Decimal("18")  # 20 shipped, 2 returned
    assert sell_in[-1].plan_quantity == Decimal("0")  # the plans are sell-out plans


def test_a_subgroup_drill_down_splits_the_group(world):
    w = world
    rows = segments.segment_plan_vs_fact(
        w["regional"], w["segment"], period=Q2, flow=Flow.SELL_OUT, group=w["oils"].pk
    )
    by_group = {row.group: row for row in rows}
    assert by_group[w["synthetic"].pk].fact_quantity == Decimal("2")  # 3 sold, 1 returned
    assert by_group[w["oils"].pk].fact_quantity == Decimal("6")  # recorded on "oils" itself
    assert by_group[None].fact_quantity == Decimal("8")


def test_the_segment_page_shows_its_plan_vs_fact(client, world):
    w = world
    client.force_login(w["regional"])
    response = client.get(
        reverse("sales:dealersegment_detail", args=[w["segment"].pk])
        + "?kind=quarter&period=2026-04-01&flow=sell_out"
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="segment-total"' in content
    assert f'data-testid="segment-row-{w["oils"].pk}"' in content
    assert w["alpha_sub"].name in content


def test_a_segment_outside_the_users_area_does_not_exist_for_them(client, world):
    client.force_login(world["stranger"])
    response = client.get(reverse("sales:dealersegment_detail", args=[world["segment"].pk]))
    assert response.status_code == 404
    listing = client.get(reverse("sales:dealersegment_list")).content.decode()
    assert world["segment"].name not in listing


def test_dealers_never_see_segments(world):
    dealer = world["dealer"]
    add_perms(dealer, "view_dealersegment", app="sales")
    assert not DealerSegment.objects.restrict(dealer).exists()


def test_creating_a_segment_makes_the_creator_its_manager(client, world):
    w = world
    client.force_login(w["regional"])
    response = client.post(
        reverse("sales:dealersegment_create"),
        {"name": "Новые", "description": "", "members": [w["alpha"].pk]},
    )
    assert response.status_code == 302
    segment = DealerSegment.objects.get(name="Новые")
    assert segment.owner == w["regional"]
    assert list(segment.members.all()) == [w["alpha"]]
    # a dealer outside the user's area cannot be added
    response = client.post(
        reverse("sales:dealersegment_create"),
        {"name": "Чужие", "members": [w["zulu"].pk]},
    )
    assert response.status_code == 200
    assert not DealerSegment.objects.filter(name="Чужие").exists()


def test_editing_keeps_members_the_editor_cannot_see(client, world):
    w = world
    w["segment"].members.add(w["zulu"])
    client.force_login(w["regional"])
    response = client.post(
        reverse("sales:dealersegment_edit", args=[w["segment"].pk]),
        {
            "name": "Ключевые",
            "members": [w["alpha"].pk],
            "version": w["segment"].version,
        },
    )
    assert response.status_code == 302
    assert set(w["segment"].members.values_list("pk", flat=True)) == {w["alpha"].pk, w["zulu"].pk}


def test_a_new_manager_of_a_segment_moves_its_plans_scope(world):
    w = world
    DealerSegment.objects.filter(pk=w["segment"].pk).update(owner=w["stranger"], org_unit=None)
    plan = Plan.objects.filter(segment=w["segment"]).first()
    assert (plan.owner_id, plan.org_unit_id) == (w["stranger"].pk, None)


def test_the_form_lists_its_members_and_finds_the_others_on_the_server(client, world):
    """Thousands of dealers: the form renders only the members (ticked); the others are found
    by a search as checkboxes with the same name, posted with the form."""
    w = world
    other = DealerFactory(name="Бета-Дилер", region=w["regions"]["77"], inn="7707083893")
    client.force_login(w["regional"])
    page = client.get(reverse("sales:dealersegment_edit", args=[w["segment"].pk]))
    html = page.content.decode()
    assert "data-filterable" in html
    boxes = re.findall(r'<input type="checkbox" name="members" value="(\d+)"([^>]*)>', html)
    members = set(w["segment"].members.values_list("pk", flat=True))
    assert {int(value) for value, _attrs in boxes} == members
    assert all("checked" in attrs for _value, attrs in boxes)
    assert other.name not in html
    assert reverse("sales:dealersegment_member_search") in html
    # Two dealers of one name are told apart by region and INN; a sub-dealer says so.
    sub = w["alpha_sub"]
    assert f"{sub.name} · {sub.region.name}" in html
    assert "Субдилер" in html or "субдилер" in html

    def found(query):
        url = reverse("sales:dealersegment_member_search")
        response = client.get(url, {"q": query, "name": "members"})
        assert response.status_code == 200
        text = response.content.decode()
        return {int(v) for v in re.findall(r'name="members" value="(\d+)"', text)}, text

    assert found("Бета")[0] == {other.pk}
    assert found("77070")[0] == {other.pk}  # an INN prefix
    region = w["regions"]["77"].name[:5]
    assert {other.pk, w["alpha"].pk} <= found(region)[0]  # by region
    assert found("Зулу")[0] == set()  # a dealer outside the user's area
    nothing, text = found("Нет-такого")
    assert not nothing
    assert "Ничего не найдено" in text
    assert found("Б")[0] == set()  # one letter: a hint, no search
    response = client.post(
        reverse("sales:dealersegment_edit", args=[w["segment"].pk]),
        {
            "name": "Ключевые",
            "members": [*members, other.pk],
            "version": w["segment"].version,
        },
    )
    assert response.status_code == 302
    assert other in w["segment"].members.all()


def test_the_member_search_needs_the_right_to_change_segments(client, world):
    w = world
    client.force_login(w["colleague"])
    url = reverse("sales:dealersegment_member_search")
    assert client.get(url, {"q": "Альфа"}).status_code == 403
