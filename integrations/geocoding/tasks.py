"""The geocoding task: one record's address to its point, retried while the provider is busy."""

import logging
import random

from crm.core.tasks import crm_task
from integrations.geocoding import service
from integrations.geocoding.errors import GeocodingError

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
MAX_DELAY = 3600


def retry_delay(retries: int, hint: float | None = None) -> int:
    """Exponential backoff with jitter (30 s, 60 s, ... up to an hour), never before ``hint``."""
    base = min(MAX_DELAY, 30 * 2**retries)
    return int(max(base + random.uniform(0, base / 2), hint or 0))  # noqa: S311


@crm_task(name=service.TASK_NAME, bind=True, max_retries=MAX_RETRIES)
def geocode_address(
    self,
    model_label: str,
    pk: int,
    address_field: str,
    lat_field: str,
    lon_field: str,
    address: str | None = None,
    precision_field: str | None = None,
) -> str:
    """Geocode one record (see service.geocode_record); idempotent, safe to run twice."""
    try:
        return service.geocode_record(
            model_label=model_label,
            pk=pk,
            address_field=address_field,
            lat_field=lat_field,
            lon_field=lon_field,
            address=address,
            precision_field=precision_field,
        )
    except GeocodingError as exc:
        where = f"{model_label} #{pk}"
        if not exc.retryable:
            logger.warning("geocoding %s gave up: %s (%s)", where, type(exc).__name__, exc)
            return "gave_up"
        if self.request.retries >= self.max_retries:
            logger.warning("geocoding %s gave up after retries: %s", where, exc)
            return "gave_up"
        delay = retry_delay(self.request.retries, exc.retry_after)
        logger.info("geocoding %s retries in %s s: %s", where, delay, exc)
        raise self.retry(countdown=delay) from exc


@crm_task(name=service.MANY_TASK_NAME, long=True, bind=True, max_retries=MAX_RETRIES)
def geocode_many(
    self,
    model_label: str,
    pks: list[int],
    address_field: str,
    lat_field: str,
    lon_field: str,
    precision_field: str | None = None,
) -> dict:
    """Geocode a batch of records one by one (their current addresses), through the same
    throttle and cache as single records. When the provider is busy or down, the records not
    yet done are retried later with backoff; an address it cannot place is skipped."""
    outcomes: dict[str, int] = {}
    for index, pk in enumerate(pks):
        try:
            outcome = service.geocode_record(
                model_label=model_label,
                pk=pk,
                address_field=address_field,
                lat_field=lat_field,
                lon_field=lon_field,
                precision_field=precision_field,
            )
        except GeocodingError as exc:
            if not exc.retryable or self.request.retries >= self.max_retries:
                logger.warning(
                    "geocoding %s: %s records left undone: %s", model_label, len(pks) - index, exc
                )
                outcomes["gave_up"] = outcomes.get("gave_up", 0) + len(pks) - index
                return outcomes
            delay = retry_delay(self.request.retries, exc.retry_after)
            remaining = pks[index:]
            logger.info("geocoding %s: %s left, retry in %s s", model_label, len(remaining), delay)
            raise self.retry(
                args=[model_label, remaining, address_field, lat_field, lon_field],
                kwargs={"precision_field": precision_field},
                countdown=delay,
            ) from exc
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
