"""API permissions: an API key needs the view's scope; a logged-in person needs the model
permission of the action."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from crm.core.models import ApiKey

_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class HasScopeOrModelPermission(BasePermission):
    """Views declare ``required_scopes = {"GET": "refs:read", ...}`` or a single string."""

    message = "This key or user may not do this."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        scope = self._scope(view, request.method)
        if isinstance(request.auth, ApiKey):
            return (
                scope is not None
                and scope in request.auth.scopes
                and self._model_perm(request, view)
            )
        return self._model_perm(request, view)

    @staticmethod
    def _scope(view, method):
        scopes = getattr(view, "required_scopes", None)
        if isinstance(scopes, str):
            return scopes if method in SAFE_METHODS else None
        return (scopes or {}).get(method)

    @staticmethod
    def _model_perm(request, view):
        model = view.get_queryset().model
        action = _ACTIONS.get(request.method, "view")
        return request.user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
