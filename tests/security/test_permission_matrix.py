"""The permission matrix: model permissions decide whether, row rules decide which rows.

Every model of our apps has a row rule (or is on a short, explained allowlist). For each model
with generic views, each action is checked for an anonymous visitor (login), a user without the
model permission (403) and a user in scope (200); out-of-scope rows do not exist for a sales
manager anywhere (pages, counts, exports, search, API), and an edit that would move a row out of
the editor's scope is rolled back. Modelled on NetBox's utilities/testing/views.py mixins.
"""

import csv
import io
from dataclasses import dataclass

import pghistory.models
import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from guardian.shortcuts import assign_perm

from crm.clients.models import Contact, Organisation, OrganisationGrant
from crm.core import access, records
from crm.outlets.models import Outlet
from tests.security.conftest import CONTACT_API, ORG_API, OUTLET_API

API_URLS = {Organisation: ORG_API, Contact: CONTACT_API, Outlet: OUTLET_API}

pytestmark = pytest.mark.django_db

OUR_APPS = tuple(
    config.label
    for config in apps.get_app_configs()
    if config.name.startswith(("crm.", "integrations.")) or config.name == "dealers"
)

# Models with no row rule on purpose: nobody but administrators reads them, and only through
# Django admin or internal code.
ALLOWLIST = {
    "core.OutboxMessage": "internal queue of side effects, read only by the relay",
    "core.WorkerHeartbeat": "internal liveness record of the Celery workers",
    "core.ApiKey": "administrators only, through Django admin",
    "core.ExportQuotaUsage": "internal counter of crm.core.exporting.quota_reserve",
    "accounts.FieldPolicy": "administrators only, through Django admin",
    "accounts.OrgUnit": "administrators only, through Django admin (the org structure)",
    "accounts.Position": "administrators only, through Django admin",
    "accounts.User": "administrators only, through Django admin; scopes come from scopes.py",
    "clients.OrganisationGrant": "the grants themselves (guardian table), ORed into the rule",
    "onec.SyncRun": "administrators only, through Django admin (the 1C sync runs)",
    "onec.SyncedVersion": "internal: the DataVersion of each 1C row last loaded",
    "onec.Mapping": "administrators only, through Django admin (where 1C keeps each record)",
    "geocoding.GeocodeResult": "the geocoder's answer cache, read only by the geocoding task",
    "approvals.ApprovalRule": "administrators only, through Django admin",
    "approvals.ApprovalStep": "administrators only, through Django admin (a rule's approvers)",
    "approvals.SourcePriority": "administrators only, through Django admin",
    "approvals.Delegation": "administrators only, through Django admin (who stands in for whom)",
    "approvals.TransitionLog": "read only with its record, after that record's own check",
}


def our_models():
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            if issubclass(model, pghistory.models.Event):
                continue
            yield model


@pytest.mark.parametrize("model", list(our_models()), ids=lambda m: m._meta.label)
def test_every_model_has_a_row_rule(model):
    if model._meta.label in ALLOWLIST:
        return
    try:
        access.rule_for(model)
    except ImproperlyConfigured:
        pytest.fail(
            f"{model._meta.label} has no row rule. Declare one in crm/{model._meta.app_label}/"
            f"access.py (@access.register({model.__name__})), or, if only administrators read "
            f"it through Django admin, add it to ALLOWLIST in this file with the reason."
        )


def test_the_allowlist_names_only_existing_models_without_rules():
    labels = {model._meta.label for model in our_models()}
    assert set(ALLOWLIST) <= labels
    for label in ALLOWLIST:
        with pytest.raises(ImproperlyConfigured):
            access.rule_for(apps.get_model(label))


# --- the matrix -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    method: str = "get"
    api: bool = False

    def url(self, model, obj):
        name = f"{model._meta.app_label}:{model._meta.model_name}"
        if self.api:
            return API_URLS[model]
        if self.name in ("list", "export"):
            url = reverse(f"{name}_list")
            return url + "?export=csv" if self.name == "export" else url
        if self.name in ("create", "bulk_edit", "reassign"):
            return reverse(f"{name}_{self.name}")
        if self.name == "history":
            return reverse(f"{name}_detail", args=[obj.pk]) + "?tab=history"
        return reverse(f"{name}_{self.name}", args=[obj.pk])


