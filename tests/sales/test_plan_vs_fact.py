"""Plan vs fact: per region, dealer, outlet and product group, one flow at a time, returns
included, from the monthly sums; each user sees only their rows; hidden measures stay hidden.

The first quarter of 2026, sell-out (amounts; quantities are a hundredth of them):

=============  =====  ==========  ===========  ==============================
line           month  outlet      group        amount
=============  =====  ==========  ===========  ==============================
alpha          Jan    alpha's     synthetic    1,000
alpha          Feb    —           fluids       500
alpha return   Mar    alpha's     synthetic    −200
alpha_sub      Feb    sub's       oils         400
zulu           Jan    zulu's      oils         700
alpha          Apr    alpha's     synthetic    10,000 (after the quarter)
=============  =====  ==========  ===========  ==============================

Sell-in: 5,000 to alpha (Jan), 3,000 to zulu (Feb).
"""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.clients import requisites
from crm.core.choices import Channel, Source
from crm.sales import services
from crm.sales.choices import Flow, Level, PeriodKind
from crm.sales.models import SalesLine, SalesMonthRegion
from crm.sales.selectors import NetworkSums, plan_vs_fact, plan_vs_fact_table
from tests.sales.conftest import acting_for, line, may_view_sales, without_sales_permissions
from tests.sales.factories import PlanFactory

pytestmark = pytest.mark.django_db

Q1 = {"period_start": date(2026, 1, 1), "period_end": date(2026, 3, 31)}
D = Decimal


@pytest.fixture
def ledger(sales_world):
    w = sales_world
    out = {"flow": Flow.SELL_OUT}
    services.record_lines(
        [
            line("a1", seller_id=w["alpha"].pk, outlet_id=w["alpha_outlet"].pk,
                 product_id=w["synthetic_oil"].pk, date=date(2026, 1, 9), quantity=10,
                 amount=1000, **out),
            line("a2", seller_id=w["alpha"].pk, product_id=w["antifreeze"].pk,
                 date=date(2026, 2, 9), quantity=5, amount=500, **out),
            line("a3", seller_id=w["alpha"].pk, outlet_id=w["alpha_outlet"].pk,
                 product_id=w["synthetic_oil"].pk, date=date(2026, 3, 31), quantity=-2,
                 amount=-200, **out),
            line("s1", seller_id=w["alpha_sub"].pk, outlet_id=w["sub_outlet"].pk,
                 product_id=w["oil"].pk, date=date(2026, 2, 1), quantity=4, amount=400, **out),
            line("z1", seller_id=w["zulu"].pk, outlet_id=w["zulu_outlet"].pk,
                 product_id=w["oil"].pk, date=date(2026, 1, 20), quantity=7, amount=700, **out),
            line("a4", seller_id=w["alpha"].pk, outlet_id=w["alpha_outlet"].pk,
                 product_id=w["synthetic_oil"].pk, date=date(2026, 4, 1), quantity=100,
                 amount=10000, **out),
        ],
        source=Source.DEALER,
        channel=Channel.WEB,
    )  # fmt: skip
    services.record_lines(
        [
            line("e1", flow=Flow.SELL_IN, buyer_id=w["alpha"].pk, product_id=w["oil"].pk,
                 date=date(2026, 1, 15), quantity=50, amount=5000),
            line("e2", flow=Flow.SELL_IN, buyer_id=w["zulu"].pk, product_id=w["oil"].pk,
                 date=date(2026, 2, 15), quantity=30, amount=3000),
        ],
        source=Source.ERP,
        channel=Channel.SYNC,
    )  # fmt: skip
    return w


