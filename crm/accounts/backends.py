"""Authentication backend: Django's model backend, reading a user's permissions in one query."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class CrmModelBackend(ModelBackend):
    """Model permissions from the user's own and their roles' grants in one query, cached on
    the user object for the request (Django's backend needs two)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                # Two small id subqueries: an OR across both joins multiplies rows first.
                own = Permission.user_set.through.objects.filter(user_id=user_obj.pk)
                roles = Permission.group_set.through.objects.filter(
                    group__in=user_obj.groups.through.objects.filter(user_id=user_obj.pk).values(
                        "group_id"
                    )
                )
                permissions = permissions.filter(
                    Q(pk__in=own.values("permission_id")) | Q(pk__in=roles.values("permission_id"))
                )
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                )
            }
        return user_obj._perm_cache
