"""A list's first-page statement, remembered per process (crm.core.generic.statements), gives
the rows a freshly built one gives: new and changed records show at once, a changed scope or
field policy is a new statement, searches are never kept."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.clients.models import Contact, Organisation, OrganisationStatus
from crm.clients.views import ContactListView, OrganisationListView
from crm.core.bulk import FetchStatement
from crm.core.generic import statements
from crm.outlets.views import OutletListView
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

ORGS = reverse("clients:organisation_list")


@pytest.fixture
def world():
    statements.forget()
    built = build_world()
    yield built
    statements.forget()


VARIANTS = {
    ORGS: [
        {},
        {"sort": "name"},
        {"sort": "-name"},
        {"sort": "region"},
        {"status": OrganisationStatus.ACTIVE},
        {"status": OrganisationStatus.POTENTIAL},
        {"archived": "all"},
        {"archived": "only"},
        {"size": "25"},
        {"columns": ["name", "status"]},
        {"status": "no-such-status"},  # not understood: ignored, and said so
        {"q": "8 (495) 123-45-67"},  # by phone: kept per shape, the number bound
        {"q": "+7 916 765-43-21"},
        {"q": "+7 916 765-43-21", "status": OrganisationStatus.ACTIVE},
        {"q": "Фирма-1"},  # by name
        {"q": "ООО Фирма 2"},
        {"q": "ип"},  # a legal form alone: matched as typed
        {"q": "7707083893"},  # by INN
        {"q": "7707"},
    ],
    reverse("clients:contact_list"): [
        {},
        {"sort": "-last_name"},
        {"archived": "all"},
        {"q": "Контактов"},
        {"q": "контактов-m"},
        {"q": "Контактов-mine"},
        {"q": "Петров Ив"},
        {"q": "100%_\\"},
        {"q": "someone@example.org"},
        {"q": "+7 (916) 765-43-21"},
        {"q": "8 916 765 43 21", "sort": "-last_name"},
    ],
    reverse("outlets:outlet_list"): [
        {},
        {"sort": "name"},
        {"archived": "only"},
        {"q": "Точка"},
        {"q": "точка-m"},
        {"q": "Точка", "sort": "name"},
        {"q": "50%"},
    ],
}


def test_the_views_that_remember_say_so():
    assert OrganisationListView.remember_statement
    assert ContactListView.remember_statement
    assert OutletListView.remember_statement


def test_remembered_pages_show_what_fresh_ones_show_in_any_order(client, world, monkeypatch):
    """Every variant for every user, first with nothing remembered, then in a shuffled order
    from the store: the same rows in the same order and the same totals. Two requests that
    wrongly shared a key would show one's rows for the other."""
    for n in range(60):
        Organisation.objects.create(
            name=f"Фирма-{n:02d}",
            region=world["regions"]["77" if n % 2 else "50"],
            owner=world["manager"] if n % 3 else world["colleague"],
            status=OrganisationStatus.ACTIVE if n % 4 else OrganisationStatus.POTENTIAL,
            is_archived=n % 10 == 0,
        )
    world["mine"].phone = "+74951234567"
    world["mine"].save()
    Organisation.objects.create(
        name="Телефонная", region=world["regions"]["78"], phone="+79167654321"
    )
    for org, last, first, where in (
        ("mine", "Петров", "Иван", {"phone": "+79167654321"}),
        ("colleagues", "Петрова", "Ивонна", {"mobile": "+79167654321"}),
        ("foreign", "100%_\\", "", {"email": "Someone@Example.org"}),
        ("mine", "Петров", "Пётр", {"email": "someone@example.org"}),
    ):
        Contact.objects.create(organisation=world[org], last_name=last, first_name=first, **where)
    users = ("manager", "regional", "head", "stranger")
    cases = [(user, url, params) for user in users for url, ps in VARIANTS.items() for params in ps]
    fresh = {}
    for classes in (OrganisationListView, ContactListView, OutletListView):
        monkeypatch.setattr(classes, "remember_statement", False)
    for user, url, params in cases:
        client.force_login(world[user])
        fresh[(user, url, repr(params))] = _shown(client.get(url, params))
    assert not statements._STORE
    monkeypatch.undo()
    contacts = reverse("clients:contact_list")
    found = {
        text: fresh[("head", contacts, repr({"q": text}))][0]
        for text in ("+7 (916) 765-43-21", "Петров Ив")
    }
    assert "Ивонна" in found["+7 (916) 765-43-21"]  # the searches find something to compare
    assert "Иван" in found["Петров Ив"]
    assert "Альфа-Мой" in fresh[("head", ORGS, repr({"q": "8 (495) 123-45-67"}))][0]
    outlets = reverse("outlets:outlet_list")
    assert "Точка-mine" in fresh[("head", outlets, repr({"q": "точка-m"}))][0]
    assert "Точка-foreign" not in fresh[("head", outlets, repr({"q": "точка-m"}))][0]

    random.Random(7).shuffle(cases)
    for _round in range(2):  # kept on the first, read from the store on the second
        for user, url, params in cases:
            client.force_login(world[user])
            shown = _shown(client.get(url, params))
            assert shown == fresh[(user, url, repr(params))], (user, url, params)
    kept = len(statements._STORE)
    searches = sum(1 for _user, _url, params in cases if "q" in params)
    assert len(cases) - searches < kept < len(cases)  # searches share statements per shape


