"""Client KPIs from the ledger: purchases (documents), repeat purchases, order sums, returns
and payment forms on the organisation card; a manager's counters on the home page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.clients.models import OrganisationStatus
from crm.core.choices import Channel, Source
from crm.sales import kpis
from crm.sales.services import record_lines
from tests.factories import UserFactory
from tests.sales.factories import OrganisationFactory, PaymentFormFactory, ProductGroupFactory

pytestmark = pytest.mark.django_db


def sale(organisation, day, amount, document, row=1, form=None):
    return {
        "external_id": f"{document}:{row}",
        "flow": "sell_in",
        "date": day,
        "quantity": Decimal(1) if amount > 0 else Decimal(-1),
        "amount": Decimal(amount),
        "buyer_id": organisation.pk,
        "product_group_id": ProductGroupFactory().pk,
        "payment_form_id": form.pk if form else None,
        "document_key": document,
    }


@pytest.fixture
def client_with_sales():
    manager = UserFactory(username="kpi-manager", role="sales_manager")
    client = OrganisationFactory(owner=manager, status=OrganisationStatus.ACTIVE)
    cash, card = PaymentFormFactory(name="Наличные"), PaymentFormFactory(name="Карта")
    today = timezone.localdate()
    record_lines(
        [
            sale(client, today, 1000, "doc-1", 1, cash),
            sale(client, today, 500, "doc-1", 2, cash),  # the same purchase, two rows
            sale(client, today, 2000, "doc-2", 1, card),
            sale(client, today - timedelta(days=200), 700, "doc-3", 1, cash),
            sale(client, today, -300, "ret-1", 1),  # a return: not a purchase
        ],
        source=Source.ERP,
        channel=Channel.SYNC,
    )
    return manager, client


def test_the_card_shows_purchases_repeats_sums_returns_and_payment_forms(
    client_with_sales, logged_in
):
    manager, client = client_with_sales
    panel = kpis.client_kpis(manager, client)
    month, _quarter, year = panel["rows"]
    assert (month["purchases"], month["repeat"], month["sum"]) == (2, 1, Decimal("3500"))
    assert month["average"] == Decimal("1750.00")
    assert month["returns"] == Decimal("300")
    assert (year["purchases"], year["sum"]) == (3, Decimal("4200"))
    forms = {form["name"]: (form["purchases"], form["sum"]) for form in panel["forms"]}
    assert forms == {"Наличные": (2, Decimal("2200")), "Карта": (1, Decimal("2000"))}
    page = logged_in(manager).get(client.get_absolute_url()).content.decode()
    assert 'data-testid="client-kpis"' in page
    assert "Повторные покупки" in page


def test_a_hidden_amount_stays_hidden_and_no_sales_no_panel(client_with_sales):
    manager, client = client_with_sales
    FieldPolicy.objects.create(
        role=manager.groups.get(),
        model="sales.salesline",
        field="amount",
        access=FieldAccess.HIDDEN,
    )
    manager = type(manager).objects.get(pk=manager.pk)
    panel = kpis.client_kpis(manager, client)
    assert panel["rows"][0]["sum"] is None
    assert panel["rows"][0]["purchases"] == 2
    assert kpis.client_kpis(manager, OrganisationFactory(owner=manager)) is None


def test_the_home_page_counts_the_managers_own_clients(client_with_sales, logged_in):
    manager, _client = client_with_sales
    OrganisationFactory(owner=manager, status=OrganisationStatus.CHURNED)
    counters = kpis.manager_counters(manager)
    assert (counters["active"], counters["churned"], counters["purchases"]) == (1, 1, 2)
    assert counters["sum"] == Decimal("3500")
    assert counters["repeat"] == 1
    page = logged_in(manager).get("/").content.decode()
    assert 'data-testid="my-counters"' in page
    assert f"status=churned&amp;owner={manager.pk}" in page


def test_periods_start_where_they_should():
    month, quarter, year = kpis.periods(date(2026, 11, 30))
    assert (month.start, quarter.start) == (date(2026, 11, 1), date(2026, 10, 1))
    assert year.start == date(2025, 11, 30)
