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


def test_a_data_steward_resolves_a_conflict_between_the_erp_and_a_dealer(page, live_server, people):
    from crm.approvals import services
    from crm.approvals.models import Conflict, ConflictState
    from crm.core.choices import Channel, Source

    outlet = people["outlet"]
    dealer_value = "г. Москва, ул. Тверская, д. 9, ТЦ «Галерея»"
    # A dealer's proposal (entered by the sales manager), then the ERP disagrees.
    services.change_request_submit(
        people["sasha"],
        source=Source.DEALER,
        channel=Channel.WEB,
        record=outlet,
        changes={"address": dealer_value},
    )
    services.change_request_submit(
        None,
        source=Source.ERP,
        channel=Channel.SYNC,
        record=outlet,
        changes={"address": "г. Москва, ул. Тверская, д. 9, стр. 4"},
    )
    conflict = Conflict.objects.get()
    steward = UserFactory(username="stella", first_name="Стелла", role="approver")
    steward.user_permissions.add(
        *Permission.objects.filter(codename__in=["resolve_conflict", "view_outlet"])
    )

    log_in(page, live_server, "stella", TEST_PASSWORD)
    page.goto(f"{live_server.url}/approvals/conflicts/")
    page.get_by_role("link", name=re.compile(rf"№ {conflict.pk}|no\. {conflict.pk}")).click()
    expect(page.get_by_test_id("conflict-value")).to_have_count(2)
    assert run_axe(page) == []
    page.screenshot(path=str(SHOTS / "conflict.png"), full_page=True)
    dealer_card = page.locator(".card", has_text=dealer_value)
    dealer_card.get_by_label(re.compile("(Принять это значение|Take this value)")).check()
    page.fill("#id_comment", "Дилер прислал фото вывески")
    page.get_by_role("button", name=re.compile("^(Разрешить|Resolve)$")).click()
    expect(page.get_by_test_id("conflict-state")).to_have_text(re.compile("(Разрешён|Resolved)"))
    assert Conflict.objects.get().state == ConflictState.RESOLVED
    outlet.refresh_from_db()
    assert outlet.address == dealer_value
