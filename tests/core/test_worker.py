"""A real Celery worker process on a private Redis runs queued work and reports in /readyz."""

import time

import pytest

from crm.celery import app as celery_app
from crm.core import relay
from crm.core.models import OutboxMessage, WorkerHeartbeat
from crm.core.outbox import enqueue
from crm.notifications.models import Download
from tests.services import celery_worker, database_url_of_tests

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(private_redis, settings):
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = private_redis.url
    settings.CELERY_BROKER_URL = private_redis.url
    relay.reset_breaker()
    with celery_worker(broker_url=private_redis.url, database_url=database_url_of_tests()) as p:
        yield p
    celery_app.conf.broker_url = previous


def test_a_real_worker_runs_a_queued_task_and_reports_in_readyz(client, worker, sales_manager):
    assert wait_until(lambda: WorkerHeartbeat.objects.exists()), "worker never started"
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()

    from django.db import transaction

    with transaction.atomic():
        enqueue("notifications.export_my_data", sales_manager.pk)
    assert OutboxMessage.objects.get().sent_at is not None
    assert wait_until(lambda: Download.objects.filter(owner=sales_manager).exists())
    assert sales_manager.notifications.filter(event_type="download.ready").count() == 1


def test_work_queued_while_redis_was_down_runs_once_it_is_back(
    client, private_redis, worker, sales_manager
):
    from django.db import transaction

    assert wait_until(lambda: WorkerHeartbeat.objects.exists())
    private_redis.kill()
    with transaction.atomic():
        enqueue("core.ping", "after-outage")
    assert OutboxMessage.objects.get().sent_at is None
    private_redis.start()
    assert relay.drain() == 1
    assert wait_until(
        lambda: WorkerHeartbeat.objects.filter(hostname="ping:after-outage").exists()
    ), "the worker did not run the task after Redis came back"


def test_work_queued_while_the_worker_is_killed_runs_on_the_next_worker(
    private_redis, worker, settings
):
    import os
    import signal

    from django.db import transaction

    assert wait_until(lambda: WorkerHeartbeat.objects.exists())
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool children, no warm shutdown
    worker.wait(timeout=10)
    with transaction.atomic():
        enqueue("core.ping", "after-kill")
    assert OutboxMessage.objects.get().sent_at is not None  # waiting in Redis, no consumer
    time.sleep(1)
    assert not WorkerHeartbeat.objects.filter(hostname="ping:after-kill").exists()
    with celery_worker(broker_url=private_redis.url, database_url=database_url_of_tests()):
        assert wait_until(
            lambda: WorkerHeartbeat.objects.filter(hostname="ping:after-kill").exists()
        ), "the task queued while no worker ran was lost"
