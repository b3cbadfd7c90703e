"""The staff pages at /stock/: the list of balances in the user's scope (generic list: filters,
sort, export through the export permission and quota) and one organisation's stock."""

import pytest
from django.urls import reverse

from crm.core.models import ExportLog
from tests.stock.conftest import forget_permissions

pytestmark = pytest.mark.django_db

LIST = "/stock/"


def listed(response) -> set[int]:
    return {row["pk"] for row in response.context["rows"]}


def test_the_list_shows_the_balances_of_the_users_territory(stock_world, logged_in):
    w = stock_world
    response = logged_in(w["manager"]).get(LIST)
    assert response.status_code == 200
    assert listed(response) == {w["alpha_oil"].pk, w["alpha_fluid"].pk, w["sub_oil"].pk}
    assert listed(logged_in(w["stranger"]).get(LIST)) == {w["zulu_oil"].pk}
    assert len(listed(logged_in(w["head"]).get(LIST))) == 4


def test_the_list_filters_and_sorts(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["head"])
    assert listed(client.get(LIST, {"dealer": w["alpha"].pk})) == {
        w["alpha_oil"].pk,
        w["alpha_fluid"].pk,
        w["sub_oil"].pk,
    }
    assert listed(client.get(LIST, {"organisation": w["alpha_sub"].pk})) == {w["sub_oil"].pk}
    assert listed(client.get(LIST, {"group": w["fluids"].pk})) == {w["alpha_fluid"].pk}
    rows = client.get(LIST, {"sort": "-quantity"}).context["rows"]
    assert rows[0]["pk"] == w["zulu_oil"].pk


def test_the_export_holds_only_the_users_rows_and_is_logged(stock_world, logged_in):
    w = stock_world
    response = logged_in(w["manager"]).get(LIST, {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    assert w["synthetic_oil"].sku in content
    assert w["antifreeze"].sku in content
    assert "Зулу-склад" not in content
    log = ExportLog.objects.get(user=w["manager"])
    assert (log.model, log.rows) == ("stock.stockbalance", 3)


def test_the_export_needs_its_permission(stock_world, logged_in):
    w = stock_world
    w["manager"].user_permissions.clear()
    forget_permissions(w["manager"])
    assert logged_in(w["manager"]).get(LIST, {"export": "xlsx"}).status_code == 403


def test_the_export_honours_the_quota(stock_world, logged_in, settings):
    w = stock_world
    settings.EXPORT_DAILY_ROWS = 2
    response = logged_in(w["manager"]).get(LIST, {"export": "csv"})
    assert response.status_code == 302
    assert ExportLog.objects.get(user=w["manager"]).status == "refused"


def test_a_dealer_reaching_the_staff_list_sees_only_its_network(stock_world, logged_in):
    """The staff menu is not shown to dealers; the rule holds even if they type the URL."""
    w = stock_world
    response = logged_in(w["dealer"]).get(LIST)
    assert listed(response) == {w["alpha_oil"].pk, w["alpha_fluid"].pk, w["sub_oil"].pk}
    assert logged_in(w["dealer"]).get(LIST, {"export": "csv"}).status_code == 403


def test_the_organisation_page_is_reached_from_the_list(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["manager"])
    url = reverse("stock:organisation_stock", args=[w["alpha"].pk])
    rows = client.get(LIST).context["rows"]
    assert any(row["url"] == url for row in rows)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["totals"]["quantity"] == 15
    assert {b.pk for b in response.context["balances"]} == {
        w["alpha_oil"].pk,
        w["alpha_fluid"].pk,
    }
    assert len(response.context["history"]) == 2  # the two balances as created


def test_an_out_of_scope_organisation_does_not_exist(stock_world, logged_in):
    w = stock_world
    url = reverse("stock:organisation_stock", args=[w["alpha"].pk])
    assert logged_in(w["stranger"]).get(url).status_code == 404


def test_anonymous_visitors_go_to_the_login_page(stock_world, client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]
