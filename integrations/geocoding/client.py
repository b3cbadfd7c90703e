"""The providers behind geopy: configuration from settings, one throttled request, one shape.

No database here, so a lookup can run in any process. Errors come out as the typed errors of
``errors.py``; 429 and 403 also block the provider for every process for a while.
"""

from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import partial
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from geopy import exc as geopy_exc
from geopy.adapters import RequestsAdapter
from geopy.geocoders import Nominatim, Yandex

from integrations.geocoding import mapping, throttle
from integrations.geocoding.errors import (
    KeyRejected,
    NotConfigured,
    QueryRejected,
    RateLimited,
    Unavailable,
)
from integrations.geocoding.models import Precision, Provider

PUBLIC_NOMINATIM = "nominatim.openstreetmap.org"
# How long everyone leaves a provider alone after it said 429 (without Retry-After) or 403.
RATE_LIMIT_PAUSE = 60.0
KEY_REJECTED_PAUSE = 300.0
YANDEX_LANGUAGES = {"ru": "ru_RU", "en": "en_RU"}


@dataclass(frozen=True)
class ProviderConfig:
    """Where and how to ask: read from settings on every call, so changes apply at once."""

    name: str
    scheme: str
    domain: str
    path: str = ""
    api_key: str = ""
    user_agent: str = ""
    language: str = "ru"
    timeout: float = 10
    min_interval_ms: int = 1000


@dataclass(frozen=True)
class Answer:
    """A provider's answer: ``found`` false means it knows no such address."""

    found: bool
    lat: float | None = None
    lon: float | None = None
    precision: str = ""
    kind: str = ""
    formatted_address: str = ""
    raw: dict | list | None = field(default=None, compare=False)


def user_agent() -> str:
    """A User-Agent that names the application and a contact, as Nominatim's policy asks."""
    custom = getattr(settings, "GEOCODER_USER_AGENT", "")
    if custom:
        return custom
    contact = parseaddr(settings.SERVER_EMAIL)[1] or "admin@localhost"
    return f"DealerCRM-geocoding/1.0 (+mailto:{contact})"


def configured() -> ProviderConfig:
    """The configured provider; raises NotConfigured when geocoding is off or incomplete."""
    common = {
        "user_agent": user_agent(),
        "language": settings.LANGUAGE_CODE.split("-")[0],
        "timeout": settings.INTEGRATION_TIMEOUT,
        "min_interval_ms": settings.GEOCODER_MIN_INTERVAL_MS,
    }
    if settings.GEOCODER == Provider.YANDEX:
        if not settings.YANDEX_GEOCODER_API_KEY:
            raise NotConfigured("YANDEX_GEOCODER_API_KEY is empty")
        url = _split(settings.YANDEX_GEOCODER_URL)
        return ProviderConfig(
            Provider.YANDEX,
            url.scheme,
            url.netloc,
            path=url.path or "/1.x/",
            api_key=settings.YANDEX_GEOCODER_API_KEY,
            **common,
        )
    if settings.GEOCODER == Provider.NOMINATIM:
        url = _split(settings.NOMINATIM_URL)
        if url.netloc == PUBLIC_NOMINATIM:  # the public server allows 1 request/s, no more
            common["min_interval_ms"] = max(common["min_interval_ms"], 1000)
        domain = url.netloc + url.path.rstrip("/")
        return ProviderConfig(Provider.NOMINATIM, url.scheme, domain, **common)
    raise NotConfigured("GEOCODER is off")


def _split(url: str):
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotConfigured(f"bad geocoder URL {url!r}")
    return parts


class _Yandex(Yandex):
    """geopy's Yandex with the API path from settings (1.x or v1, or a fake server's)."""

    def __init__(self, *, api_path: str, **kwargs):
        self.api_path = api_path
        super().__init__(**kwargs)


class _Nominatim(Nominatim):
    """geopy's Nominatim asking for jsonv2 (category, addresstype, place_rank)."""

    def _construct_url(self, base_api, params):
        return "?".join((base_api, urlencode({**params, "format": "jsonv2"})))


def _geocoder(config: ProviderConfig):
    options = {
        "scheme": config.scheme,
        "domain": config.domain,
        "timeout": config.timeout,
        "user_agent": config.user_agent,
        # One throttle slot, one request: no hidden retries inside the HTTP adapter.
        "adapter_factory": partial(RequestsAdapter, max_retries=0),
    }
    if config.name == Provider.YANDEX:
        return _Yandex(api_key=config.api_key, api_path=config.path, **options)
    return _Nominatim(**options)


def lookup(config: ProviderConfig, query: str) -> Answer:
    """Ask the provider about one address, waiting for this process's turn first."""
    throttle.check_blocked(config.name, config.api_key)
    geocoder = _geocoder(config)
    throttle.wait_turn(config.name, config.min_interval_ms)
    try:
        if config.name == Provider.YANDEX:
            lang = YANDEX_LANGUAGES.get(config.language, "ru_RU")
            location = geocoder.geocode(query, exactly_one=True, lang=lang)
            return _yandex_answer(location)
        location = geocoder.geocode(query, exactly_one=True, language=config.language)
        return _nominatim_answer(location)
    except geopy_exc.GeocoderRateLimited as exc:
        pause = exc.retry_after or RATE_LIMIT_PAUSE
        throttle.block(config.name, config.api_key, reason="limited", seconds=pause)
        raise RateLimited(str(exc), retry_after=pause) from exc
    except geopy_exc.GeocoderQuotaExceeded as exc:
        throttle.block(config.name, config.api_key, reason="limited", seconds=RATE_LIMIT_PAUSE)
        raise RateLimited(str(exc), retry_after=RATE_LIMIT_PAUSE) from exc
    except (
        geopy_exc.GeocoderAuthenticationFailure,
        geopy_exc.GeocoderInsufficientPrivileges,
    ) as exc:
        throttle.block(config.name, config.api_key, reason="rejected", seconds=KEY_REJECTED_PAUSE)
        raise KeyRejected(str(exc)) from exc
    except geopy_exc.GeocoderQueryError as exc:
        raise QueryRejected(str(exc)) from exc
    except geopy_exc.ConfigurationError as exc:
        raise NotConfigured(str(exc)) from exc
    except geopy_exc.GeopyError as exc:  # timeouts, network, 5xx, unreadable answers
        raise Unavailable(f"{type(exc).__name__}: {exc}") from exc


def _yandex_answer(location) -> Answer:
    if location is None:
        return Answer(found=False)
    raw = location.raw  # the GeoObject; geopy already read Point.pos as "lon lat"
    meta = (raw.get("metaDataProperty") or {}).get("GeocoderMetaData") or {}
    precision, kind = str(meta.get("precision", "")), str(meta.get("kind", ""))
    return Answer(
        found=True,
        lat=location.latitude,
        lon=location.longitude,
        precision=mapping.yandex_precision(precision, kind),
        kind=f"{precision}/{kind}".strip("/"),
        formatted_address=str(meta.get("text") or location.address or "")[:1000],
        raw=raw,
    )


def _nominatim_answer(location) -> Answer:
    if location is None:
        return Answer(found=False)
    raw = location.raw
    addresstype = str(raw.get("addresstype") or raw.get("type") or "")
    try:
        rank = int(raw.get("place_rank"))
    except (TypeError, ValueError):
        rank = None
    return Answer(
        found=True,
        lat=location.latitude,
        lon=location.longitude,
        precision=mapping.nominatim_precision(addresstype, rank) or Precision.OTHER,
        kind=addresstype,
        formatted_address=str(raw.get("display_name") or "")[:1000],
        raw=raw,
    )
