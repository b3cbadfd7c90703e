"""A regional manager's plan vs fact in a real browser: open the report, drill down from the
region to its dealers and to a dealer's outlets, export the cut to Excel, and look at the
dealers that have not reported. Screenshots go to /tmp/planfact_*.png.

Names are matched by data (the dealers' and outlets' names, figures written the Russian way),
never by translated captions.
"""

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from crm.accounts.models import OrgUnitKind
from crm.core.choices import Channel, Source
from crm.core.periods import ROMAN, Quarter
from crm.sales import services
from crm.sales.choices import Flow, PeriodKind
from tests.e2e.conftest import log_in, run_axe
from tests.factories import OrgUnitFactory, PositionFactory, RegionFactory, UserFactory
from tests.sales.conftest import line
from tests.sales.factories import (
    DealerFactory,
    OutletFactory,
    PlanFactory,
    ProductFactory,
    ProductGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PERMISSIONS = {
    "sales": ("view_salesmonth", "view_salesmonthoutlet", "view_plan", "view_salesline",
              "export_salesline"),
    "clients": ("view_organisation",),
    "outlets": ("view_outlet",),
    "catalog": ("view_productgroup",),
    "dealers": ("view_salesreport",),
}  # fmt: skip


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"planfact_{name}.png"), full_page=True)


@pytest.fixture
def world(db):
    """Moscow (77) with a regional manager; dealer «Альфа» with two outlets, dealer «Бета»;
    St Petersburg's «Зюйд» is out of her territory. Sell-in this quarter, and plans."""
    moscow = RegionFactory(name="Москва", code="77")
    spb = RegionFactory(name="Санкт-Петербург", code="78", district=moscow.district)
    unit = OrgUnitFactory(name="Регион Москва", kind=OrgUnitKind.REGION)
    unit.regions.add(moscow)
    olga = UserFactory(
        username="olga",
        first_name="Ольга",
        role="regional_manager",
        language="ru",
        position=PositionFactory(name="Региональный директор", org_unit=unit, is_head=True),
    )
    for app, codenames in PERMISSIONS.items():
        olga.user_permissions.add(
            *Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
        )
    alpha = DealerFactory(name="Альфа", region=moscow, owner=olga)
    beta = DealerFactory(name="Бета", region=moscow, owner=olga)
    south = DealerFactory(name="Зюйд", region=spb)
    salon = OutletFactory(dealer=alpha, name="Салон на Тверской")
    shop = OutletFactory(dealer=alpha, name="Магазин в Химках")
    oils = ProductGroupFactory(name="Масла")
    oil = ProductFactory(name="Масло 5W-40", group=oils)
    quarter = Quarter.of(timezone.localdate())
    sold = [
        (alpha, salon, 120000),
        (alpha, shop, 30000),
        (beta, None, 50000),
        (south, None, 70000),
    ]
    services.record_lines(
        [
            line(f"e2e-{n}", flow=Flow.SELL_IN, buyer_id=org.pk,
                 outlet_id=outlet.pk if outlet else None, product_id=oil.pk,
                 date=quarter.start, quantity=Decimal(amount) / 1000, amount=amount)
            for n, (org, outlet, amount) in enumerate(sold)
        ],
        source=Source.ERP,
        channel=Channel.SYNC,
    )  # fmt: skip
    plan = {"period_kind": PeriodKind.QUARTER, "period_start": quarter.start,
            "flow": Flow.SELL_IN, "product_group": oils}  # fmt: skip
    PlanFactory(target_region=moscow, amount=250000, quantity=250, **plan)
    PlanFactory(organisation=alpha, amount=160000, quantity=160, **plan)
    PlanFactory(organisation=beta, amount=40000, quantity=40, **plan)
    PlanFactory(outlet=salon, amount=100000, quantity=100, **plan)
    return {"olga": olga, "quarter": quarter}


