"""Reads about users used by several pages."""

from crm.accounts.models import User


def user_team(user: User) -> list[User]:
    """The user's direct subordinates with their positions, in one query."""
    return list(
        user.subordinates.filter(is_active=True)
        .select_related("position__org_unit")
        .order_by("last_name", "first_name")
    )


def user_with_org(user_id: int) -> User:
    """The user with position, org unit and line manager loaded in one query."""
    return User.objects.select_related("position__org_unit", "manager__position").get(pk=user_id)
