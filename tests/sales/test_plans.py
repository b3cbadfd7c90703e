"""Plans: one target each, calendar periods, scope copies like the lines', audited writes."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import Plan
from tests.sales.factories import PlanFactory

pytestmark = pytest.mark.django_db


def test_an_outlets_plan_belongs_to_the_outlets_dealer(sales_world):
    w = sales_world
    plan = PlanFactory(
        outlet=w["sub_outlet"], product_group=w["oils"], period_start=date(2026, 4, 1)
    )
    plan.refresh_from_db()
    assert plan.organisation_id == w["alpha_sub"].pk
    assert plan.dealer_id == w["alpha"].pk
    assert plan.region_id == w["regions"]["50"].pk
    assert plan.period_end == date(2026, 6, 30)
    assert plan.target == w["sub_outlet"]


def test_a_regions_plan_is_scoped_by_the_region_itself(sales_world):
    w = sales_world
    plan = PlanFactory(
        target_region=w["regions"]["78"],
        product_group=w["oils"],
        period_kind=PeriodKind.YEAR,
        period_start=date(2026, 1, 1),
    )
    plan.refresh_from_db()
    assert (plan.region_id, plan.owner_id, plan.dealer_id) == (w["regions"]["78"].pk, None, None)
    assert plan.period_end == date(2026, 12, 31)


@pytest.mark.parametrize(
    "mistake",
    ["starts mid-month", "quarter starts in February", "two targets"],
)
def test_a_plan_is_checked_before_saving(sales_world, mistake):
    w = sales_world
    plan = Plan(
        period_kind=PeriodKind.QUARTER,
        period_start=date(2026, 4, 1),
        flow=Flow.SELL_OUT,
        organisation=w["alpha"],
        product_group=w["oils"],
        quantity=1,
        amount=1,
    )
    if mistake == "starts mid-month":
        plan.period_start = date(2026, 4, 2)
    elif mistake == "quarter starts in February":
        plan.period_start = date(2026, 2, 1)
    else:
        plan.target_region = w["regions"]["77"]
    with pytest.raises(ValidationError) as raised:
        plan.full_clean()
    assert "__all__" in raised.value.message_dict


def test_a_second_plan_for_the_same_target_period_and_group_is_refused(sales_world):
    w = sales_world
    values = {
        "period_kind": PeriodKind.MONTH,
        "period_start": date(2026, 5, 1),
        "flow": Flow.SELL_IN,
        "target_region": w["regions"]["77"],
        "product_group": w["oils"],
    }
    PlanFactory(**values)
    with pytest.raises(ValidationError):
        Plan(**values, quantity=1, amount=1).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(**values)
    PlanFactory(**{**values, "flow": Flow.SELL_OUT})  # the other flow is another plan


def test_a_plan_without_a_target_is_refused_by_the_database(sales_world):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(product_group=sales_world["oils"], period_start=date(2026, 1, 1))


def test_plans_follow_their_organisation_and_outlet(sales_world):
    w = sales_world
    dealer_plan = PlanFactory(
        organisation=w["alpha"], product_group=w["oils"], period_start=date(2026, 1, 1)
    )
    outlet_plan = PlanFactory(
        outlet=w["alpha_outlet"], product_group=w["oils"], period_start=date(2026, 1, 1)
    )
    alpha = w["alpha"]
    alpha.region, alpha.owner = w["regions"]["78"], w["stranger"]
    alpha.save()
    dealer_plan.refresh_from_db()
    assert (dealer_plan.region_id, dealer_plan.owner_id) == (
        w["regions"]["78"].pk,
        w["stranger"].pk,
    )
    outlet = w["alpha_outlet"]
    outlet.dealer = w["zulu"]
    outlet.save()
    outlet_plan.refresh_from_db()
    assert outlet_plan.organisation_id == w["zulu"].pk
    assert outlet_plan.dealer_id == w["zulu"].pk


def test_plans_are_audited(sales_world):
    plan = PlanFactory(
        organisation=sales_world["alpha"],
        product_group=sales_world["oils"],
        period_start=date(2026, 1, 1),
    )
    plan.amount = 5
    plan.save()
    assert list(plan.events.order_by("pgh_id").values_list("pgh_label", flat=True)) == [
        "insert",
        "update",
    ]
