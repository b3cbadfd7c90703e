"""The Celery application: two queues (default and long) and settings read from Django."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("default"), Queue("long")]
app.conf.task_default_queue = "default"
app.autodiscover_tasks()
