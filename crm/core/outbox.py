"""Queue Celery work from web requests without touching Redis in the request (docs/adr/0002).

``enqueue`` writes an OutboxMessage in the caller's transaction. After commit the relay tries
to publish it at once with tight timeouts; whatever could not be published is published by the
``core.drain_outbox`` beat task once Redis answers again. Delivery is at least once, so every
task queued this way must be idempotent.
"""

from django.db import transaction

from crm.core.models import OutboxMessage


def enqueue(task_name: str, *args, queue: str = "default", **kwargs) -> OutboxMessage:
    """Queue ``task_name(*args, **kwargs)``; arguments must be JSON (ids, not objects)."""
    message = OutboxMessage.objects.create(
        task_name=task_name, args=list(args), kwargs=kwargs, queue=queue
    )
    transaction.on_commit(lambda: _publish_soon(message.pk))
    return message


def _publish_soon(message_id: int) -> None:
    from crm.core.relay import publish_after_commit

    publish_after_commit(message_id)
