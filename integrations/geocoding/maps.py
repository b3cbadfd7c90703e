"""Links to a point on a public map, and an embedded map where the page may show one.

A link works on an intranet without internet: it is only text until someone clicks it. An
embedded map (an <iframe>) is rendered only when GEOCODER_MAP_EMBED says the users are online
and the Content-Security-Policy lets the page frame the map's origin; otherwise nothing is
rendered, so a card never shows a broken frame.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings

YANDEX_MAPS = "https://yandex.ru"
OSM = "https://www.openstreetmap.org"
ZOOM = 17


def _pair(lat: float, lon: float) -> tuple[str, str]:
    """Fixed dot-decimal text, whatever the page's locale (a comma would break the URL)."""
    return f"{float(lat):.6f}", f"{float(lon):.6f}"


def _uses_yandex(provider: str | None) -> bool:
    return (provider or settings.GEOCODER) == "yandex"


def map_link(lat: float, lon: float, *, provider: str | None = None) -> str:
    """A public map centred on the point with a marker: Yandex Maps with Yandex, else OSM."""
    la, lo = _pair(lat, lon)
    if _uses_yandex(provider):  # Yandex Maps takes "lon,lat"
        return f"{YANDEX_MAPS}/maps/?" + urlencode({"pt": f"{lo},{la}", "z": ZOOM, "l": "map"})
    return f"{OSM}/?" + urlencode({"mlat": la, "mlon": lo}) + f"#map={ZOOM}/{la}/{lo}"


def embed_url(lat: float, lon: float, *, provider: str | None = None) -> str:
    la, lo = _pair(lat, lon)
    if _uses_yandex(provider):
        query = urlencode({"ll": f"{lo},{la}", "z": ZOOM - 1, "pt": f"{lo},{la},pm2rdm"})
        return f"{YANDEX_MAPS}/map-widget/v1/?{query}"
    d = 0.004
    box = ",".join(f"{v:.6f}" for v in (lon - d, lat - d, lon + d, lat + d))
    query = urlencode({"bbox": box, "layer": "mapnik", "marker": f"{la},{lo}"})
    return f"{OSM}/export/embed.html?{query}"


def csp_allows_frame(url: str) -> bool:
    """Whether the configured CSP lets a page frame ``url`` (frame-src, child-src, default-src)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    directives = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES", {})
    for name in ("frame-src", "child-src", "default-src"):
        if name in directives:
            sources = [str(s).rstrip("/") for s in directives[name] or []]
            return origin in sources or "*" in sources or f"{parts.scheme}:" in sources
    return True  # no policy at all


def embed_for(lat, lon, *, online: bool | None = None, provider: str | None = None) -> str:
    """The embed URL when the map may be shown, else ""."""
    if lat is None or lon is None:
        return ""
    if online is None:
        online = getattr(settings, "GEOCODER_MAP_EMBED", False)
    url = embed_url(lat, lon, provider=provider)
    return url if online and csp_allows_frame(url) else ""
