"""An org structure of the security tests' own: two region units, an office, their managers,
the outside roles, and organisations in and out of each manager's scope."""

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from crm.accounts.models import OrgUnitKind
from crm.clients.models import Contact, Organisation
from crm.core import memo
from crm.core.api.services import api_key_create
from crm.outlets.models import Outlet
from tests.conftest import add_totp_device
from tests.factories import OrgUnitFactory, PositionFactory, RegionFactory, UserFactory

ORG_API = "/api/v1/clients/organisations/"
CONTACT_API = "/api/v1/clients/contacts/"
OUTLET_API = "/api/v1/outlets/"


def add_perms(user, *codenames, app="clients"):
    """Give one user extra permissions of an app (beyond their role's defaults)."""
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
    )


def build_world():
    """Moscow region unit (regions 77, 50) with an office; St Petersburg unit (78).

    The regional manager heads Moscow; ``manager`` and ``colleague`` sit in the Moscow office
    (``manager`` reports to the regional manager); ``stranger`` sells in St Petersburg. No
    Region rows come from migrations (geography is loaded by the demo), so they are made here.
    """
    cache.clear()
    memo.forget_all()  # dictionary and owner choices are kept per process
    moscow_city = RegionFactory(name="Москва", code="77")
    moscow_oblast = RegionFactory(
        name="Московская область", code="50", district=moscow_city.district
    )
    spb = RegionFactory(name="Санкт-Петербург", code="78", district=moscow_city.district)
    moscow_unit = OrgUnitFactory(name="Регион Москва", kind=OrgUnitKind.REGION)
    moscow_unit.regions.add(moscow_city, moscow_oblast)
    spb_unit = OrgUnitFactory(name="Регион Петербург", kind=OrgUnitKind.REGION)
    spb_unit.regions.add(spb)
    office = OrgUnitFactory(name="Московский офис", kind=OrgUnitKind.OFFICE, parent=moscow_unit)

    regional = UserFactory(
        username="regional",
        role="regional_manager",
        position=PositionFactory(name="Региональный директор", org_unit=moscow_unit, is_head=True),
    )
    sales_position = PositionFactory(name="Менеджер по продажам", org_unit=office)
    manager = UserFactory(
        username="manager", role="sales_manager", position=sales_position, manager=regional
    )
    colleague = UserFactory(
        username="colleague",
        role="sales_manager",
        position=PositionFactory(name="Старший менеджер", org_unit=office),
    )
    stranger = UserFactory(
        username="stranger",
        role="sales_manager",
        position=PositionFactory(name="Менеджер СПб", org_unit=spb_unit),
    )
    # The manager may also delete and export, so that 404 (not 403) answers out-of-scope rows.
    add_perms(
        manager,
        "delete_organisation",
        "export_organisation",
        "delete_contact",
        "export_contact",
    )
    add_perms(manager, "delete_outlet", "export_outlet", app="outlets")
    head = UserFactory(username="head", role="head_of_sales")
    analyst = UserFactory(username="analyst", role="analyst")
    dealer = UserFactory(username="dealer", role="dealer")
    auditor = UserFactory(username="auditor", role="auditor")
    add_totp_device(auditor)  # auditors must pass a second factor before any page
    nobody = UserFactory(username="nobody")  # a user without any role

    mine = Organisation.objects.create(
        name="Альфа-Мой", region=moscow_city, owner=manager, inn="7707083893"
    )
    colleagues = Organisation.objects.create(
        name="Бета-Коллеги", region=moscow_oblast, owner=colleague
    )
    unplaced = Organisation.objects.create(name="Вега-Без-Региона", owner=manager)
    foreign = Organisation.objects.create(
        name="Зюйд-Питер-Чужой", region=spb, owner=stranger, inn="7736050003"
    )
    contacts = {
        key: Contact.objects.create(organisation=org, last_name=f"Контактов-{key}")
        for key, org in (("mine", mine), ("colleagues", colleagues), ("foreign", foreign))
    }
    outlets = {
        key: Outlet.objects.create(
            dealer=org, name=f"Точка-{key}", region=org.region, owner=org.owner
        )
        for key, org in (("mine", mine), ("colleagues", colleagues), ("foreign", foreign))
    }
    return {
        "outlets": outlets,
        "regions": {"77": moscow_city, "50": moscow_oblast, "78": spb},
        "units": {"moscow": moscow_unit, "spb": spb_unit, "office": office},
        "sales_position": sales_position,
        "regional": regional,
        "manager": manager,
        "colleague": colleague,
        "stranger": stranger,
        "head": head,
        "analyst": analyst,
        "dealer": dealer,
        "auditor": auditor,
        "nobody": nobody,
        "mine": mine,
        "colleagues": colleagues,
        "unplaced": unplaced,
        "foreign": foreign,
        "contacts": contacts,
    }


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def api_key_for():
    """api_key_for(user) -> a raw read-write clients key acting as that user."""

    def make(user, scopes=("clients:read", "clients:write", "outlets:read", "outlets:write")):
        return api_key_create(None, name=f"key-{user.username}", user=user, scopes=list(scopes))[1]

    return make


@pytest.fixture
def api_get(client):
    def get(url, key=None, **params):
        headers = {"Authorization": f"Api-Key {key}"} if key else {}
        return client.get(url, params, headers=headers)

    return get
