"""A sales manager's journey through the organisations pages, in a real browser.

Find a client by phone (the list refreshes by HTMX), open the card, edit it, read the change in
the history; a position that may not see the INN finds it nowhere; two managers editing the same
card at once: the second save is refused with a list of what the first one changed.

Most strings of the clients pages are not translated yet, so the menu, tab and button names are
matched in Russian or English; screenshots of every page go to /tmp/shots/.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from crm.accounts.models import FieldPolicy, OrgUnitKind
from crm.clients.models import Organisation
from crm.core.models import SavedView
from tests.e2e.conftest import log_in, run_axe
from tests.factories import OrgUnitFactory, PositionFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PLANTED_INN = "7739001149"  # valid check digits; recognisable in any page's HTML
BORIS_INN = "7700112231"
OLD_ADDRESS = "г. Москва, ул. Старая Басманная, д. 1"
NEW_ADDRESS = "г. Москва, Варшавское шоссе, д. 170, стр. 2"
PHONE_AS_TYPED = "8 (495) 123-45-67"

CLIENTS = re.compile(r"^\s*(Клиенты|Clients)\s*$")
ORGANISATIONS = re.compile(r"^\s*(Организации|Organisations)\s*$")
EDIT = re.compile(r"^\s*(Редактировать|Edit)\s*$")
SAVE = re.compile(r"^\s*(Сохранить|Save)\s*$")
INN_LABEL = re.compile(r"^\s*(ИНН|INN)\s*$")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def world(db):
    """Region 77 → a region org unit covering it → a Moscow office with two manager positions
    and a head; «Ромашка-Авто» belongs to Анна; Борис's position may not see the INN."""
    # A transactional test starts from a flushed database: the roles' default permissions from
    # the data migration are gone, so grant the sales managers theirs again.
    group, _created = Group.objects.get_or_create(name="sales_manager")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="clients",
            codename__in=[
                f"{action}_{model}"
                for model in ("organisation", "contact", "interaction", "bankaccount")
                for action in ("view", "add", "change")
            ],
        )
    )
    moscow = RegionFactory(name="Москва", code="77")
    region_unit = OrgUnitFactory(name="Регион Москва", kind=OrgUnitKind.REGION)
    region_unit.regions.add(moscow)
    office = OrgUnitFactory(name="Московский офис", kind=OrgUnitKind.OFFICE, parent=region_unit)
    senior = PositionFactory(name="Менеджер по продажам", org_unit=office)
    junior = PositionFactory(name="Младший менеджер по продажам", org_unit=office)
    head = PositionFactory(name="Руководитель офиса", org_unit=office, is_head=True)
    lead = UserFactory(
        username="svetlana",
        first_name="Светлана",
        last_name="Руководова",
        role="sales_manager",
        position=head,
    )
    anna = UserFactory(
        username="anna",
        first_name="Анна",
        last_name="Петрова",
        role="sales_manager",
        position=senior,
        manager=lead,
    )
    boris = UserFactory(
        username="boris",
        first_name="Борис",
        last_name="Сидоров",
        role="sales_manager",
        position=junior,
    )
    FieldPolicy.objects.create(model="clients.organisation", field="inn", position=junior, access=0)
    romashka = Organisation.objects.create(
        name="Ромашка-Авто",
        legal_name="ООО «Ромашка-Авто»",
        status="active",
        inn=PLANTED_INN,
        phone="+74951234567",
        actual_address=OLD_ADDRESS,
        region=moscow,
        org_unit=office,
        owner=anna,
    )
    others = [
        Organisation.objects.create(
            name=name, phone=phone, region=moscow, org_unit=office, owner=anna
        )
        for name, phone in (("Лютик-Трейд", "+74957654321"), ("Василёк", "+74991112233"))
    ]
    borises = Organisation.objects.create(
        name="Одуванчик-Сервис",
        inn=BORIS_INN,
        actual_address=OLD_ADDRESS,
        region=moscow,
        org_unit=office,
        owner=boris,
    )
    return {
        "borises": borises,
        "moscow": moscow,
        "office": office,
        "anna": anna,
        "boris": boris,
        "lead": lead,
        "romashka": romashka,
        "others": others,
    }


def open_organisations_from_menu(page) -> None:
    page.get_by_role("button", name=CLIENTS).click()  # the dropdown toggle has role=button
    page.get_by_role("link", name=ORGANISATIONS).click()
    page.wait_for_url("**/clients/organisations/")
    page.wait_for_load_state("networkidle")


