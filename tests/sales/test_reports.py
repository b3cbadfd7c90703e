"""The client purchases report: per client and period, purchases, repeat purchases, order sums,
average order and returns; only the clients the user may see; sums follow the field policy;
export to CSV with the figures."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.core.choices import Channel, Source
from crm.sales.services import record_lines
from tests.factories import UserFactory
from tests.sales.factories import OrganisationFactory, ProductGroupFactory

pytestmark = pytest.mark.django_db
URL = "/sales/purchases/"


def bought(organisation, days_ago, amount, document):
    record_lines(
        [
            {
                "external_id": f"{document}:1",
                "flow": "sell_in",
                "date": timezone.localdate() - timedelta(days=days_ago),
                "quantity": Decimal(1 if amount > 0 else -1),
                "amount": Decimal(amount),
                "buyer_id": organisation.pk,
                "product_group_id": ProductGroupFactory().pk,
                "document_key": document,
            }
        ],
        source=Source.ERP,
        channel=Channel.SYNC,
    )


@pytest.fixture
def shop():
    anna = UserFactory(username="anna", role="sales_manager")
    boris = UserFactory(username="boris", role="sales_manager")
    big = OrganisationFactory(owner=anna, name="Большой клиент")
    small = OrganisationFactory(owner=anna, name="Малый клиент")
    silent = OrganisationFactory(owner=anna, name="Молчаливый клиент")
    foreign = OrganisationFactory(owner=boris, name="Чужой клиент")
    bought(big, 0, 5000, "a1")
    bought(big, 1, 3000, "a2")
    bought(big, 0, -500, "r1")
    bought(small, 2, 1000, "b1")
    bought(silent, 300, 9000, "c1")  # only 12 months ago: not in this quarter
    bought(foreign, 0, 7000, "d1")
    return {"anna": anna, "boris": boris, "big": big, "small": small, "silent": silent}


def test_the_report_lists_my_buying_clients_with_their_figures(shop, logged_in):
    page = logged_in(shop["anna"]).get(URL).content.decode()
    assert "Большой клиент" in page
    assert "Малый клиент" in page
    assert "Чужой клиент" not in page  # Boris's client: out of Anna's scope
    assert "Молчаливый клиент" not in page  # no purchase this quarter
    assert page.index("Большой клиент") < page.index("Малый клиент")  # by order sum
    assert "8\u00a0000,00" in page  # 5,000 + 3,000; the return apart
    year = logged_in(shop["anna"]).get(URL + "?period=year").content.decode()
    assert "Молчаливый клиент" in year


def test_sums_follow_the_field_policy_and_export_carries_the_figures(shop, logged_in):
    anna = shop["anna"]
    anna.user_permissions.add(Permission.objects.get(codename="export_organisation"))
    response = logged_in(anna).get(URL + "?export=csv&columns=name&columns=kpi_purchases"
                                   "&columns=kpi_repeat&columns=kpi_sum")  # fmt: skip
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1][:3] == ["Большой клиент", "2", "1"]
    FieldPolicy.objects.create(
        role=anna.groups.get(), model="sales.salesline", field="amount", access=FieldAccess.HIDDEN
    )
    page = logged_in(type(anna).objects.get(pk=anna.pk)).get(URL).content.decode()
    assert "8\u00a0000,00" not in page
    assert "Большой клиент" in page


def test_without_the_sales_permission_there_is_no_report(shop, logged_in):
    outsider = UserFactory(username="nosales", role="marketer")
    for group in outsider.groups.all():
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="sales"))
    assert logged_in(outsider).get(URL).status_code in (403, 404)
