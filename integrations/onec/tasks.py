"""The 1C sync as Celery work: nightly by beat, or "run now" from the admin."""

from django.conf import settings

from crm.core.tasks import crm_task
from integrations.onec import notify, sync
from integrations.onec.client import ODataClient
from integrations.onec.models import RunStatus


def configured() -> bool:
    return bool(settings.ONEC_URL)


@crm_task(name="onec.sync_dictionaries", long=True)
def sync_dictionaries() -> dict:
    """Pull every mapped dictionary; a failed run tells the administrators once."""
    if not configured():
        return {"status": "not configured"}
    outcome = {}
    with ODataClient(
        settings.ONEC_URL,
        settings.ONEC_USER,
        settings.ONEC_PASSWORD,
        timeout=settings.INTEGRATION_TIMEOUT,
    ) as client:
        for key, mapping in sync.DICTIONARIES.items():
            run = sync.sync_dictionary(client, mapping)
            outcome[key] = run.status
            if run.status == RunStatus.FAILED:
                notify.run_failed(run)
    return outcome
