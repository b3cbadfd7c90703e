"""XLSX import of plans through the wizard: targets by INN, outlet ERP key, region code, org
unit and segment name; all or nothing; a re-run changes nothing; undo; the grid's export
imports back unchanged."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import DealerSegment, Plan
from tests.imports.conftest import make_inns, upload, xlsx_bytes
from tests.sales.factories import PlanFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "Вид периода",
    "Начало периода",
    "Поток",
    "Торговая точка (код ERP)",
    "Дилер (ИНН)",
    "Регион (код)",
    "Подразделение",
    "Сегмент дилеров",
    "Группа товаров",
    "Количество",
    "Сумма",
]


def row(group, quantity, amount, *, outlet="", dealer="", region="", unit="", segment=""):
    return [
        "Квартал",
        "01.04.2026",
        "sell_out",
        outlet,
        dealer,
        region,
        unit,
        segment,
        group,
        quantity,
        amount,
    ]


def imported(user, rows):
    content = xlsx_bytes([HEADER, *rows])
    spec = registry.get("sales.plan")
    job = services.import_upload(user, spec=spec, upload=upload("plans.xlsx", content))
    services.import_check(user, job=job)
    if job.status == ImportStatus.CHECKED:
        services.import_apply(user, job=job)
    job.refresh_from_db()
    return job


def counts(job):
    return job.created_count, job.updated_count, job.unchanged_count


@pytest.fixture
def world(sales_world):
    w = sales_world
    inns = make_inns(2, seed=11)
    w["alpha"].inn, w["zulu"].inn = inns
    w["alpha"].save(update_fields=["inn"])
    w["zulu"].save(update_fields=["inn"])
    w["alpha_sub"].erp_key = "D-SUB"
    w["alpha_sub"].save(update_fields=["erp_key"])
    w["sub_outlet"].erp_key = "T-SUB-1"
    w["sub_outlet"].save(update_fields=["erp_key"])
    w["oils"].external_code = "G-OIL"
    w["oils"].save(update_fields=["external_code"])
    w["segment"] = DealerSegment.objects.create(
        name="Ключевые дилеры", owner=w["regional"], org_unit=w["units"]["moscow"]
    )
    w["segment"].members.add(w["alpha"], w["alpha_sub"])
    return w


def good_rows(w):
    return [
        row("G-OIL", "10", "1 000,50", dealer=w["alpha"].inn),
        row("Жидкости", 3, 300, outlet="T-SUB-1", dealer="D-SUB"),
        row("Масла", 100, 50000, region="77"),
        row("Масла", 7, 700, unit="Регион Москва"),
        row("Масла", 40, 40000, segment="Ключевые дилеры"),
    ]


def test_a_good_file_creates_a_plan_per_row_and_a_rerun_changes_nothing(world):
    w = world
    job = imported(w["regional"], good_rows(w))
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    assert counts(job) == (5, 0, 0)
    dealer = Plan.objects.get(organisation=w["alpha"], outlet__isnull=True)
    assert (dealer.period_kind, dealer.period_start, dealer.flow) == (
        PeriodKind.QUARTER,
        date(2026, 4, 1),
        Flow.SELL_OUT,
    )
    assert (dealer.quantity, dealer.amount) == (Decimal("10"), Decimal("1000.50"))
    outlet = Plan.objects.get(outlet=w["sub_outlet"])
    assert (outlet.organisation_id, outlet.product_group_id) == (w["alpha_sub"].pk, w["fluids"].pk)
    assert Plan.objects.get(target_region=w["regions"]["77"]).amount == Decimal("50000")
    assert Plan.objects.get(target_org_unit=w["units"]["moscow"]).quantity == Decimal("7")
    segment_plan = Plan.objects.get(segment=w["segment"])
    assert (segment_plan.owner_id, segment_plan.org_unit_id) == (
        w["regional"].pk,
        w["units"]["moscow"].pk,
    )
    again = imported(w["regional"], good_rows(w))
    assert again.status == ImportStatus.DONE
    assert counts(again) == (0, 0, 5)
    assert Plan.objects.count() == 5


def test_an_outlets_row_needs_no_dealer_and_a_rerun_changes_nothing(world):
    w = world
    rows = [row("Жидкости", 3, 300, outlet="T-SUB-1"), row("Масла", 5, 500, outlet="T-SUB-1")]
    job = imported(w["regional"], rows)
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    assert counts(job) == (2, 0, 0)
    assert set(Plan.objects.values_list("organisation_id", flat=True)) == {w["alpha_sub"].pk}
    assert counts(imported(w["regional"], rows)) == (0, 0, 2)
    # Naming the dealer does not change the plan either; a changed figure does.
    rows = [row("Жидкости", 3, 300, outlet="T-SUB-1", dealer="D-SUB"), rows[1]]
    rows[1][9] = 6
    assert counts(imported(w["regional"], rows)) == (0, 1, 1)


def test_a_changed_file_updates_the_matching_plans_only(world):
    w = world
    imported(w["regional"], good_rows(w))
    rows = good_rows(w)
    rows[1][9] = 4  # the outlet's quantity
    job = imported(w["regional"], rows)
    assert counts(job) == (0, 1, 4)
    assert Plan.objects.get(outlet=w["sub_outlet"]).quantity == Decimal("4")
    assert Plan.objects.count() == 5


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        (lambda w: row("Жидкости", -1, 10, dealer=w["alpha"].inn), "Количество"),
        (lambda w: row("Жидкости", "много", 10, dealer=w["alpha"].inn), "Количество"),
        (lambda w: row("Масла", 1, 10, dealer=w["zulu"].inn), "Дилер (ИНН)"),  # not theirs
        (lambda w: row("Масла", 1, 10, region="78"), "Регион (код)"),
        (lambda w: row("Нет такой", 1, 10, dealer=w["alpha"].inn), "Группа товаров"),
        (lambda w: row("Жидкости", 1, 10, dealer=w["alpha"].inn, region="77"), ""),
    ],
    ids=["negative", "not a number", "foreign dealer", "foreign region", "group", "two targets"],
)
def test_a_bad_row_is_named_and_nothing_is_imported(world, bad, column):
    w = world
    job = imported(w["regional"], [*good_rows(w), bad(w)])
    assert job.status == ImportStatus.FAILED
    assert job.error_count >= 1
    assert {error["row"] for error in job.errors} == {7}
    assert column in {error["column"] for error in job.errors}
    assert not Plan.objects.exists()


def test_a_period_that_does_not_start_a_quarter_is_refused(world):
    w = world
    bad = row("Масла", 1, 10, dealer=w["alpha"].inn)
    bad[1] = "01.05.2026"
    job = imported(w["regional"], [bad])
    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["column"] == "Начало периода"
    assert not Plan.objects.exists()


def test_undo_removes_created_plans_and_restores_changed_ones(world):
    w = world
    before = PlanFactory(
        period_start=date(2026, 4, 1),
        organisation=w["alpha"],
        product_group=w["oils"],
        quantity=Decimal("1"),
        amount=Decimal("1"),
    )
    job = imported(w["regional"], good_rows(w))
    assert counts(job) == (4, 1, 0)
    services.import_undo(w["regional"], job=job)
    assert job.status == ImportStatus.UNDONE
    assert list(Plan.objects.values_list("pk", "quantity", "amount")) == [
        (before.pk, Decimal("1"), Decimal("1"))
    ]


def test_a_sales_manager_may_not_import_plans(world):
    from crm.core.records import RecordError

    with pytest.raises(RecordError):
        imported(world["manager"], good_rows(world))


def test_the_exported_grid_imports_back_unchanged(client, world):
    w = world
    imported(w["regional"], good_rows(w))
    client.force_login(w["regional"])
    for level in ("dealer", "outlet", "region", "org_unit", "segment"):
        query = f"?kind=quarter&period=2026-04-01&flow=sell_out&level={level}"
        query += f"&dealer={w['alpha_sub'].pk}" if level == "outlet" else ""
        response = client.get(reverse("sales:plan_export") + query)
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert sheet.max_row == 2, level
        spec = registry.get("sales.plan")
        job = services.import_upload(w["regional"], spec=spec, upload=upload("x.xlsx", content))
        services.import_check(w["regional"], job=job)
        services.import_apply(w["regional"], job=job)
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE, (level, job.errors, job.message)
        assert counts(job) == (0, 0, 1), level
