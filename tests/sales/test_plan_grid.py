"""The plan grid: staff see the targets they may plan for, edit many cells and save once; a
stale grid, a bad cell or a foreign target saves nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.core import records
from crm.sales import plans
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import Plan
from tests.sales.factories import PlanFactory

pytestmark = pytest.mark.django_db

Q2 = date(2026, 4, 1)


def url(level="dealer", **extra):
    params = {"kind": "quarter", "period": Q2.isoformat(), "flow": "sell_out", "level": level}
    params.update(extra)
    return reverse("sales:plan_grid") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def cell(target, group, quantity="", amount="", version=0) -> dict:
    key = f"{target.pk}-{group.pk}"
    return {f"v-{key}": str(version), f"q-{key}": quantity, f"a-{key}": amount}


def grid(*cells) -> dict:
    data = {}
    for item in cells:
        data.update(item)
    return data


def plan_of(target_field, target, group, **extra):
    return PlanFactory(
        period_kind=PeriodKind.QUARTER,
        period_start=Q2,
        flow=Flow.SELL_OUT,
        product_group=group,
        **{target_field: target},
        **extra,
    )


def values(target_field="organisation", **lookup):
    rows = Plan.objects.filter(period_start=Q2, **lookup)
    if target_field == "organisation":
        rows = rows.filter(outlet__isnull=True)
    return {
        (getattr(p, f"{target_field}_id"), p.product_group_id): (p.quantity, p.amount) for p in rows
    }


@pytest.fixture
def regional(client, sales_world):
    client.force_login(sales_world["regional"])
    return sales_world["regional"]


def test_the_grid_lists_only_the_dealers_the_user_may_plan_for(client, regional, sales_world):
    w = sales_world
    plan_of("organisation", w["alpha"], w["oils"], quantity=Decimal("12"), amount=Decimal("3400"))
    response = client.get(url())
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-testid="row-{w["alpha"].pk}"' in content
    assert f'data-testid="row-{w["alpha_sub"].pk}"' in content
    assert f'data-testid="row-{w["zulu"].pk}"' not in content
    # prefilled from the plan, columns are the top-level groups
    assert f'name="q-{w["alpha"].pk}-{w["oils"].pk}" value="12"' in content
    assert f'name="a-{w["alpha"].pk}-{w["fluids"].pk}"' in content
    assert f'name="a-{w["alpha"].pk}-{w["synthetic"].pk}"' not in content


def test_the_grid_finds_dealers_by_name_legal_form_aside_and_outlets_as_typed(
    client, regional, sales_world
):
    w = sales_world
    content = client.get(url(q="ООО Альфа Дилер")).content.decode()
    assert f'data-testid="row-{w["alpha"].pk}"' in content
    assert f'data-testid="row-{w["alpha_sub"].pk}"' not in content
    content = client.get(url("outlet", dealer=w["alpha"].pk, q="альфа-точ")).content.decode()
    assert f'data-testid="row-{w["alpha_outlet"].pk}"' in content


def test_saving_the_grid_creates_changes_and_removes_plans_at_once(client, regional, sales_world):
    w = sales_world
    kept = plan_of("organisation", w["alpha"], w["oils"])
    gone = plan_of("organisation", w["alpha_sub"], w["oils"])
    response = client.post(
        url(),
        grid(
            cell(w["alpha"], w["oils"], "1 234,5", "99 000,50", version=kept.version),
            cell(w["alpha"], w["fluids"], "7", ""),  # an empty amount counts as 0
            cell(w["alpha_sub"], w["oils"], "", "", version=gone.version),  # empty: no plan
            cell(w["alpha_sub"], w["fluids"]),  # stays without a plan
        ),
    )
    assert response.status_code == 302
    assert values() == {
        (w["alpha"].pk, w["oils"].pk): (Decimal("1234.5"), Decimal("99000.50")),
        (w["alpha"].pk, w["fluids"].pk): (Decimal("7"), Decimal("0")),
    }
    kept.refresh_from_db()
    assert kept.version == 2
    created = Plan.objects.get(organisation=w["alpha"], product_group=w["fluids"])
    assert (created.region_id, created.owner_id) == (w["alpha"].region_id, w["alpha"].owner_id)


def test_an_unchanged_grid_writes_nothing(client, regional, sales_world):
    w = sales_world
    plan = plan_of("organisation", w["alpha"], w["oils"], quantity=Decimal("5"))
    response = client.post(
        url(), cell(w["alpha"], w["oils"], "5", str(plan.amount), version=plan.version)
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.version == 1


def test_a_stale_grid_saves_nothing_and_names_the_changed_cells(client, regional, sales_world):
    w = sales_world
    plan = plan_of("organisation", w["alpha"], w["oils"], quantity=Decimal("5"))
    loaded = plan.version
    # Meanwhile a colleague changes that plan and adds one where the grid had none.
    Plan.objects.filter(pk=plan.pk).update(quantity=Decimal("8"), version=loaded + 1)
    plan_of("organisation", w["alpha_sub"], w["fluids"], quantity=Decimal("3"))
    response = client.post(
        url(),
        grid(
            cell(w["alpha"], w["oils"], "6", "100", version=loaded),
            cell(w["alpha"], w["fluids"], "9", "900"),
            cell(w["alpha_sub"], w["fluids"], "4", "400"),
        ),
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert content.count('data-testid="stale-cell"') == 2
    assert w["alpha_sub"].name in content
    plan.refresh_from_db()
    assert plan.quantity == Decimal("8")
    assert not Plan.objects.filter(organisation=w["alpha"], product_group=w["fluids"]).exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [("много", "not a number"), ("-5", "negative"), ("1,23456", "decimals")],
)
def test_a_bad_cell_is_named_and_nothing_is_saved(client, regional, sales_world, text, problem):
    w = sales_world
    response = client.post(
        url(),
        grid(cell(w["alpha"], w["oils"], "10", "1000"), cell(w["alpha"], w["fluids"], text, "5")),
    )
    assert response.status_code == 400
    content = response.content.decode()
    bad = f"q-{w['alpha'].pk}-{w['fluids'].pk}"
    assert f'id="err-{bad}"' in content
    assert content.count('aria-invalid="true"') == 1
    assert f'value="{text}"' in content  # what was typed stays in the cell
    assert not Plan.objects.exists()


def test_a_foreign_target_is_refused_and_nothing_is_written(client, regional, sales_world):
    w = sales_world
    response = client.post(
        url(),
        grid(cell(w["alpha"], w["oils"], "10", "1000"), cell(w["zulu"], w["oils"], "1", "1")),
    )
    assert response.status_code == 404
    assert not Plan.objects.exists()


def test_a_group_that_is_not_a_column_is_refused(client, regional, sales_world):
    w = sales_world
    response = client.post(url(), cell(w["alpha"], w["synthetic"], "1", "1"))
    assert response.status_code == 404
    assert not Plan.objects.exists()


def test_the_service_refuses_a_foreign_target_too(sales_world):
    w = sales_world
    cut = plans.cut_from({"kind": "quarter", "period": Q2.isoformat(), "level": "dealer"})
    posted = plans.read_grid(grid(cell(w["zulu"], w["oils"], "1", "1")))
    with pytest.raises(records.OutOfScope):
        plans.plans_save_grid(w["regional"], cut=cut, posted=posted)
    assert not Plan.objects.exists()


def test_a_sales_manager_may_not_enter_plans(client, sales_world):
    client.force_login(sales_world["manager"])  # their role reads plans only
    assert client.get(url()).status_code == 403
    assert (
        client.post(url(), cell(sales_world["alpha"], sales_world["oils"], "1")).status_code == 403
    )


def test_outlet_plans_belong_to_the_outlets_dealer(client, regional, sales_world):
    w = sales_world
    page = client.get(url("outlet", dealer=w["alpha_sub"].pk)).content.decode()
    assert f'data-testid="row-{w["sub_outlet"].pk}"' in page
    assert f'data-testid="row-{w["alpha_outlet"].pk}"' not in page
    response = client.post(
        url("outlet", dealer=w["alpha_sub"].pk), cell(w["sub_outlet"], w["oils"], "2", "200")
    )
    assert response.status_code == 302
    plan = Plan.objects.get(outlet=w["sub_outlet"])
    assert (plan.organisation_id, plan.dealer_id) == (w["alpha_sub"].pk, w["alpha"].pk)
    # another dealer's outlet cannot be posted through this dealer's grid
    response = client.post(
        url("outlet", dealer=w["alpha_sub"].pk), cell(w["alpha_outlet"], w["oils"], "2", "200")
    )
    assert response.status_code == 404


def test_regional_managers_plan_for_their_regions_only(client, regional, sales_world):
    w = sales_world
    page = client.get(url("region")).content.decode()
    assert f'data-testid="row-{w["regions"]["77"].pk}"' in page
    assert f'data-testid="row-{w["regions"]["78"].pk}"' not in page
    response = client.post(url("region"), cell(w["regions"]["50"], w["fluids"], "3", "30"))
    assert response.status_code == 302
    assert values("target_region") == {
        (w["regions"]["50"].pk, w["fluids"].pk): (Decimal("3"), Decimal("30"))
    }
    response = client.post(url("region"), cell(w["regions"]["78"], w["fluids"], "3", "30"))
    assert response.status_code == 404


def test_the_export_holds_the_grids_plans(client, regional, sales_world):
    import io

    import openpyxl

    w = sales_world
    w["alpha"].inn = "7707083893"
    w["alpha"].save(update_fields=["inn"])
    plan_of("organisation", w["alpha"], w["oils"], quantity=Decimal("4"), amount=Decimal("40"))
    response = client.get(reverse("sales:plan_export") + url()[len(reverse("sales:plan_grid")) :])
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "01.04.2026"
    assert rows[1][4] == "7707083893"
    assert (rows[1][9], rows[1][10]) == (4, 40)
