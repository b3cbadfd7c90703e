"""Fields hidden from a position by a field policy leak nowhere: list, HTMX fragment, card tabs,
edit form, CSV and XLSX exports, search, sorting, the API, the history tab.

Unique marker values are planted in the hidden fields of one organisation the user may see and
edit; every output for that user must contain none of them.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.clients.models import Organisation
from crm.core import records
from tests.factories import PositionFactory, UserFactory
from tests.security.conftest import ORG_API, add_perms

pytestmark = pytest.mark.django_db

HIDDEN = ("inn", "legal_name", "notes", "email", "actual_address", "phone")
READ_ONLY = "legal_address"
MARKERS = {
    "inn": "3902174650",  # a valid INN found nowhere else
    "legal_name": "LEAKLEGALNAME-Q7X",
    "notes": "LEAKNOTES-Q7X",
    "email": "leak-marker-q7x@example.org",
    "actual_address": "LEAKADDR-Q7X",
    "phone": "+79161234987",
}
# How the phone is shown (tables, cards) and its bare digits.
PHONE_FORMS = ("+7 (916) 123-49-87", "+7 916 123-49-87", "9161234987", "123-49-87")
LATER_NOTES = "LEAKNOTES-LATER-Q7X"
ALL_MARKERS = (*MARKERS.values(), *PHONE_FORMS, LATER_NOTES)


@pytest.fixture
def leaky(world):
    """A trainee position in the Moscow office with six organisation fields hidden and one
    read-only; a trainee who may export; their organisation with markers in hidden fields."""
    position = PositionFactory(name="Стажёр", org_unit=world["units"]["office"])
    for field in HIDDEN:
        FieldPolicy.objects.create(
            position=position, model="clients.organisation", field=field, access=FieldAccess.HIDDEN
        )
    FieldPolicy.objects.create(
        position=position,
        model="clients.organisation",
        field=READ_ONLY,
        access=FieldAccess.READ_ONLY,
    )
    trainee = UserFactory(username="trainee", role="sales_manager", position=position)
    add_perms(trainee, "export_organisation")
    org = Organisation.objects.create(
        name="Открытое-Имя",
        region=world["regions"]["77"],
        owner=trainee,
        legal_address="Москва, Тверская, 1",
        **MARKERS,
    )
    return {"trainee": trainee, "org": org, **world}


def assert_no_marker(text, where):
    found = [marker for marker in ALL_MARKERS if marker.lower() in text.lower()]
    assert not found, f"{where} shows hidden values {found}"


def list_url():
    return reverse("clients:organisation_list")


def test_the_list_shows_no_hidden_field(logged_in, leaky):
    client = logged_in(leaky["trainee"])
    response = client.get(list_url())
    assert leaky["org"].name in response.content.decode()
    assert_no_marker(response.content.decode(), "the list")
    asked = client.get(list_url(), {"columns": [*HIDDEN, "name"]})
    assert leaky["org"].name in asked.content.decode()
    assert_no_marker(asked.content.decode(), "the list with hidden columns asked for")


def test_the_htmx_fragment_shows_no_hidden_field(logged_in, leaky):
    client = logged_in(leaky["trainee"])
    response = client.get(
        list_url(),
        {"columns": [*HIDDEN, "name"]},
        headers={"HX-Request": "true", "HX-Target": "list-results"},
    )
    assert response.status_code == 200
    assert leaky["org"].name in response.content.decode()
    assert_no_marker(response.content.decode(), "the HTMX fragment")


@pytest.mark.parametrize("tab", ["overview", "contacts", "timeline", "bank", "history"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_card_shows_no_hidden_field(logged_in, leaky, tab, htmx):
    client = logged_in(leaky["trainee"])
    headers = {"HX-Request": "true", "HX-Target": "card-tab"} if htmx else {}
    response = client.get(leaky["org"].get_absolute_url(), {"tab": tab}, headers=headers)
    assert response.status_code == 200
    assert_no_marker(response.content.decode(), f"the card's {tab} tab")


def test_the_edit_form_shows_no_hidden_field(logged_in, leaky):
    client = logged_in(leaky["trainee"])
    response = client.get(reverse("clients:organisation_edit", args=[leaky["org"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_marker(html, "the edit form")
    for field in HIDDEN:
        assert f'name="{field}"' not in html


def export(client, file_format):
    response = client.get(list_url(), {"export": file_format, "columns": [*HIDDEN, "name"]})
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_the_csv_export_shows_no_hidden_field(logged_in, leaky):
    content = export(logged_in(leaky["trainee"]), "csv").decode("utf-8-sig")
    assert leaky["org"].name in content
    assert_no_marker(content, "the CSV export")


def test_the_xlsx_export_shows_no_hidden_field(logged_in, leaky):
    book = openpyxl.load_workbook(io.BytesIO(export(logged_in(leaky["trainee"]), "xlsx")))
    cells = [
        str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value
    ]
    assert leaky["org"].name in cells
    assert_no_marker("\n".join(cells), "the XLSX export")


@pytest.mark.parametrize(
    "field", ["inn", "legal_name", "email", "phone", "notes", "actual_address"]
)
def test_search_does_not_match_hidden_fields(logged_in, leaky, field):
    client = logged_in(leaky["trainee"])
    response = client.get(list_url(), {"q": MARKERS[field]})
    assert response.status_code == 200
    # The search box echoes the text typed; the row must not be found by it.
    assert response.context["total"] == 0
    assert leaky["org"].get_absolute_url() not in response.content.decode()


def test_sorting_by_a_hidden_field_is_ignored(logged_in, leaky):
    world = leaky
    # Names in one order, INNs in the other: sorting by INN would swap them.
    Organisation.objects.create(
        name="Аааа-Первый", region=world["regions"]["77"], owner=world["trainee"], inn="7707083894"
    )
    client = logged_in(world["trainee"])
    default = [row["pk"] for row in client.get(list_url()).context["rows"]]
    for sort in ("inn", "-inn"):
        response = client.get(list_url(), {"sort": sort})
        assert [row["pk"] for row in response.context["rows"]] == default, sort
        assert response.context["sort"] in ("", sort)
        assert_no_marker(response.content.decode(), f"the list sorted by {sort}")


def test_filtering_by_a_hidden_field_is_ignored(logged_in, leaky):
    client = logged_in(leaky["trainee"])
    everything = client.get(list_url()).context["total"]
    for field in HIDDEN:
        response = client.get(list_url(), {field: "no-such-value"})
        assert response.context["total"] == everything, field


def test_the_api_shows_no_hidden_field(api_get, api_key_for, leaky):
    key = api_key_for(leaky["trainee"])
    listed = api_get(ORG_API, key)
    assert listed.status_code == 200
    assert_no_marker(listed.content.decode(), "the API list")
    detail = api_get(f"{ORG_API}{leaky['org'].pk}/", key)
    assert detail.status_code == 200
    assert_no_marker(detail.content.decode(), "the API record")
    assert not set(HIDDEN) & set(detail.json())
    for params in ({"search": MARKERS["inn"]}, {"search": MARKERS["legal_name"]}):
        found = api_get(ORG_API, key, **params)
        ids = {row["id"] for row in found.json().get("results", [])}
        assert leaky["org"].pk not in ids
    assert api_get(ORG_API, key, inn=MARKERS["inn"]).status_code == 400
    assert api_get(ORG_API, key, ordering="inn").status_code == 400


def test_history_after_another_users_change_shows_no_hidden_field(logged_in, leaky):
    org = leaky["org"]
    records.record_update(
        leaky["head"],
        org,
        data={"notes": LATER_NOTES, "inn": "7736050003", "name": "Открытое-Имя-2"},
        expected_version=org.version,
    )
    client = logged_in(leaky["trainee"])
    response = client.get(org.get_absolute_url(), {"tab": "history"})
    html = response.content.decode()
    assert "Открытое-Имя-2" in html  # the visible change is there
    assert_no_marker(html, "the history tab")
    assert "7736050003" not in html


def test_the_reassignment_notification_leaks_nothing(
    logged_in, leaky, django_capture_on_commit_callbacks
):
    """The new manager is told which organisations are now theirs: names only."""
    from crm.notifications.models import Notification

    client = logged_in(leaky["head"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("clients:organisation_reassign"),
            {"pk": [leaky["org"].pk], "owner": leaky["trainee"].pk, "confirm": "1"},
        )
    sent = Notification.objects.filter(recipient=leaky["trainee"], event_type="clients.assigned")
    assert sent.count() == 1
    for notification in Notification.objects.all():
        assert_no_marker(str(vars(notification)), "a notification")


def test_a_read_only_field_in_a_post_changes_nothing(logged_in, leaky):
    org = leaky["org"]
    client = logged_in(leaky["trainee"])
    response = client.post(
        reverse("clients:organisation_edit", args=[org.pk]),
        {
            "name": "Открытое-Имя-Новое",
            "kind": org.kind,
            "status": org.status,
            "counterparty_type": org.counterparty_type,
            "region": org.region_id,
            "owner": org.owner_id,
            READ_ONLY: "Подменённый адрес",
            # hidden fields sent anyway are ignored too
            "inn": "7707083893",
            "notes": "перезаписано",
            "version": org.version,
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Открытое-Имя-Новое"
    assert org.legal_address == "Москва, Тверская, 1"
    assert org.inn == MARKERS["inn"]
    assert org.notes == MARKERS["notes"]


def test_the_organisation_picker_shows_and_matches_no_hidden_field(logged_in, leaky):
    """A contact form's organisation picker: the trainee's organisation is offered by its
    name, its hidden INN neither shown beside it nor found by."""
    client = logged_in(leaky["trainee"])
    url = reverse("clients:organisation_choices")
    offered = client.get(url, {"q": "Открытое"})
    assert [row["value"] for row in offered.json()["results"]] == [str(leaky["org"].pk)]
    assert_no_marker(offered.content.decode("unicode_escape"), "the picker")
    assert offered.json()["results"][0]["detail"] == "Москва"  # the region, not the INN
    for field in ("inn", "legal_name", "phone"):
        assert client.get(url, {"q": MARKERS[field]}).json()["results"] == [], field
