"""Worker heartbeat: a running Celery worker records that it is alive every few seconds."""

import logging
import socket
import threading

from celery.signals import worker_ready, worker_shutdown

logger = logging.getLogger(__name__)
HEARTBEAT_INTERVAL = 15
_stop = threading.Event()


def record_heartbeat(hostname: str) -> None:
    from django.db import close_old_connections
    from django.utils import timezone

    from crm.core.models import WorkerHeartbeat

    close_old_connections()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )


def _beat_forever(hostname: str) -> None:
    while not _stop.is_set():
        try:
            record_heartbeat(hostname)
        except Exception:  # the database may be restarting; try again next round
            logger.warning("worker heartbeat could not be written", exc_info=True)
        _stop.wait(HEARTBEAT_INTERVAL)


@worker_ready.connect
def _start_heartbeat(sender=None, **kwargs):
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _stop.clear()
    threading.Thread(target=_beat_forever, args=(hostname,), daemon=True).start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs):
    _stop.set()
