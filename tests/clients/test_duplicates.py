"""Duplicates: found by INN and KPP, phone, e-mail and a similar name; warned about on the
create and edit forms, listed for a record; out-of-scope rows never shown."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from crm.clients import duplicates
from crm.clients.models import Contact, Organisation
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, the source language."""
    with translation.override("en"):
        yield


def in_ru(text: str) -> str:
    """A message as the Russian page shows it."""
    with translation.override("ru"):
        return translation.gettext(text)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def romashka(world):
    return Organisation.objects.create(
        name="ООО «Ромашка»",
        region=world["regions"]["77"],
        owner=world["manager"],
        inn="7707083893",
        kpp="770701001",
        phone="+74951234567",
        email="info@romashka.example",
    )


def reasons_for(user, target, **typed):
    found = {c.obj.pk: c.reasons for c in duplicates.organisation_duplicates(user, **typed)}
    return found.get(target.pk, [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ООО «Ромашка»", "РОМАШКА"),
        ("Ромашка, ООО", "РОМАШКА"),
        ('Общество с ограниченной ответственностью "Ёлка-Трейд"', "ЕЛКА ТРЕЙД"),
        ("ООО ТД „Альфа“", "АЛЬФА"),
        ("ПАО 'Север'", "СЕВЕР"),
        ("Акционерное общество «Смазкатранс»", "СМАЗКАТРАНС"),
        ("ИП Морозова И. В.", "МОРОЗОВА И В"),
        ("МАО Маяк", "МАО МАЯК"),
        ("ООО ООО Ромашка", "РОМАШКА"),  # forms side by side all go
        ("Публичное акционерное общество «Газ-Ойл»", "ГАЗ ОЙЛ"),  # not "ПУБЛИЧНОЕ ГАЗ ОЙЛ"
        ("ФГУП «Почта»", "ПОЧТА"),
        ("Торговый дом ВООО", "ВООО"),  # a form inside a word stays
        ("Ромашка-2 LLC.", "РОМАШКА 2"),
        ("ООО", ""),
        ("", ""),
    ],
)
def test_names_are_compared_without_legal_forms_quotes_and_punctuation(db, raw, expected):
    assert duplicates.normalise_name(raw) == expected


def test_each_reason_is_named(world, romashka):
    manager = world["manager"]
    assert reasons_for(manager, romashka, inn="7707083893", kpp="770701001") == ["same INN and KPP"]
    assert reasons_for(manager, romashka, inn="7707083893", kpp="770702001") == []
    assert reasons_for(manager, romashka, phone="8 (495) 123-45-67") == ["same phone"]
    assert reasons_for(manager, romashka, email="INFO@Romashka.example") == ["same e-mail"]
    assert reasons_for(manager, romashka, name="Ромашка, ООО") == ["similar name (100%)"]


def test_a_contacts_phone_and_e_mail_point_to_their_organisation(world, romashka):
    Contact.objects.create(
        organisation=romashka, last_name="Иванова", mobile="+79161234567", email="m@x.example"
    )
    manager = world["manager"]
    assert reasons_for(manager, romashka, phone="+7 916 123-45-67") == ["same phone as a contact"]
    assert reasons_for(manager, romashka, email="M@X.example") == ["same e-mail as a contact"]


def test_a_different_company_with_a_similar_name_below_the_threshold_is_not_flagged(
    world, romashka
):
    manager = world["manager"]
    other = "ООО «Ромашка-Лесстройинвест»"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT similarity(clients_norm_name(%s), clients_norm_name(%s))",
            [other, romashka.name],
        )
        assert cursor.fetchone()[0] < duplicates.NAME_SIMILARITY
    assert reasons_for(manager, romashka, name=other) == []
    assert reasons_for(manager, romashka, name="Гелиос") == []


def test_out_of_scope_duplicates_are_not_shown(world):
    foreign = world["foreign"]  # St Petersburg, INN 7736050003
    found = duplicates.organisation_duplicates(world["manager"], inn=foreign.inn, name=foreign.name)
    assert found == []
    found = duplicates.organisation_duplicates(world["head"], inn=foreign.inn)
    assert [c.obj for c in found] == [foreign]


def test_the_name_search_uses_the_trigram_index(world, romashka):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        duplicates.organisation_duplicates(world["manager"], name="Ромашка")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'clients_norm_name("clients_organisation"."name") %' in sql
    assert "similarity_threshold" in sql


def organisation_form(**changes):
    data = {
        "name": "Ромашка, ООО",
        "kind": "client",
        "status": "potential",
        "counterparty_type": "legal",
        "inn": "",
        "kpp": "",
        "phone": "",
        "email": "",
    }
    return {**data, **changes}