def _shown(response) -> tuple:
    """The table a list page shows, with its count and the problems it reports."""
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="list-results"')
    table = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html[start:])
    context = response.context
    return table, context["total"], context["more"], context["estimate"], context["problems"]


def test_a_new_or_changed_record_shows_at_once(client, world):
    client.force_login(world["manager"])
    first = client.get(ORGS).content.decode()
    assert "Альфа-Мой" in first
    assert statements._STORE  # the page's statement is kept
    Organisation.objects.create(name="Свежая-Запись", region=world["regions"]["77"])
    world["mine"].name = "Альфа-Переименованная"
    world["mine"].save()
    again = client.get(ORGS).content.decode()
    assert "Свежая-Запись" in again
    assert "Альфа-Переименованная" in again
    assert "Альфа-Мой" not in again


def test_an_exact_count_past_a_page_is_counted_again(client, world):
    """A full first page with fewer rows than the count cap: the count runs on every view,
    with the remembered rows statement."""
    Organisation.objects.bulk_create(
        Organisation(name=f"Счёт-{n:02d}", region=world["regions"]["77"]) for n in range(60)
    )
    client.force_login(world["regional"])
    total = client.get(ORGS).context["total"]
    assert total > 50
    Organisation.objects.create(name="Счёт-ещё", region=world["regions"]["50"])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(ORGS).context["total"] == total + 1
    assert any("COUNT(*)" in query["sql"] for query in captured.captured_queries)


def test_a_changed_scope_is_a_new_statement(client, world):
    """The manager's organisation goes to a colleague in St Petersburg: out of the manager's
    list at the next view, though the query string is the same."""
    client.force_login(world["manager"])
    assert "Альфа-Мой" in client.get(ORGS).content.decode()
    mine = world["mine"]
    mine.owner, mine.region = world["stranger"], world["regions"]["78"]
    mine.save()
    assert "Альфа-Мой" not in client.get(ORGS).content.decode()
    world["units"]["office"].regions.add(world["regions"]["78"])  # the office now covers SPb
    assert "Альфа-Мой" in client.get(ORGS).content.decode()


def test_a_new_field_policy_hides_the_column_at_the_next_view(client, world):
    world["mine"].inn = "7707083893"
    world["mine"].save()
    client.force_login(world["manager"])
    assert "7707083893" in client.get(ORGS, {"columns": ["name", "inn"]}).content.decode()
    FieldPolicy.objects.create(
        position=world["sales_position"],
        model="clients.organisation",
        field="inn",
        access=FieldAccess.HIDDEN,
    )
    hidden = client.get(ORGS, {"columns": ["name", "inn"]}).content.decode()
    assert "Альфа-Мой" in hidden
    assert "7707083893" not in hidden


def test_a_search_is_kept_per_shape_not_per_text(client, world):
    client.force_login(world["manager"])
    contacts = reverse("clients:contact_list")
    first = client.get(contacts, {"q": "Контактов"}).content.decode()
    assert "Контактов-mine" in first
    assert len(statements._STORE) == 1
    other = client.get(contacts, {"q": "Нетаких"}).content.decode()
    assert "Контактов-mine" not in other
    assert len(statements._STORE) == 1  # the same shape: one word of a name
    client.get(contacts, {"q": "Контактов Ив"})
    assert len(statements._STORE) == 2  # two words: another statement
    found = client.get(ORGS, {"q": "Альфа"})
    assert "Альфа-Мой" in found.content.decode()
    assert len(statements._STORE) == 3
    again = client.get(ORGS, {"q": "бета"})  # the same shape, another text
    assert "Альфа-Мой" not in again.content.decode()
    assert "Бета-Коллеги" in again.content.decode()
    assert len(statements._STORE) == 3


