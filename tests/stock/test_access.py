"""Who sees and changes which stock: dealers (own and their sub-dealers'), sub-dealers (own),
another dealer (nothing of theirs), staff (their territory), all through the one access policy."""

import pytest
from django.urls import reverse

from crm.core import access
from crm.stock.models import DealerWarehouse, StockBalance
from tests.stock.conftest import entry_url, snapshot

pytestmark = pytest.mark.django_db


def visible(user, model=StockBalance, action="view") -> set[int]:
    return set(access.restrict(model.objects.all(), user, action).values_list("pk", flat=True))


def test_a_dealer_sees_its_own_and_its_sub_dealers_stock(stock_world):
    w = stock_world
    assert visible(w["dealer"]) == {w["alpha_oil"].pk, w["alpha_fluid"].pk, w["sub_oil"].pk}
    assert visible(w["dealer"], DealerWarehouse) == {
        w["alpha_main"].pk,
        w["alpha_kazan"].pk,
        w["sub_store"].pk,
    }


def test_a_sub_dealer_sees_only_its_own_stock(stock_world):
    w = stock_world
    assert visible(w["subdealer"]) == {w["sub_oil"].pk}
    assert visible(w["subdealer"], DealerWarehouse) == {w["sub_store"].pk}


def test_another_dealer_sees_none_of_alphas_stock(stock_world):
    w = stock_world
    assert visible(w["zulu_dealer"]) == {w["zulu_oil"].pk}


def test_each_organisation_changes_only_its_own_stock(stock_world):
    w = stock_world
    assert visible(w["dealer"], action="change") == {w["alpha_oil"].pk, w["alpha_fluid"].pk}
    assert visible(w["dealer"], DealerWarehouse, "change") == {
        w["alpha_main"].pk,
        w["alpha_kazan"].pk,
    }
    assert visible(w["subdealer"], action="change") == {w["sub_oil"].pk}
    assert visible(w["subdealer"], DealerWarehouse, "change") == {w["sub_store"].pk}


def test_staff_see_the_stock_of_their_territory_only(stock_world):
    w = stock_world
    alpha_network = {w["alpha_oil"].pk, w["alpha_fluid"].pk, w["sub_oil"].pk}
    assert visible(w["manager"]) == alpha_network
    assert visible(w["regional"]) == alpha_network
    assert visible(w["stranger"]) == {w["zulu_oil"].pk}
    assert visible(w["head"]) == alpha_network | {w["zulu_oil"].pk}
    assert visible(w["manager"], action="change") == set()


def test_a_balance_follows_its_organisations_scope(stock_world):
    w = stock_world
    alpha = w["alpha"]
    alpha.owner = w["stranger"]
    alpha.region = w["regions"]["78"]
    alpha.save(update_fields=["owner", "region"])
    oil = StockBalance.objects.get(pk=w["alpha_oil"].pk)
    assert (oil.owner_id, oil.region_id, oil.dealer_id) == (
        w["stranger"].pk,
        w["regions"]["78"].pk,
        alpha.pk,
    )
    assert w["alpha_oil"].pk in visible(w["stranger"])


def test_a_balance_copies_the_dealer_it_falls_under(stock_world):
    w = stock_world
    assert StockBalance.objects.get(pk=w["sub_oil"].pk).dealer_id == w["alpha"].pk
    assert StockBalance.objects.get(pk=w["sub_oil"].pk).organisation_id == w["alpha_sub"].pk
    assert StockBalance.objects.get(pk=w["alpha_oil"].pk).product_group_id == w["synthetic"].pk


CABINET_PAGES = [
    ("get", "dealers:stock_list", None),
    ("get", "dealers:stock_warehouses", None),
    ("post", "dealers:stock_warehouse_create", None),
    ("get", "dealers:stock_upload", None),
    ("get", "dealers:stock_entry", "alpha_main"),
    ("post", "dealers:stock_entry", "alpha_main"),
    ("get", "dealers:stock_warehouse_edit", "alpha_main"),
]


@pytest.mark.parametrize("who", ["manager", "head", "regional", "analyst"])
@pytest.mark.parametrize(("method", "name", "warehouse"), CABINET_PAGES)
def test_the_stock_cabinet_does_not_exist_for_staff(
    stock_world, logged_in, who, method, name, warehouse
):
    w = stock_world
    args = [w[warehouse].pk] if warehouse else []
    before = snapshot()
    response = getattr(logged_in(w[who]), method)(reverse(name, args=args), {"name": "X"})
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("dealer", "zulu_store"),  # another dealer's warehouse
        ("dealer", "sub_store"),  # its sub-dealer's: the sub-dealer keeps its own
        ("subdealer", "alpha_main"),  # its dealer's
        ("zulu_dealer", "alpha_main"),
    ],
)
def test_nobody_writes_into_another_organisations_warehouse(stock_world, logged_in, who, target):
    w = stock_world
    client = logged_in(w[who])
    warehouse = w[target]
    before = snapshot()
    data = {"as_of": "01.01.2026", f"q-{w['oil'].pk}": "999", f"v-{w['oil'].pk}": "0"}
    assert client.get(entry_url(warehouse)).status_code == 404
    assert client.post(entry_url(warehouse), data).status_code == 404
    edit = reverse("dealers:stock_warehouse_edit", args=[warehouse.pk])
    assert client.post(edit, {"name": "Захвачен", "version": "1"}).status_code == 404
    assert snapshot() == before


def test_the_cabinet_list_shows_own_and_sub_dealer_stock(stock_world, logged_in):
    w = stock_world
    response = logged_in(w["dealer"]).get(reverse("dealers:stock_list"))
    assert response.status_code == 200
    shown = {balance.pk for balance in response.context["page"].object_list}
    assert shown == {w["alpha_oil"].pk, w["alpha_fluid"].pk, w["sub_oil"].pk}
    assert response.context["totals"]["quantity"] == 22
    by_org = {
        row["organisation_id"]: row["quantity"] for row in response.context["by_organisation"]
    }
    assert by_org == {w["alpha"].pk: 15, w["alpha_sub"].pk: 7}


def test_the_cabinet_list_filters_by_organisation_warehouse_and_group(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    url = reverse("dealers:stock_list")

    def shown(**params):
        response = client.get(url, params)
        return {b.pk for b in response.context["page"].object_list}, response.context["totals"]

    assert shown(organisation=w["alpha_sub"].pk)[0] == {w["sub_oil"].pk}
    assert shown(warehouse=w["alpha_main"].pk)[0] == {w["alpha_oil"].pk, w["alpha_fluid"].pk}
    rows, totals = shown(group=w["oils"].pk)  # "oils" includes its subgroup "synthetic"
    assert rows == {w["alpha_oil"].pk, w["sub_oil"].pk}
    assert totals["quantity"] == 17


def test_a_sub_dealer_list_shows_only_its_own(stock_world, logged_in):
    w = stock_world
    response = logged_in(w["subdealer"]).get(reverse("dealers:stock_list"))
    assert {b.pk for b in response.context["page"].object_list} == {w["sub_oil"].pk}
    assert "by_organisation" not in response.context
