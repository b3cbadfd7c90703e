"""REST API of outlets, under the same policy as the pages: read with ``outlets:read``, write
with ``outlets:write``; changes send the record's ``version``."""

from crm.core.api.records import RecordSerializer, RecordViewSet, contains, record_schema
from crm.outlets.models import Outlet

SCOPES = {
    "GET": ["outlets:read"],
    "HEAD": ["outlets:read"],
    "OPTIONS": ["outlets:read"],
    "POST": ["outlets:write"],
    "PATCH": ["outlets:write"],
    "DELETE": ["outlets:write"],
}


class OutletSerializer(RecordSerializer):
    """An outlet of a dealer (its id); ``brands`` and ``contacts`` are lists of ids; the
    coordinates are set by the geocoder. Send ``version`` with a change."""

    class Meta:
        model = Outlet
        fields = "__all__"
        read_only_fields = ["latitude", "longitude", "geo_precision"]


@record_schema
class OutletViewSet(RecordViewSet):
    """Outlets in the service user's scope."""

    model = Outlet
    serializer_class = OutletSerializer
    required_scopes = SCOPES
    filter_fields = {
        "dealer": "dealer_id",
        "status": "status",
        "region": "region_id",
        "owner": "owner_id",
        "erp_key": "erp_key",
        "updated_since": "updated_at__gte",
    }
    search_fields = [("name", contains("name")), ("address", contains("address"))]
    ordering_fields = ("id", "name", "status", "created_at", "updated_at")


def register(router) -> None:
    router.register("outlets", OutletViewSet, basename="outlet")
