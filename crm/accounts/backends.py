"""Authentication backend: Django's model backend, answering from the user's scope, which
reads the model permissions in the request's one access query (crm.accounts.scopes)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from crm.accounts.scopes import load_user, scope_of


class CrmModelBackend(ModelBackend):
    """Model permissions from the user's own and their roles' grants, read with the scope
    (no query of their own; Django's backend needs two), cached on the user object for the
    request. ``user.refresh_access()`` forgets both."""

    def get_user(self, user_id):
        """The session's user, read with their scope in one statement (``load_user``)."""
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

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
