"""Health endpoints for load balancers and monitoring: /healthz and /readyz (JSON)."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from crm.core import health


@never_cache
def healthz(request):
    """The process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Ready to serve: database, Redis and at least one Celery worker answer."""
    checks = health.readiness()
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )
