"""Geocoding: an address to a point, cached in the database, and the point written to a record.

``geocode`` reads the cache first (answers younger than GEOCODER_CACHE_DAYS, found or not),
then asks the configured provider through ``client.lookup`` (throttled across processes).
``geocode_record`` is what the Celery task runs for any model with an address and two
coordinate fields; ``geocode_record_later`` queues it after the caller's commit.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from integrations.geocoding import client, mapping
from integrations.geocoding.errors import (  # noqa: F401  (the public error types)
    GeocodingError,
    KeyRejected,
    NotConfigured,
    QueryRejected,
    RateLimited,
    Unavailable,
)
from integrations.geocoding.models import GeocodeResult, Precision

logger = logging.getLogger(__name__)

TASK_NAME = "geocoding.geocode_address"
MANY_TASK_NAME = "geocoding.geocode_many"
# Records per queued batch (an import of 100,000 outlets queues 200 messages, not 100,000).
BATCH_SIZE = 500


@dataclass(frozen=True)
class Location:
    """A point for an address: WGS84 latitude and longitude, and how exact it is."""

    lat: float
    lon: float
    precision: str
    formatted_address: str
    provider: str
    kind: str = ""

    @property
    def exact(self) -> bool:
        """A building-level match; anything else needs a person to confirm it."""
        return self.precision == Precision.EXACT


def _location(row: GeocodeResult) -> Location | None:
    if not row.found:
        return None
    return Location(
        lat=row.lat,
        lon=row.lon,
        precision=row.precision,
        formatted_address=row.formatted_address,
        provider=row.provider,
        kind=row.kind,
    )


def cached_result(provider: str, address: str) -> GeocodeResult | None:
    """The provider's stored answer for the address, if it is still fresh."""
    fresh_since = timezone.now() - timedelta(days=settings.GEOCODER_CACHE_DAYS)
    return GeocodeResult.objects.filter(
        provider=provider, address_key=mapping.address_key(address), fetched_at__gte=fresh_since
    ).first()


def geocode(address: str) -> Location | None:
    """The point for an address, or None when the provider knows no such address.

    Raises NotConfigured, KeyRejected, QueryRejected, RateLimited or Unavailable.
    """
    query = " ".join((address or "").split())
    if not query:
        return None
    config = client.configured()
    cached = cached_result(config.name, query)
    if cached is not None:
        return _location(cached)
    answer = client.lookup(config, query)
    return _location(_store(config.name, query, answer))


def _store(provider: str, query: str, answer: client.Answer) -> GeocodeResult:
    """Insert or refresh the cached answer (two workers may store the same address at once)."""
    row = GeocodeResult(
        provider=provider,
        address_key=mapping.address_key(query),
        query=query[:1000],
        found=answer.found,
        lat=answer.lat,
        lon=answer.lon,
        precision=answer.precision,
        kind=answer.kind[:50],
        formatted_address=answer.formatted_address,
        raw=answer.raw,
        fetched_at=timezone.now(),
    )
    GeocodeResult.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["provider", "address_key"],
        update_fields=[
            "query",
            "found",
            "lat",
            "lon",
            "precision",
            "kind",
            "formatted_address",
            "raw",
            "fetched_at",
        ],
    )
    return row


# --- Points on records ----------------------------------------------------------------------


def _coordinate(field: models.Field, value: float | None):
    if value is None or not isinstance(field, models.DecimalField):
        return value
    return round(Decimal(str(value)), field.decimal_places)


def _target(model_label: str, *field_names: str | None) -> tuple[type[models.Model], list]:
    model = apps.get_model(model_label)
    return model, [model._meta.get_field(name) if name else None for name in field_names]


def geocode_record(
    *,
    model_label: str,
    pk: int,
    address_field: str,
    lat_field: str,
    lon_field: str,
    address: str | None = None,
    precision_field: str | None = None,
) -> str:
    """Geocode a record's address and write the point, unless the address changed meanwhile.

    ``address`` is the text when the work was queued: if the record's address differs now,
    a newer task owns the newer address and nothing is written ("stale"). The write itself
    only matches the address that was geocoded, so a point never lands on a newer address.
    A not-found answer leaves the record's point as it is. Unscoped on purpose: the caller
    checked access; the audit trail records the write as the system's (see AuditedTask).
    Returns "updated", "unchanged", "not_found", "stale", "cleared" or "missing".
    """
    model, fields = _target(model_label, address_field, lat_field, lon_field, precision_field)
    _, lat, lon, precision = fields
    current = model._default_manager.filter(pk=pk).values_list(address_field, flat=True).first()
    if current is None:
        return "missing"
    if address is not None and current != address:
        return "stale"
    rows = model._default_manager.filter(pk=pk, **{address_field: current})
    if not current.strip():
        rows.update(**{lat.attname: None, lon.attname: None})
        return "cleared"
    location = geocode(current)
    if location is None:
        return "not_found"
    values = {
        lat.attname: _coordinate(lat, location.lat),
        lon.attname: _coordinate(lon, location.lon),
    }
    if precision is not None:
        values[precision.attname] = location.precision
    if rows.filter(**values).exists():
        return "unchanged"  # no empty history row for a point that did not move
    return _write_point(model, pk, address_field, current, lat, lon, precision, values)


def _write_point(model, pk, address_field, address, lat, lon, precision, values) -> str:
    """Write the point through the CRM's one entry for changes (source: system), so that
    approval rules and conflicts between sources apply to geocoder results too; only while
    the record still has the geocoded address (locked, so it cannot change meanwhile)."""
    from crm.approvals.services import change_request_submit
    from crm.core.choices import Channel, Source

    with transaction.atomic():
        record = (
            model._default_manager.select_for_update()
            .filter(pk=pk, **{address_field: address})
            .first()
        )
        if record is None:
            return "stale"
        result = change_request_submit(
            None,
            source=Source.SYSTEM,
            channel=Channel.TASK,
            record=record,
            changes={lat.name: values[lat.attname], lon.name: values[lon.attname]},
        )
        point = {lat.name, lon.name}
        if precision is not None and point <= set(result.written) | set(result.unchanged):
            model._default_manager.filter(pk=pk).update(
                **{precision.attname: values[precision.attname]}
            )
    if result.request is not None:
        return "requested"
    if result.held or result.overruled:
        return "held"
    return "updated"


def geocode_record_later(
    obj: models.Model,
    *,
    address_field: str,
    lat_field: str,
    lon_field: str,
    precision_field: str | None = None,
):
    """Queue geocoding of ``obj``'s current address after the caller's transaction commits."""
    from crm.core.outbox import enqueue

    return enqueue(
        TASK_NAME,
        obj._meta.label,
        obj.pk,
        address_field,
        lat_field,
        lon_field,
        address=getattr(obj, address_field),
        precision_field=precision_field,
    )


def geocode_records_later(
    model: type[models.Model],
    pks: list[int],
    *,
    address_field: str,
    lat_field: str,
    lon_field: str,
    precision_field: str | None = None,
) -> int:
    """Queue geocoding of many records' current addresses (an import) after the caller's
    commit, in batches of BATCH_SIZE; returns the number of messages queued."""
    from crm.core.outbox import enqueue

    pks = sorted(set(pks))
    for start in range(0, len(pks), BATCH_SIZE):
        enqueue(
            MANY_TASK_NAME,
            model._meta.label,
            pks[start : start + BATCH_SIZE],
            address_field,
            lat_field,
            lon_field,
            precision_field=precision_field,
            queue="long",
        )
    return (len(pks) + BATCH_SIZE - 1) // BATCH_SIZE
