"""An administrator configures, checks, runs and watches the 1C sync from the admin pages, in
Chromium, against the fake 1C."""

import pytest
from playwright.sync_api import expect

from crm.clients.models import Organisation
from crm.core.models import OutboxMessage
from integrations.onec import tasks
from integrations.onec.fake import FakeOneC
from integrations.onec.models import Mapping
from tests.conftest import totp_token
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_an_administrator_checks_the_mapping_runs_the_sync_and_watches_it(
    page, live_server, settings, tmp_path, admin_user, password
):
    with FakeOneC() as fake:
        settings.ONEC_URL, settings.ONEC_USER = fake.url, fake.username
        settings.ONEC_PASSWORD = fake.password
        log_in(page, live_server, admin_user.username, password)
        page.fill("#id_token", totp_token(admin_user.totpdevice_set.get()))
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/admin/onec/mapping/")
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(Mapping.objects.count())
        # A property this base does not have: the check names it.
        page.get_by_role("link", name="Организации").click()
        page.fill("#id_property_inn", "ИННКонтрагента")
        page.get_by_role("button", name="Сохранить", exact=True).click()
        page.locator("#action-toggle").check()
        page.select_option("select[name=action]", "check_mapping")
        page.get_by_role("button", name="Выполнить").click()
        expect(page.locator(".messagelist")).to_contain_text("не публикует")
        expect(page.locator("#result_list")).to_contain_text("ИННКонтрагента")
        page.screenshot(path=tmp_path / "mapping.png", full_page=True)
        # Put it right and run the sync of counterparties only.
        page.get_by_role("link", name="Организации").click()
        page.fill("#id_property_inn", "ИНН")
        page.get_by_role("button", name="Сохранить", exact=True).click()
        page.locator("#result_list tbody tr", has_text="Организации").locator(
            "input[name=_selected_action]"
        ).check()
        page.select_option("select[name=action]", "run_now")
        page.get_by_role("button", name="Выполнить").click()
        expect(page.locator(".messagelist")).to_contain_text("в очередь")
        queued = OutboxMessage.objects.get(task_name="onec.sync")
        assert queued.kwargs == {"keys": ["organisations"]}
        tasks.sync_1c.apply(kwargs=queued.kwargs)  # what the worker does with it
    assert Organisation.objects.count() == 5
    page.goto(f"{live_server.url}/admin/onec/syncrun/")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Организации")
    expect(row.locator("progress")).to_have_attribute("value", "5")
    row.locator("a").first.click()
    expect(page.locator("#content")).to_contain_text("Catalog_Контрагенты")
    page.screenshot(path=tmp_path / "run.png", full_page=True)
    page.goto(f"{live_server.url}/admin/onec/syncrun/")
    page.screenshot(path=tmp_path / "runs.png", full_page=True)
