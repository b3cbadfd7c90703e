"""Periodic tasks of sales, seeded into Celery beat by `sync_schedules` (editable in admin)."""

from django.utils.translation import gettext_lazy as _

SCHEDULES = [
    {
        # After the nightly 1C sync (02:30) has brought yesterday's sales.
        "name": _("Nightly churn of clients"),
        "task": "sales.recompute_churn",
        "crontab": {"minute": "30", "hour": "4"},
    },
    {
        # Monday morning, before the managers' week starts; a second run the same week sends
        # nothing (crm.sales.digest).
        "name": _("Weekly letter: dealers that have not reported, plan and fact"),
        "task": "sales.weekly_dealer_digest",
        "crontab": {"minute": "0", "hour": "7", "day_of_week": "1"},
    },
]
