"""``{% map_link lat lon %}`` and ``{% point_map lat lon %}`` for cards with a location."""

from django import template

from integrations.geocoding import maps
from integrations.geocoding.models import Precision

register = template.Library()


@register.simple_tag
def map_link(lat, lon, provider=None):
    if lat is None or lon is None:
        return ""
    return maps.map_link(lat, lon, provider=provider)


@register.inclusion_tag("geocoding/map.html")
def point_map(lat, lon, precision="", online=None, provider=None):
    """The link always (when there is a point); the embedded map only where it can work."""
    located = lat is not None and lon is not None
    return {
        "located": located,
        "link": maps.map_link(lat, lon, provider=provider) if located else "",
        "coordinates": f"{float(lat):.6f}, {float(lon):.6f}" if located else "",
        "approximate": bool(precision) and precision != Precision.EXACT,
        "embed_url": maps.embed_for(lat, lon, online=online, provider=provider),
    }