def test_a_manager_finds_a_client_by_phone_edits_it_and_reads_the_history(
    page, live_server, world, password
):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "anna", password)
    open_organisations_from_menu(page)
    rows = page.locator("#list-results tbody tr")
    expect(rows).to_have_count(4)

    # The search refreshes only the results: no full page load happens.
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(
        lambda r: (
            "/clients/organisations/" in r.url
            and "q=" in r.url
            and r.request.headers.get("hx-request") == "true"
        )
    ):
        page.locator("#id_q").press_sequentially(PHONE_AS_TYPED, delay=20)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ромашка-Авто")
    expect(rows.first).to_contain_text("+7 (495) 123-45-67")
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the whole page"
    assert "q=" in page.url  # the search is in the address bar (hx-push-url)
    shot(page, "01_list_search_by_phone")

    rows.first.get_by_role("link", name="Ромашка-Авто").click()
    page.wait_for_url(f"**/clients/organisations/{world['romashka'].pk}/")
    expect(page.locator("h1")).to_contain_text("Ромашка-Авто")
    expect(page.locator("#card-tab")).to_contain_text(OLD_ADDRESS)
    shot(page, "02_card_overview")

    page.locator("main").get_by_role("link", name=EDIT).click()
    page.wait_for_url(f"**/clients/organisations/{world['romashka'].pk}/edit/")
    address = page.locator("#id_actual_address")
    expect(address).to_have_value(OLD_ADDRESS)
    address.fill(NEW_ADDRESS)
    shot(page, "03_edit_form")
    page.locator("main form.card").get_by_role("button", name=SAVE).click()
    page.wait_for_url(f"**/clients/organisations/{world['romashka'].pk}/")
    expect(page.get_by_text("Сохранено.")).to_be_visible()
    expect(page.locator("#card-tab")).to_contain_text(NEW_ADDRESS)

    page.evaluate("window.__sameDocument = true")
    page.locator("a[data-tab=history]").click()
    history = page.locator("[data-testid=history]")
    expect(history).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "the tab reloaded the whole page"
    newest = history.locator("li").first
    expect(newest).to_contain_text(str(world["anna"]))
    expect(newest.locator("del")).to_have_text(OLD_ADDRESS)
    expect(newest).to_contain_text(NEW_ADDRESS)
    shot(page, "04_card_history")

    version = world["romashka"].version
    romashka = Organisation.objects.get(pk=world["romashka"].pk)
    assert romashka.actual_address == NEW_ADDRESS
    assert romashka.version == version + 1