ACTIONS = {
    "list": Action("list"),
    "detail": Action("detail"),
    "edit": Action("edit"),
    "create": Action("create"),
    "delete": Action("delete"),
    "archive": Action("archive", method="post"),
    "export": Action("export"),
    "bulk_edit": Action("bulk_edit"),
    "reassign": Action("reassign"),
    "history": Action("history"),
    "api": Action("api", api=True),
}
MATRIX_MODELS = {
    Organisation: list(ACTIONS),
    Contact: ["list", "detail", "edit", "create", "delete", "export", "history", "api"],
    Outlet: list(ACTIONS),
}
CASES = [
    pytest.param(model, ACTIONS[name], id=f"{model._meta.model_name}-{name}")
    for model, names in MATRIX_MODELS.items()
    for name in names
]


def in_scope_object(world, model):
    if model is Outlet:
        return world["outlets"]["mine"]
    return world["mine"] if model is Organisation else world["contacts"]["mine"]


def out_of_scope_object(world, model):
    if model is Outlet:
        return world["outlets"]["foreign"]
    return world["foreign"] if model is Organisation else world["contacts"]["foreign"]


def call(client, action, url, key=None):
    headers = {"Authorization": f"Api-Key {key}"} if key else {}
    return getattr(client, action.method)(url, headers=headers)


@pytest.mark.parametrize(("model", "action"), CASES)
def test_anonymous_visitors_go_to_login(client, world, model, action):
    response = call(client, action, action.url(model, in_scope_object(world, model)))
    if action.api:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["auditor", "nobody"])
@pytest.mark.parametrize(("model", "action"), CASES)
def test_users_without_the_model_permission_are_refused(
    client, logged_in, api_key_for, world, model, action, who
):
    user = world[who]
    url = action.url(model, in_scope_object(world, model))
    if action.api:
        response = call(client, action, url, key=api_key_for(user))
    else:
        response = call(logged_in(user), action, url)
    assert response.status_code == 403, (action.name, who, response.status_code)


@pytest.mark.parametrize(("model", "action"), CASES)
def test_a_manager_reaches_rows_in_scope(client, logged_in, api_key_for, world, model, action):
    url = action.url(model, in_scope_object(world, model))
    if action.api:
        response = call(client, action, url, key=api_key_for(world["manager"]))
    else:
        response = call(logged_in(world["manager"]), action, url)
    expected = 302 if action.name == "archive" else 200  # archive redirects to the card
    assert response.status_code == expected, (action.name, response.status_code)


# --- out of scope -------------------------------------------------------------------------------

OBJECT_ACTIONS = ("detail", "edit", "delete", "history")


