"""The stock cast on top of the cabinet's (tests/dealers/conftest.py): dealer "alpha" with its
sub-dealer "alpha_sub" (Moscow, manager "manager") and dealer "zulu" (St Petersburg, manager
"stranger"), their users "dealer", "subdealer" and "zulu_dealer"; warehouses and balances of
each; helpers to post the entry form and to build XLSX files."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.stock.models import DealerWarehouse, StockBalance
from tests.dealers.conftest import cabinet_world  # noqa: F401  (the fixture)
from tests.sales.conftest import sales_world  # noqa: F401  (the fixture)
from tests.security.conftest import add_perms

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def forget_permissions(user) -> None:
    user.refresh_access()


@pytest.fixture
def stock_world(cabinet_world):  # noqa: F811
    w = cabinet_world
    w["alpha_main"] = DealerWarehouse.objects.create(organisation=w["alpha"], name="Основной")
    w["alpha_kazan"] = DealerWarehouse.objects.create(organisation=w["alpha"], name="Казань")
    w["sub_store"] = DealerWarehouse.objects.create(organisation=w["alpha_sub"], name="Суб-склад")
    w["zulu_store"] = DealerWarehouse.objects.create(organisation=w["zulu"], name="Зулу-склад")
    w["alpha_oil"] = balance(w["alpha_main"], w["synthetic_oil"], "10", w["dealer"])
    w["alpha_fluid"] = balance(w["alpha_main"], w["antifreeze"], "5", w["dealer"])
    w["sub_oil"] = balance(w["sub_store"], w["oil"], "7", w["subdealer"])
    w["zulu_oil"] = balance(w["zulu_store"], w["oil"], "100", w["zulu_dealer"])
    # The regional manager and the head may export (their role defaults); so may the manager.
    add_perms(w["manager"], "export_stockbalance", app="stock")
    forget_permissions(w["manager"])
    return w


def balance(warehouse, product, quantity, user) -> StockBalance:
    return StockBalance.objects.create(
        warehouse=warehouse, product=product, quantity=Decimal(quantity), updated_by=user
    )


def quantities(*balances) -> list[Decimal]:
    return [StockBalance.objects.get(pk=b.pk).quantity for b in balances]


def snapshot() -> list[tuple]:
    """Everything the stock pages can write, to prove that nothing was written."""
    return sorted(
        StockBalance.objects.values_list("pk", "warehouse_id", "product_id", "quantity", "version")
    ) + sorted(DealerWarehouse.objects.values_list("pk", "name", "is_active", "version"))


def entry_url(warehouse) -> str:
    return reverse("dealers:stock_entry", args=[warehouse.pk])


def entry_data(client, warehouse, values: dict, as_of: str | None = None) -> dict:
    """The entry form as the page gives it (versions included), with ``values`` typed in:
    {product: "12,5"}."""
    form = client.get(entry_url(warehouse)).context["form"]
    data = {}
    for name in form.fields:
        if name.startswith("v-"):
            data[name] = str(form.initial.get(name, 0))
    data["as_of"] = as_of or form.initial["as_of"].strftime("%d.%m.%Y")
    for product, value in values.items():
        data[f"q-{product.pk}"] = value
    return data


def xlsx(rows, header=("Склад", "Артикул", "Количество"), name="stock.xlsx") -> SimpleUploadedFile:
    """An XLSX upload with a header row and ``rows``."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)