def test_a_position_without_the_inn_sees_it_nowhere_another_position_does(
    page, new_context, live_server, world, password
):
    org, own = world["romashka"], world["borises"]
    list_url = f"{live_server.url}/clients/organisations/"
    card_url = f"{live_server.url}/clients/organisations/{org.pk}/"
    own_url = f"{live_server.url}/clients/organisations/{own.pk}/"

    log_in(page, live_server, "boris", password)
    page.goto(list_url)
    header = page.locator("#list-results thead th")
    expect(page.locator("#list-results tbody tr")).to_have_count(4)
    expect(header.filter(has_text=INN_LABEL)).to_have_count(0)
    assert PLANTED_INN not in page.content()
    assert BORIS_INN not in page.content()  # not even on his own client
    page.locator("button:has(.bi-layout-three-columns)").click()  # «Columns»
    chooser = page.locator("[data-testid=column-chooser]")
    expect(chooser).to_be_visible()
    expect(chooser.locator("#col-inn")).to_have_count(0)
    expect(chooser.get_by_text(INN_LABEL)).to_have_count(0)
    shot(page, "05_list_without_inn_column_chooser")

    # Neither asking for the column in the address, nor saving it as a preference, nor searching
    # by the INN reveals it.
    page.goto(f"{list_url}?columns=name&columns=inn")
    expect(page.locator("#list-results tbody tr")).to_have_count(4)
    assert PLANTED_INN not in page.content()
    page.request.post(
        list_url,
        form={
            "action": "columns",
            "columns": "inn",
            "query": "",
            "csrfmiddlewaretoken": page.locator(
                "[data-testid=column-chooser] [name=csrfmiddlewaretoken]"
            ).get_attribute("value"),
        },
    )
    page.goto(list_url)
    assert PLANTED_INN not in page.content()
    page.goto(f"{list_url}?q={PLANTED_INN}")
    expect(page.locator("[data-testid=empty-list]")).to_be_visible()
    # (the typed text itself is echoed back in the search box and hidden query fields)
    echoed = page.content().replace(f'value="{PLANTED_INN}"', "").replace(f"q={PLANTED_INN}", "")
    assert PLANTED_INN not in echoed

    # Cards (his colleague's and his own, which he may edit) and the history tab; his edit form.
    for url in (
        card_url,
        f"{card_url}?tab=history",
        own_url,
        f"{own_url}?tab=history",
        f"{own_url}edit/",
    ):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        assert page.locator("dt, th, label").filter(has_text=INN_LABEL).count() == 0, url
        assert PLANTED_INN not in page.content(), url
        assert BORIS_INN not in page.content(), url
    expect(page.locator("#id_inn")).to_have_count(0)
    shot(page, "07_edit_form_without_inn")
    # Saving the form without the field keeps the INN he cannot see.
    page.locator("#id_actual_address").fill(NEW_ADDRESS)
    page.locator("main form.card").get_by_role("button", name=SAVE).click()
    expect(page.get_by_text("Сохранено.")).to_be_visible()
    assert PLANTED_INN not in page.content()
    assert BORIS_INN not in page.content()
    own.refresh_from_db()
    assert (own.inn, own.actual_address) == (BORIS_INN, NEW_ADDRESS)

    # Анна's position has no such policy: she sees the INN everywhere.
    other = new_context().new_page()
    log_in(other, live_server, "anna", password)
    other.goto(list_url)
    expect(other.locator("#list-results thead th").filter(has_text=INN_LABEL)).to_have_count(1)
    expect(other.locator("#list-results tbody")).to_contain_text(PLANTED_INN)
    expect(other.locator("[data-testid=column-chooser] #col-inn")).to_have_count(1)
    assert PLANTED_INN in other.content()
    other.goto(card_url)
    expect(other.locator("dt").filter(has_text=INN_LABEL)).to_have_count(1)
    expect(other.locator("#card-tab")).to_contain_text(PLANTED_INN)
    other.goto(f"{card_url}edit/")
    expect(other.locator("#id_inn")).to_have_value(PLANTED_INN)


def test_the_second_of_two_simultaneous_edits_is_refused_with_the_others_changes(
    page, new_context, live_server, world, password
):
    org = world["romashka"]
    version = org.version
    edit_url = f"{live_server.url}/clients/organisations/{org.pk}/edit/"
    first, second = page, new_context().new_page()
    for browser_page, username in ((first, "anna"), (second, "svetlana")):
        browser_page.set_viewport_size({"width": 1366, "height": 900})
        log_in(browser_page, live_server, username, password)
        browser_page.goto(edit_url)
        expect(browser_page.locator("#id_actual_address")).to_have_value(OLD_ADDRESS)

    first.locator("#id_actual_address").fill(NEW_ADDRESS)
    first.locator("main form.card").get_by_role("button", name=SAVE).click()
    expect(first.get_by_text("Сохранено.")).to_be_visible()

    theirs = "г. Москва, Ленинский проспект, д. 5"
    second.locator("#id_actual_address").fill(theirs)
    second.locator("#id_notes").fill("Перезвонить в понедельник")
    with second.expect_response(lambda r: r.request.method == "POST") as answer:
        second.locator("main form.card").get_by_role("button", name=SAVE).click()
    assert answer.value.status == 409
    warning = second.locator("[data-testid=stale-warning]")
    expect(warning).to_be_visible()
    expect(warning.locator("li")).to_have_count(1)
    expect(warning.locator("li").first).to_contain_text(NEW_ADDRESS)
    expect(warning.locator("li").first).to_contain_text(
        re.compile("фактический адрес|actual address", re.IGNORECASE)
    )
    # The second user's entries are kept for them to reconcile.
    expect(second.locator("#id_actual_address")).to_have_value(theirs)
    expect(second.locator("#id_notes")).to_have_value("Перезвонить в понедельник")
    shot(second, "06_edit_stale_warning")

    org.refresh_from_db()
    assert org.actual_address == NEW_ADDRESS
    assert org.notes == ""
    assert org.version == version + 1


