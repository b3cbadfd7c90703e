"""The core's periodic tasks, run as Celery runs them (Task.apply), on real PostgreSQL/Redis."""

from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from crm.celery import app as celery_app
from crm.core import relay, tasks
from crm.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_prune_outbox_deletes_only_old_published_messages():
    old = OutboxMessage.objects.create(
        task_name="core.ping", args=["a"], sent_at=timezone.now() - timedelta(days=8)
    )
    recent = OutboxMessage.objects.create(task_name="core.ping", args=["b"], sent_at=timezone.now())
    unsent = OutboxMessage.objects.create(task_name="core.ping", args=["c"])
    result = tasks.prune_outbox.apply().get()
    assert result == 1
    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, unsent.pk}
    assert old.pk not in remaining


def test_drain_outbox_publishes_in_order_and_records_attempts(private_redis):
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = private_redis.url
    try:
        for marker in ("first", "second"):
            OutboxMessage.objects.create(task_name="core.ping", args=[marker])
        assert tasks.drain_outbox.apply().get() == 2
        assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
        assert OutboxMessage.objects.filter(attempts=1).count() == 2
        queued = redis.Redis(port=private_redis.port).llen("default")
        assert queued == 2
        private_redis.kill()
        OutboxMessage.objects.create(task_name="core.ping", args=["third"])
        assert relay.drain(timeout=0.5) == 0
        waiting = OutboxMessage.objects.get(sent_at__isnull=True)
        assert waiting.attempts == 1
        assert waiting.last_error
    finally:
        celery_app.conf.broker_url = previous
        relay.reset_breaker()


def test_the_ping_task_records_that_it_ran():
    assert tasks.ping.apply(args=["check"]).get() == "check"


def test_long_tasks_are_routed_to_the_long_queue():
    from celery import current_app

    from crm.core.tasks import export_list, ping

    router = current_app.amqp.router
    assert router.route({}, export_list.name)["queue"].name == "long"
    assert router.route({}, ping.name)["queue"].name == "default"