def test_creating_a_likely_duplicate_warns_keeps_the_entries_and_saves_when_confirmed(
    client, world, romashka
):
    client.force_login(world["manager"])
    url = reverse("clients:organisation_create")
    data = organisation_form(
        region=world["regions"]["77"].pk, notes="Позвонить в понедельник", phone="8 495 123 45 67"
    )
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="duplicates-warning"' in page
    assert romashka.get_absolute_url() in page
    assert in_ru("same phone") in page
    assert in_ru("similar name (%(percent)s%%)") % {"percent": 100} in page
    assert "Позвонить в понедельник" in page  # nothing typed is lost
    assert 'name="save_anyway"' in page
    assert Organisation.objects.count() == 5

    response = client.post(url, {**data, "save_anyway": "1"})
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Ромашка, ООО").exists()


def test_a_new_organisation_unlike_any_other_is_saved_at_once(client, world, romashka):
    client.force_login(world["manager"])
    response = client.post(
        reverse("clients:organisation_create"), organisation_form(name="Гелиос-Агро")
    )
    assert response.status_code == 302


def test_editing_warns_only_when_the_name_or_requisites_change(client, world, romashka):
    mine = world["mine"]
    client.force_login(world["manager"])
    url = reverse("clients:organisation_edit", args=[mine.pk])
    base = organisation_form(name=mine.name, inn=mine.inn, version=mine.version)
    base["region"] = mine.region_id
    base["owner"] = mine.owner_id
    assert client.post(url, {**base, "notes": "ok"}).status_code == 302
    mine.refresh_from_db()
    renamed = {**base, "name": "Ромашка", "version": mine.version}
    response = client.post(url, renamed)
    assert response.status_code == 200
    assert 'data-testid="duplicates-warning"' in response.content.decode()
    merge_link = reverse("clients:organisation_merge") + f"?keep={romashka.pk}&amp;drop={mine.pk}"
    assert merge_link in response.content.decode()
    mine.refresh_from_db()
    assert mine.name == "Альфа-Мой"
    assert client.post(url, {**renamed, "save_anyway": "1"}).status_code == 302


def test_a_contact_with_a_known_e_mail_is_warned_about(client, world):
    mine = world["mine"]
    known = Contact.objects.create(organisation=mine, last_name="Петров", email="p@alfa.example")
    client.force_login(world["manager"])
    data = {"organisation": mine.pk, "last_name": "Петров-Водкин", "email": "P@alfa.example"}
    response = client.post(reverse("clients:contact_create"), data)
    assert response.status_code == 200
    assert known.get_absolute_url() in response.content.decode()
    assert Contact.objects.filter(organisation=mine).count() == 2  # the known one + world's
    response = client.post(reverse("clients:contact_create"), {**data, "save_anyway": "1"})
    assert response.status_code == 302


def test_the_card_fragment_lists_duplicates_with_a_merge_link(client, world, romashka):
    twin = Organisation.objects.create(
        name="Ромашка, ООО", region=world["regions"]["77"], owner=world["manager"]
    )
    client.force_login(world["manager"])
    url = reverse("clients:organisation_duplicates", args=[romashka.pk])
    page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="duplicates-card"' in page
    assert twin.get_absolute_url() in page
    assert f"?keep={romashka.pk}&amp;drop={twin.pk}" in page
    assert client.get(url).status_code == 200  # the same as a page of its own
    foreign = reverse("clients:organisation_duplicates", args=[world["foreign"].pk])
    assert client.get(foreign).status_code == 404


def test_the_card_shows_no_duplicates_panel_when_there_are_none(client, world, romashka):
    client.force_login(world["manager"])
    url = reverse("clients:organisation_duplicates", args=[romashka.pk])
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.content == b""  # the card's hx-get element is swapped for nothing
    page = client.get(url, headers={"Accept-Language": "ru"}).content.decode()
    assert "Вероятных дублей не найдено." in page  # the page of its own still says so


def test_the_list_finds_an_organisation_by_its_own_or_a_contacts_phone_in_fields_one_sees(
    client, world, romashka
):
    """The phone search of the organisation list: its own phone or a contact's phone or mobile,
    typed in any format; a contact's phone hidden from the role finds nothing through it, and
    an organisation out of scope is not found by a phone either."""
    from crm.accounts.models import FieldAccess, FieldPolicy

    other = Organisation.objects.create(
        name="ООО «Гелиос»", region=world["regions"]["77"], owner=world["manager"]
    )
    Contact.objects.create(organisation=other, last_name="Петров", mobile="+79161234567")
    Contact.objects.create(organisation=world["foreign"], last_name="Сидоров", phone="+74951234567")
    manager = world["manager"]
    client.force_login(manager)
    url = reverse("clients:organisation_list")

    def found(text):
        response = client.get(url, {"q": text})
        assert response.status_code == 200
        return {row["pk"] for row in response.context["rows"]}

    assert found("8 (495) 123-45-67") == {romashka.pk}
    assert found("+7 916 123 45 67") == {other.pk}
    FieldPolicy.objects.create(
        role=manager.groups.get(),
        model="clients.contact",
        field="mobile",
        access=FieldAccess.HIDDEN,
    )
    assert found("+7 916 123 45 67") == set()
    assert found("84951234567") == {romashka.pk}
