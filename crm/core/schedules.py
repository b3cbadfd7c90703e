"""Periodic tasks of the core, seeded into Celery beat by `sync_schedules`."""

SCHEDULES = [
    {"name": "Publish queued tasks (outbox)", "task": "core.drain_outbox", "interval_seconds": 5},
    {
        "name": "Prune published outbox messages",
        "task": "core.prune_outbox",
        "crontab": {"minute": "15", "hour": "3"},
    },
]
