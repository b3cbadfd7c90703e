"""Reads about users used by several pages."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.accounts.models import User
from crm.core.bulk import fetch_instances


def user_team(user: User) -> list[User]:
    """The user's direct subordinates with their positions, in one query (a head of sales has
    a few hundred: built by the fast instance builder, not the ORM's iterator)."""
    return fetch_instances(
        User.objects.filter(manager=user, is_active=True)
        .select_related("position__org_unit")
        .order_by("last_name", "first_name")
    )


def user_with_org(user_id: int) -> User:
    """The user with position, org unit and line manager loaded in one query."""
    return User.objects.select_related("position__org_unit", "manager__position").get(pk=user_id)


def user_confirmed_otp_device(user: User) -> TOTPDevice | None:
    """The user's authenticator (the oldest confirmed TOTP device), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