@pytest.mark.parametrize(
    "path",
    [
        "/clients/organisations/",
        "{card}",
        "{card}?tab=history",
        "{card}edit/",
        "/clients/contacts/new/",
    ],
)
def test_the_organisation_pages_have_no_accessibility_violations(
    page, live_server, world, password, path
):
    card = f"/clients/organisations/{world['romashka'].pk}/"
    log_in(page, live_server, "anna", password)
    page.goto(live_server.url + path.format(card=card))
    page.wait_for_load_state("networkidle")
    violations = run_axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]][:5]) for v in violations]


def test_the_chosen_tab_is_marked_after_switching_without_a_reload(
    page, live_server, world, password
):
    log_in(page, live_server, "anna", password)
    page.goto(f"{live_server.url}/clients/organisations/{world['romashka'].pk}/")
    page.locator("a[data-tab=history]").click()
    expect(page.locator("[data-testid=history]")).to_be_visible()
    expect(page.locator("a[data-tab=history]")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("a[data-tab=overview]")).not_to_have_class(re.compile(r"\bactive\b"))


def test_saving_a_view_after_a_search_keeps_the_search(page, live_server, world, password):
    log_in(page, live_server, "anna", password)
    page.goto(f"{live_server.url}/clients/organisations/")
    page.locator("#id_q").fill("Ромашка")
    with page.expect_response(lambda r: "q=" in r.url):
        page.locator("#id_q").press("Enter")
    expect(page.locator("#list-results tbody tr")).to_have_count(1)
    page.locator("button:has(.bi-bookmark-plus)").click()  # «Save this view»
    page.locator("#view-name").fill("Ромашки")
    page.locator("#view-name").press("Enter")
    page.wait_for_load_state("networkidle")
    assert "q=" in SavedView.objects.get(name="Ромашки").query
    expect(page.locator("#list-results tbody tr")).to_have_count(1)


def test_choosing_a_filter_value_refreshes_the_table_without_a_reload(
    page, live_server, world, password, csp_errors
):
    """A select of the filter bar refreshes the results by itself (no «Find» click). The
    trigger must not need htmx to evaluate script: the CSP forbids it, and a trigger filter
    such as ``change[...]`` then silently did nothing."""
    log_in(page, live_server, "anna", password)
    page.goto(f"{live_server.url}/clients/organisations/")
    rows = page.locator("#list-results tbody tr")
    expect(rows).to_have_count(4)
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(
        lambda r: "status=active" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.locator("#id_status").select_option("active")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ромашка-Авто")
    assert page.evaluate("window.__sameDocument === true"), "the filter reloaded the whole page"
    assert "status=active" in page.url  # the filter is in the address bar (hx-push-url)
    assert csp_errors == []


def test_a_manager_picks_the_new_contacts_organisation_by_typing(
    page, live_server, world, password, csp_errors
):
    """The organisation of a new contact is one among thousands: the form carries none of
    them; the picker asks the server as one types (the name, then the INN) and shows each
    one's INN and region to tell namesakes apart."""
    for n in range(20):
        Organisation.objects.create(name=f"Клиент {n:02d}", owner=world["anna"])
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "anna", password)
    page.goto(f"{live_server.url}/clients/contacts/new/")
    assert page.locator("select#id_organisation option").count() == 1  # the empty one only
    control = page.locator("#id_organisation-ts-control")
    control.click()
    options = page.locator(".ts-dropdown .option")
    # Opened before typing: the first 20 by name of those she may change (not Борис's), and
    # a line saying there are more.
    expect(options).to_have_count(21)
    expect(options.first).to_contain_text("Василёк")
    expect(options.last).to_have_text(re.compile("уточните запрос|type more"))
    expect(page.locator(".ts-dropdown .option", has_text="Одуванчик")).to_have_count(0)
    shot(page, "08_contact_organisation_picker_opened")
    with page.expect_response(lambda r: "/clients/organisations/choices/?q=" in r.url):
        control.press_sequentially("ромаш", delay=30)
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Ромашка-Авто")
    expect(options.first).to_contain_text(PLANTED_INN)
    expect(options.first).to_contain_text("Москва")
    shot(page, "09_contact_organisation_picker_typed")
    control.fill("")
    control.press_sequentially(PLANTED_INN[:6], delay=30)
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Ромашка-Авто")
    options.first.click()
    page.locator("#id_last_name").fill("Иванова")
    page.locator("#id_first_name").fill("Мария")
    page.locator("main form.card").get_by_role("button", name=SAVE).click()
    expect(page.get_by_text("Сохранено.")).to_be_visible()
    contact = world["romashka"].contacts.get()
    assert contact.last_name == "Иванова"
    assert csp_errors == []
