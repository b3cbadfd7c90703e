"""1C sales and returns documents into the sales ledger, against the fake 1C: the first run
loads the window, a second changes nothing, and each trap (a re-posted document with a new sum
or a lost row, a back-dated one, a deletion mark, an unposted one, a new return, a document
deleted outright) changes exactly the lines it should, so that the ledger always equals the
fake's own posted, undeleted documents over the window, per client."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from crm.clients.models import Organisation
from crm.core.choices import Source
from crm.refs.models import PaymentForm
from crm.sales.models import SalesLine
from integrations.onec import documents, sync
from integrations.onec.client import ODataClient
from integrations.onec.fake import RETURNS, SALES, FakeOneC, days_ago, goods_row
from integrations.onec.models import RunStatus

pytestmark = pytest.mark.django_db
CATALOGS = ["units", "brands", "product_groups", "products", "organisations"]
BAXI, REHAU = "Котёл газовый Baxi ECO Four 24", "Труба Rehau Rautitan flex 20"


@pytest.fixture
def onec():
    with FakeOneC() as fake:
        client = ODataClient(fake.url, fake.username, fake.password, retries=1)
        for key in CATALOGS:
            assert sync.sync_entity(client, key).status == RunStatus.DONE
        yield fake, client


def pull(client):
    return [sync.sync_entity(client, key) for key in ("sales_documents", "return_documents")]


def expected(fake) -> dict[str, Decimal]:
    """Per client's 1C key: the sum of the posted, undeleted documents in the window."""
    start = documents.window_start().isoformat()
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for entity_set, sign in ((SALES, 1), (RETURNS, -1)):
        for doc in fake.entity_sets[entity_set]:
            if doc["Posted"] and not doc["DeletionMark"] and doc["Date"][:10] >= start:
                for row in doc["Товары"]:
                    sums[doc["Контрагент_Key"]] += Decimal(str(row["СуммаСНДС"])) * sign
    return {key: value for key, value in sums.items() if value}


def ledger() -> dict[str, Decimal]:
    rows = (
        SalesLine.objects.filter(source=Source.ERP)
        .values("buyer__erp_key")
        .annotate(total=Sum("amount"))
    )
    return {row["buyer__erp_key"]: row["total"] for row in rows if row["total"]}


def changed(runs) -> int:
    return sum(run.inserted + run.updated + run.archived for run in runs)


def test_the_window_loads_and_a_second_run_changes_nothing(onec):
    fake, client = onec
    PaymentForm.objects.create(name="Безналичный расчёт", external_code="Безналичная")
    runs = pull(client)
    assert [run.status for run in runs] == [RunStatus.DONE, RunStatus.DONE]
    assert sum(run.rejected for run in runs) == 0, [run.errors for run in runs]
    assert runs[0].fetched == 3  # the document dated 60 days ago is outside the window
    assert SalesLine.objects.count() == 4  # 1 + 2 rows of sales, 1 return; unposted: none
    assert ledger() == expected(fake)
    sale = SalesLine.objects.get(document_number="00УТ-000101")
    assert (sale.quantity, sale.amount, sale.flow) == (Decimal("2"), Decimal("125000"), "sell_in")
    assert sale.buyer.erp_key
    assert sale.product.sku == "7659669"
    assert sale.payment_form.name == "Безналичный расчёт"
    assert sale.product_group == sale.product.group
    back = SalesLine.objects.get(document_number="00УТ-000007")
    assert back.amount == Decimal("-990")
    assert back.quantity == Decimal("-10")
    assert changed(pull(client)) == 0


