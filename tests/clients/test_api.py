"""The clients REST API applies the same policy as the pages: row scope, field policies,
optimistic locking, and the API key's scopes."""

import pytest
from django.contrib.auth.models import Group, Permission

from crm.accounts.models import FieldPolicy
from crm.clients.models import Contact, Interaction, Organisation
from crm.core.api.services import api_key_create
from crm.core.records import record_update
from tests.factories import OrgUnitFactory, PositionFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/clients/organisations/"
CONTACTS = "/api/v1/clients/contacts/"
INTERACTIONS = "/api/v1/clients/interactions/"
READ_WRITE = ("clients:read", "clients:write")


@pytest.fixture
def world(db):
    """A sales manager in the Moscow office (regions: Moscow) with a subordinate, a colleague
    in the same office, and a stranger in Tver; one organisation of each."""
    group = Group.objects.get(name="sales_manager")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="clients",
            content_type__model__in=["organisation", "contact", "interaction"],
        )
    )
    moscow = RegionFactory(name="Москва", code="77")
    tver = RegionFactory(name="Тверская область", code="69", district=moscow.district)
    office = OrgUnitFactory(name="Московский офис")
    office.regions.add(moscow)
    tver_office = OrgUnitFactory(name="Тверской офис")
    tver_office.regions.add(tver)
    manager = UserFactory(
        username="api-manager", role="sales_manager", position=PositionFactory(org_unit=office)
    )
    junior = UserFactory(username="junior", role="sales_manager", manager=manager)
    colleague = UserFactory(
        username="colleague", role="sales_manager", position=PositionFactory(org_unit=office)
    )
    stranger = UserFactory(
        username="stranger", role="sales_manager", position=PositionFactory(org_unit=tver_office)
    )
    mine = Organisation.objects.create(
        name="Альфа", region=moscow, owner=manager, inn="7707083893", phone="+74951234567"
    )
    juniors = Organisation.objects.create(name="Бета", region=moscow, owner=junior)
    colleagues = Organisation.objects.create(name="Гамма", region=moscow, owner=colleague)
    foreign = Organisation.objects.create(
        name="Дельта", region=tver, owner=stranger, inn="7736050003"
    )
    return {
        "moscow": moscow,
        "tver": tver,
        "manager": manager,
        "junior": junior,
        "colleague": colleague,
        "stranger": stranger,
        "mine": mine,
        "juniors": juniors,
        "colleagues": colleagues,
        "foreign": foreign,
    }


@pytest.fixture
def key_for(world):
    def make(scopes=READ_WRITE, user=None):
        user = user or world["manager"]
        return api_key_create(None, name="ERP", user=user, scopes=list(scopes))[1]

    return make


@pytest.fixture
def api(client, key_for):
    """api(method, url, data=None, key=<read-write key of the manager>, **params)."""
    default = key_for()

    def call(method, url, data=None, key=default, **params):
        headers = {"Authorization": f"Api-Key {key}"} if key else {}
        if method == "get":
            return client.get(url, params, headers=headers)
        if method == "delete":
            return client.delete(url, headers=headers)
        return getattr(client, method)(
            url, data or {}, content_type="application/json", headers=headers
        )

    return call


def policy(field, level, model="clients.organisation"):
    FieldPolicy.objects.create(
        role=Group.objects.get(name="sales_manager"), model=model, field=field, access=level
    )


def names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


# --- rows ---------------------------------------------------------------------------------------


def test_list_shows_only_organisations_in_scope(api, world):
    assert names(api("get", ORGS)) == {"Альфа", "Бета", "Гамма"}


def test_out_of_scope_organisation_does_not_exist(api, world):
    url = f"{ORGS}{world['foreign'].pk}/"
    assert api("get", url).status_code == 404
    assert api("patch", url, {"name": "X", "version": 1}).status_code == 404
    assert api("delete", url).status_code == 404
    world["foreign"].refresh_from_db()
    assert world["foreign"].name == "Дельта"


def test_a_colleagues_organisation_is_visible_but_not_changeable(api, world):
    url = f"{ORGS}{world['colleagues'].pk}/"
    assert api("get", url).status_code == 200
    assert api("patch", url, {"name": "X", "version": 1}).status_code == 404
    assert api("delete", url).status_code == 404


