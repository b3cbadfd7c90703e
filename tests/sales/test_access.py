"""Who sees which sales lines, monthly sums and plans: a dealer its own organisation and its
sub-dealers, a sub-dealer only itself, a manager their territory, nobody without the model
permission; lines are never changed through the rule."""

from datetime import date

import pytest
from guardian.shortcuts import assign_perm

from crm.core import access
from crm.sales import services
from crm.sales.models import Plan, SalesLine, SalesMonth, SalesMonthOutlet
from tests.sales.conftest import acting_for, line, may_view_sales, without_sales_permissions
from tests.sales.factories import PlanFactory
from tests.security.conftest import add_perms

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(sales_world):
    """One sell-out line of each organisation, and one of a client we sold to directly."""
    w = sales_world
    oil = w["oil"].pk
    services.record_lines(
        [
            line("alpha", seller_id=w["alpha"].pk, outlet_id=w["alpha_outlet"].pk, product_id=oil),
            line("alpha_sub", seller_id=w["alpha_sub"].pk, product_id=oil),
            line("zulu", seller_id=w["zulu"].pk, outlet_id=w["zulu_outlet"].pk, product_id=oil),
            line("client", flow="sell_in", buyer_id=w["foreign"].pk, product_id=oil),
        ],
        source="erp",
        channel="sync",
    )
    return w


def visible(model, user, field="external_id"):
    return set(model.objects.restrict(user, "view").values_list(field, flat=True))


def test_a_dealer_sees_only_its_own_and_its_sub_dealers_lines(lines):
    w = lines
    may_view_sales(w["dealer"])
    dealer = acting_for(w["dealer"], w["alpha"])
    assert visible(SalesLine, dealer) == {"alpha", "alpha_sub"}
    organisations = {w["alpha"].pk, w["alpha_sub"].pk}
    assert visible(SalesMonth, dealer, "organisation_id") == organisations
    assert visible(SalesMonthOutlet, dealer, "organisation_id") == organisations


def test_a_sub_dealer_sees_only_its_own_lines(lines):
    w = lines
    may_view_sales(w["dealer"])
    sub_dealer = acting_for(w["dealer"], w["alpha_sub"])
    assert visible(SalesLine, sub_dealer) == {"alpha_sub"}


def test_a_dealer_acting_for_nobody_sees_nothing(lines):
    may_view_sales(lines["dealer"])
    assert visible(SalesLine, lines["dealer"]) == set()


def test_a_manager_sees_only_their_territory(lines):
    w = lines
    # Moscow (77: alpha) and the Moscow oblast (50: alpha_sub) are the office's territory.
    assert visible(SalesLine, w["manager"]) == {"alpha", "alpha_sub"}
    assert visible(SalesLine, w["stranger"]) == {"zulu", "client"}
    assert visible(SalesLine, w["head"]) == {"alpha", "alpha_sub", "zulu", "client"}
    months = visible(SalesMonth, w["manager"], "organisation_id")
    assert months == {w["alpha"].pk, w["alpha_sub"].pk}


def test_a_manager_sees_the_lines_of_a_lent_organisation(lines):
    w = lines
    assign_perm("clients.view_organisation", w["manager"], w["zulu"])
    assert visible(SalesLine, w["manager"]) == {"alpha", "alpha_sub", "zulu"}


def test_without_the_model_permission_nobody_sees_lines(lines):
    colleague = lines["colleague"]  # same office; their role's sales permissions taken away
    without_sales_permissions(colleague)
    assert visible(SalesLine, colleague) == set()
    assert visible(SalesLine, lines["auditor"]) == set()


def test_lines_are_not_changed_through_the_rule(lines):
    w = lines
    may_view_sales(w["manager"])
    add_perms(w["manager"], "change_salesline", "delete_salesline", app="sales")
    w["manager"].refresh_access()
    assert not access.restrict(SalesLine.objects.all(), w["manager"], "change").exists()
    assert not access.restrict(SalesLine.objects.all(), w["manager"], "delete").exists()


def test_plans_are_seen_where_their_target_is(sales_world):
    w = sales_world
    common = {"product_group": w["oils"], "period_start": date(2026, 1, 1)}
    PlanFactory(target_region=w["regions"]["77"], **common)
    PlanFactory(target_region=w["regions"]["78"], **common)
    PlanFactory(organisation=w["alpha"], **common)
    PlanFactory(outlet=w["sub_outlet"], **common)
    PlanFactory(organisation=w["zulu"], **common)
    PlanFactory(target_org_unit=w["units"]["moscow"], **common)

    def targets(user):
        return {str(plan.target) for plan in Plan.objects.restrict(user, "view").order_by("pk")}

    assert targets(w["manager"]) == {"Москва", "Альфа-Дилер", "Суб-Точка"}
    assert targets(w["regional"]) == {"Москва", "Альфа-Дилер", "Суб-Точка", "Регион Москва"}
    assert targets(w["stranger"]) == {"Санкт-Петербург", "Зулу-Дилер"}
    may_view_sales(w["dealer"])
    assert targets(acting_for(w["dealer"], w["alpha"])) == {"Альфа-Дилер", "Суб-Точка"}
    assert targets(acting_for(w["dealer"], w["alpha_sub"])) == {"Суб-Точка"}


def test_plans_are_changed_by_their_owner_or_the_territory(sales_world):
    w = sales_world
    common = {"product_group": w["oils"], "period_start": date(2026, 1, 1)}
    mine = PlanFactory(organisation=w["alpha"], **common)
    region = PlanFactory(target_region=w["regions"]["77"], **common)
    for user in (w["manager"], w["regional"]):
        add_perms(user, "change_plan", app="sales")
        user.refresh_access()
    assert set(Plan.objects.restrict(w["manager"], "change")) == {mine}
    assert set(Plan.objects.restrict(w["regional"], "change")) == {mine, region}
