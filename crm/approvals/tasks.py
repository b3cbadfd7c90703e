"""Beat tasks of approvals: overdue requests are escalated once."""

from crm.approvals import services
from crm.core.tasks import crm_task


@crm_task(name="approvals.escalate_overdue")
def escalate_overdue() -> int:
    return services.escalate_overdue()
