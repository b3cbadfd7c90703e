"""Publishing outbox messages to the broker (docs/adr/0002).

Right after a request commits, ``publish_after_commit`` tries once, with sub-second socket
timeouts and no retries. If the broker is down or frozen it gives up quickly, opens a circuit
breaker for a while (so the next requests do not wait at all) and leaves the row to ``drain``,
which the beat runs every few seconds from a worker.
"""

import logging
import threading
import time

from django.db import transaction
from django.utils import timezone
from kombu import Connection

from crm.core.models import OutboxMessage

logger = logging.getLogger(__name__)

# Socket timeouts of the publish made inside a web request.
REQUEST_TIMEOUT = 0.5
# After a failed publish, requests leave messages to the drain for this long.
BREAKER_SECONDS = 30

_breaker_lock = threading.Lock()
_breaker_open_until = 0.0


def _breaker_open() -> bool:
    return time.monotonic() < _breaker_open_until


def _trip_breaker() -> None:
    global _breaker_open_until
    with _breaker_lock:
        _breaker_open_until = time.monotonic() + BREAKER_SECONDS


def reset_breaker() -> None:
    global _breaker_open_until
    with _breaker_lock:
        _breaker_open_until = 0.0


def _connection(timeout: float) -> Connection:
    from crm.celery import app

    return Connection(
        app.conf.broker_url,
        connect_timeout=timeout,
        transport_options={
            **app.conf.broker_transport_options,
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            # kombu's default channel retries the connection; a request must not wait.
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0,
            "interval_max": 0,
        },
    )


def _send(message: OutboxMessage, connection: Connection) -> None:
    from crm.celery import app

    app.send_task(
        message.task_name,
        args=message.args,
        kwargs=message.kwargs,
        queue=message.queue,
        connection=connection,
        retry=False,
    )


def publish_after_commit(message_id: int) -> bool:
    """Try to publish one message now; on any broker trouble leave it for the drain."""
    if _breaker_open():
        return False
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, sent_at__isnull=True)
                .first()
            )
            if message is None:
                return False
            with _connection(REQUEST_TIMEOUT) as connection:
                _send(message, connection)
            message.sent_at = timezone.now()
            message.attempts += 1
            message.save(update_fields=["sent_at", "attempts"])
        return True
    except Exception as exc:  # any broker error: the drain will retry
        _trip_breaker()
        logger.warning("outbox: publish of %s deferred: %s", message_id, exc)
        OutboxMessage.objects.filter(pk=message_id).update(last_error=str(exc)[:1000])
        return False


def drain(*, batch_size: int = 500, timeout: float = 3.0) -> int:
    """Publish unsent messages oldest first; return how many were published."""
    published = 0
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .order_by("created_at", "id")[:batch_size]
        )
        if not messages:
            return 0
        try:
            with _connection(timeout) as connection:
                for message in messages:
                    _send(message, connection)
                    message.sent_at = timezone.now()
                    message.attempts += 1
                    published += 1
        except Exception as exc:
            logger.warning("outbox: drain stopped after %s messages: %s", published, exc)
            for message in messages[published:]:
                message.attempts += 1
                message.last_error = str(exc)[:1000]
        OutboxMessage.objects.bulk_update(messages, ["sent_at", "attempts", "last_error"])
    if published:
        reset_breaker()
    return published
