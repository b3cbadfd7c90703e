"""The REST API, version 1: schema, Swagger UI (served locally) and the endpoints."""

from django.contrib.admin.views.decorators import staff_member_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from crm.refs import api as refs_api

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("refs/countries", refs_api.CountryViewSet, basename="country")
router.register("refs/federal-districts", refs_api.FederalDistrictViewSet, basename="district")
router.register("refs/regions", refs_api.RegionViewSet, basename="region")
router.register("refs/cities", refs_api.CityViewSet, basename="city")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        staff_member_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    *router.urls,
]
