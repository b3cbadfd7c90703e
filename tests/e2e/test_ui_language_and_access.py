"""The UI is Russian by default, English after switching; readable and accessible."""

import pytest

from tests.e2e.conftest import log_in, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_login_page_is_russian_for_an_english_browser_and_english_after_switching(
    page, live_server
):
    # Chromium asks for en-US; the product still speaks Russian until the user switches.
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Вход"
    assert page.locator("html").get_attribute("lang") == "ru"
    page.click("button[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Log in"
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_logged_in_user_switches_to_english_and_the_choice_sticks(
    page, live_server, sales_manager, password
):
    log_in(page, live_server, sales_manager.username, password)
    assert "Последние уведомления" in page.content()
    page.click("footer button[value=en]")
    page.wait_for_load_state("networkidle")
    assert "Latest notifications" in page.content()
    sales_manager.refresh_from_db()
    assert sales_manager.language == "en"


@pytest.mark.parametrize("path", ["/login/", "/", "/profile/", "/notifications/"])
def test_pages_have_no_accessibility_violations(page, live_server, sales_manager, password, path):
    if path != "/login/":
        log_in(page, live_server, sales_manager.username, password)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    contrast = run_axe(page, ["color-contrast"])
    assert contrast == [], [v["nodes"][0]["target"] for v in contrast]
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


def test_text_is_large_enough_and_targets_easy_to_hit(page, live_server, sales_manager, password):
    log_in(page, live_server, sales_manager.username, password)
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 16
    heights = page.evaluate(
        """() => [...document.querySelectorAll('main .btn, footer .btn, .navbar .nav-link')]
              .filter(el => el.offsetParent !== null)
              .map(el => [el.textContent.trim(), el.getBoundingClientRect().height])"""
    )
    assert heights, "no buttons found"
    small = [(text, h) for text, h in heights if h < 44]
    assert small == []


def test_the_unread_counter_appears_without_a_reload(page, live_server, sales_manager, password):
    from crm.notifications.services import notify

    notify(sales_manager, "system.announcement", title="Плановые работы в субботу")
    log_in(page, live_server, sales_manager.username, password)
    badge = page.locator("[data-testid=bell] .badge")
    badge.wait_for(timeout=5000)
    assert badge.inner_text() == "1"
