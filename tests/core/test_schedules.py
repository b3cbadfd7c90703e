"""sync_schedules: periodic tasks named in the site's language, found again in either one."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

pytestmark = pytest.mark.django_db


def sync() -> str:
    from io import StringIO

    out = StringIO()
    call_command("sync_schedules", stdout=out)
    return out.getvalue()


def test_tasks_are_created_in_russian_once():
    assert "0 renamed" in sync()
    churn = PeriodicTask.objects.get(task="sales.recompute_churn")
    assert churn.name == "Ночной расчёт оттока клиентов"
    assert (churn.crontab.hour, churn.crontab.minute) == ("4", "30")
    count = PeriodicTask.objects.count()
    assert "0 created, 0 renamed" in sync()
    assert PeriodicTask.objects.count() == count


def test_a_task_under_its_old_english_name_is_renamed_and_keeps_its_times():
    """Installations synced before the names were translated have the English ones."""
    late, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="6", timezone="Europe/Moscow")
    PeriodicTask.objects.create(
        name="Nightly churn of clients", task="sales.recompute_churn", crontab=late
    )
    out = sync()
    assert "1 renamed" in out
    churn = PeriodicTask.objects.get(task="sales.recompute_churn")
    assert churn.name == "Ночной расчёт оттока клиентов"
    assert churn.crontab == late  # the administrator's time stands


def test_an_english_site_gets_english_names(settings):
    settings.LANGUAGE_CODE = "en"
    sync()
    assert PeriodicTask.objects.filter(name="Nightly churn of clients").exists()
