"""Periodic tasks of the 1C sync, seeded into Celery beat by `sync_schedules` (editable in the
admin under Periodic tasks)."""

from django.utils.translation import gettext_lazy as _

SCHEDULES = [
    {
        "name": _("Nightly 1C sync"),
        "task": "onec.sync",
        "crontab": {"minute": "30", "hour": "2"},
    },
]