@pytest.fixture
def plans(ledger):
    """Quarter plans unless noted; amounts (quantities are a hundredth of them)."""
    w = ledger

    def plan(amount, kind=PeriodKind.QUARTER, start=date(2026, 1, 1), **target):
        return PlanFactory(
            period_kind=kind, period_start=start, quantity=D(amount) / 100, amount=amount,
            **{"product_group": w["oils"], **target},
        )  # fmt: skip

    plan(2000, target_region=w["regions"]["77"])
    plan(1000, target_region=w["regions"]["77"], product_group=w["fluids"])
    plan(500, target_region=w["regions"]["78"])
    plan(1000, organisation=w["alpha"])
    for month in (1, 2, 3):  # covered by alpha's quarter plan: not counted again
        plan(400, PeriodKind.MONTH, date(2026, month, 1), organisation=w["alpha"])
    for month in (1, 2):  # no quarter plan for fluids: the months count
        plan(200, PeriodKind.MONTH, date(2026, month, 1), organisation=w["alpha"],
             product_group=w["fluids"])  # fmt: skip
    plan(9999, PeriodKind.MONTH, date(2026, 4, 1), organisation=w["alpha"])  # after Q1
    plan(9999, PeriodKind.YEAR, organisation=w["zulu"])  # longer than the period
    plan(300, organisation=w["alpha_sub"])
    plan(800, organisation=w["zulu"])
    plan(600, outlet=w["alpha_outlet"])
    plan(6000, target_region=w["regions"]["77"], flow=Flow.SELL_IN)
    return w


def by_key(rows):
    return {row.key: row for row in rows}


def report(user, level, flow=Flow.SELL_OUT, **filters):
    return by_key(plan_vs_fact(user, **Q1, flow=flow, level=level, **filters))


def test_facts_equal_the_sum_of_the_lines_including_returns_per_flow(plans):
    head = plans["head"]
    totals = {}
    for flow in Flow.values:
        lines = SalesLine.objects.filter(
            flow=flow, date__range=(date(2026, 1, 1), date(2026, 3, 31))
        )
        expected = lines.aggregate(q=Sum("quantity"), a=Sum("amount"))
        for level in Level.values:
            rows = plan_vs_fact(head, **Q1, flow=flow, level=level)
            assert sum(row.fact_amount for row in rows) == expected["a"], (flow, level)
            assert sum(row.fact_quantity for row in rows) == expected["q"], (flow, level)
            assert sum(row.lines for row in rows) == lines.count()
        totals[flow] = expected["a"]
    # The return counts (2,600 sold − 200 returned); the flows are never added together.
    assert totals == {Flow.SELL_OUT: 2400, Flow.SELL_IN: 8000}


def test_a_regions_row_compares_its_own_plan_with_its_dealers_facts(plans):
    w = plans
    rows = report(w["head"], Level.REGION)
    moscow = rows[w["regions"]["77"].pk]
    assert moscow.name == "Москва"
    assert (moscow.fact_amount, moscow.fact_quantity, moscow.lines) == (1300, 13, 3)
    assert moscow.plan_amount == 3000  # the region's own plans (oils and fluids)
    assert moscow.children_plan_amount == 1400  # alpha: oils for the quarter, fluids by month
    assert moscow.completion_amount == D("43.3")
    oblast = rows[w["regions"]["50"].pk]
    assert (oblast.fact_amount, oblast.plan_amount, oblast.completion_amount) == (400, 0, None)
    assert oblast.children_plan_amount == 300
    spb = rows[w["regions"]["78"].pk]
    assert (spb.fact_amount, spb.plan_amount, spb.completion_amount) == (700, 500, D("140.0"))
    assert spb.children_plan_amount == 800  # the year plan is not a quarter's


def test_sell_in_is_reported_apart(plans):
    w = plans
    rows = report(w["head"], Level.REGION, flow=Flow.SELL_IN)
    moscow = rows[w["regions"]["77"].pk]
    assert (moscow.fact_amount, moscow.plan_amount, moscow.completion_amount) == (
        5000,
        6000,
        D("83.3"),
    )
    assert rows[w["regions"]["78"].pk].fact_amount == 3000
    with pytest.raises(ValueError, match="apart"):
        plan_vs_fact(w["head"], **Q1, flow="both", level=Level.REGION)


