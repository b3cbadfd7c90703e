"""Create the periodic tasks every installation needs in Celery beat (editable in admin).

Each app may have a ``schedules.py`` with a SCHEDULES list. A missing task is created, named
in the site's language (``LANGUAGE_CODE``); an existing one keeps the times an administrator
set, so running this on every deploy is safe. A task is found by its name in either language;
one still under the English name an earlier version gave it is renamed.
"""

import importlib
import json

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
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
        created = renamed = 0
        for entry in all_schedules():
            with translation.override("en"):
                english = str(entry["name"])
            with translation.override(settings.LANGUAGE_CODE):
                name = str(entry["name"])
            found = PeriodicTask.objects.filter(name__in={name, english}).order_by("-pk").first()
            if found is not None:
                if found.name != name and not PeriodicTask.objects.filter(name=name).exists():
                    found.name = name
                    found.save(update_fields=["name"])
                    renamed += 1
                continue
            task = PeriodicTask(name=name, task=entry["task"])
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
        self.stdout.write(f"Periodic tasks: {created} created, {renamed} renamed.")
