"""In a real browser: a dealer's administrator invites a colleague; the colleague opens the link
from the letter, sets a password and lands in the cabinet. Then the cabinet's other new pages
(proposals, the upload of the report) pass axe-core. Screenshots go to /tmp/cabinet_*.png."""

import re

import pytest
from django.apps import apps
from django.core import mail
from playwright.sync_api import expect

from crm.accounts.signals import grant_default_permissions
from crm.clients.models import Organisation, OrganisationKind, OrganisationStatus
from crm.core.models import OutboxMessage
from crm.core.periods import Quarter
from crm.outlets.models import Outlet
from dealers import invitations, tasks
from dealers.models import DealerMembership
from dealers.policies import ensure_outlet_proposal_rule, grant_default_field_policies
from dealers.selectors import today
from tests.e2e.conftest import csp_errors, log_in, run_axe  # noqa: F401  (fixture)
from tests.factories import TEST_PASSWORD, RegionFactory, UserFactory
from tests.sales.factories import ProductGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Kvartal-Otchet-2026"


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/cabinet_{name}.png", full_page=True)


def no_violations(page) -> None:
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


@pytest.fixture
def dealer_world(db):
    """Dealer «Вектор» with a sub-dealer and an outlet; its user "vector" administers its
    users."""
    # A transactional test may start from a flushed database: the roles' permissions again.
    for label in ("clients", "outlets", "sales", "dealers", "approvals"):
        grant_default_permissions(None, app_config=apps.get_app_config(label))
    grant_default_field_policies()
    ensure_outlet_proposal_rule()
    moscow = RegionFactory(name="Москва", code="77")
    vector = Organisation.objects.create(
        name="Вектор", kind=OrganisationKind.DEALER, status=OrganisationStatus.ACTIVE, region=moscow
    )
    Organisation.objects.create(
        name="Вектор-Юг", kind=OrganisationKind.SUB_DEALER, parent_dealer=vector, region=moscow
    )
    Outlet.objects.create(
        dealer=vector, name="Автомагазин на Ленина", region=moscow, address="ул. Ленина, 1"
    )
    ProductGroupFactory(name="Моторные масла")
    UserFactory(username="root_admin", role="administrator")  # approves proposals
    user = UserFactory(username="vector", first_name="Виктор", role="dealer")
    DealerMembership.objects.create(user=user, organisation=vector, is_admin=True)
    return {"vector": vector}


def test_an_invited_colleague_sets_a_password_and_lands_in_the_cabinet(
    page,
    browser,
    live_server,
    dealer_world,
    csp_errors,  # noqa: F811
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "vector", TEST_PASSWORD)
    page.goto(f"{live_server.url}/cabinet/users/")
    page.get_by_label(re.compile("E-mail")).fill("anna.petrova@example.com")
    page.locator("#id_last_name").fill("Петрова")
    page.locator("#id_first_name").fill("Анна")
    shot(page, "users_01_invite")
    no_violations(page)
    page.get_by_test_id("invite-submit").click()
    page.wait_for_url("**/cabinet/users/")
    expect(page.get_by_test_id("invitations")).to_contain_text("anna.petrova@example.com")
    shot(page, "users_02_invited")

    for message in OutboxMessage.objects.filter(task_name=invitations.SEND_TASK):
        tasks.send_invitation(*message.args)  # what the worker does
    [letter] = mail.outbox
    assert letter.to == ["anna.petrova@example.com"]
    link = re.search(r"https?://\S+/cabinet/invitation/\S+/", letter.body).group(0)
    path = "/cabinet/" + link.split("/cabinet/", 1)[1]

    invitee = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    invitee.goto(f"{live_server.url}{path}")
    expect(invitee.locator("#id_last_name")).to_have_value("Петрова")
    invitee.locator("#id_password1").fill(NEW_PASSWORD)
    invitee.locator("#id_password2").fill(NEW_PASSWORD)
    shot(invitee, "users_03_accept")
    no_violations(invitee)
    invitee.get_by_test_id("accept-submit").click()
    invitee.wait_for_url(f"{live_server.url}/cabinet/")
    expect(invitee.locator("h1")).to_have_text("Вектор")
    shot(invitee, "users_04_landed")

    invitee.goto(f"{live_server.url}{path}")  # the link works once
    expect(invitee.get_by_test_id("invitation-refused")).to_be_visible()
    shot(invitee, "users_05_used_link")

    page.goto(f"{live_server.url}/cabinet/users/")
    expect(page.get_by_test_id("users")).to_contain_text("Петрова Анна")
    shot(page, "users_06_list")
    assert csp_errors == []


def test_the_proposal_and_upload_pages_read_well(page, live_server, dealer_world):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "vector", TEST_PASSWORD)
    outlet = Outlet.objects.get(name="Автомагазин на Ленина")
    page.goto(f"{live_server.url}/cabinet/outlets/{outlet.pk}/")
    page.get_by_test_id("propose-changes").click()
    page.locator("#id_address").fill("ул. Ленина, 1, вход со двора")
    shot(page, "proposal_01_form")
    no_violations(page)
    page.get_by_test_id("proposal-submit").click()
    page.wait_for_url("**/cabinet/proposals/")
    expect(page.get_by_test_id("proposals")).to_contain_text("вход со двора")
    shot(page, "proposal_02_list")
    no_violations(page)
    page.get_by_test_id("propose-new").click()
    shot(page, "proposal_03_new")
    no_violations(page)
    page.goto(f"{live_server.url}/cabinet/outlets/")
    shot(page, "outlets_list")
    quarter = Quarter.of(today())
    page.goto(f"{live_server.url}/cabinet/reports/{quarter.year}/{quarter.number}/")
    page.get_by_test_id("upload-link").click()
    shot(page, "upload_01_page")
    no_violations(page)
    page.locator("#id_file").set_input_files(
        files=[{"name": "report.xlsx", "mimeType": "text/plain", "buffer": b"not a workbook"}]
    )
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("upload-errors")).to_be_visible()
    shot(page, "upload_02_refused")
    no_violations(page)
