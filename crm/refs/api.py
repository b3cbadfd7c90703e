"""Read-only API of the geography dictionary, for the ERP and the website.

Lists are cursor-paginated and filter by the parent level's id (``?country=``, ``?district=``,
``?region=``); a single row is addressed by its external code: ``/api/v1/refs/regions/RU-77/``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from crm.core.api.views import ReadOnlyApiViewSet
from crm.refs.models import City, Country, FederalDistrict, Region

SCOPES = ["refs:read"]


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["id", "external_code", "name", "iso_code", "is_active"]


class FederalDistrictSerializer(serializers.ModelSerializer):
    country_code = serializers.CharField(source="country.external_code", read_only=True)

    class Meta:
        model = FederalDistrict
        fields = ["id", "external_code", "name", "country", "country_code", "is_active"]


class RegionSerializer(serializers.ModelSerializer):
    district_code = serializers.CharField(source="district.external_code", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "external_code", "name", "code", "district", "district_code", "is_active"]


class CitySerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.external_code", read_only=True)

    class Meta:
        model = City
        fields = ["id", "external_code", "name", "region", "region_code", "is_active"]


def _parent_filter(param: str, label: str):
    """Document ``?<param>=<id>`` on the list action of a viewset."""
    return extend_schema_view(
        list=extend_schema(
            parameters=[
                OpenApiParameter(param, OpenApiTypes.INT, description=f"Only rows of this {label}")
            ]
        )
    )


class DictionaryViewSet(ReadOnlyApiViewSet):
    """A geography level: read with the refs:read scope, addressed by external code."""

    required_scopes = SCOPES
    lookup_field = "external_code"
    lookup_value_regex = "[^/]+"


class CountryViewSet(DictionaryViewSet):
    queryset = Country.objects.all()
    serializer_class = CountrySerializer


@_parent_filter("country", "country (id)")
class FederalDistrictViewSet(DictionaryViewSet):
    queryset = FederalDistrict.objects.select_related("country")
    serializer_class = FederalDistrictSerializer
    filter_fields = {"country": "country_id"}


@_parent_filter("district", "federal district (id)")
class RegionViewSet(DictionaryViewSet):
    queryset = Region.objects.select_related("district")
    serializer_class = RegionSerializer
    filter_fields = {"district": "district_id"}


@_parent_filter("region", "region (id)")
class CityViewSet(DictionaryViewSet):
    queryset = City.objects.select_related("region")
    serializer_class = CitySerializer
    filter_fields = {"region": "region_id"}


def register(router) -> None:
    """Add the geography endpoints to the API router (crm/core/api/urls.py)."""
    router.register("refs/countries", CountryViewSet, basename="country")
    router.register("refs/federal-districts", FederalDistrictViewSet, basename="federal-district")
    router.register("refs/regions", RegionViewSet, basename="region")
    router.register("refs/cities", CityViewSet, basename="city")
