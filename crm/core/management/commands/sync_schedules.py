"""Create the periodic tasks every installation needs in Celery beat (editable in admin).

Each app may have a ``schedules.py`` with a SCHEDULES list. A missing task is created; an
existing one keeps the times an administrator set (only its task name is checked), so running
this on every deploy is safe.
"""

import importlib
import json

from django.apps import apps
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


def all_schedules() -> list[dict]:
    found = []
    for config in apps.get_app_configs():
        if not (config.name.startswith(("crm.", "integrations.")) or config.name == "dealers"):
            continue
        try:
            module = importlib.import_module(f"{config.name}.schedules")
        except ModuleNotFoundError:
            continue
        found.extend(module.SCHEDULES)
    return found


class Command(BaseCommand):
    help = "Create missing periodic tasks (Celery beat) from each app's schedules.py."

    def handle(self, *args, **options):
        created = 0
        for entry in all_schedules():
            if PeriodicTask.objects.filter(name=entry["name"]).exists():
                continue
            task = PeriodicTask(name=entry["name"], task=entry["task"])
            task.kwargs = json.dumps(entry.get("kwargs", {}))
            if "interval_seconds" in entry:
                task.interval, _ = IntervalSchedule.objects.get_or_create(
                    every=entry["interval_seconds"], period=IntervalSchedule.SECONDS
                )
            else:
                task.crontab, _ = CrontabSchedule.objects.get_or_create(
                    timezone="Europe/Moscow", **entry["crontab"]
                )
            task.save()
            created += 1
        self.stdout.write(f"Periodic tasks: {created} created.")
