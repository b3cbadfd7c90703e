"""What the cabinet tells staff: a quarter closed or reopened (crm.notifications)."""

from django.contrib.auth import get_user_model
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.clients.models import Organisation, OrganisationKind
from crm.notifications import events
from crm.notifications.models import Delivery
from crm.notifications.services import notify_many
from dealers.models import SalesReport

PERIOD_CLOSED = events.register(
    events.EventType(
        "dealers.period_closed", _("A quarter of dealers' reports was closed"), Delivery.BOTH
    )
)
PERIOD_REOPENED = events.register(
    events.EventType(
        "dealers.period_reopened",
        _("A closed quarter of dealers' reports was reopened"),
        Delivery.BOTH,
    )
)


def responsible_managers():
    """The active managers responsible for a dealer (the owners of dealer organisations)."""
    owners = (
        Organisation.objects.filter(kind=OrganisationKind.DEALER, owner__isnull=False)
        .values("owner_id")
        .distinct()
    )
    return get_user_model().objects.filter(pk__in=owners, is_active=True).order_by("pk")


def _reported(period) -> tuple[int, int]:
    """(dealers who sent the quarter's report, dealers in all)."""
    dealers = Organisation.objects.filter(kind=OrganisationKind.DEALER, is_archived=False)
    sent = SalesReport.objects.filter(quarter_start=period.quarter_start).count()
    return sent, dealers.count()


def _label(period):
    """The quarter's name, translated when the notification is rendered for its recipient."""
    return lazy(lambda: period.quarter.label, str)()


def period_closed(period) -> int:
    sent, total = _reported(period)
    return notify_many(
        responsible_managers(),
        PERIOD_CLOSED.key,
        title=format_lazy(
            _("{quarter} is closed: dealers can no longer change its reports"),
            quarter=_label(period),
        ),
        body=format_lazy(_("Reports sent: {sent} of {total} dealers."), sent=sent, total=total),
    )


def period_reopened(period, actor) -> int:
    return notify_many(
        responsible_managers(),
        PERIOD_REOPENED.key,
        title=format_lazy(
            _("{quarter} is open again: dealers may correct its reports"),
            quarter=_label(period),
        ),
        body=format_lazy(_("Reopened by {actor}."), actor=str(actor)),
    )
