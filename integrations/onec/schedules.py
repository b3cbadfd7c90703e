"""Periodic tasks of the 1C sync, seeded into Celery beat by `sync_schedules` (editable in the
admin under Periodic tasks)."""

SCHEDULES = [
    {
        "name": "Nightly 1C sync",
        "task": "onec.sync",
        "crontab": {"minute": "30", "hour": "2"},
    },
]
