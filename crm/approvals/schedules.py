"""Periodic tasks of approvals, seeded into Celery beat by `sync_schedules`."""

SCHEDULES = [
    {
        "name": "Escalate overdue change requests",
        "task": "approvals.escalate_overdue",
        "interval_seconds": 900,
    },
]
