"""Query-count ceilings of the organisation and contact lists, cards and exports: a fixed number
of queries whatever the number of rows (3 or 30), and few of them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.clients.models import BankAccount, Contact, Interaction, Organisation
from tests.security.conftest import add_perms, build_world

pytestmark = pytest.mark.django_db

LIST_CEILING = 8  # a list page for a sales manager, caches warm
PAGE_CEILING = 12  # cards, fragments with filters, exports
CARD_CEILING = PAGE_CEILING + 2  # and the card's purchases panel: its totals, payment forms


def fill(world, main, count, start=0):
    """``count`` more organisations in the manager's territory with a contact each, and as many
    interactions, bank accounts and contacts on ``main`` (so the card's tabs grow too)."""
    manager, region = world["manager"], world["regions"]["77"]
    numbers = range(start, start + count)
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Фирма-{n:03d}", region=region, owner=manager, inn=f"77{n:08d}")
        for n in numbers
    )
    Contact.objects.bulk_create(
        Contact(organisation=org, last_name=f"Петров-{n:03d}")
        for n, org in zip(numbers, orgs, strict=True)
    )
    Contact.objects.bulk_create(
        Contact(organisation=main, last_name=f"Сидоров-{n}") for n in numbers
    )
    Interaction.objects.bulk_create(
        Interaction(organisation=main, subject=f"Звонок {n}", kind="call", author=manager)
        for n in numbers
    )
    BankAccount.objects.bulk_create(
        BankAccount(organisation=main, bik="044525225", bank_name="Банк", account=f"{n:020d}")
        for n in numbers
    )


def count_queries(client, url, params=None, headers=None):
    client.get(url, params or {}, headers=headers or {})  # warm: session, choices caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {}, headers=headers or {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, params, response.status_code)
    return len(captured), [q["sql"] for q in captured.captured_queries]


HTMX = {"HX-Request": "true", "HX-Target": "list-results"}
CARD_HTMX = {"HX-Request": "true", "HX-Target": "card-tab"}

LIST_CASES = {
    "organisation-page": ("clients:organisation_list", {}, None),
    "organisation-htmx": ("clients:organisation_list", {}, HTMX),
    "organisation-search": ("clients:organisation_list", {"q": "Фирма"}, None),
    "organisation-search-inn": ("clients:organisation_list", {"q": "7700"}, None),
    "organisation-filter": ("clients:organisation_list", {"status": "potential"}, HTMX),
    "organisation-sort": ("clients:organisation_list", {"sort": "-region"}, None),
    "contact-page": ("clients:contact_list", {}, None),
    "contact-htmx": ("clients:contact_list", {}, HTMX),
    "contact-search": ("clients:contact_list", {"q": "Петров"}, None),
    "contact-filter": ("clients:contact_list", {"mailing_consent": "false"}, HTMX),
    "contact-sort": ("clients:contact_list", {"sort": "organisation"}, None),
}


@pytest.fixture
def measure(logged_in):
    """measure(url_name, params, headers, detail=False) -> (count with 3 rows, with 30, sqls)."""

    def run(url_name, params, headers, *, detail=False):
        world = build_world()
        add_perms(world["manager"], "export_organisation", "export_contact")
        main = world["mine"]
        main.legal_name = "ООО Альфа"
        main.save()
        main.notes = "изменено"
        main.save()  # a history with a few entries
        fill(world, main, 3)
        client = logged_in(world["manager"])
        url = reverse(url_name, args=[main.pk]) if detail else reverse(url_name)
        small, small_sqls = count_queries(client, url, params, headers)
        fill(world, main, 27, start=3)
        big, sqls = count_queries(client, url, params, headers)
        # A list whose first page is not full counts its rows without a COUNT query
        # (crm.core.generic.lists): the only query allowed to come with more rows.
        assert uncounted(small_sqls) == uncounted(sqls), (
            f"{small} queries for 3 rows, {big} for 30:\n" + "\n".join(sqls)
        )
        return big, sqls

    return run


def uncounted(sqls) -> int:
    return len([sql for sql in sqls if not sql.startswith("SELECT COUNT(*) FROM (SELECT")])


@pytest.mark.parametrize("case", list(LIST_CASES))
def test_list_queries_do_not_grow_with_rows(measure, case):
    url_name, params, headers = LIST_CASES[case]
    count, sqls = measure(url_name, params, headers)
    ceiling = LIST_CEILING if case.endswith("-page") else PAGE_CEILING
    assert count <= ceiling, f"{count} queries (ceiling {ceiling}):\n" + "\n".join(sqls)


@pytest.mark.parametrize("tab", ["overview", "contacts", "timeline", "bank", "history"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_card_tab_queries_do_not_grow_with_rows(measure, tab, htmx):
    headers = CARD_HTMX if htmx else None
    count, sqls = measure("clients:organisation_detail", {"tab": tab}, headers, detail=True)
    assert count <= CARD_CEILING, f"{count} queries:\n" + "\n".join(sqls)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("url_name", ["clients:organisation_list", "clients:contact_list"])
def test_export_queries_do_not_grow_with_rows(measure, url_name, file_format):
    count, sqls = measure(url_name, {"export": file_format}, None)
    assert count <= PAGE_CEILING + 4, f"{count} queries:\n" + "\n".join(sqls)
