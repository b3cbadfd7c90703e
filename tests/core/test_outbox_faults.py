"""Redis dead or frozen: pages still load in under 2 s and queued work is not lost.

Each test runs its own redis-server on a free port and kills or freezes it by PID.
"""

import time

import pytest
import redis
from django.urls import reverse

from crm.celery import app as celery_app
from crm.core import relay
from crm.core.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(private_redis, settings):
    """Point Celery (and /readyz) at the private redis-server for this test."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = private_redis.url
    settings.CELERY_BROKER_URL = private_redis.url
    relay.reset_breaker()
    yield private_redis
    celery_app.conf.broker_url = previous
    relay.reset_breaker()


def queued_in_redis(server, queue="default") -> int:
    return redis.Redis(port=server.port, socket_timeout=2).llen(queue)


def request_my_data(client) -> tuple[float, int]:
    started = time.monotonic()
    response = client.post(reverse("notifications:request_my_data"))
    return time.monotonic() - started, response.status_code


def test_with_redis_up_the_work_is_published_at_once(client, sales_manager, broker):
    client.force_login(sales_manager)
    _elapsed, status = request_my_data(client)
    assert status == 302
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None
    assert queued_in_redis(broker) == 1


def test_with_redis_dead_the_page_answers_fast_and_the_work_waits(client, sales_manager, broker):
    broker.kill()
    client.force_login(sales_manager)
    elapsed, status = request_my_data(client)
    assert status == 302
    assert elapsed < 2
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    # Later pages do not even try while the breaker is open.
    elapsed, _ = request_my_data(client)
    assert elapsed < 2
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2
    broker.start()
    assert relay.drain() == 2
    assert queued_in_redis(broker) == 2
    assert relay.drain() == 0


def test_with_redis_frozen_the_page_answers_fast_and_the_work_runs_after_thaw(
    client, sales_manager, broker
):
    client.force_login(sales_manager)
    client.get("/")  # a warm connection pool, as in a running server
    broker.freeze()
    try:
        elapsed, status = request_my_data(client)
        assert status == 302
        assert elapsed < 2, f"page took {elapsed:.2f} s with Redis frozen"
        page_started = time.monotonic()
        assert client.get("/").status_code == 200
        assert time.monotonic() - page_started < 2
        assert OutboxMessage.objects.get().sent_at is None
    finally:
        broker.thaw()
    assert relay.drain() == 1
    assert queued_in_redis(broker) == 1
    assert OutboxMessage.objects.get().sent_at is not None


def test_readyz_names_a_dead_redis_quickly(client, broker):
    broker.kill()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_names_a_frozen_redis_quickly(client, broker):
    broker.freeze()
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        assert time.monotonic() - started < 2
        assert response.status_code == 503
    finally:
        broker.thaw()
