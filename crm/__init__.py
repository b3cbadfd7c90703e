"""The CRM project package: settings, URL map, Celery app and the core apps."""

from crm.celery import app as celery_app

__all__ = ["celery_app"]