def test_a_dealer_drill_down_shows_the_dealer_and_its_sub_dealers(plans):
    w = plans
    rows = report(w["head"], Level.DEALER, dealer=w["alpha"].pk)
    assert set(rows) == {w["alpha"].pk, w["alpha_sub"].pk}
    alpha = rows[w["alpha"].pk]
    assert (alpha.name, alpha.fact_amount, alpha.plan_amount) == ("Альфа-Дилер", 1300, 1400)
    assert alpha.children_plan_amount == 600  # its outlets' plans
    assert rows[w["alpha_sub"].pk].plan_amount == 300


def test_namesakes_are_told_apart_by_their_inn_unless_it_is_hidden(plans):
    w = plans
    rng = random.Random(7)
    for dealer in ("alpha", "zulu"):
        w[dealer].inn = requisites.make_inn_legal(rng, "77")
    w["zulu"].name = w["alpha"].name  # two dealers of one name, as real bases have
    w["alpha"].save()
    w["zulu"].save()
    rows = report(w["head"], Level.DEALER)
    assert rows[w["alpha"].pk].name == f"Альфа-Дилер, ИНН {w['alpha'].inn}"
    assert rows[w["zulu"].pk].name == f"Альфа-Дилер, ИНН {w['zulu'].inn}"
    assert rows[w["alpha_sub"].pk].name == "Альфа-Суб"  # no namesake: the name alone
    FieldPolicy.objects.create(
        role=Group.objects.get(name="head_of_sales"),
        model="clients.organisation",
        field="inn",
        access=FieldAccess.HIDDEN,
    )
    head = type(w["head"]).objects.get(pk=w["head"].pk)  # the policies are read per request
    rows = report(head, Level.DEALER)
    assert rows[w["alpha"].pk].name == rows[w["zulu"].pk].name == "Альфа-Дилер"


