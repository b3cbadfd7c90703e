"""Read-only API of the dictionaries (geography and the rest), for the ERP and the website.

Lists are cursor-paginated and filter by the parent level's id (``?country=``, ``?district=``,
``?region=``); a single row is addressed by its external code: ``/api/v1/refs/regions/RU-77/``.
Rows without an external code are not addressable one by one; units of measure are addressed by
their OKEI code and banks by their BIK instead.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from crm.core.api.views import ReadOnlyApiViewSet
from crm.refs.models import (
    Bank,
    City,
    ClientCategory,
    ClientType,
    Country,
    FederalDistrict,
    LeadSource,
    OutletFormat,
    PaymentForm,
    Region,
    SalesChannel,
    UnitOfMeasure,
    Warehouse,
)

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


def _simple_viewset(model):
    """A read viewset of a plain named dictionary (id, external code, name, active)."""
    serializer = type(
        f"{model.__name__}Serializer",
        (serializers.ModelSerializer,),
        {
            "Meta": type(
                "Meta", (), {"model": model, "fields": ["id", "external_code", "name", "is_active"]}
            )
        },
    )
    return type(
        f"{model.__name__}ViewSet",
        (DictionaryViewSet,),
        {"queryset": model.objects.all(), "serializer_class": serializer, "__doc__": model.__doc__},
    )


class UnitOfMeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitOfMeasure
        fields = ["id", "external_code", "code", "symbol", "name", "is_active"]


class UnitOfMeasureViewSet(DictionaryViewSet):
    """Units of measure, addressed by their OKEI code: ``/api/v1/refs/units/796/``."""

    queryset = UnitOfMeasure.objects.all()
    serializer_class = UnitOfMeasureSerializer
    lookup_field = "code"


class BankSerializer(serializers.ModelSerializer):
    city_code = serializers.CharField(source="city.external_code", read_only=True, default="")

    class Meta:
        model = Bank
        fields = [
            "id",
            "external_code",
            "bik",
            "name",
            "corr_account",
            "city",
            "city_code",
            "is_active",
        ]


@_parent_filter("city", "city (id)")
class BankViewSet(DictionaryViewSet):
    """Banks, addressed by their BIK: ``/api/v1/refs/banks/044525225/``."""

    queryset = Bank.objects.select_related("city")
    serializer_class = BankSerializer
    lookup_field = "bik"
    filter_fields = {"city": "city_id"}


class PaymentFormSerializer(serializers.ModelSerializer):
    bank_bik = serializers.CharField(source="bank.bik", read_only=True, default="")

    class Meta:
        model = PaymentForm
        fields = ["id", "external_code", "name", "bank", "bank_bik", "is_active"]


@_parent_filter("bank", "bank (id)")
class PaymentFormViewSet(DictionaryViewSet):
    queryset = PaymentForm.objects.select_related("bank")
    serializer_class = PaymentFormSerializer
    filter_fields = {"bank": "bank_id"}


class WarehouseSerializer(serializers.ModelSerializer):
    city_code = serializers.CharField(source="city.external_code", read_only=True, default="")

    class Meta:
        model = Warehouse
        fields = ["id", "external_code", "name", "city", "city_code", "address", "is_active"]


@_parent_filter("city", "city (id)")
class WarehouseViewSet(DictionaryViewSet):
    queryset = Warehouse.objects.select_related("city")
    serializer_class = WarehouseSerializer
    filter_fields = {"city": "city_id"}


# URL prefix -> (dictionary, route basename)
SIMPLE = {
    "client-types": (ClientType, "client-type"),
    "client-categories": (ClientCategory, "client-category"),
    "sales-channels": (SalesChannel, "sales-channel"),
    "lead-sources": (LeadSource, "lead-source"),
    "outlet-formats": (OutletFormat, "outlet-format"),
}


def register(router) -> None:
    """Add the dictionary endpoints to the API router (crm/core/api/urls.py)."""
    router.register("refs/countries", CountryViewSet, basename="country")
    router.register("refs/federal-districts", FederalDistrictViewSet, basename="federal-district")
    router.register("refs/regions", RegionViewSet, basename="region")
    router.register("refs/cities", CityViewSet, basename="city")
    for prefix, (model, basename) in SIMPLE.items():
        router.register(f"refs/{prefix}", _simple_viewset(model), basename=basename)
    router.register("refs/units", UnitOfMeasureViewSet, basename="unit")
    router.register("refs/banks", BankViewSet, basename="bank")
    router.register("refs/payment-forms", PaymentFormViewSet, basename="payment-form")
    router.register("refs/warehouses", WarehouseViewSet, basename="warehouse")
