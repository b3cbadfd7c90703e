"""Suspicious outlet values flagged before saving (crm.core.sanity): a point far from where the
geocoder puts the address, and floor area or shelf share far from the outlet's own history."""

from django.conf import settings
from django.utils.translation import gettext as _
from geopy.distance import geodesic

from crm.core import sanity
from crm.outlets.models import Outlet

sanity.register(Outlet)(sanity.history_outlier(Outlet, ("area_sqm", "shelf_share")))


@sanity.register(Outlet)
def point_far_from_address(user, obj, values) -> list[sanity.ValueWarning]:
    """A point set by hand more than OUTLET_POINT_TOLERANCE_KM from the geocoded address
    (the geocoder's cached answer only: no request is made while the user waits)."""
    lat, lon, address = values.get("latitude"), values.get("longitude"), values.get("address")
    if lat is None or lon is None or not address or not settings.GEOCODER:
        return []
    if obj is not None and (obj.latitude, obj.longitude) == (lat, lon):
        return []
    from integrations.geocoding.service import cached_result

    answer = cached_result(settings.GEOCODER, address)
    if answer is None or not answer.found or answer.lat is None:
        return []
    km = geodesic((float(lat), float(lon)), (answer.lat, answer.lon)).km
    if km <= settings.OUTLET_POINT_TOLERANCE_KM:
        return []
    return [
        sanity.ValueWarning(
            "latitude",
            _(
                "The point is %(km)s km from where the geocoder places “%(address)s”. Check "
                "the address or the coordinates (latitude first, then longitude)."
            )
            % {"km": f"{km:.1f}".replace(".", ","), "address": address},
        )
    ]
