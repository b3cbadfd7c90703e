"""Recording and removing sales lines: upserts by source and external id, checks that refuse a
batch or skip bad lines, the copies each line carries, and the pushes that keep them current."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from crm.core import merge
from crm.core.choices import Channel, Source
from crm.sales import rollups, services
from crm.sales.choices import Flow
from crm.sales.models import SalesLine, SalesMonth
from tests.sales.conftest import line
from tests.sales.factories import DealerFactory, PaymentFormFactory

pytestmark = pytest.mark.django_db


def test_a_sell_out_line_counts_for_its_seller_with_the_sellers_scope(sales_world, record):
    w = sales_world
    result = record(
        [line("a-1", seller_id=w["alpha"].pk, product_id=w["synthetic_oil"].pk)],
        actor=w["manager"],
        batch="report:1",
    )
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 0)
    saved = SalesLine.objects.get()
    assert saved.organisation_id == w["alpha"].pk
    assert saved.dealer_id == w["alpha"].pk
    assert (saved.region_id, saved.owner_id) == (w["regions"]["77"].pk, w["manager"].pk)
    assert saved.product_group_id == w["synthetic"].pk  # from the product
    assert (saved.source, saved.channel, saved.batch) == ("dealer", "web", "report:1")
    assert saved.recorded_by_id == w["manager"].pk


def test_a_sell_in_line_counts_for_the_dealer_we_ship_to(sales_world, record):
    w = sales_world
    record(
        [line("erp-1", flow=Flow.SELL_IN, buyer_id=w["alpha_sub"].pk, product_id=w["oil"].pk)],
        source=Source.ERP,
        channel=Channel.SYNC,
    )
    saved = SalesLine.objects.get()
    assert saved.seller_id is None
    assert saved.organisation_id == w["alpha_sub"].pk
    assert saved.dealer_id == w["alpha"].pk  # a sub-dealer falls under its dealer
    assert saved.region_id == w["regions"]["50"].pk


def test_a_resent_line_does_not_double(sales_world, record):
    w = sales_world
    batch = [
        line("r-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk),
        line("r-2", seller_id=w["alpha"].pk, product_id=w["oil"].pk, quantity=-1, amount=-100),
    ]
    record(batch)
    again = record(batch)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert SalesLine.objects.count() == 2
    month = SalesMonth.objects.get()
    assert (month.quantity, month.amount, month.line_count) == (0, 0, 2)


def test_a_resent_line_from_another_channel_is_unchanged(sales_world, record):
    w = sales_world
    batch = [line("c-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk)]
    record(batch, channel=Channel.WEB)
    again = record(batch, channel=Channel.IMPORT, batch="file-2")
    assert again.unchanged == 1
    assert SalesLine.objects.get().channel == "web"


def test_a_changed_line_is_updated_in_place(sales_world, record):
    w = sales_world
    record([line("u-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk)])
    result = record(
        [line("u-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk, amount="150.50")],
        batch="second",
    )
    assert (result.inserted, result.updated) == (0, 1)
    saved = SalesLine.objects.get()
    assert (saved.amount, saved.batch) == (Decimal("150.50"), "second")


def test_the_same_external_id_of_two_sources_is_two_lines(sales_world, record):
    w = sales_world
    same = [line("x-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk)]
    record(same, source=Source.DEALER)
    record(same, source=Source.SUB_DEALER)
    assert SalesLine.objects.count() == 2


def test_large_batches_go_through_the_staging_table(sales_world, record, monkeypatch):
    w = sales_world
    monkeypatch.setattr(services, "STAGE_ABOVE", 2)
    batch = [
        line(f"s-{n}", seller_id=w["alpha"].pk, product_id=w["oil"].pk, amount=n, quantity=1)
        for n in range(1, 6)
    ]
    assert record(batch).inserted == 5
    changed = [*batch[:4], line("s-5", seller_id=w["alpha"].pk, product_id=w["oil"].pk)]
    result = record(changed)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 4)
    assert SalesLine.objects.get(external_id="s-5").amount == Decimal("100.00")
    assert rollups.differences("sales_salesmonth") == []


def test_lines_may_be_given_as_mappings(sales_world, record):
    w = sales_world
    record(
        [
            {
                "external_id": "m-1",
                "flow": "sell_out",
                "date": "2026-03-01",
                "quantity": "2.5",
                "amount": 250,
                "seller_id": w["alpha"].pk,
                "product_group_id": w["fluids"].pk,
                "payment_form_id": PaymentFormFactory().pk,
            }
        ]
    )
    saved = SalesLine.objects.get()
    assert (saved.date, saved.quantity, saved.product_id) == (
        date(2026, 3, 1),
        Decimal("2.5"),
        None,
    )
    assert saved.product_group_id == w["fluids"].pk


def test_a_bad_line_refuses_the_whole_batch(sales_world, record):
    w = sales_world
    batch = [
        line("ok", seller_id=w["alpha"].pk, product_id=w["oil"].pk),
        line("neg", seller_id=w["alpha"].pk, product_id=w["oil"].pk, quantity=1, amount=-5),
        line("ok", seller_id=w["alpha"].pk, product_id=w["oil"].pk),
        line("client", seller_id=w["mine"].pk, product_id=w["oil"].pk),
        line("nothing", seller_id=w["alpha"].pk),
        line("cents", seller_id=w["alpha"].pk, product_id=w["oil"].pk, amount="1.005"),
        line("ghost", seller_id=w["alpha"].pk, product_id=987654),
        line("no-buyer", flow=Flow.SELL_IN, product_id=w["oil"].pk),
    ]
    with pytest.raises(services.LedgerError) as raised:
        record(batch)
    rows = [(p.row, p.external_id) for p in raised.value.problems]
    assert rows == [
        (2, "neg"),
        (3, "ok"),  # the same external id twice in a batch
        (4, "client"),  # sell-out is a dealer's or sub-dealer's
        (5, "nothing"),
        (6, "cents"),
        (7, "ghost"),
        (8, "no-buyer"),
    ]
    assert "Строка 2 (neg)" in str(raised.value)
    assert not SalesLine.objects.exists()


def test_a_sync_skips_bad_lines_and_reports_them(sales_world, record):
    w = sales_world
    result = record(
        [
            line("good", seller_id=w["alpha"].pk, product_id=w["oil"].pk),
            line("bad", seller_id=987654, product_id=w["oil"].pk),
        ],
        reject_invalid=True,
    )
    assert result.inserted == 1
    assert [(p.external_id, p.message) for p in result.rejected] == [
        ("bad", "нет организации с id 987654")
    ]


def test_an_outlet_must_belong_to_the_organisation_or_its_sub_dealers(sales_world, record):
    w = sales_world
    oil = w["oil"].pk
    batch = [
        line("own", seller_id=w["alpha"].pk, outlet_id=w["alpha_outlet"].pk, product_id=oil),
        line("sub's", seller_id=w["alpha"].pk, outlet_id=w["sub_outlet"].pk, product_id=oil),
        line("foreign", seller_id=w["alpha"].pk, outlet_id=w["zulu_outlet"].pk, product_id=oil),
        line(
            "parent's", seller_id=w["alpha_sub"].pk, outlet_id=w["alpha_outlet"].pk, product_id=oil
        ),
    ]
    result = record(batch, reject_invalid=True)
    assert result.inserted == 2
    assert {p.external_id for p in result.rejected} == {"foreign", "parent's"}


def test_replacing_documents_removes_the_rows_a_document_lost(sales_world, record):
    w = sales_world
    doc = {"flow": Flow.SELL_IN, "buyer_id": w["alpha"].pk, "product_id": w["oil"].pk}
    first = [
        line("D1:1", document_key="D1", document_row="1", **doc),
        line("D1:2", document_key="D1", document_row="2", **doc),
        line("D2:1", document_key="D2", document_row="1", **doc),
    ]
    record(first, source=Source.ERP, channel=Channel.SYNC)
    reposted = [line("D1:1", document_key="D1", document_row="1", amount=300, **doc)]
    result = record(reposted, source=Source.ERP, channel=Channel.SYNC, replace_documents=True)
    assert (result.updated, result.removed) == (1, 1)
    assert set(SalesLine.objects.values_list("external_id", flat=True)) == {"D1:1", "D2:1"}
    assert rollups.differences("sales_salesmonth") == []


def test_a_document_with_a_refused_line_is_left_as_it_was(sales_world, record):
    w = sales_world
    doc = {"flow": Flow.SELL_IN, "buyer_id": w["alpha"].pk, "product_id": w["oil"].pk}
    erp = {"source": Source.ERP, "channel": Channel.SYNC}
    record([line("D1:1", document_key="D1", **doc), line("D1:2", document_key="D1", **doc)], **erp)
    result = record(
        [
            line("D1:1", document_key="D1", amount=999, **doc),
            line("D1:3", document_key="D1", **{**doc, "product_id": 987654}),
            line("D2:1", document_key="D2", **doc),
        ],
        replace_documents=True,
        reject_invalid=True,
        **erp,
    )
    assert (result.inserted, result.updated, result.removed) == (1, 0, 0)
    assert [p.external_id for p in result.rejected] == ["D1:1", "D1:3"]
    assert SalesLine.objects.get(external_id="D1:1").amount == 100
    assert SalesLine.objects.filter(document_key="D1").count() == 2


def test_removing_lines_by_external_id_or_document(sales_world, record):
    w = sales_world
    doc = {"flow": Flow.SELL_IN, "buyer_id": w["alpha"].pk, "product_id": w["oil"].pk}
    record(
        [
            line("a", document_key="K1", **doc),
            line("b", document_key="K1", **doc),
            line("c", document_key="K2", **doc),
            line("d", **doc),
        ],
        source=Source.ERP,
        channel=Channel.SYNC,
    )
    assert services.remove_lines(Source.DEALER, ["a"]) == 0  # another source's line stays
    assert services.remove_lines(Source.ERP, ["d"]) == 1
    assert services.remove_lines(Source.ERP, document_keys=["K1"]) == 2
    assert list(SalesLine.objects.values_list("external_id", flat=True)) == ["c"]
    assert services.remove_lines(Source.ERP) == 0
    assert rollups.differences("sales_salesmonth") == []


def test_the_database_refuses_a_line_whose_signs_disagree(sales_world):
    w = sales_world
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesLine.objects.create(
            flow=Flow.SELL_OUT,
            date=date(2026, 1, 5),
            seller=w["alpha"],
            product=w["oil"],
            quantity=-1,
            amount=10,
            source=Source.STAFF,
            channel=Channel.WEB,
            external_id="bad-signs",
        )


def test_an_organisation_that_moves_takes_its_lines_and_sums_along(sales_world, record):
    w = sales_world
    record([line("mv-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk)])
    alpha = w["alpha"]
    alpha.region, alpha.owner = w["regions"]["78"], w["stranger"]
    alpha.save()
    saved = SalesLine.objects.get()
    assert (saved.region_id, saved.owner_id) == (w["regions"]["78"].pk, w["stranger"].pk)
    assert SalesMonth.objects.get().region_id == w["regions"]["78"].pk
    assert rollups.differences("sales_salesmonth") == []


def test_a_sub_dealer_moved_to_another_dealer_takes_its_lines_along(sales_world, record):
    w = sales_world
    record([line("sd-1", seller_id=w["alpha_sub"].pk, product_id=w["oil"].pk)])
    sub = w["alpha_sub"]
    sub.parent_dealer = w["zulu"]
    sub.save()
    assert SalesLine.objects.get().dealer_id == w["zulu"].pk
    assert SalesMonth.objects.get().dealer_id == w["zulu"].pk


def test_a_product_moved_to_another_group_takes_its_lines_along(sales_world, record):
    w = sales_world
    record([line("pg-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk)])
    oil = w["oil"]
    oil.group = w["fluids"]
    oil.save()
    assert SalesLine.objects.get().product_group_id == w["fluids"].pk
    assert SalesMonth.objects.get().product_group_id == w["fluids"].pk


def test_unknown_source_or_channel_is_a_programming_error(sales_world):
    with pytest.raises(ValueError, match="Unknown source"):
        services.record_lines([], source="fax", channel="web")


def test_merging_two_organisations_moves_their_lines_and_sums(sales_world, record):
    w = sales_world
    twin = DealerFactory(name="Альфа-Дубль", region=w["regions"]["78"], owner=w["stranger"])
    record(
        [
            line("tw-1", seller_id=twin.pk, product_id=w["oil"].pk),
            line("tw-2", flow=Flow.SELL_IN, buyer_id=twin.pk, product_id=w["oil"].pk),
            line("al-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk),
        ]
    )
    log = merge.records_merge(
        w["head"],
        survivor=w["alpha"],
        dropped=twin,
        values={},
        survivor_version=None,
        dropped_version=None,
    )
    assert set(SalesLine.objects.values_list("organisation_id", flat=True)) == {w["alpha"].pk}
    assert set(SalesLine.objects.values_list("region_id", flat=True)) == {w["regions"]["77"].pk}
    assert rollups.differences("sales_salesmonth") == []
    merge.merge_undo(w["head"], log)
    assert SalesLine.objects.get(external_id="tw-2").organisation_id == twin.pk
    assert SalesLine.objects.get(external_id="tw-1").region_id == w["regions"]["78"].pk
    assert rollups.differences("sales_salesmonth") == []


@pytest.mark.parametrize("size", [4, services.STAGE_ABOVE + 5])
def test_a_batch_computes_the_copies_exactly_as_the_trigger_does(sales_world, record, size):
    """record_lines fills the copies in its own statement with the trigger skipped; the
    trigger, run afterwards on every line (an UPDATE touching nothing), changes none of them."""
    w = sales_world
    makers = [
        lambda n: line(f"t-{n}", seller_id=w["alpha"].pk, product_id=w["synthetic_oil"].pk),
        lambda n: line(
            f"t-{n}", flow=Flow.SELL_IN, buyer_id=w["alpha_sub"].pk, product_id=w["oil"].pk
        ),
        lambda n: line(f"t-{n}", seller_id=w["alpha_sub"].pk, product_group_id=w["synthetic"].pk),
        # a product's own group wins over the group the line names
        lambda n: line(
            f"t-{n}",
            seller_id=w["zulu"].pk,
            product_id=w["oil"].pk,
            product_group_id=w["synthetic"].pk,
        ),
    ]
    record([makers[n % len(makers)](n) for n in range(size)])
    columns = (
        "external_id",
        "organisation_id",
        "dealer_id",
        "region_id",
        "org_unit_id",
        "owner_id",
        "product_group_id",
    )
    ours = sorted(SalesLine.objects.values_list(*columns))
    assert {row[1] for row in ours} >= {w["alpha"].pk, w["alpha_sub"].pk, w["zulu"].pk}
    with transaction.atomic():
        SalesLine.objects.update(flow=F("flow"))  # the BEFORE UPDATE trigger on every line
    assert sorted(SalesLine.objects.values_list(*columns)) == ours
