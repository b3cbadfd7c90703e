"""A value switched off (a dictionary entry, a brand, a former employee) is no longer offered
in forms, and stays on the records that carry it: saving such a record keeps it."""

import pytest

from crm.catalog.models import Brand
from crm.clients.forms import OrganisationBulkForm, OrganisationForm
from crm.clients.models import Organisation
from crm.outlets.forms import OutletForm
from crm.outlets.models import Outlet
from crm.refs.models import ClientType
from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user):
    return make_user(username="seller", role="sales_manager", position=PositionFactory())


@pytest.fixture
def types():
    return {
        "shop": ClientType.objects.create(name="Автомагазин"),
        "old": ClientType.objects.create(name="Прежний тип", is_active=False),
    }


def offered(form, name) -> set:
    return set(form.fields[name].queryset.values_list("pk", flat=True))


def test_a_new_record_is_not_offered_an_inactive_value(seller, types):
    assert offered(OrganisationForm(user=seller), "client_type") == {types["shop"].pk}
    posted = OrganisationForm(
        {"name": "Новая", "kind": "client", "status": "potential", "client_type": types["old"].pk},
        user=seller,
    )
    assert not posted.is_valid()
    assert "client_type" in posted.errors


def test_a_record_keeps_its_inactive_value_when_saved(seller, types):
    org = Organisation.objects.create(name="Старый клиент", owner=seller, client_type=types["old"])
    form = OrganisationForm(instance=org, user=seller)
    assert offered(form, "client_type") == {types["shop"].pk, types["old"].pk}
    data = {
        "name": org.name,
        "kind": org.kind,
        "status": org.status,
        "counterparty_type": org.counterparty_type,
        "owner": seller.pk,
        "client_type": types["old"].pk,
        "version": org.version,
    }
    bound = OrganisationForm(data, instance=org, user=seller)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["client_type"] == types["old"]


def test_bulk_edit_offers_only_active_values(seller, types):
    assert offered(OrganisationBulkForm(user=seller), "client_type") == {types["shop"].pk}


def test_an_outlet_keeps_a_brand_that_was_switched_off(seller):
    dealer = Organisation.objects.create(name="Дилер", kind="dealer", owner=seller)
    current, retired = Brand.objects.create(name="Текущий"), Brand.objects.create(name="Снятый")
    outlet = Outlet.objects.create(dealer=dealer, name="Точка", owner=seller)
    outlet.brands.add(current, retired)
    Brand.objects.filter(pk=retired.pk).update(is_active=False)
    assert offered(OutletForm(instance=outlet, user=seller), "brands") == {current.pk, retired.pk}
    assert offered(OutletForm(user=seller), "brands") == {current.pk}


def test_a_former_employee_stays_the_manager_of_their_records_until_reassigned(seller, make_user):
    leaver = make_user(username="leaver", role="sales_manager", position=PositionFactory())
    org = Organisation.objects.create(name="Клиент ушедшего", owner=leaver)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    assert leaver.pk in offered(OrganisationForm(instance=org, user=seller), "owner")
    assert leaver.pk not in offered(OrganisationForm(user=seller), "owner")
    # Only staff with a position are offered: an administrator without one is not.
    admin = make_user(username="boss", role="administrator")
    assert admin.pk not in offered(OrganisationForm(user=seller), "owner")
