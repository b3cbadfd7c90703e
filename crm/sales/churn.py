"""Churned clients (issue #8): an active client that stopped buying becomes churned, and comes
back to active with its next purchase. Run nightly by beat after the 1C sync.

A purchase is a sell-in line with a positive amount (returns do not count) that counts for the
organisation. The window starts 90 days (``SALES_CHURN_DAYS``) before the first day of the
current month. An active client with no purchase dated on or after that day is churned; a
churned client with one is active again. A purchase made this month therefore counts too: the
window of the issue ends at the 1st, but a client that bought this month is not churned (the
next night's rule would bring it straight back). Potential clients and archived organisations
are left alone. Both changes are plain UPDATEs of the status (history rows with source system,
channel task) and the managers hear of their newly churned clients once per night.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from crm.clients.models import OrganisationStatus
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.notifications import events
from crm.notifications.models import Delivery
from crm.notifications.services import notify

CHURNED = events.register(
    events.EventType("sales.clients_churned", _("Clients stopped buying"), Delivery.BOTH)
)

_CHANGE = """
    UPDATE clients_organisation o
    SET status = %(new)s, version = o.version + 1, updated_at = now()
    WHERE o.status = %(old)s AND NOT o.is_archived
      AND {negation} EXISTS (
        SELECT 1 FROM sales_salesline l
        WHERE l.organisation_id = o.id AND l.flow = 'sell_in' AND l.amount > 0
          AND l.date >= %(since)s
      )
    RETURNING o.id, o.owner_id
"""


@dataclass
class ChurnResult:
    since: date
    churned: list[int] = field(default_factory=list)
    reactivated: list[int] = field(default_factory=list)
    notified: int = 0


def window_start(today: date | None = None) -> date:
    """The first day that counts: ``SALES_CHURN_DAYS`` before the 1st of this month."""
    today = today or timezone.localdate()
    return today.replace(day=1) - timedelta(days=settings.SALES_CHURN_DAYS)


def recompute(today: date | None = None, *, notify_managers: bool = True) -> ChurnResult:
    """Churn who stopped buying, bring back who bought again (see the module)."""
    result = ChurnResult(since=window_start(today))
    owners: dict[int, int] = {}
    with (
        transaction.atomic(),
        audit_context(source=Source.SYSTEM, channel=Channel.TASK, task="sales.churn"),
        connection.cursor() as cursor,
    ):
        params = {"since": result.since}
        cursor.execute(
            _CHANGE.format(negation="NOT"),
            {**params, "old": OrganisationStatus.ACTIVE, "new": OrganisationStatus.CHURNED},
        )
        for pk, owner_id in cursor.fetchall():
            result.churned.append(pk)
            if owner_id:
                owners[owner_id] = owners.get(owner_id, 0) + 1
        cursor.execute(
            _CHANGE.format(negation=""),
            {**params, "old": OrganisationStatus.CHURNED, "new": OrganisationStatus.ACTIVE},
        )
        result.reactivated = [pk for pk, _owner in cursor.fetchall()]
        if notify_managers and owners:
            result.notified = _tell(owners)
    return result


def _tell(owners: dict[int, int]) -> int:
    """One notification per manager: how many of their clients churned, and where to see
    them (their churned clients, the win-back list)."""
    sent = 0
    base = reverse("clients:organisation_list")
    for user in get_user_model().objects.filter(pk__in=owners, is_active=True):
        count = owners[user.pk]
        title = ngettext_lazy(
            "%(count)s of your clients stopped buying",
            "%(count)s of your clients stopped buying",
            "count",
        ) % {"count": count}
        body = _("No purchases for three months. The list shows them to win them back.")
        url = f"{base}?status={OrganisationStatus.CHURNED}&owner={user.pk}"
        sent += notify(user, CHURNED.key, title=title, body=body, url=url) is not None
    return sent
