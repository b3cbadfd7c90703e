"""Periodic tasks of the cabinet, seeded into Celery beat by `sync_schedules`."""

from django.utils.translation import gettext_lazy as _

SCHEDULES = [
    {
        # Daily: it closes the previous quarter from DEALER_PERIOD_CLOSE_DAY on, once.
        "name": _("Close the dealers' reporting quarter"),
        "task": "dealers.close_periods",
        "crontab": {"minute": "10", "hour": "0"},
    },
]
