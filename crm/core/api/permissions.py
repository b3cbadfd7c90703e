"""API permissions: an API key needs the view's scopes; a logged-in administrator browsing the
API (Swagger UI) needs the model permission of the action instead."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from crm.core.models import ApiKey

# HTTP method -> the Django model permission a session user needs for it.
_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def required_scopes_for(view, method: str) -> list[str]:
    """``required_scopes`` is a list (every method) or a dict {method: list}; empty = none."""
    scopes = getattr(view, "required_scopes", None) or []
    if isinstance(scopes, dict):
        scopes = scopes.get(method, [])
    return list(scopes)


class HasScope(BasePermission):
    """Fail closed: an API key must hold every scope the view declares (a view that declares
    none is closed to keys); a session user must be staff with the model permission."""

    message = _("This API key or user is not allowed to do this.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if isinstance(request.auth, ApiKey):
            required = required_scopes_for(view, request.method)
            return bool(required) and set(required) <= set(request.auth.scopes)
        return user.is_staff and user.has_perm(self._model_permission(view, request.method))

    @staticmethod
    def _model_permission(view, method: str) -> str:
        opts = view.get_queryset().model._meta
        return f"{opts.app_label}.{_ACTIONS.get(method, 'view')}_{opts.model_name}"


class IsStaffOrApiKey(BasePermission):
    """The OpenAPI schema: any valid API key, or a logged-in staff member."""

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiKey):
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
