"""Periodic tasks of the core, seeded into Celery beat by `sync_schedules`."""

from django.utils.translation import gettext_lazy as _

SCHEDULES = [
    {
        "name": _("Publish queued tasks (outbox)"),
        "task": "core.drain_outbox",
        "interval_seconds": 5,
    },
    {
        "name": _("Prune published outbox messages"),
        "task": "core.prune_outbox",
        "crontab": {"minute": "15", "hour": "3"},
    },
]
