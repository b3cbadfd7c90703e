"""Periodic tasks of approvals, seeded into Celery beat by `sync_schedules`."""

from django.utils.translation import gettext_lazy as _

SCHEDULES = [
    {
        "name": _("Escalate overdue change requests"),
        "task": "approvals.escalate_overdue",
        "interval_seconds": 900,
    },
]