def test_retrieve_patch_and_delete_in_scope(api, world):
    url = f"{ORGS}{world['mine'].pk}/"
    body = api("get", url).json()
    assert body["name"] == "Альфа"
    assert body["version"] == 1
    assert body["region"] == world["moscow"].pk
    assert body["owner"] == world["manager"].pk
    response = api("patch", url, {"name": "Альфа-Групп", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    world["mine"].refresh_from_db()
    assert (world["mine"].name, world["mine"].version) == ("Альфа-Групп", 2)
    assert api("delete", f"{ORGS}{world['juniors'].pk}/").status_code == 204
    assert not Organisation.objects.filter(pk=world["juniors"].pk).exists()


def test_put_is_not_offered(api, world):
    assert api("put", f"{ORGS}{world['mine'].pk}/", {"name": "X"}).status_code == 405


def test_create_organisation_in_scope(api, world):
    response = api(
        "post", ORGS, {"name": "Новая", "region": world["moscow"].pk, "owner": world["manager"].pk}
    )
    assert response.status_code == 201, response.content
    created = Organisation.objects.get(pk=response.json()["id"])
    assert (created.name, created.owner, created.version) == ("Новая", world["manager"], 1)


def test_create_outside_the_scope_is_refused_and_rolled_back(api, world):
    response = api(
        "post", ORGS, {"name": "Чужая", "region": world["tver"].pk, "owner": world["stranger"].pk}
    )
    assert response.status_code == 403
    assert "вышла бы из круга доступных вам записей" in response.json()["detail"]
    assert not Organisation.objects.filter(name="Чужая").exists()


def test_patch_moving_the_row_out_of_scope_is_refused_and_rolled_back(api, world):
    mine = world["mine"]
    response = api(
        "patch",
        f"{ORGS}{mine.pk}/",
        {"owner": world["stranger"].pk, "region": world["tver"].pk, "version": 1},
    )
    assert response.status_code == 403
    assert "вышла бы из круга доступных вам записей" in response.json()["detail"]
    mine.refresh_from_db()
    assert (mine.owner, mine.region, mine.version) == (world["manager"], world["moscow"], 1)


# --- optimistic locking -----------------------------------------------------------------------


def test_patch_without_version_is_a_clear_400(api, world):
    response = api("patch", f"{ORGS}{world['mine'].pk}/", {"name": "X"})
    assert response.status_code == 400
    assert "version" in response.json()
    world["mine"].refresh_from_db()
    assert world["mine"].name == "Альфа"


def test_patch_with_a_stale_version_is_409_and_changes_nothing(api, world):
    mine = world["mine"]
    record_update(world["manager"], mine, data={"name": "Альфа-2"}, expected_version=1)
    response = api("patch", f"{ORGS}{mine.pk}/", {"name": "Альфа-3", "version": 1})
    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert body["version"] == 2
    assert {"field": "name", "value": "Альфа-2", "display": "Альфа-2"} in body["changes"]
    mine.refresh_from_db()
    assert (mine.name, mine.version) == ("Альфа-2", 2)


def test_stale_changes_leave_out_hidden_fields(api, world):
    mine = world["mine"]
    record_update(world["manager"], mine, data={"inn": "7736050003"}, expected_version=1)
    policy("inn", 0)
    response = api("patch", f"{ORGS}{mine.pk}/", {"name": "X", "version": 1})
    assert response.status_code == 409
    assert all(change["field"] != "inn" for change in response.json()["changes"])


# --- field policies ---------------------------------------------------------------------------


def test_a_hidden_field_is_absent_and_ignored_on_write(api, world):
    policy("inn", 0)
    mine = world["mine"]
    rows = api("get", ORGS).json()["results"]
    assert rows
    assert all("inn" not in row for row in rows)
    body = api("get", f"{ORGS}{mine.pk}/").json()
    assert "inn" not in body
    assert "name" in body
    assert {"id", "version", "created_at", "updated_at"} <= set(body)
    response = api("patch", f"{ORGS}{mine.pk}/", {"inn": "7736050003", "version": 1})
    assert response.status_code == 200
    assert "inn" not in response.json()
    mine.refresh_from_db()
    assert mine.inn == "7707083893"
    created = api(
        "post", ORGS, {"name": "Новая", "owner": world["manager"].pk, "inn": "7736050003"}
    )
    assert created.status_code == 201, created.content
    assert Organisation.objects.get(pk=created.json()["id"]).inn == ""


def test_filtering_ordering_or_searching_by_a_hidden_field_is_refused(api, world):
    assert api("get", ORGS, inn="7707083893").json()["results"][0]["name"] == "Альфа"
    assert api("get", ORGS, search="77070").json()["results"][0]["name"] == "Альфа"
    assert api("get", ORGS, ordering="-inn").status_code == 200
    policy("inn", 0)
    response = api("get", ORGS, inn="7707083893")
    assert response.status_code == 400
    assert "inn" in response.json()
    assert api("get", ORGS, ordering="inn").status_code == 400
    assert api("get", ORGS, ordering="-inn").status_code == 400
    assert api("get", ORGS, search="77070").json()["results"] == []  # not by hidden values


def test_a_read_only_field_sent_in_patch_changes_nothing(api, world):
    policy("status", 1)
    mine = world["mine"]
    response = api(
        "patch", f"{ORGS}{mine.pk}/", {"status": "active", "name": "Альфа-Н", "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "potential"
    mine.refresh_from_db()
    assert (mine.status, mine.name) == ("potential", "Альфа-Н")


# --- filters, search, ordering, pagination ------------------------------------------------------


def test_filters_and_search(api, world):
    assert names(api("get", ORGS, owner=world["junior"].pk)) == {"Бета"}
    assert names(api("get", ORGS, region=world["tver"].pk)) == set()
    assert names(api("get", ORGS, status="potential")) == {"Альфа", "Бета", "Гамма"}
    assert names(api("get", ORGS, kind="dealer")) == set()
    assert names(api("get", ORGS, search="амм")) == {"Гамма"}
    assert names(api("get", ORGS, search="ООО «Гамма»")) == {"Гамма"}  # legal form aside
    assert names(api("get", ORGS, search="+7 (495) 123-45-67")) == {"Альфа"}
    Organisation.objects.filter(pk=world["mine"].pk).update(updated_at="2030-01-01T00:00:00Z")
    assert names(api("get", ORGS, updated_since="2029-12-31T00:00:00+03:00")) == {"Альфа"}
    assert api("get", ORGS, updated_since="yesterday").status_code == 400
    assert api("get", ORGS, owner="me").status_code == 400


def test_ordering_and_cursor_pages(api, world):
    response = api("get", ORGS, ordering="-name", page_size=2)
    body = response.json()
    assert [row["name"] for row in body["results"]] == ["Гамма", "Бета"]
    following = api("get", body["next"].split("testserver")[-1])
    assert [row["name"] for row in following.json()["results"]] == ["Альфа"]
    ids = [row["id"] for row in api("get", ORGS).json()["results"]]
    assert ids == sorted(ids)
    assert api("get", ORGS, ordering="legal_address").status_code == 400


def test_list_query_count_is_bounded_and_independent_of_page_size(
    api, world, django_assert_max_num_queries, django_assert_num_queries
):
    for index in range(30):
        Organisation.objects.create(name=f"Орг {index}", region=world["moscow"])
    api("get", ORGS)  # the key's last-used stamp is written once a minute: settle it first
    with django_assert_max_num_queries(10) as small:
        assert len(api("get", ORGS, page_size=3).json()["results"]) == 3
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(api("get", ORGS, page_size=50).json()["results"]) == 33


# --- keys, scopes, anonymous -------------------------------------------------------------------


def test_a_read_only_key_cannot_write(api, world, key_for):
    key = key_for(scopes=["clients:read"])
    assert api("get", ORGS, key=key).status_code == 200
    assert api("post", ORGS, {"name": "X"}, key=key).status_code == 403
    url = f"{ORGS}{world['mine'].pk}/"
    assert api("patch", url, {"name": "X", "version": 1}, key=key).status_code == 403
    assert api("delete", url, key=key).status_code == 403
    assert not Organisation.objects.filter(name="X").exists()


def test_a_key_without_clients_read_cannot_list(api, key_for):
    assert api("get", ORGS, key=key_for(scopes=["refs:read"])).status_code == 403


def test_missing_model_permission_is_403(api, world, key_for):
    user = UserFactory(username="no-perms")
    assert api("get", ORGS, key=key_for(user=user)).status_code == 403
    assert api("post", ORGS, {"name": "X"}, key=key_for(user=user)).status_code == 403


def test_anonymous_is_refused(api, world):
    assert api("get", ORGS, key=None).status_code in (401, 403)
    assert api("post", ORGS, {"name": "X"}, key=None).status_code in (401, 403)


# --- contacts and interactions ------------------------------------------------------------------


def test_contacts_follow_their_organisation(api, world):
    Contact.objects.create(organisation=world["mine"], last_name="Петров", email="p@alfa.ru")
    Contact.objects.create(organisation=world["foreign"], last_name="Сидоров")
    rows = api("get", CONTACTS).json()["results"]
    assert [row["last_name"] for row in rows] == ["Петров"]
    assert api("get", CONTACTS, organisation=world["foreign"].pk).json()["results"] == []
    assert len(api("get", CONTACTS, search="alfa").json()["results"]) == 1
    assert len(api("get", CONTACTS, email="P@ALFA.RU").json()["results"]) == 1
    refused = api("post", CONTACTS, {"organisation": world["foreign"].pk, "last_name": "Новиков"})
    assert refused.status_code == 400
    assert "organisation" in refused.json()
    created = api("post", CONTACTS, {"organisation": world["mine"].pk, "last_name": "Новиков"})
    assert created.status_code == 201, created.content


def test_a_new_interaction_is_authored_by_the_key_user(api, world):
    response = api(
        "post",
        INTERACTIONS,
        {
            "organisation": world["mine"].pk,
            "kind": "call",
            "subject": "Звонок",
            "author": world["colleague"].pk,
        },
    )
    assert response.status_code == 201, response.content
    interaction = Interaction.objects.get(pk=response.json()["id"])
    assert interaction.author == world["manager"]
    assert response.json()["author"] == world["manager"].pk
    assert api("get", INTERACTIONS, kind="call").json()["results"][0]["subject"] == "Звонок"
    assert api("get", INTERACTIONS, kind="meeting").json()["results"] == []
