"""Churned clients at the boundary days: the window starts 90 days before the 1st of the month;
a purchase on that day keeps a client, one the day before does not; a return inside the window
is not a purchase; a new sale brings a churned client back; potential clients are left alone;
managers hear of their churned clients once."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.clients.models import OrganisationStatus
from crm.core.choices import Channel, Source
from crm.sales import churn
from crm.sales.services import record_lines
from tests.factories import UserFactory
from tests.sales.factories import OrganisationFactory, ProductGroupFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)
START = date(2026, 11, 1) - timedelta(days=90)  # 2026-08-03


def buy(organisation, day: date, amount="100", tag=""):
    group = ProductGroupFactory()
    record_lines(
        [
            {
                "external_id": f"{organisation.pk}-{day}-{amount}{tag}",
                "flow": "sell_in",
                "date": day,
                "quantity": Decimal(amount) / 100,
                "amount": Decimal(amount),
                "buyer_id": organisation.pk,
                "product_group_id": group.pk,
            }
        ],
        source=Source.ERP,
        channel=Channel.SYNC,
    )


def status(organisation) -> str:
    organisation.refresh_from_db()
    return organisation.status


def test_the_window_starts_90_days_before_the_first_of_the_month():
    assert churn.window_start(TODAY) == START == date(2026, 8, 3)
    assert churn.window_start(date(2026, 12, 1)) == date(2026, 9, 2)


def test_boundary_days_returns_and_coming_back():
    manager = UserFactory(username="churn-manager", role="sales_manager")
    on_start = OrganisationFactory(owner=manager)
    buy(on_start, START)
    day_before = OrganisationFactory(owner=manager)
    buy(day_before, START - timedelta(days=1))
    only_return = OrganisationFactory(owner=manager)
    buy(only_return, START - timedelta(days=10))
    buy(only_return, START + timedelta(days=5), amount="-100")
    this_month = OrganisationFactory(owner=manager)
    buy(this_month, date(2026, 11, 1))
    never = OrganisationFactory(owner=manager)
    potential = OrganisationFactory(owner=manager, status=OrganisationStatus.POTENTIAL)

    result = churn.recompute(TODAY)

    assert status(on_start) == OrganisationStatus.ACTIVE
    assert status(day_before) == OrganisationStatus.CHURNED
    assert status(only_return) == OrganisationStatus.CHURNED  # a return is not a purchase
    assert status(this_month) == OrganisationStatus.ACTIVE
    assert status(never) == OrganisationStatus.CHURNED
    assert status(potential) == OrganisationStatus.POTENTIAL
    assert sorted(result.churned) == sorted([day_before.pk, only_return.pk, never.pk])
    note = manager.notifications.get(event_type="sales.clients_churned")
    assert "3" in note.title
    assert f"owner={manager.pk}" in note.url
    assert "status=churned" in note.url

    again = churn.recompute(TODAY)  # nothing moves twice, nobody is told twice
    assert (again.churned, again.reactivated) == ([], [])
    assert manager.notifications.filter(event_type="sales.clients_churned").count() == 1

    buy(day_before, TODAY)  # a new sale
    back = churn.recompute(TODAY)
    assert back.reactivated == [day_before.pk]
    assert status(day_before) == OrganisationStatus.ACTIVE
    event = (
        type(day_before).pgh_event_model.objects.filter(pgh_obj_id=day_before.pk).latest("pgh_id")
    )
    assert event.status == OrganisationStatus.ACTIVE
    assert event.pgh_context.metadata["source"] == Source.SYSTEM


def test_the_nightly_task_runs_it():
    from crm.sales.tasks import recompute_churn

    OrganisationFactory()  # active, never bought
    outcome = recompute_churn.apply().get()
    assert outcome["churned"] == 1
