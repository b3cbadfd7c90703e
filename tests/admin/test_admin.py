"""The admin pages for the org structure, geography, keys and notifications render quickly."""

import pytest
from django.urls import reverse

from crm.core.models import ApiKey

pytestmark = pytest.mark.django_db


def test_creating_an_api_key_shows_the_raw_key_once(client, admin_user, logged_in):
    logged_in(admin_user)
    response = client.post(
        reverse("admin:core_apikey_add"),
        {"name": "Сайт", "user": admin_user.pk, "scopes": "refs:read"},
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    raw = shown[0].rsplit(" ", 1)[-1]
    assert raw.startswith(key.prefix + ".")
    assert key.key_hash == ApiKey.hash_key(raw)
    page = client.get(reverse("admin:core_apikey_change", args=[key.pk])).content.decode()
    assert raw not in page
    assert key.key_hash not in page


def test_revoking_keys_from_the_list(client, admin_user, logged_in):
    logged_in(admin_user)
    prefix, _raw = ApiKey.generate()
    key = ApiKey.objects.create(name="x", user=admin_user, prefix=prefix, key_hash="0" * 64)
    client.post(
        reverse("admin:core_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_sales_staff_never_reach_the_admin(client, sales_manager):
    client.force_login(sales_manager)
    response = client.get("/admin/")
    assert response.status_code == 302


def test_an_announcement_reaches_selected_users(client, admin_user, logged_in, sales_manager):
    logged_in(admin_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "send_announcement",
            "_selected_action": [sales_manager.pk],
            "apply": "1",
            "title": "Обновление CRM в субботу",
            "body": "С 10:00 до 11:00",
        },
    )
    assert response.status_code == 302
    assert sales_manager.notifications.get().title == "Обновление CRM в субботу"