def test_a_value_the_database_does_not_get_as_typed_is_not_kept():
    """A lookup that escapes or wraps the value (``icontains``) or writes it into the SQL:
    the marker does not reach the parameters as it was given, so there is no slot to bind."""
    marker = statements.markers(1)[0]
    plain = FetchStatement("SELECT 1 WHERE a = %s", (marker,), None, "default")
    assert statements.with_slots(plain, 1).slots == ((0, 0),)
    assert statements.with_slots(plain, 1).bound(("x",)).params == ("x",)
    wrapped = FetchStatement("SELECT 1 WHERE a LIKE %s", (f"%{marker}%",), None, "default")
    assert statements.with_slots(wrapped, 1) is None
    inlined = FetchStatement(f"SELECT 1 WHERE a = '{marker}'", (), None, "default")
    assert statements.with_slots(inlined, 1) is None
    missing = FetchStatement("SELECT 1 WHERE a = %s", ("x",), None, "default")
    assert statements.with_slots(missing, 1) is None


def test_the_store_is_bounded(world, monkeypatch):
    monkeypatch.setattr(statements, "LIMIT", 3)
    for n in range(5):
        statements.keep(("key", n), statements.PageStatement(None))
    assert list(statements._STORE) == [("key", 2), ("key", 3), ("key", 4)]
    assert statements.recall(("key", 2)) is not None  # now the most recently used
    statements.keep(("key", 5), statements.PageStatement(None))
    assert list(statements._STORE) == [("key", 4), ("key", 2), ("key", 5)]


def test_a_filter_no_longer_understood_is_ignored_at_once(client, world):
    """A region leaves the dictionary: its filter, remembered as understood, is now reported
    and ignored, as on a fresh page."""
    from crm.core import memo

    client.force_login(world["head"])
    spb = world["regions"]["78"]
    filtered = client.get(ORGS, {"region": spb.pk})
    assert "Зюйд-Питер-Чужой" in filtered.content.decode()
    assert "Альфа-Мой" not in filtered.content.decode()
    spb.is_active = False
    spb.save()
    memo.forget_all()
    ignored = client.get(ORGS, {"region": spb.pk})
    assert ignored.context["problems"]
    assert "Альфа-Мой" in ignored.content.decode()


def test_saved_columns_are_part_of_the_statement(client, world):
    """Columns chosen as the default (not in the address) change what the page joins: with
    the region column back, the region is read in the page's statement, not row by row."""
    Organisation.objects.bulk_create(
        Organisation(name=f"Колонки-{n:02d}", region=world["regions"]["77"]) for n in range(20)
    )
    client.force_login(world["regional"])

    def choose(columns):
        client.post(ORGS, {"action": "columns", "columns": columns, "query": ""})

    choose(["name"])
    client.get(ORGS)
    choose(["name", "region"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(ORGS)
    assert "Москва" in page.content.decode()
    assert len(captured) <= 8, [query["sql"] for query in captured.captured_queries]


def test_a_search_whose_values_do_not_reach_the_statement_as_given_is_never_kept(
    client, world, monkeypatch
):
    """A search plan whose ``apply`` hands its value to a lookup which escapes and wraps it
    breaks the contract: no slot is found, and each text is compiled on its own, never
    served another text's statement."""
    from django.db.models import Q

    def wrapped(queryset, shape, values):
        return queryset.filter(Q(last_name__istartswith=values[0].rstrip("%")))

    def plan(self, text):
        return statements.SearchPlan(("name", 1), (text + "%",), wrapped)

    monkeypatch.setattr(ContactListView, "search_plan", plan)
    client.force_login(world["head"])
    contacts = reverse("clients:contact_list")
    first = client.get(contacts, {"q": "Контактов-m"}).content.decode()
    assert "Контактов-mine" in first
    assert "Контактов-foreign" not in first
    other = client.get(contacts, {"q": "Контактов-f"}).content.decode()
    assert "Контактов-foreign" in other
    assert "Контактов-mine" not in other
    assert not statements._STORE
