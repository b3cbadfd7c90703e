"""The demo cabinet: "dealer" and "subdealer" act for a demo dealer and its sub-dealer, with
plans, draft entries, submitted reports and sub-dealer lines; a second run changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from crm.accounts.models import User
from crm.accounts.scopes import scope_of
from crm.clients.models import OrganisationKind
from crm.core.periods import Quarter
from crm.sales.models import Plan, SalesLine
from dealers import selectors
from dealers.models import DealerMembership, SaleEntry, SalesReport

pytestmark = pytest.mark.django_db

COUNTED = {"dealers", "sales", "pghistory"}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in COUNTED and model._meta.managed and not model._meta.proxy
    }


def seed():
    call_command("seed_demo", quiet=True, stdout=StringIO())


def test_the_demo_cabinet_is_complete_and_a_second_run_changes_nothing(logged_in):
    seed()
    first = row_counts()
    seed()
    assert row_counts() == first

    current = Quarter.of(selectors.today())
    dealer = DealerMembership.objects.select_related("organisation").get(user__username="dealer")
    sub = DealerMembership.objects.select_related("organisation").get(user__username="subdealer")
    assert dealer.organisation.kind == OrganisationKind.DEALER
    assert sub.organisation.parent_dealer_id == dealer.organisation_id
    user = User.objects.get(username="dealer")
    assert dealer.organisation_id in scope_of(user).dealer_ids
    assert sub.organisation_id in scope_of(user).dealer_ids

    assert Plan.objects.filter(
        organisation=dealer.organisation, period_start=current.start
    ).exists()
    drafts = SaleEntry.objects.filter(organisation=dealer.organisation, recorded=False)
    assert drafts.filter(date__gte=current.start).exists()
    assert SalesReport.objects.filter(
        organisation=dealer.organisation, quarter_start=current.previous().start
    ).exists()
    assert SalesReport.objects.filter(quarter_start=current.start).exists()  # another dealer's
    assert SalesLine.objects.filter(
        source="sub_dealer", seller=sub.organisation, date__gte=current.start
    ).exists()

    # The demo dealer's report opens prefilled in every cell: two clicks are enough.
    home = logged_in(user).get("/cabinet/")
    assert home.context["next_report"].quarter == current
    report = logged_in(user).get(f"/cabinet/reports/{current.year}/{current.number}/")
    cells = report.context["grid"].cells
    assert cells
    assert all(cell.amount is not None for cell in cells)
