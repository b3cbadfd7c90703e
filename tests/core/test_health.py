"""Health endpoints: /healthz is alive; /readyz names what is missing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_with_a_fresh_worker_heartbeat(client):
    WorkerHeartbeat.objects.create(hostname="celery@test", seen_at=timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}


def test_readyz_reports_a_missing_worker(client):
    WorkerHeartbeat.objects.create(
        hostname="celery@old", seen_at=timezone.now() - timedelta(minutes=10)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"].startswith("error")