def test_a_coarser_plan_inside_the_period_covers_the_finer_ones(plans):
    w = plans
    year = {"period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31)}
    rows = by_key(plan_vs_fact(w["head"], **year, flow=Flow.SELL_OUT, level=Level.DEALER))
    assert rows[w["zulu"].pk].plan_amount == 9999  # its year's plan, not also its Q1's 800
    # Alpha has no year's plan: Q1's 1,000 (not also its months), the fluids' months (no
    # quarter's plan above them) and April's month (no Q2 plan).
    assert rows[w["alpha"].pk].plan_amount == 1000 + 200 + 200 + 9999
    january = {"period_start": date(2026, 1, 1), "period_end": date(2026, 1, 31)}
    rows = by_key(plan_vs_fact(w["head"], **january, flow=Flow.SELL_OUT, level=Level.DEALER))
    assert rows[w["alpha"].pk].plan_amount == 400 + 200  # the quarter is not inside January
    assert rows[w["zulu"].pk].plan_amount == 0


def test_an_outlet_drill_down(plans):
    w = plans
    rows = report(w["head"], Level.OUTLET, organisation=w["alpha"].pk)
    assert set(rows) == {w["alpha_outlet"].pk, None}
    outlet = rows[w["alpha_outlet"].pk]
    assert (outlet.fact_amount, outlet.plan_amount, outlet.completion_amount) == (
        800,
        600,
        D("133.3"),
    )
    without = rows[None]
    assert (without.fact_amount, without.plan_amount) == (500, 0)
    assert (
        list(plan_vs_fact(w["head"], **Q1, flow=Flow.SELL_OUT, level=Level.OUTLET))[-1].key is None
    )


def test_product_groups_count_subgroups_under_their_ancestor(plans):
    w = plans
    rows = report(w["head"], Level.PRODUCT_GROUP)
    assert set(rows) == {w["oils"].pk, w["fluids"].pk}
    oils = rows[w["oils"].pk]
    assert (oils.fact_amount, oils.plan_amount) == (1900, 2500)  # regions' plans
    assert oils.children_plan_amount == 2100  # the organisations' plans
    assert rows[w["fluids"].pk].plan_amount == 1000
    inside = report(w["head"], Level.PRODUCT_GROUP, product_group=w["oils"].pk)
    assert inside[w["synthetic"].pk].fact_amount == 800
    assert inside[w["oils"].pk].fact_amount == 1100  # lines on the group itself
    assert inside[w["oils"].pk].plan_amount == 2500
    for_dealer = report(w["head"], Level.PRODUCT_GROUP, organisation=w["alpha"].pk)
    assert for_dealer[w["oils"].pk].plan_amount == 1000  # the dealer's own plan
    assert for_dealer[w["fluids"].pk].plan_amount == 400


def test_a_manager_sees_only_the_rows_of_their_territory(plans):
    w = plans
    rows = report(w["manager"], Level.REGION)
    assert set(rows) == {w["regions"]["77"].pk, w["regions"]["50"].pk}
    assert rows[w["regions"]["77"].pk].plan_amount == 3000
    dealers = report(w["manager"], Level.DEALER)
    assert w["zulu"].pk not in dealers
    stranger = report(w["stranger"], Level.REGION)
    assert set(stranger) == {w["regions"]["78"].pk}


def test_a_dealer_sees_its_own_and_its_sub_dealers_rows_and_no_regions_plan(plans):
    w = plans
    readable = Group.objects.get(name="dealer")
    for model in ("salesline", "plan"):
        for field in ("quantity", "amount"):
            FieldPolicy.objects.create(
                role=readable, model=f"sales.{model}", field=field, access=FieldAccess.READ_ONLY
            )
    may_view_sales(w["dealer"])
    dealer = acting_for(w["dealer"], w["alpha"])
    rows = report(dealer, Level.DEALER)
    assert set(rows) == {w["alpha"].pk, w["alpha_sub"].pk}
    assert rows[w["alpha"].pk].plan_amount == 1400
    regions = report(dealer, Level.REGION)
    assert regions[w["regions"]["77"].pk].plan_amount == 0  # the region's plan is staff's
    sub = acting_for(dealer, w["alpha_sub"])
    assert set(report(sub, Level.DEALER)) == {w["alpha_sub"].pk}


def test_a_dealer_without_field_policies_sees_no_figures(plans):
    w = plans
    may_view_sales(w["dealer"])
    dealer = acting_for(w["dealer"], w["alpha"])
    row = report(dealer, Level.DEALER)[w["alpha"].pk]
    assert (row.fact_amount, row.plan_amount, row.completion_amount) == (None, None, None)
    assert row.lines == 3


def test_a_hidden_amount_is_none(plans):
    w = plans
    FieldPolicy.objects.create(
        position=w["sales_position"],
        model="sales.salesline",
        field="amount",
        access=FieldAccess.HIDDEN,
    )
    row = report(w["manager"], Level.REGION)[w["regions"]["77"].pk]
    assert (row.fact_amount, row.completion_amount) == (None, None)
    assert row.fact_quantity == 13
    assert row.plan_amount == 3000


def test_without_the_permission_there_is_nothing(plans):
    without_sales_permissions(plans["colleague"])
    assert plan_vs_fact(plans["colleague"], **Q1, flow=Flow.SELL_OUT, level=Level.REGION) == []


def test_the_report_reads_only_the_sums_and_plans(plans, django_assert_max_num_queries):
    w = plans
    with django_assert_max_num_queries(8) as captured:
        plan_vs_fact(w["head"], **Q1, flow=Flow.SELL_OUT, level=Level.REGION)
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "sales_salesline" not in sql


def network_table(user, level, *, flow=Flow.SELL_OUT, organisation, network=False, **options):
    sums = NetworkSums(user, **Q1, flow=flow, organisation=organisation, network=network)
    return sums.table(level, **options)


@pytest.mark.parametrize("who", ["head", "manager", "dealer"])
def test_a_networks_tables_equal_plan_vs_fact_for_the_same_cut(plans, who):
    """The cabinet's home reads an organisation and its dealer's network once (NetworkSums)
    for three tables; each must be the table plan_vs_fact_table gives for the same cut: rows,
    totals and counts."""
    w = plans
    user = w[who]
    if who == "dealer":
        readable = Group.objects.get(name="dealer")
        FieldPolicy.objects.create(
            role=readable, model="sales.salesline", field="amount", access=FieldAccess.READ_ONLY
        )
        may_view_sales(user)
        user = acting_for(user, w["alpha"])
    alpha, sub = w["alpha"].pk, w["alpha_sub"].pk
    cuts = [
        (Level.PRODUCT_GROUP, alpha, {"organisation": alpha}),
        (Level.OUTLET, alpha, {"organisation": alpha}),
        (Level.DEALER, alpha, {"dealer": alpha}),
        (Level.PRODUCT_GROUP, sub, {"organisation": sub}),
        (Level.OUTLET, sub, {"organisation": sub}),
    ]
    for flow in (Flow.SELL_OUT, Flow.SELL_IN):
        for level, organisation, cut in cuts:
            network = "dealer" in cut
            for limit in (None, 1, 2):
                expected = plan_vs_fact_table(
                    user, **Q1, flow=flow, level=level, limit=limit, **cut
                )
                got = network_table(
                    user,
                    level,
                    flow=flow,
                    organisation=organisation,
                    network=network,
                    limit=limit,
                )
                assert got == expected, (flow, level, cut, limit)
    some = network_table(user, Level.DEALER, organisation=alpha, network=True)
    assert len(some.rows) == 2, "the network has rows: the comparison is not of empty tables"


def test_a_network_without_the_dealer_is_its_sub_dealers(plans):
    w = plans
    alpha = w["alpha"].pk
    table = network_table(w["head"], Level.DEALER, organisation=alpha, network=True, without=alpha)
    assert [row.key for row in table.rows] == [w["alpha_sub"].pk]
    assert table.total.fact_amount == 400
    assert table.total.plan_amount == 300


def test_a_network_has_no_region_rows(plans):
    sums = NetworkSums(plans["head"], **Q1, flow=Flow.SELL_OUT, organisation=plans["alpha"].pk)
    with pytest.raises(ValueError, match="A network has no"):
        sums.table(Level.REGION)


def read_tables(user, level, **filters) -> tuple[dict, str]:
    """The report's rows and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        rows = report(user, level, **filters)
    return rows, " ".join(query["sql"] for query in captured.captured_queries)


def uses_region_sums(sql: str) -> bool:
    return "sales_salesmonthregion" in sql


def test_company_wide_region_and_group_reports_read_the_region_sums(plans):
    w = plans
    rows, sql = read_tables(w["head"], Level.REGION)
    assert uses_region_sums(sql)
    assert 'sales_salesmonth"' not in sql.replace("sales_salesmonthregion", "")
    assert rows == report(w["head"], Level.REGION)
    assert rows[w["regions"]["77"].pk].fact_amount == 1300  # 1,000 + 500 − 200
    assert rows[w["regions"]["78"].pk].fact_amount == 700
    groups, sql = read_tables(w["head"], Level.PRODUCT_GROUP, region=w["regions"]["77"].pk)
    assert uses_region_sums(sql)
    assert sum(row.fact_amount for row in groups.values()) == 1300
    # A named dealer or manager needs the per-organisation sums.
    for named in ({"dealer": w["alpha"].pk}, {"owner": w["manager"].pk}):
        _rows, sql = read_tables(w["head"], Level.PRODUCT_GROUP, **named)
        assert not uses_region_sums(sql), named


def test_territory_users_read_the_per_organisation_sums(plans):
    """A manager's rule names org units and a team: the region sums cannot apply it."""
    w = plans
    rows, sql = read_tables(w["manager"], Level.REGION)
    assert not uses_region_sums(sql)
    assert rows[w["regions"]["77"].pk].fact_amount == 1300
    assert w["regions"]["78"].pk not in rows
    assert not SalesMonthRegion.objects.restrict(w["manager"], "view").exists()


def test_the_region_sums_are_empty_for_dealers_and_need_the_sums_permission(plans):
    w = plans
    may_view_sales(w["dealer"])
    dealer = acting_for(w["dealer"], w["alpha"])
    assert SalesMonthRegion.objects.exists()
    assert not SalesMonthRegion.objects.restrict(dealer, "view").exists()
    assert SalesMonthRegion.objects.restrict(w["head"], "view").exists()
    without_sales_permissions(w["colleague"])
    assert not SalesMonthRegion.objects.restrict(w["colleague"], "view").exists()
