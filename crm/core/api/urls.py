"""The REST API, version 1 (included at /api/v1/): schema, Swagger UI and the endpoints."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from crm.catalog import api as catalog_api
from crm.clients import api as clients_api
from crm.core.api.views import SchemaView, SwaggerView, staff_required
from crm.outlets import api as outlets_api
from crm.refs import api as refs_api

app_name = "api"

router = SimpleRouter(trailing_slash=True)
refs_api.register(router)
clients_api.register(router)
catalog_api.register(router)
outlets_api.register(router)

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", staff_required(SwaggerView.as_view(url_name="api:schema")), name="docs"),
    *router.urls,
]
