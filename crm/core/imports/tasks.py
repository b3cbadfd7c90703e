"""Celery tasks of the import wizard: check and import big files on the "long" queue.

They take the job id; the user was checked when the job was queued and the engine acts as
that user (row rule and field policy included). Delivered twice, a task finds the job no
longer in the state it expects and does nothing.
"""

from crm.core.tasks import crm_task


@crm_task(name="core.import_check", long=True)
def import_check(job_id: int) -> str:
    from crm.core.imports import services
    from crm.core.imports.models import ImportJob, ImportStatus

    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ImportStatus.CHECKING:
        return job.status
    services.run_check(job, progress=True)
    services.notify_finished(job)
    return job.status


@crm_task(name="core.import_apply", long=True)
def import_apply(job_id: int) -> str:
    from crm.core.imports import services
    from crm.core.imports.models import ImportJob, ImportStatus

    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return job.status
    services.run_apply(job, progress=True)
    services.notify_finished(job)
    return job.status


@crm_task(name="core.analyze_table")
def analyze_table(model: str) -> str:
    """Fresh planner statistics for a table a big import or its undo has just written."""
    from django.apps import apps

    from crm.core.imports import engine

    engine.analyze_table(apps.get_model(model))
    return model
