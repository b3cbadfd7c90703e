"""Authentication backend: Django's model backend, answering from the user's scope, which
reads the model permissions in the request's one access query (crm.accounts.scopes)."""

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from crm.accounts.scopes import scope_of

# Stands for the user's id while the query is compiled; each request passes its own.
_ANY_USER = -1


@cache
def permissions_sql() -> str:
    """SQL of the user's own and their roles' permissions (app label, codename), compiled by
    the ORM once per process and run inside the scope query. Two small id subqueries: an OR
    across both joins multiplies rows first. Its only parameters are the user's id, twice."""
    own = Permission.user_set.through.objects.filter(user_id=_ANY_USER)
    roles = Permission.group_set.through.objects.filter(
        group__in=Permission.group_set.field.model.user_set.through.objects.filter(
            user_id=_ANY_USER
        ).values("group_id")
    )
    permissions = Permission.objects.filter(
        Q(pk__in=own.values("permission_id")) | Q(pk__in=roles.values("permission_id"))
    )
    rows = permissions.order_by().values_list("content_type__app_label", "codename")
    sql, params = rows.query.sql_with_params()
    if list(params) != [_ANY_USER, _ANY_USER]:
        raise AssertionError(f"Unexpected parameters of the permissions query: {params}")
    return sql


class CrmModelBackend(ModelBackend):
    """Model permissions from the user's own and their roles' grants, read with the scope
    (no query of their own; Django's backend needs two), cached on the user object for the
    request. ``user.refresh_access()`` forgets both."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename")
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
            else:
                user_obj._perm_cache = set(scope_of(user_obj).permissions)
        return user_obj._perm_cache