def test_a_manager_drills_down_from_the_region_to_an_outlet_and_exports(
    world, live_server, page, password
):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "olga", password)
    page.goto(f"{live_server.url}/sales/plan-fact/")
    table = page.get_by_test_id("planfact-table")
    expect(table).to_be_visible()
    rows = page.get_by_test_id("planfact-row")
    expect(rows).to_have_count(1)  # Moscow only: St Petersburg is not hers
    expect(rows.first).to_contain_text("Москва")
    expect(rows.first).to_contain_text("200\u202f000\u00a0₽")  # the dealers' sales
    expect(rows.first).to_contain_text("250\u202f000\u00a0₽")  # the region's own plan
    expect(rows.first).to_contain_text("80,0\u00a0%")
    expect(page.get_by_test_id("bar")).to_have_count(1)
    assert run_axe(page) == []
    shot(page, "regions")

    rows.first.get_by_test_id("drill").click()
    expect(rows).to_have_count(2)
    expect(table).to_contain_text("Альфа")
    expect(table).to_contain_text("Бета")
    expect(table).not_to_contain_text("Зюйд")
    shot(page, "dealers")

    page.get_by_test_id("planfact-row").filter(has_text="Альфа").get_by_test_id("drill").click()
    expect(rows).to_have_count(2)
    salon = rows.filter(has_text="Салон на Тверской")
    expect(salon).to_contain_text("120\u202f000\u00a0₽")
    expect(salon).to_contain_text("120,0\u00a0%")
    expect(page.locator(".breadcrumb")).to_contain_text("Москва")
    expect(page.locator(".breadcrumb")).to_contain_text("Альфа")
    shot(page, "outlets")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    cells = [cell for row in book.active.iter_rows(values_only=True) for cell in row]
    assert "Салон на Тверской" in cells
    assert "Магазин в Химках" in cells
    assert 120000 in cells
    assert "Бета" not in cells  # the cut on screen: Альфа's outlets only

    page.get_by_test_id("planfact-row").filter(has_text="Салон").get_by_test_id("drill").click()
    expect(page.get_by_test_id("planfact-row")).to_have_count(1)
    expect(page.get_by_test_id("planfact-row").first).to_contain_text("Масла")
    shot(page, "groups")


def test_a_manager_sees_her_dealers_that_have_not_reported(world, live_server, page, password):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "olga", password)
    page.goto(f"{live_server.url}/sales/plan-fact/not-reported/")
    due = world["quarter"].previous()
    title = page.get_by_test_id("not-reported-title")
    expect(title).to_contain_text(f"{ROMAN[due.number - 1]} ")
    expect(title).to_contain_text(str(due.year))
    results = page.locator("#list-results")
    expect(results).to_contain_text("Альфа")
    expect(results).to_contain_text("Бета")
    expect(results).not_to_contain_text("Зюйд")
    assert run_axe(page) == []
    shot(page, "not_reported")


def test_a_manager_builds_a_segment_by_searching_for_dealers(world, live_server, page, password):
    """The segment form lists only its members; typing finds other dealers on the server,
    a ticked one joins the list, and saving adds it."""
    from crm.sales.models import DealerSegment

    olga = world["olga"]
    olga.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="sales",
            codename__in=("view_dealersegment", "add_dealersegment", "change_dealersegment"),
        )
    )
    segment = DealerSegment.objects.create(name="Ключевые", owner=olga)
    segment.members.add(DealerFactory._meta.model.objects.get(name="Альфа"))
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "olga", password)
    page.goto(f"{live_server.url}/sales/plans/segments/{segment.pk}/edit/")
    box = page.locator("[data-filterable]")
    expect(box.locator("[data-chosen-list] [data-filter-item]")).to_have_count(1)
    expect(box.locator("[data-chosen-count]")).to_have_text("1")
    expect(box).not_to_contain_text("Бета")
    box.locator("[data-filter-input]").fill("Бе")
    found = box.locator("[data-found-item]")
    expect(found).to_have_count(1)
    expect(found.first).to_contain_text("Бета")
    box.locator("[data-filter-input]").fill("Зюйд")  # not in her area
    expect(box.locator("[data-search-results]")).to_contain_text("Ничего не найдено")
    box.locator("[data-filter-input]").fill("Бета")
    expect(found).to_have_count(1)
    found.first.locator("input").check()
    expect(box.locator("[data-chosen-list] [data-filter-item]")).to_have_count(2)
    expect(box.locator("[data-chosen-count]")).to_have_text("2")
    assert run_axe(page) == []
    page.screenshot(path=str(SHOTS / "planfact_segment_search.png"), full_page=True)
    page.locator("form button[type=submit].btn-primary").first.click()
    page.wait_for_load_state("networkidle")
    names = set(segment.members.values_list("name", flat=True))
    assert names == {"Альфа", "Бета"}
