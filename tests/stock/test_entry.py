"""Entering balances in the cabinet: new and changed balances, who and when, stale forms,
negative and non-numeric figures; warehouses of one's own organisation."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.stock.choices import StockSource
from crm.stock.models import DealerWarehouse, StockBalance
from dealers.models import DealerMembership
from tests.factories import UserFactory
from tests.stock.conftest import entry_data, entry_url, quantities, snapshot

pytestmark = pytest.mark.django_db


def test_a_dealer_enters_balances_of_its_warehouse(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    data = entry_data(
        client,
        w["alpha_main"],
        {w["synthetic_oil"]: "12,5", w["oil"]: "1 200", w["antifreeze"]: "5"},
    )
    response = client.post(entry_url(w["alpha_main"]), data)
    assert response.status_code == 302
    oil = StockBalance.objects.get(warehouse=w["alpha_main"], product=w["oil"])
    assert oil.quantity == Decimal("1200")
    assert (oil.source, oil.updated_by) == (StockSource.ENTERED, w["dealer"])
    changed = StockBalance.objects.get(pk=w["alpha_oil"].pk)
    assert (changed.quantity, changed.version) == (Decimal("12.5"), 2)
    assert StockBalance.objects.get(pk=w["alpha_fluid"].pk).version == 1  # unchanged: not written
    # The audit trail keeps who changed it and through which channel.
    event = changed.events.order_by("-pgh_id").select_related("pgh_context").first()
    assert event.quantity == Decimal("12.5")
    assert event.pgh_context.metadata["user"] == w["dealer"].pk
    assert event.pgh_context.metadata["channel"] == "web"


def test_a_form_opened_before_someone_elses_save_overwrites_nothing(stock_world, logged_in):
    w = stock_world
    colleague = UserFactory(username="alpha_colleague", role="dealer")
    DealerMembership.objects.create(user=colleague, organisation=w["alpha"])
    client = logged_in(w["dealer"])
    mine = entry_data(client, w["alpha_main"], {w["synthetic_oil"]: "11"})
    other = logged_in(colleague)
    theirs = entry_data(other, w["alpha_main"], {w["synthetic_oil"]: "30"})
    assert other.post(entry_url(w["alpha_main"]), theirs).status_code == 302
    client = logged_in(w["dealer"])
    before = snapshot()
    response = client.post(entry_url(w["alpha_main"]), mine)
    assert response.status_code == 409
    assert 'data-testid="stale-warning"' in response.content.decode()
    assert snapshot() == before
    assert quantities(w["alpha_oil"]) == [Decimal("30")]
    # The form keeps the user's figure and now carries the current version: saving confirms.
    form = response.context["form"]
    assert form.data[f"q-{w['synthetic_oil'].pk}"] == "11"
    again = {**mine, f"v-{w['synthetic_oil'].pk}": form.data[f"v-{w['synthetic_oil'].pk}"]}
    assert client.post(entry_url(w["alpha_main"]), again).status_code == 302
    assert quantities(w["alpha_oil"]) == [Decimal("11")]


@pytest.mark.parametrize("typed", ["-3", "много", "1,2,3", "1.23456"])
def test_negative_or_non_numeric_figures_are_refused_with_a_message(stock_world, logged_in, typed):
    w = stock_world
    client = logged_in(w["dealer"])
    data = entry_data(client, w["alpha_main"], {w["synthetic_oil"]: typed, w["oil"]: "4"})
    before = snapshot()
    response = client.post(entry_url(w["alpha_main"]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"q-{w['synthetic_oil'].pk}"]
    assert 'data-testid="form-errors"' in response.content.decode()
    assert snapshot() == before


def test_a_date_in_the_future_is_refused(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    data = entry_data(client, w["alpha_main"], {w["oil"]: "4"}, as_of="01.01.2999")
    before = snapshot()
    response = client.post(entry_url(w["alpha_main"]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]
    assert snapshot() == before


def test_an_inactive_warehouse_takes_no_balances(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    data = entry_data(client, w["alpha_kazan"], {w["oil"]: "4"})
    DealerWarehouse.objects.filter(pk=w["alpha_kazan"].pk).update(is_active=False)
    before = snapshot()
    response = client.post(entry_url(w["alpha_kazan"]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert snapshot() == before


def test_a_dealer_adds_and_renames_its_own_warehouse(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    response = client.post(
        reverse("dealers:stock_warehouse_create"), {"name": "  Новый   склад ", "address": "Тверь"}
    )
    new = DealerWarehouse.objects.get(organisation=w["alpha"], name="Новый склад")
    assert response.status_code == 302
    assert response["Location"] == entry_url(new)
    edit = reverse("dealers:stock_warehouse_edit", args=[new.pk])
    response = client.post(edit, {"name": "Тверь-1", "address": "", "version": "1"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.name, new.is_active, new.version) == ("Тверь-1", False, 2)


def test_a_warehouse_name_is_unique_per_organisation_whatever_the_case(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    before = snapshot()
    response = client.post(reverse("dealers:stock_warehouse_create"), {"name": "основной"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert snapshot() == before
    # Another organisation may use the same name.
    sub = logged_in(w["subdealer"])
    response = sub.post(reverse("dealers:stock_warehouse_create"), {"name": "Основной"})
    assert response.status_code == 302


def test_a_stale_warehouse_form_saves_nothing(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    edit = reverse("dealers:stock_warehouse_edit", args=[w["alpha_main"].pk])
    client.post(edit, {"name": "Главный", "is_active": "on", "version": "1"})
    before = snapshot()
    response = client.post(edit, {"name": "Другой", "is_active": "on", "version": "1"})
    assert response.status_code == 409
    assert snapshot() == before
