"""Base classes of API endpoints, and the schema and Swagger UI views."""

from django.conf import settings
from django.contrib.auth.decorators import user_passes_test
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import viewsets
from rest_framework.permissions import IsAdminUser

from crm.core.api.pagination import ApiCursorPagination
from crm.core.api.permissions import HasScope, IsStaffOrApiKey


class ReadOnlyApiViewSet(viewsets.ReadOnlyModelViewSet):
    """List and read, for API keys holding ``required_scopes`` (or staff with view rights).

    ``filter_fields`` maps a query parameter to a foreign key whose id it filters by, e.g.
    ``{"region": "region_id"}`` for ``?region=12``.
    """

    permission_classes = [HasScope]
    pagination_class = ApiCursorPagination
    required_scopes: list[str] | dict[str, list[str]] = []
    filter_fields: dict[str, str] = {}

    def get_queryset(self):
        queryset = super().get_queryset()
        for param, field in self.filter_fields.items():
            value = self.request.query_params.get(param)
            if value is not None:
                queryset = queryset.filter(**{field: int(value) if value.isdigit() else -1})
        return queryset


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, for API keys and staff only (it maps the whole attack surface)."""

    permission_classes = [IsStaffOrApiKey]
    # JSON first, so the document and its errors are JSON unless ?format=yaml is asked for.
    renderer_classes = [
        OpenApiJsonRenderer,
        OpenApiJsonRenderer2,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
    ]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files; the init script is a separate
    request, so the page works under our CSP (no inline script or style)."""

    permission_classes = [IsAdminUser]
    template_name = "api/swagger_ui.html"


def staff_required(view):
    """Send anonymous visitors and non-staff users to the CRM's login page."""
    return user_passes_test(lambda user: user.is_active and user.is_staff, settings.LOGIN_URL)(view)
