"""API keys: only the hash is stored; wrong, revoked and expired keys get 401; scopes gate."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone, translation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from crm.core.api.authentication import LAST_USED_RESOLUTION, ApiKeyAuthentication
from crm.core.api.services import api_key_revoke
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.core.models import ApiKey
from crm.refs.models import CityEvent
from tests.factories import CityFactory

REGIONS = "/api/v1/refs/regions/"
pytestmark = pytest.mark.django_db


def message(text: str) -> str:
    """The message as an anonymous client sees it: in Russian, the default language."""
    with translation.override("ru"):
        return translation.gettext(text)


def test_valid_key_reads_an_endpoint_of_its_scope(api_get, raw_key, geography):
    response = api_get(REGIONS, raw_key)
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {"77", "69"}


def test_only_the_hash_of_a_key_is_stored(make_key):
    key, raw = make_key()
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in {str(value) for value in stored.values()}
    assert stored["key_hash"] == ApiKey.hash_key(raw)
    assert raw.startswith(f"{stored['prefix']}.")


def test_wrong_secret_is_refused_with_401(api_get, raw_key):
    prefix = raw_key.split(".")[0]
    response = api_get(REGIONS, f"{prefix}.not-the-secret")
    assert response.status_code == 401
    assert response.json()["detail"] == message("Invalid API key.")
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("header", ["Api-Key", "Api-Key nonsense", "Api-Key abcdefgh.", "Bearer x"])
def test_malformed_or_foreign_credentials_get_401(client, header):
    response = client.get(REGIONS, headers={"Authorization": header})
    assert response.status_code == 401


def test_revoked_key_is_refused_with_a_clear_message(api_get, make_key):
    key, raw = make_key()
    assert api_key_revoke(None, key=key) is True
    response = api_get(REGIONS, raw)
    assert response.status_code == 401
    assert response.json()["detail"] == message("This API key has been revoked.")


def test_expired_key_is_refused(api_get, make_key):
    _key, raw = make_key(expires_at=timezone.now() - timedelta(seconds=1))
    response = api_get(REGIONS, raw)
    assert response.status_code == 401
    assert response.json()["detail"] == message("This API key has expired.")


def test_key_of_a_disabled_service_user_is_refused(api_get, make_key, service_user):
    _key, raw = make_key()
    service_user.is_active = False
    service_user.save(update_fields=["is_active"])
    assert api_get(REGIONS, raw).status_code == 401


def test_key_without_the_scope_gets_403(api_get, make_key):
    _key, raw = make_key(scopes=[])
    assert api_get(REGIONS, raw).status_code == 403


def test_key_with_another_scope_gets_403(api_get, make_key):
    _key, raw = make_key(scopes=["sales:write"])
    assert api_get(REGIONS, raw).status_code == 403


def test_no_credentials_get_401(client):
    assert client.get(REGIONS).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(api_get, make_key):
    key, raw = make_key()
    assert key.last_used_at is None
    api_get(REGIONS, raw)
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    assert timezone.now() - first < timedelta(seconds=10)

    api_get(REGIONS, raw)
    key.refresh_from_db()
    assert key.last_used_at == first  # within the minute: no write

    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - LAST_USED_RESOLUTION)
    api_get(REGIONS, raw)
    key.refresh_from_db()
    assert key.last_used_at > first


def test_session_user_without_staff_rights_cannot_use_the_api(logged_in, sales_manager):
    client = logged_in(sales_manager)
    assert client.get(REGIONS).status_code == 403


def test_staff_session_needs_the_model_view_permission(logged_in, make_user):
    staff = make_user(username="clerk", is_staff=True)
    client = logged_in(staff)
    assert client.get(REGIONS).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_region"))
    assert client.get(REGIONS).status_code == 200


def test_admin_session_browses_the_api(verified_admin, geography):
    assert verified_admin.get(REGIONS).status_code == 200


def test_writes_under_an_api_key_are_audited_with_the_key_and_its_user(make_key, service_user):
    key, raw = make_key()
    request = Request(APIRequestFactory().get(REGIONS, HTTP_AUTHORIZATION=f"Api-Key {raw}"))
    with audit_context(source=Source.ERP, channel=Channel.API):
        user, auth = ApiKeyAuthentication().authenticate(request)
        city = CityFactory(name="Тестовск")
    assert (user, auth) == (service_user, key)
    event = CityEvent.objects.select_related("pgh_context").get(pgh_obj=city)
    metadata = event.pgh_context.metadata
    assert metadata["api_key"] == key.prefix
    assert metadata["user"] == service_user.pk
    assert metadata["username"] == "erp-sync"
    assert metadata["channel"] == "api"
