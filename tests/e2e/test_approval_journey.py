"""An approval in a real browser: a sales manager changes an outlet's address, the card says it
awaits approval; the regional manager opens the notification and approves; the card shows the
new address, and both see the change in the history."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import expect

from crm.accounts.models import OrgUnitKind
from crm.approvals.models import ApprovalRule, ApprovalStep, Relative
from crm.clients.models import Organisation, OrganisationKind
from crm.outlets.models import Outlet
from tests.e2e.conftest import log_in, run_axe
from tests.factories import (
    TEST_PASSWORD,
    OrgUnitFactory,
    PositionFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
NEW_ADDRESS = "г. Москва, ул. Тверская, д. 9, вход со двора"


@pytest.fixture
def people(db):
    moscow = RegionFactory(name="Москва", code="77")
    unit = OrgUnitFactory(name="Регион Москва", kind=OrgUnitKind.REGION)
    unit.regions.add(moscow)
    rita = UserFactory(
        username="rita",
        first_name="Рита",
        last_name="Региональная",
        role="regional_manager",
        position=PositionFactory(name="Региональный директор", org_unit=unit, is_head=True),
    )
    sasha = UserFactory(
        username="sasha",
        first_name="Саша",
        last_name="Продажина",
        role="sales_manager",
        position=PositionFactory(name="Менеджер", org_unit=unit),
        manager=rita,
    )
    # A transactional test may start from a flushed database: grant what the pages need.
    codes = ["view_outlet", "change_outlet", "view_organisation"]
    for user in (rita, sasha):
        user.user_permissions.add(*Permission.objects.filter(codename__in=codes))
    dealer = Organisation.objects.create(
        name="Дилер-Центр", kind=OrganisationKind.DEALER, region=moscow, owner=sasha
    )
    outlet = Outlet.objects.create(
        dealer=dealer,
        name="Салон на Тверской",
        address="г. Москва, ул. Тверская, д. 9",
        region=moscow,
        owner=sasha,
    )
    rule = ApprovalRule.objects.create(
        name="Адрес торговой точки",
        content_type=ContentType.objects.get_for_model(Outlet),
        fields=["address"],
    )
    ApprovalStep.objects.create(rule=rule, relative=Relative.LINE_MANAGER)
    return {"rita": rita, "sasha": sasha, "outlet": outlet}


def test_change_approve_and_see_it_in_the_history(page, browser, live_server, people):
    SHOTS.mkdir(parents=True, exist_ok=True)
    outlet = people["outlet"]
    card = f"{live_server.url}/outlets/{outlet.pk}/"

    # The sales manager edits the address and saves.
    log_in(page, live_server, "sasha", TEST_PASSWORD)
    page.goto(card)
    page.get_by_role("link", name=re.compile("(Редактировать|Edit)")).click()
    page.fill("#id_address", NEW_ADDRESS)
    page.locator("main form button[type=submit].btn-primary").click()
    panel = page.get_by_test_id("pending-approval")
    expect(panel).to_contain_text(NEW_ADDRESS)
    page.screenshot(path=str(SHOTS / "approval_pending_card.png"), full_page=True)
    outlet.refresh_from_db()
    assert outlet.address != NEW_ADDRESS

    # The regional manager opens the notification and approves.
    approver = browser.new_context(locale="ru-RU").new_page()
    log_in(approver, live_server, "rita", TEST_PASSWORD)
    approver.goto(f"{live_server.url}/notifications/")
    approver.get_by_role("link", name=re.compile("Салон на Тверской")).first.click()
    expect(approver.get_by_test_id("request-items")).to_contain_text(NEW_ADDRESS)
    assert run_axe(approver) == []
    approver.screenshot(path=str(SHOTS / "approval_request.png"), full_page=True)
    approver.get_by_role("button", name=re.compile("^(Согласовать|Approve)$")).click()
    expect(approver.get_by_test_id("request-state")).to_have_text(
        re.compile("(Согласовано и применено|Approved and applied)")
    )
    outlet.refresh_from_db()
    assert outlet.address == NEW_ADDRESS

    # Both see the new address and the change in the card's history.
    for viewer in (approver, page):
        viewer.goto(card + "?tab=history")
        expect(viewer.locator("#card-tab")).to_contain_text(NEW_ADDRESS)
    page.goto(card)
    expect(page.get_by_test_id("pending-approval")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(NEW_ADDRESS)
    page.screenshot(path=str(SHOTS / "approval_applied_card.png"), full_page=True)
