"""Reads about users used by several pages."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.accounts.models import User
from crm.core.bulk import fetch_instances

# What the team table shows of each person: a regional manager has a hundred direct reports,
# and their password hashes and login times were most of the query's bytes and conversions.
TEAM_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "middle_name",
    "email",
    "phone",
    "position__name",
)


def user_team(user: User) -> list[User]:
    """The user's direct subordinates with their positions, in one query (a head of sales has
    a few hundred: built by the fast instance builder, not the ORM's iterator)."""
    return fetch_instances(
        User.objects.filter(manager=user, is_active=True)
        .select_related("position")
        .only(*TEAM_FIELDS)
        .order_by("last_name", "first_name")
    )


# The home page's "About me": names, position with its org unit, the line manager.
ABOUT_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "middle_name",
    "position__name",
    "position__org_unit__name",
    "manager__username",
    "manager__last_name",
    "manager__first_name",
    "manager__middle_name",
    "manager__position__name",
)


def user_with_org(user_id: int, *, fields: tuple[str, ...] | None = None) -> User:
    """The user with position, org unit and line manager loaded in one query; only ``fields``
    (and what they go through) where given."""
    users = User.objects.select_related("position__org_unit", "manager__position")
    if fields is not None:
        users = users.only(*fields)
    return users.get(pk=user_id)


def user_confirmed_otp_device(user: User) -> TOTPDevice | None:
    """The user's authenticator (the oldest confirmed TOTP device), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