def test_each_trap_changes_exactly_its_lines(onec):
    fake, client = onec
    pull(client)
    sales = {doc["Number"]: doc for doc in fake.entity_sets[SALES]}
    north = Organisation.objects.get(erp_key=sales["00УТ-000101"]["Контрагент_Key"])

    # Re-posted with a new sum: one line updated.
    fake.update(SALES, sales["00УТ-000101"]["Ref_Key"], Товары=[goods_row(1, BAXI, 3, 187500.0)])
    runs = pull(client)
    assert (runs[0].updated, runs[0].inserted, runs[0].archived) == (1, 0, 0)
    assert ledger() == expected(fake)

    # Re-posted without its second row: that line leaves.
    first_row = sales["00УТ-000102"]["Товары"][0]
    fake.update(SALES, sales["00УТ-000102"]["Ref_Key"], Товары=[first_row])
    runs = pull(client)
    assert (runs[0].updated, runs[0].archived) == (0, 1)
    assert ledger() == expected(fake)

    # Back-dated inside the window: the line moves to the new date.
    fake.update(SALES, sales["00УТ-000101"]["Ref_Key"], Date=days_ago(30))
    pull(client)
    moved = SalesLine.objects.get(document_number="00УТ-000101")
    assert moved.date == date.fromisoformat(days_ago(30)[:10])

    # Posted at last: its line arrives.
    fake.update(SALES, sales["00УТ-000103"]["Ref_Key"], Posted=True)
    assert pull(client)[0].inserted == 1
    assert ledger() == expected(fake)

    # Unposted again, then marked for deletion: lines leave, the run says which and why.
    fake.update(SALES, sales["00УТ-000103"]["Ref_Key"], Posted=False)
    runs = pull(client)
    assert runs[0].archived == 1
    assert runs[0].removed[0]["number"] == "00УТ-000103"
    fake.mark_deleted(SALES, sales["00УТ-000101"]["Ref_Key"])
    runs = pull(client)
    assert runs[0].removed[0]["number"] == "00УТ-000101"
    assert not SalesLine.objects.filter(document_number="00УТ-000101").exists()

    # A new return: one negative line.
    fake.add(
        RETURNS,
        {
            "Number": "00УТ-000008",
            "Date": days_ago(1),
            "Posted": True,
            "Контрагент_Key": north.erp_key,
            "Склад_Key": sales["00УТ-000102"]["Склад_Key"],
            "ФормаОплаты": "Безналичная",
            "СуммаДокумента": 2475.0,
            "Товары": [goods_row(1, REHAU, 25, 2475.0)],
        },
    )
    runs = pull(client)
    assert runs[1].inserted == 1
    assert SalesLine.objects.get(document_number="00УТ-000008").amount == Decimal("-2475")
    assert ledger() == expected(fake)

    # Deleted outright in 1C: a run over the whole window removes its lines.
    fake.remove(SALES, sales["00УТ-000102"]["Ref_Key"])
    runs = pull(client)
    assert runs[0].archived == 1
    assert runs[0].removed[0]["number"] == "00УТ-000102"
    assert ledger() == expected(fake)
    assert changed(pull(client)) == 0


def test_a_document_of_an_unknown_client_waits_and_loads_once_the_client_is_there(onec):
    fake, client = onec
    newcomer = fake.add(
        "Catalog_Контрагенты",
        {
            "IsFolder": False,
            "Parent_Key": "00000000-0000-0000-0000-000000000000",
            "Code": "00-000009",
            "Description": 'ООО "Новичок"',
            "НаименованиеПолное": 'Общество с ограниченной ответственностью "Новичок"',
            "ИНН": "7707083893",
            "КПП": "770701001",
            "ЮридическоеФизическоеЛицо": "ЮридическоеЛицо",
        },
    )
    fake.add(
        SALES,
        {
            "Number": "00УТ-000200",
            "Date": days_ago(2),
            "Posted": True,
            "Контрагент_Key": newcomer["Ref_Key"],
            "ФормаОплаты": "Наличная",
            "СуммаДокумента": 9900.0,
            "Товары": [goods_row(1, REHAU, 100, 9900.0)],
        },
    )
    first = pull(client)[0]
    assert first.rejected == 1
    assert "00УТ-000200" in first.errors[0]["reason"]
    assert not SalesLine.objects.filter(document_number="00УТ-000200").exists()
    sync.sync_entity(client, "organisations")
    assert pull(client)[0].inserted == 1
    assert ledger() == expected(fake)
