"""The demo stock: warehouses and balances for the demo dealer and its sub-dealers; a second
run changes nothing."""

import pytest

from crm.stock import demo
from crm.stock.models import DealerWarehouse, StockBalance
from tests.stock.conftest import snapshot

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_the_demo_dealers_stock_once(cabinet_world):
    w = cabinet_world
    counts = demo.seed(scale="ci")
    assert counts["warehouses"] == 3  # the dealer's two, its sub-dealer's one
    assert counts["balances"] == StockBalance.objects.count() > 0
    assert set(DealerWarehouse.objects.values_list("organisation_id", flat=True)) == {
        w["alpha"].pk,
        w["alpha_sub"].pk,
    }
    before = snapshot()
    assert demo.seed(scale="ci") == {"warehouses": 0, "balances": 0}
    assert snapshot() == before
