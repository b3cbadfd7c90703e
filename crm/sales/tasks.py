"""Sales work for Celery: the nightly churn of clients who stopped buying, and the weekly
letter to the managers responsible for dealers."""

from crm.core.tasks import crm_task
from crm.sales import churn, digest


@crm_task(name="sales.recompute_churn", long=True)
def recompute_churn() -> dict:
    result = churn.recompute()
    return {
        "since": result.since.isoformat(),
        "churned": len(result.churned),
        "reactivated": len(result.reactivated),
        "notified": result.notified,
    }


@crm_task(name="sales.weekly_dealer_digest", long=True)
def weekly_dealer_digest() -> dict:
    """Unscoped on purpose: it reads, for each responsible manager, as that manager. Once a
    week per manager whatever the number of runs (crm.sales.digest)."""
    result = digest.send_weekly()
    return {
        "week": result.week.isoformat(),
        "quarter": result.quarter.slug,
        "sent": len(result.sent),
        "skipped": len(result.skipped),
    }
