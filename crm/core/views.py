"""Health endpoints for load balancers and monitoring: /healthz and /readyz (JSON)."""

from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from crm.core.models import WorkerHeartbeat

REDIS_TIMEOUT = 0.5


@never_cache
def healthz(request):
    """The process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


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


@never_cache
def readyz(request):
    """Ready to serve: database, Redis and at least one Celery worker answer."""
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
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )
