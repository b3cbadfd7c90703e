"""A model permission is answered from the user's permission set, read once per request, and
the answer is Django's: every backend asked in turn gives the same."""

import pytest
from django.contrib.auth.models import Permission, _user_has_perm

pytestmark = pytest.mark.django_db

PERMISSIONS = [
    "clients.view_organisation",
    "clients.change_organisation",
    "clients.export_organisation",
    "outlets.view_outlet",
    "accounts.change_user",
    "no_such_app.do_anything",
]


def djangos_answer(user, perm) -> bool:
    """PermissionsMixin.has_perm: every backend that answers has_perm, asked in turn."""
    if user.is_active and user.is_superuser:
        return True
    return _user_has_perm(user, perm, None)


@pytest.mark.parametrize("role", ["sales_manager", "head_of_sales", "regional_manager", "dealer"])
def test_each_role_gets_djangos_answer(make_user, role, django_assert_num_queries):
    user = make_user(username=f"u-{role}", role=role)
    expected = {
        perm: djangos_answer(type(user).objects.get(pk=user.pk), perm) for perm in PERMISSIONS
    }
    assert any(expected.values())
    fresh = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):  # the permission set, once
        assert {perm: fresh.has_perm(perm) for perm in PERMISSIONS} == expected


def test_superusers_inactive_users_and_objects(make_user, admin_user):
    assert admin_user.has_perm("no_such_app.do_anything")
    manager = make_user(username="anna", role="sales_manager")
    assert manager.has_perm("clients.view_organisation")
    manager.is_active = False
    assert not manager.has_perm("clients.view_organisation")


def test_a_grant_shows_after_refresh_access(make_user):
    user = make_user(username="anna", role="sales_manager")
    assert not user.has_perm("accounts.change_user")
    user.user_permissions.add(Permission.objects.get(codename="change_user"))
    user.refresh_access()
    assert user.has_perm("accounts.change_user")
