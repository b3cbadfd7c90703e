"""The project's Celery task base and the core's own tasks (outbox relay, housekeeping)."""

import logging
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from crm.core.audit import audit_context
from crm.core.choices import Channel, Source

logger = logging.getLogger(__name__)


class AuditedTask(Task):
    """Every write a task makes is audited as source=system, channel=task, with the task id.

    Tasks take ids, never querysets, and are unscoped on purpose: the caller checked access.
    They must be idempotent: acks_late with reject_on_worker_lost may run them twice.
    """

    def __call__(self, *args, **kwargs):
        with audit_context(
            source=Source.SYSTEM,
            channel=Channel.TASK,
            request_id=self.request.id or None,
            task=self.name,
        ):
            return super().__call__(*args, **kwargs)


LONG_TASKS: set[str] = set()


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): long tasks to the "long" queue."""
    return {"queue": "long"} if name in LONG_TASKS else None


def crm_task(*, name: str, long: bool = False, **options):
    """Declare a task; long ones go to the "long" queue with the long time limits."""
    if long:
        LONG_TASKS.add(name)
        options.setdefault("time_limit", settings.CELERY_LONG_TASK_TIME_LIMIT)
        options.setdefault("soft_time_limit", settings.CELERY_LONG_TASK_TIME_LIMIT - 30)
    return shared_task(name=name, base=AuditedTask, **options)


@crm_task(name="core.drain_outbox")
def drain_outbox(batch_size: int = 500) -> int:
    """Publish outbox messages that could not be published right after their commit."""
    from crm.core.relay import drain

    return drain(batch_size=batch_size)


@crm_task(name="core.prune_outbox")
def prune_outbox(keep_days: int = 7) -> int:
    """Delete outbox messages published more than keep_days ago."""
    from crm.core.models import OutboxMessage

    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted


@crm_task(name="core.ping")
def ping(marker: str) -> str:
    """A harmless task for checking the pipeline end to end: records that it ran."""
    from crm.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        hostname=f"ping:{marker}", defaults={"seen_at": timezone.now()}
    )
    logger.info("ping %s", marker)
    return marker


@crm_task(name="core.export_list", long=True)
def export_list(log_id: int, view: str, query: str) -> int:
    """Build a large list export in the background for the user who asked for it.

    Rebuilds the list through the same view code (rule, field policy, filters, columns) acting
    as that user; the quota was charged when the export was asked for. Idempotent: a finished
    entry is not built again.
    """
    from crm.core.export_jobs import run_export

    return run_export(log_id, view, query)
