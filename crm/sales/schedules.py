"""Periodic tasks of sales, seeded into Celery beat by `sync_schedules` (editable in admin)."""

SCHEDULES = [
    {
        # After the nightly 1C sync (02:30) has brought yesterday's sales.
        "name": "Nightly churn of clients",
        "task": "sales.recompute_churn",
        "crontab": {"minute": "30", "hour": "4"},
    },
]
