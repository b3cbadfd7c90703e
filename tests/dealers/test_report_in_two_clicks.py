"""A dealer reports a quarter in a real browser: with draft entries made during the quarter, it
takes exactly two clicks from the cabinet home — open the due report (prefilled from the
drafts) and send it — and the figures appear at once in plan vs fact. Then a dealer with no
data is told, in the page, that every cell needs a number. Screenshots go to /tmp/shots/."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from crm.accounts.signals import grant_default_permissions
from crm.clients.models import Organisation, OrganisationKind, OrganisationStatus
from crm.core.periods import Quarter
from crm.outlets.models import Outlet
from crm.sales.choices import Flow, Level
from crm.sales.models import SalesLine
from crm.sales.selectors import plan_vs_fact
from dealers.models import DealerMembership, ReportingPeriod, SaleEntry, SalesReport
from dealers.policies import grant_default_field_policies
from dealers.selectors import today
from tests.e2e.conftest import csp_errors, log_in, run_axe  # noqa: F401  (fixture)
from tests.factories import TEST_PASSWORD, RegionFactory, UserFactory
from tests.sales.factories import PlanFactory, ProductFactory, ProductGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
D = Decimal


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"cabinet_{name}.png"), full_page=True)


def plain(text: str) -> str:
    """Page text with the narrow and no-break spaces of Russian numbers as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def dealer_world(db):
    """Dealer «Вектор» with two outlets, two top-level groups, a plan per outlet × group, and a
    draft entry for every cell of the current quarter; the previous quarter is closed, so the
    current one is due. «Вектор»'s user is "vector"; "empty" acts for a dealer with nothing."""
    # A transactional test may start from a flushed database: the roles' permissions again.
    for label in ("clients", "outlets", "sales", "dealers"):
        grant_default_permissions(None, app_config=apps.get_app_config(label))
    grant_default_field_policies()  # what the demo sets: dealers read their figures
    quarter = Quarter.of(today())
    ReportingPeriod.objects.create(quarter_start=quarter.previous().start, is_closed=True)
    moscow = RegionFactory(name="Москва", code="77")
    vector = Organisation.objects.create(
        name="Вектор", kind=OrganisationKind.DEALER, status=OrganisationStatus.ACTIVE, region=moscow
    )
    outlets = [
        Outlet.objects.create(dealer=vector, name=name, region=moscow, address=address)
        for name, address in (
            ("Автомагазин на Ленина", "г. Москва, ул. Ленина, д. 1"),
            ("Салон на Тверской", "г. Москва, ул. Тверская, д. 9"),
        )
    ]
    oils = ProductGroupFactory(name="Моторные масла")
    fluids = ProductGroupFactory(name="Технические жидкости")
    products = {
        oils: ProductFactory(name="Масло 5W-40, 4 л", group=oils),
        fluids: ProductFactory(name="Антифриз G12, 5 л", group=fluids),
    }
    user = UserFactory(username="vector", first_name="Виктор", role="dealer")
    DealerMembership.objects.create(user=user, organisation=vector)
    figures = {}
    for n, outlet in enumerate(outlets, start=1):
        for group, product in products.items():
            amount = D(10000 * n) if group == oils else D(2500 * n)
            PlanFactory(
                outlet=outlet,
                product_group=group,
                period_start=quarter.start,
                quantity=D(50),
                amount=amount * 2,
            )
            for part in (D("0.4"), D("0.6")):  # two sales entered during the quarter
                SaleEntry.objects.create(
                    organisation=vector,
                    outlet=outlet,
                    product=product,
                    product_group=group,
                    date=today(),
                    quantity=D(10) * part,
                    amount=amount * part,
                    created_by=user,
                )
            figures[outlet.pk, group.pk] = amount
    empty_dealer = Organisation.objects.create(
        name="Пустой", kind=OrganisationKind.DEALER, region=moscow
    )
    Outlet.objects.create(dealer=empty_dealer, name="Пустая точка", region=moscow)
    empty = UserFactory(username="empty", role="dealer")
    DealerMembership.objects.create(user=empty, organisation=empty_dealer)
    return {
        "quarter": quarter,
        "vector": vector,
        "outlets": outlets,
        "oils": oils,
        "fluids": fluids,
        "figures": figures,
    }


def test_a_dealer_reports_the_quarter_in_two_clicks(
    page,
    live_server,
    dealer_world,
    csp_errors,  # noqa: F811
):
    w = dealer_world
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "vector", TEST_PASSWORD)
    page.goto(f"{live_server.url}/cabinet/")
    expect(page.locator("h1")).to_have_text("Вектор")
    shot(page, "01_home_before")
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]

    clicks = 0

    def click(locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    click(page.get_by_test_id("report-due"))
    page.wait_for_url(f"**/cabinet/reports/{w['quarter'].year}/{w['quarter'].number}/")
    for (outlet, group), amount in w["figures"].items():
        expect(page.locator(f"#id_a-{outlet}-{group}")).to_have_value(str(amount))
        expect(page.locator(f"#id_q-{outlet}-{group}")).to_have_value("10")
    shot(page, "02_report_prefilled")
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]

    click(page.get_by_test_id("report-submit"))
    page.wait_for_url(f"**/cabinet/?quarter={w['quarter'].slug}")
    assert clicks == 2

    table = page.get_by_test_id("by-group")
    expect(table).to_be_visible()
    text = plain(table.inner_text())
    assert "Моторные масла" in text
    assert "30 000 ₽" in text  # 10 000 + 20 000 reported at the two outlets
    assert "7 500 ₽" in text  # 2 500 + 5 000
    assert "50,0 %" in text  # of a plan twice as large
    shot(page, "03_home_after")
    assert csp_errors == []

    report = SalesReport.objects.get(organisation=w["vector"])
    assert report.version == 1
    lines = SalesLine.objects.filter(source="dealer", seller=w["vector"])
    assert lines.count() == 4
    assert sum(line.amount for line in lines) == D(37500)
    staff_view = plan_vs_fact(
        _analyst(),
        period_start=w["quarter"].start,
        period_end=w["quarter"].end,
        flow=Flow.SELL_OUT,
        level=Level.DEALER,
    )
    assert {row.name: row.fact_amount for row in staff_view} == {"Вектор": D(37500)}

    # The head of sales sees the figures at once on the staff plan-vs-fact page.
    _head_of_sales()
    staff = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    staff_page = staff.new_page()
    log_in(staff_page, live_server, "head", TEST_PASSWORD)
    quarter = w["quarter"]
    staff_page.goto(
        f"{live_server.url}/sales/plan-fact/?period={quarter.year}-Q{quarter.number}"
        "&flow=sell_out&level=dealer"
    )
    row = plain(staff_page.locator("tbody tr", has_text="Вектор").first.inner_text())
    assert "37 500 ₽" in row
    shot(staff_page, "04_staff_plan_fact")
    staff.close()


def test_a_dealer_with_no_data_cannot_send_empty_cells(page, live_server, dealer_world):
    log_in(page, live_server, "empty", TEST_PASSWORD)
    page.goto(f"{live_server.url}/cabinet/")
    page.get_by_test_id("report-due").click()
    page.get_by_test_id("report-submit").click()
    errors = page.get_by_test_id("form-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("0")  # "…enter 0 where there were no sales"
    assert page.locator("input.is-invalid").count() == 2 * 2  # quantity and amount × 2 groups
    shot(page, "04_empty_refused")
    assert not SalesLine.objects.exists()
    assert not SalesReport.objects.exists()


def _head_of_sales():
    return UserFactory(username="head", role="head_of_sales")


def _analyst():
    return UserFactory(username="analyst", role="analyst")
