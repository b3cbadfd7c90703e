"""The 1C sync as Celery work: nightly by beat, or "run now" from the admin."""

from django.conf import settings

from crm.core.tasks import crm_task
from integrations.onec import notify, sync
from integrations.onec.client import ODataClient
from integrations.onec.models import RunStatus


def configured() -> bool:
    return bool(settings.ONEC_URL)


def client() -> ODataClient:
    return ODataClient(
        settings.ONEC_URL,
        settings.ONEC_USER,
        settings.ONEC_PASSWORD,
        timeout=settings.INTEGRATION_TIMEOUT,
    )


@crm_task(name="onec.sync", long=True)
def sync_1c(keys: list[str] | None = None) -> dict:
    """Pull every enabled target (or ``keys``) in the mapping's order; a failed run tells the
    administrators once. Each target loads what it can: a row whose reference is missing (its
    target failed) is retried next night."""
    if not configured():
        return {"status": "not configured"}
    outcome = {}
    with client() as onec:
        for key, run in sync.sync_all(onec, keys).items():
            outcome[key] = run.status
            if run.status == RunStatus.FAILED:
                notify.run_failed(run)
    return outcome
