"""Read-only API of the geography dictionary, for the ERP and the website."""

from rest_framework import serializers, viewsets

from crm.core.api.permissions import HasScopeOrModelPermission
from crm.refs.models import City, Country, FederalDistrict, Region


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["id", "name", "iso_code", "external_code", "is_active"]


class FederalDistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = FederalDistrict
        fields = ["id", "name", "country", "external_code", "is_active"]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "code", "district", "external_code", "is_active"]


class CitySerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["id", "name", "region", "external_code", "is_active"]


class DictionaryViewSet(viewsets.ReadOnlyModelViewSet):
    """List and read; ``?parent=<id>`` filters by the parent level, ``?external_code=``."""

    permission_classes = [HasScopeOrModelPermission]
    required_scopes = "refs:read"
    parent_field: str | None = None
    ordering = "id"

    def get_queryset(self):
        queryset = self.queryset.all()
        params = self.request.query_params
        if self.parent_field and params.get("parent", "").isdigit():
            queryset = queryset.filter(**{f"{self.parent_field}_id": int(params["parent"])})
        if params.get("external_code"):
            queryset = queryset.filter(external_code=params["external_code"][:64])
        return queryset


class CountryViewSet(DictionaryViewSet):
    queryset = Country.objects.all()
    serializer_class = CountrySerializer


class FederalDistrictViewSet(DictionaryViewSet):
    queryset = FederalDistrict.objects.all()
    serializer_class = FederalDistrictSerializer
    parent_field = "country"


class RegionViewSet(DictionaryViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    parent_field = "district"


class CityViewSet(DictionaryViewSet):
    queryset = City.objects.all()
    serializer_class = CitySerializer
    parent_field = "region"
