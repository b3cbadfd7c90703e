"""Readiness checks behind /readyz: each answers "ok" or raises, within a bounded time."""

from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from crm.core.models import WorkerHeartbeat

REDIS_TIMEOUT = 0.5


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        retry_on_timeout=False,
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _check_worker() -> str:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
    fresh = WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).exclude(
        hostname__startswith="ping:"
    )
    if not fresh.exists():
        raise RuntimeError(f"no worker heartbeat in the last {settings.WORKER_HEARTBEAT_MAX_AGE} s")
    return "ok"


def readiness() -> dict[str, str]:
    """Database, Redis and worker status: "ok" or the error, never hanging."""
    checks = {}
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            checks[name] = check()
        except Exception as exc:
            checks[name] = f"error: {exc.__class__.__name__}: {exc}"[:300]
    if checks["database"] == "ok":
        try:
            checks["worker"] = _check_worker()
        except Exception as exc:
            checks["worker"] = f"error: {exc}"[:300]
    else:
        checks["worker"] = "unknown: database unavailable"
    return checks
