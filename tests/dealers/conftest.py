"""The cabinet's cast: the sales world (dealer "alpha" in Moscow with its sub-dealer
"alpha_sub", dealer "zulu" in St Petersburg, one outlet each, groups "oils" > "synthetic" and
"fluids") with users acting for them: "dealer" for alpha, "subdealer" for alpha_sub and
"zulu_dealer" for zulu; helpers to post a report and to read what reached the ledger."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.core.periods import Quarter
from crm.sales.models import SalesLine
from dealers.models import DealerMembership, ReportingPeriod, SaleEntry
from dealers.policies import grant_default_field_policies
from dealers.selectors import today
from tests.factories import UserFactory
from tests.sales.conftest import sales_world  # noqa: F401  (the fixture)
from tests.sales.factories import ProductFactory


@pytest.fixture
def cabinet_world(sales_world):  # noqa: F811
    w = sales_world
    grant_default_field_policies()  # dealers read the figures (the demo sets the same)
    w["subdealer"] = UserFactory(username="subdealer", role="sub_dealer")
    w["zulu_dealer"] = UserFactory(username="zulu_dealer", role="dealer")
    DealerMembership.objects.create(user=w["dealer"], organisation=w["alpha"])
    DealerMembership.objects.create(user=w["subdealer"], organisation=w["alpha_sub"])
    DealerMembership.objects.create(user=w["zulu_dealer"], organisation=w["zulu"])
    w["fluid"] = w["antifreeze"]
    w["second_oil"] = ProductFactory(name="Масло полусинтетическое", group=w["oils"])
    w["quarter"] = Quarter.of(today())
    return w


def report_url(quarter: Quarter) -> str:
    return reverse("dealers:salesreport_edit", args=[quarter.year, quarter.number])


def grid_data(w, cells: dict, version: int = 0) -> dict:
    """POST data of alpha's report: ``cells`` maps (outlet, group) → (quantity, amount) as
    typed; alpha has one outlet and the top-level groups "fluids" and "oils"."""
    data = {"version": str(version)}
    for (outlet, group), (quantity, amount) in cells.items():
        data[f"q-{outlet.pk if outlet else 0}-{group.pk}"] = quantity
        data[f"a-{outlet.pk if outlet else 0}-{group.pk}"] = amount
    return data


def full_grid(w, oils=("10", "5 000"), fluids=("0", "0"), version=0) -> dict:
    outlet = w["alpha_outlet"]
    return grid_data(w, {(outlet, w["oils"]): oils, (outlet, w["fluids"]): fluids}, version)


def dealer_lines():
    """{external id: (quantity, amount)} of the lines dealers' reports wrote."""
    return {
        external_id: (quantity, amount)
        for external_id, quantity, amount in SalesLine.objects.filter(source="dealer").values_list(
            "external_id", "quantity", "amount"
        )
    }


def draft(w, product, quantity, amount, *, day=None, outlet="alpha_outlet", user="dealer"):
    """A draft entry of alpha (entered by its dealer user) in the current quarter."""
    return SaleEntry.objects.create(
        organisation=w["alpha"],
        outlet=w[outlet] if outlet else None,
        product=product,
        product_group=product.group,
        date=day or today(),
        quantity=Decimal(quantity),
        amount=Decimal(amount),
        created_by=w[user],
    )


def close(quarter: Quarter) -> ReportingPeriod:
    return ReportingPeriod.objects.update_or_create(
        quarter_start=quarter.start, defaults={"is_closed": True}
    )[0]
