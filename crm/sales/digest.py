"""The weekly letter to the managers responsible for dealers (issue #7): their dealers that
have not reported for the quarter due, and a short plan vs fact of the quarter so far.

Each manager who owns a working dealer gets one notification of the event type below (by
e-mail by default; the user may choose otherwise in their notification settings), sent through
crm.notifications. Everything in it is read as that manager, through the access rules and
field policies, so it tells them nothing their pages would not. Once a week: a second run in
the same week (Monday to Sunday, in the server's time zone) finds the week's notification and
sends nothing; an advisory lock per manager keeps two runs at once from both sending.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.clients.models import Organisation, OrganisationKind, OrganisationStatus
from crm.core import formatting
from crm.core.periods import Quarter
from crm.notifications import events
from crm.notifications.models import Delivery, Notification
from crm.notifications.services import notify
from crm.sales.choices import Flow, Level
from crm.sales.selectors import dealers_not_reported, due_quarter, plan_vs_fact_table

DIGEST = events.register(
    events.EventType(
        "sales.weekly_dealer_digest",
        gettext_lazy("Weekly: dealers that have not reported, plan and fact"),
        Delivery.EMAIL,
    )
)
LISTED = 30  # dealers named in one letter; the link shows them all
_LOCK_SALT = 0x5D16E57  # advisory lock keys of this letter: (salt, manager id)


@dataclass
class DigestResult:
    week: date  # its Monday
    quarter: Quarter
    sent: list[int] = field(default_factory=list)  # managers notified this run
    skipped: list[int] = field(default_factory=list)  # already notified this week


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def recipients():
    """Active managers who own a working dealer (the responsible managers)."""
    owners = Organisation.objects.filter(
        kind=OrganisationKind.DEALER, is_archived=False, owner__isnull=False
    ).exclude(status=OrganisationStatus.POTENTIAL)
    return get_user_model().objects.filter(is_active=True, pk__in=owners.values("owner_id"))


def send_weekly(today: date | None = None) -> DigestResult:
    """One letter per responsible manager, unless this week's was sent (see the module)."""
    today = today or timezone.localdate()
    result = DigestResult(week=week_start(today), quarter=due_quarter(today))
    since = timezone.make_aware(datetime.combine(result.week, time.min))
    for manager in recipients().order_by("pk"):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SALT, manager.pk])
            already = Notification.objects.filter(
                recipient=manager, event_type=DIGEST.key, created_at__gte=since
            ).exists()
            if already:
                result.skipped.append(manager.pk)
                continue
            with translation.override(manager.language), timezone.override(manager.time_zone):
                title, body, url = compose(manager, result.quarter, today)
            if notify(manager, DIGEST.key, title=title, body=body, url=url) is not None:
                result.sent.append(manager.pk)
    return result


def compose(manager, quarter: Quarter, today: date) -> tuple[str, str, str]:
    """The letter's title, text and link, in the manager's language."""
    missing = list(
        dealers_not_reported(manager, quarter)
        .filter(owner=manager)
        .order_by("name", "pk")
        .values_list("name", "last_report_quarter", "last_report_at")[: LISTED + 1]
    )
    count = len(missing)
    if count:
        title = ngettext(
            "%(count)s of your dealers has not reported for %(quarter)s",
            "%(count)s of your dealers have not reported for %(quarter)s",
            count,
        ) % {"count": count if count <= LISTED else f"{LISTED}+", "quarter": quarter.label}
    else:
        title = _("All your dealers have reported for %(quarter)s") % {"quarter": quarter.label}
    parts = [_missing_text(missing, quarter), _summary_text(manager, Quarter.of(today))]
    query = urlencode({"quarter": quarter.slug, "owner": manager.pk})
    body = "\n\n".join(part for part in parts if part)
    return title, body, f"{reverse('sales:not_reported')}?{query}"


def _missing_text(missing: list, quarter: Quarter) -> str:
    if not missing:
        return _("Every dealer of yours has sent the report for %(quarter)s.") % {
            "quarter": quarter.label
        }
    lines = [_("Dealers without a report for %(quarter)s:") % {"quarter": quarter.label}]
    for name, last_quarter, last_at in missing[:LISTED]:
        if last_quarter is None:
            last = _("never reported")
        else:
            last = _("last report: %(quarter)s, %(date)s") % {
                "quarter": Quarter.of(last_quarter).label,
                "date": timezone.localtime(last_at).strftime("%d.%m.%Y"),
            }
        lines.append(f"— {name} ({last})")
    if len(missing) > LISTED:
        lines.append(_("…and more: the link below shows them all."))
    return "\n".join(lines)


def _summary_text(manager, quarter: Quarter) -> str:
    """Plan and fact of the manager's own organisations this quarter, per flow (never summed),
    read as the manager."""
    if not manager.has_perm("sales.view_salesmonth"):
        return ""
    plans_shown = manager.has_perm("sales.view_plan")
    lines = [
        _("Plan and fact of your organisations, %(quarter)s so far:") % {"quarter": quarter.label}
    ]
    for flow, label in Flow.choices:
        total = plan_vs_fact_table(
            manager,
            period_start=quarter.start,
            period_end=quarter.end,
            flow=flow,
            level=Level.DEALER,
            owner=manager.pk,
            limit=0,
        ).total
        lines.append(
            _("%(flow)s: plan %(plan)s, fact %(fact)s, completion %(completion)s")
            % {
                "flow": label,
                "plan": formatting.money(total.plan_amount if plans_shown else None),
                "fact": formatting.money(total.fact_amount),
                "completion": formatting.percent(total.completion_amount if plans_shown else None),
            }
        )
    return "\n".join(lines)
