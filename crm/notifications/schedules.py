"""Periodic tasks of the notifications app, seeded into Celery beat by `sync_schedules`."""

from django.utils.translation import gettext_lazy as _

SCHEDULES = [
    {
        "name": _("Daily notification digest"),
        "task": "notifications.send_digests",
        "crontab": {"minute": "0", "hour": "8"},
    },
    {
        "name": _("Delete expired downloads"),
        "task": "notifications.purge_downloads",
        "crontab": {"minute": "30", "hour": "3"},
    },
]
