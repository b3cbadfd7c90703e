"""Celery tasks of the cabinet: the invitation letter and the scheduled close of a quarter.
Unscoped on purpose (the caller checked access); both idempotent."""

from crm.core.tasks import crm_task
from dealers import invitations, periodclose


@crm_task(name=invitations.SEND_TASK)
def send_invitation(invitation_id: int, token: str, language: str = "ru") -> bool:
    return invitations.invitation_send(invitation_id, token, language)


@crm_task(name="dealers.close_periods")
def close_periods() -> list[str]:
    """Close the previous quarter on DEALER_PERIOD_CLOSE_DAY; the slugs of those closed."""
    return [quarter.slug for quarter in periodclose.periods_close_due()]
