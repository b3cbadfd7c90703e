"""Sales work for Celery: the nightly churn of clients who stopped buying."""

from crm.core.tasks import crm_task
from crm.sales import churn


@crm_task(name="sales.recompute_churn", long=True)
def recompute_churn() -> dict:
    result = churn.recompute()
    return {
        "since": result.since.isoformat(),
        "churned": len(result.churned),
        "reactivated": len(result.reactivated),
        "notified": result.notified,
    }