@pytest.mark.parametrize("model", list(MATRIX_MODELS), ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("name", OBJECT_ACTIONS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_out_of_scope_rows_do_not_exist(logged_in, world, model, name, method):
    if method == "post" and name in ("detail", "history"):
        pytest.skip("the card answers GET only")
    client = logged_in(world["manager"])
    url = ACTIONS[name].url(model, out_of_scope_object(world, model))
    response = getattr(client, method)(url, {"name": "Взлом", "last_name": "Взлом"})
    assert response.status_code == 404


def test_archiving_an_out_of_scope_organisation_is_404(logged_in, world):
    client = logged_in(world["manager"])
    foreign = world["foreign"]
    response = client.post(
        reverse("clients:organisation_archive", args=[foreign.pk]), {"archived": "1"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_archived


def _list_url(model):
    return reverse(f"{model._meta.app_label}:{model._meta.model_name}_list")


def _list(client, model, **params):
    return client.get(_list_url(model), params)


def _visible_names(model, world):
    if model is Outlet:
        return [world["outlets"]["mine"].name, world["outlets"]["colleagues"].name]
    if model is Organisation:
        return [world["mine"].name, world["colleagues"].name, world["unplaced"].name]
    return [world["contacts"]["mine"].last_name, world["contacts"]["colleagues"].last_name]


def _foreign_name(model, world):
    if model is Outlet:
        return world["outlets"]["foreign"].name
    return (
        world["foreign"].name if model is Organisation else world["contacts"]["foreign"].last_name
    )


@pytest.mark.parametrize("model", list(MATRIX_MODELS), ids=lambda m: m._meta.model_name)
def test_out_of_scope_rows_are_absent_from_list_and_count(logged_in, world, model):
    response = _list(logged_in(world["manager"]), model)
    html = response.content.decode()
    assert response.status_code == 200
    for name in _visible_names(model, world):
        assert name in html
    assert _foreign_name(model, world) not in html
    assert response.context["total"] == len(_visible_names(model, world))


@pytest.mark.parametrize("model", list(MATRIX_MODELS), ids=lambda m: m._meta.model_name)
def test_out_of_scope_rows_are_absent_from_the_htmx_fragment(logged_in, world, model):
    client = logged_in(world["manager"])
    response = client.get(
        _list_url(model),
        headers={"HX-Request": "true", "HX-Target": "list-results"},
    )
    assert response.status_code == 200
    assert _foreign_name(model, world) not in response.content.decode()


@pytest.mark.parametrize("model", list(MATRIX_MODELS), ids=lambda m: m._meta.model_name)
def test_out_of_scope_rows_are_absent_from_the_csv_export(logged_in, world, model):
    response = _list(logged_in(world["manager"]), model, export="csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = {cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row}
    for name in _visible_names(model, world):
        assert any(name in cell for cell in cells)
    assert not any(_foreign_name(model, world) in cell for cell in cells)


@pytest.mark.parametrize("model", list(MATRIX_MODELS), ids=lambda m: m._meta.model_name)
def test_search_does_not_find_out_of_scope_rows(logged_in, world, model):
    client = logged_in(world["manager"])
    response = _list(client, model, q=_foreign_name(model, world))
    assert response.status_code == 200
    # The search box echoes the text; the row itself (its link) must be absent.
    assert out_of_scope_object(world, model).get_absolute_url() not in response.content.decode()
    assert response.context["total"] == 0
    fragment = client.get(
        _list_url(model),
        {"q": _foreign_name(model, world)},
        headers={"HX-Request": "true", "HX-Target": "list-results"},
    )
    assert out_of_scope_object(world, model).get_absolute_url() not in fragment.content.decode()


def test_search_by_inn_does_not_find_out_of_scope_rows(logged_in, world):
    response = _list(logged_in(world["manager"]), Organisation, q=world["foreign"].inn)
    assert response.context["total"] == 0
    html = response.content.decode()
    assert world["foreign"].name not in html
    assert world["foreign"].get_absolute_url() not in html


@pytest.mark.parametrize("model", list(MATRIX_MODELS), ids=lambda m: m._meta.model_name)
def test_out_of_scope_rows_are_absent_from_the_api(api_get, api_key_for, world, model):
    key = api_key_for(world["manager"])
    base = API_URLS[model]
    listed = api_get(base, key)
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["results"]}
    foreign = out_of_scope_object(world, model)
    assert in_scope_object(world, model).pk in ids
    assert foreign.pk not in ids
    assert api_get(f"{base}{foreign.pk}/", key).status_code == 404


# --- edits that leave the scope -----------------------------------------------------------------


def organisation_form_data(org, **changes):
    data = {
        "name": org.name,
        "legal_name": org.legal_name,
        "kind": org.kind,
        "status": org.status,
        "counterparty_type": org.counterparty_type,
        "inn": org.inn,
        "region": org.region_id or "",
        "org_unit": org.org_unit_id or "",
        "owner": org.owner_id or "",
        "version": org.version,
    }
    data.update(changes)
    return data


def test_an_edit_that_moves_a_row_out_of_scope_is_rolled_back(logged_in, world):
    mine = world["mine"]
    client = logged_in(world["manager"])
    data = organisation_form_data(
        mine, name="Альфа-Увели", region=world["regions"]["78"].pk, owner=world["stranger"].pk
    )
    response = client.post(reverse("clients:organisation_edit", args=[mine.pk]), data)
    assert response.status_code == 200
    with translation.override("ru"):
        message = escape(str(records.LEAVES_SCOPE))
    assert message in response.content.decode()
    before = (mine.name, mine.region_id, mine.owner_id, mine.version)
    mine.refresh_from_db()
    assert (mine.name, mine.region_id, mine.owner_id, mine.version) == before


def test_an_edit_that_stays_in_scope_is_saved(logged_in, world):
    mine = world["mine"]
    client = logged_in(world["manager"])
    data = organisation_form_data(
        mine, region=world["regions"]["50"].pk, owner=world["stranger"].pk
    )
    response = client.post(reverse("clients:organisation_edit", args=[mine.pk]), data)
    assert response.status_code == 302  # still visible through region 50 of the territory
    mine.refresh_from_db()
    assert mine.owner_id == world["stranger"].pk


def test_a_reassignment_that_moves_a_row_out_of_scope_is_rolled_back(logged_in, world):
    unplaced = world["unplaced"]  # visible only because the manager owns it
    client = logged_in(world["manager"])
    response = client.post(
        reverse("clients:organisation_reassign"),
        {"pk": [unplaced.pk], "owner": world["stranger"].pk, "confirm": "1"},
    )
    assert response.status_code == 200
    unplaced.refresh_from_db()
    assert unplaced.owner_id == world["manager"].pk


def test_a_bulk_edit_of_an_out_of_scope_row_changes_nothing(logged_in, world):
    foreign = world["foreign"]
    client = logged_in(world["manager"])
    client.post(
        reverse("clients:organisation_bulk_edit"),
        {"pk": [world["mine"].pk, foreign.pk], "status": "churned", "confirm": "1"},
    )
    foreign.refresh_from_db()
    world["mine"].refresh_from_db()
    assert foreign.status != "churned"
    assert world["mine"].status != "churned"


def test_a_colleagues_organisation_is_visible_but_not_editable(logged_in, world):
    colleagues = world["colleagues"]
    client = logged_in(world["manager"])
    assert client.get(colleagues.get_absolute_url()).status_code == 200
    edit = reverse("clients:organisation_edit", args=[colleagues.pk])
    assert client.get(edit).status_code == 404


def test_a_regional_manager_edits_the_whole_territory(logged_in, world):
    client = logged_in(world["regional"])
    colleagues = world["colleagues"]
    assert client.get(reverse("clients:organisation_edit", args=[colleagues.pk])).status_code == 200
    foreign = world["foreign"]
    assert client.get(reverse("clients:organisation_edit", args=[foreign.pk])).status_code == 404


# --- grants -------------------------------------------------------------------------------------


def test_the_grant_model_is_guardians_direct_model_for_organisations(world):
    assign_perm("clients.view_organisation", world["manager"], world["foreign"])
    assert OrganisationGrant.objects.filter(
        user=world["manager"], content_object=world["foreign"]
    ).exists()


def test_a_lent_organisation_is_visible_but_not_editable(logged_in, world):
    foreign, manager = world["foreign"], world["manager"]
    assign_perm("clients.view_organisation", manager, foreign)
    client = logged_in(manager)
    listed = _list(client, Organisation)
    assert foreign.name in listed.content.decode()
    assert listed.context["total"] == 4
    assert client.get(foreign.get_absolute_url()).status_code == 200
    edit = reverse("clients:organisation_edit", args=[foreign.pk])
    assert client.get(edit).status_code == 404
    response = client.post(edit, organisation_form_data(foreign, name="Чужой-Изменён"))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Зюйд-Питер-Чужой"


def test_a_lent_organisation_with_change_granted_is_editable(logged_in, world):
    foreign, manager = world["foreign"], world["manager"]
    assign_perm("clients.view_organisation", manager, foreign)
    assign_perm("clients.change_organisation", manager, foreign)
    client = logged_in(manager)
    edit = reverse("clients:organisation_edit", args=[foreign.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, organisation_form_data(foreign, name="Зюйд-Питер-Изменён"))
    assert response.status_code == 302
    foreign.refresh_from_db()
    assert foreign.name == "Зюйд-Питер-Изменён"


def test_a_grant_to_someone_else_lends_nothing(logged_in, world):
    assign_perm("clients.view_organisation", world["colleague"], world["foreign"])
    client = logged_in(world["manager"])
    assert client.get(world["foreign"].get_absolute_url()).status_code == 404


# --- company-wide and outside roles -------------------------------------------------------------


def test_head_of_sales_sees_and_edits_everything(logged_in, world):
    client = logged_in(world["head"])
    listed = _list(client, Organisation)
    assert listed.context["total"] == Organisation.objects.count()
    foreign = world["foreign"]
    assert client.get(foreign.get_absolute_url()).status_code == 200
    edit = reverse("clients:organisation_edit", args=[foreign.pk])
    assert client.get(edit).status_code == 200
    assert _list(client, Contact).context["total"] == Contact.objects.count()


def test_an_analyst_sees_everything_but_cannot_edit(logged_in, world):
    client = logged_in(world["analyst"])
    assert _list(client, Organisation).context["total"] == Organisation.objects.count()
    foreign = world["foreign"]
    assert client.get(foreign.get_absolute_url()).status_code == 200
    edit = reverse("clients:organisation_edit", args=[foreign.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, organisation_form_data(foreign, name="X")).status_code == 403
    contact = world["contacts"]["foreign"]
    assert client.get(reverse("clients:contact_edit", args=[contact.pk])).status_code == 403


def test_a_dealer_gets_no_contacts(logged_in, world):
    client = logged_in(world["dealer"])
    assert _list(client, Contact).status_code == 403
    contact = world["contacts"]["mine"]
    assert client.get(reverse("clients:contact_detail", args=[contact.pk])).status_code == 403
    assert _list(client, Contact, export="csv").status_code == 403


def test_a_dealer_sees_no_organisation_of_the_company(logged_in, world):
    response = _list(logged_in(world["dealer"]), Organisation)
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("mine", "colleagues", "foreign"):
        assert world[key].name not in html


# --- pickers: the choices a form offers come through the same rule -----------------------------


def _offered(client, name, **params):
    response = client.get(reverse(f"clients:{name}"), params)
    assert response.status_code == 200
    return {int(row["value"]) for row in response.json()["results"]}


def test_the_organisation_picker_offers_only_what_the_user_may_change(logged_in, world):
    client = logged_in(world["manager"])
    offered = _offered(client, "organisation_choices")
    assert world["mine"].pk in offered
    assert world["colleagues"].pk not in offered  # seen, but not the manager's to change
    assert world["foreign"].pk not in offered
    assert _offered(client, "organisation_choices", q=world["foreign"].name) == set()
    assert _offered(client, "organisation_choices", q=world["foreign"].inn) == set()
    assert _offered(client, "organisation_choices", q=world["mine"].inn) == {world["mine"].pk}


def test_the_dealer_picker_offers_only_dealers_in_scope(logged_in, world):
    for org in (world["mine"], world["colleagues"], world["foreign"]):
        Organisation.objects.filter(pk=org.pk).update(kind="dealer")
    Organisation.objects.filter(pk=world["unplaced"].pk).update(kind="sub_dealer")
    client = logged_in(world["manager"])
    every = _offered(client, "dealer_choices")
    assert every == {world["mine"].pk, world["colleagues"].pk, world["unplaced"].pk}
    assert world["unplaced"].pk not in _offered(client, "dealer_choices", kind="dealer")
    assert _offered(client, "dealer_choices", kind="nonsense") == every
    assert _offered(client, "dealer_choices", q=world["foreign"].name) == set()


def test_a_picker_refuses_users_without_the_view_permission(logged_in, world):
    client = logged_in(world["nobody"])
    for name in ("organisation_choices", "dealer_choices"):
        assert client.get(reverse(f"clients:{name}")).status_code == 403


def test_a_form_refuses_an_organisation_the_picker_would_not_offer(logged_in, world):
    """The picker decides only what is offered: a posted foreign id is refused by the form."""
    client = logged_in(world["manager"])
    response = client.post(
        reverse("clients:contact_create"),
        {"organisation": world["foreign"].pk, "last_name": "Подложный"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"]
    assert not Contact.objects.filter(last_name="Подложный").exists()
