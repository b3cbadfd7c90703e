"""Fixtures of the API tests: service users, keys, a small geography, a verified admin."""

import pytest

from crm.core.api.services import api_key_create
from tests.conftest import add_totp_device
from tests.factories import CityFactory, RegionFactory


@pytest.fixture
def service_user(make_user):
    """The user an integration's key acts as (no roles, no staff rights)."""
    return make_user(username="erp-sync")


@pytest.fixture
def make_key(service_user):
    """make_key(scopes=[...], **fields) -> (ApiKey, raw key)."""

    def make(scopes=("refs:read",), **fields):
        return api_key_create(None, name="ERP", user=service_user, scopes=list(scopes), **fields)

    return make


@pytest.fixture
def raw_key(make_key):
    return make_key()[1]


@pytest.fixture
def api_get(client):
    """GET an API URL with an ``Authorization: Api-Key ...`` header."""

    def get(url, key=None, **params):
        headers = {"Authorization": f"Api-Key {key}"} if key else {}
        return client.get(url, params, headers=headers)

    return get


@pytest.fixture
def verified_admin(admin_user, logged_in):
    """A test client logged in as a superuser who passed the second factor."""
    if not admin_user.totpdevice_set.filter(confirmed=True).exists():
        add_totp_device(admin_user)
    return logged_in(admin_user)


@pytest.fixture
def geography(db):
    """Two regions of one district with three cities in the first: enough to filter by."""
    moscow = RegionFactory(name="Москва", code="77", external_code="RU-77")
    tver = RegionFactory(name="Тверская область", code="69", district=moscow.district)
    cities = [
        CityFactory(region=moscow, name=name, external_code=f"RU-77-{index}")
        for index, name in enumerate(["Москва", "Зеленоград", "Троицк"])
    ]
    CityFactory(region=tver, name="Тверь")
    return {"moscow": moscow, "tver": tver, "moscow_cities": cities}
