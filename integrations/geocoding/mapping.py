"""From each provider's answer to one shape: address keys and the precision scale."""

import hashlib
import re
import unicodedata

from integrations.geocoding.models import Precision

# Yandex GeocoderMetaData.precision: how well the house number matched.
YANDEX_PRECISION = {
    "exact": Precision.EXACT,
    "number": Precision.EXACT,
    "near": Precision.NEAR,
    "range": Precision.NEAR,
    "street": Precision.STREET,
}
# Yandex GeocoderMetaData.kind, for precision "other" (no street matched).
YANDEX_KIND = {
    "house": Precision.EXACT,
    "entrance": Precision.EXACT,
    "street": Precision.STREET,
    "route": Precision.STREET,
    "metro": Precision.LOCALITY,
    "district": Precision.LOCALITY,
    "locality": Precision.LOCALITY,
    "railway_station": Precision.LOCALITY,
    "station": Precision.LOCALITY,
    "airport": Precision.LOCALITY,
}
# Nominatim jsonv2 addresstype of a building-level match.
NOMINATIM_EXACT_TYPES = {"house", "building", "house_number", "entrance"}
NOMINATIM_STREET_TYPES = {"road", "street", "square", "pedestrian", "footway"}


def normalise_address(address: str) -> str:
    """Case, "ё", spacing and punctuation spacing do not make a different address."""
    text = unicodedata.normalize("NFKC", address or "").casefold().replace("ё", "е")
    text = re.sub(r"\s*([,;.])\s*", r"\1 ", text)
    return " ".join(text.split()).strip(" ,;")


def address_key(address: str) -> str:
    return hashlib.sha256(normalise_address(address).encode()).hexdigest()


def yandex_precision(precision: str, kind: str) -> Precision:
    if precision in YANDEX_PRECISION:
        return YANDEX_PRECISION[precision]
    return YANDEX_KIND.get(kind, Precision.OTHER)


def nominatim_precision(addresstype: str, place_rank: int | None) -> Precision:
    """By the matched object's type, else by its rank (30 building, 26 road, 16-25 places)."""
    if addresstype in NOMINATIM_EXACT_TYPES:
        return Precision.EXACT
    if addresstype in NOMINATIM_STREET_TYPES:
        return Precision.STREET
    rank = place_rank or 0
    if rank >= 28:
        return Precision.EXACT
    if rank >= 26:
        return Precision.STREET
    if rank >= 13:
        return Precision.LOCALITY
    return Precision.OTHER
