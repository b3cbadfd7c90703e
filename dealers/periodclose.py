"""Closing and reopening the quarters dealers report (ReportingPeriod).

The beat task (dealers.close_periods, daily) closes the previous quarter once the day of the
month after it reaches DEALER_PERIOD_CLOSE_DAY (1–28, 15 by default): closed, the quarter's
reports and sale entries are locked (dealers.services refuses them) and the responsible
managers are told. Staff with ``dealers.reopen_reportingperiod`` reopen a quarter (on the page
of the dealers that have not reported, or by the Django admin action), which is recorded (who,
when) and told too; a reopened quarter is never closed again by the task, only by hand (the
same page, with ``dealers.change_reportingperiod``). Running the task twice closes once and
notifies once: the close is a locked read-then-write of the quarter's row.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.core.periods import Quarter
from crm.core.records import RecordError, access_denied
from dealers import notify, selectors
from dealers.models import ReportingPeriod

DEFAULT_CLOSE_DAY = 15


def close_day() -> int:
    """DEALER_PERIOD_CLOSE_DAY, kept within 1–28 so that every month has that day."""
    day = int(getattr(settings, "DEALER_PERIOD_CLOSE_DAY", DEFAULT_CLOSE_DAY))
    return min(max(day, 1), 28)


def closing_date(quarter: Quarter) -> date:
    """The day the task closes ``quarter``: that day of the month after the quarter ends."""
    return quarter.next().start.replace(day=close_day())


def quarter_to_close(day: date | None = None) -> Quarter | None:
    """The quarter the task closes on ``day``: the previous one, once its closing date came."""
    previous = Quarter.of(day or selectors.today()).previous()
    return previous if (day or selectors.today()) >= closing_date(previous) else None


def periods_close_due(day: date | None = None) -> list[Quarter]:
    """The beat task's work: close the due quarter unless it is closed already or was
    reopened by staff. Returns the quarters closed now (at most one)."""
    quarter = quarter_to_close(day)
    if quarter is None:
        return []
    ReportingPeriod.objects.get_or_create(quarter_start=quarter.start)
    with transaction.atomic():
        period = ReportingPeriod.objects.select_for_update().get(quarter_start=quarter.start)
        if period.is_closed or period.reopened_at is not None:
            return []
        _close(period, actor=None)
    return [quarter]


def period_close(actor, quarter: Quarter) -> bool:
    """Close ``quarter`` by hand (staff with the change permission). Returns whether it was
    open."""
    if not actor.has_perm("dealers.change_reportingperiod"):
        raise access_denied()
    ReportingPeriod.objects.get_or_create(quarter_start=quarter.start)
    with transaction.atomic():
        period = ReportingPeriod.objects.select_for_update().get(quarter_start=quarter.start)
        if period.is_closed:
            return False
        _close(period, actor=actor)
    return True


def _close(period: ReportingPeriod, *, actor) -> None:
    period.is_closed = True
    period.closed_at = timezone.now()
    period.closed_by = actor
    context = {"source": Source.STAFF, "channel": Channel.WEB, "user": actor}
    if actor is None:
        context = {"source": Source.SYSTEM, "channel": Channel.TASK}
    with audit_context(**context):
        period.save(update_fields=["is_closed", "closed_at", "closed_by"])
    notify.period_closed(period)


def period_reopen(actor, period: ReportingPeriod) -> bool:
    """Reopen a closed quarter (``dealers.reopen_reportingperiod``): dealers may correct its
    report again. Returns whether it was closed. Quarters before the previous one stay
    closed whatever their row says (dealers.services), so reopening one is refused."""
    if not actor.has_perm("dealers.reopen_reportingperiod"):
        raise access_denied()
    if period.quarter < Quarter.of(selectors.today()).previous():
        raise RecordError(
            _("%(quarter)s is too old to reopen: dealers report only the last two quarters.")
            % {"quarter": period.quarter.label}
        )
    if period.pk is None:  # a quarter without a row was never closed
        return False
    with transaction.atomic():
        period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        if not period.is_closed:
            return False
        period.is_closed = False
        period.reopened_at = timezone.now()
        period.reopened_by = actor
        with audit_context(source=Source.STAFF, channel=Channel.WEB, user=actor):
            period.save(update_fields=["is_closed", "reopened_at", "reopened_by"])
        notify.period_reopened(period, actor)
    return True


@dataclass(frozen=True)
class PeriodState:
    """Where a quarter stands for dealers, as staff pages show it."""

    quarter: Quarter
    period: ReportingPeriod | None  # None: never closed, no row yet
    closing_date: date  # when the task closes it (if open and never reopened)
    reportable: bool  # one of the last two quarters: reports may be open for it at all

    @property
    def is_closed(self) -> bool:
        return not self.reportable or (self.period is not None and self.period.is_closed)

    @property
    def reopened(self) -> bool:
        return self.period is not None and self.period.reopened_at is not None

    @property
    def overdue(self) -> bool:
        """Open past its closing date: the task has not run since (it closes it next run)."""
        return not self.is_closed and not self.reopened and selectors.today() >= self.closing_date

    def can_close(self, user) -> bool:
        return (
            self.reportable
            and not self.is_closed
            and self.quarter < Quarter.of(selectors.today())
            and user.has_perm("dealers.change_reportingperiod")
        )

    def can_reopen(self, user) -> bool:
        return (
            self.reportable
            and self.is_closed
            and self.quarter >= Quarter.of(selectors.today()).previous()
            and user.has_perm("dealers.reopen_reportingperiod")
        )


def period_state(quarter: Quarter) -> PeriodState:
    period = (
        ReportingPeriod.objects.select_related("closed_by", "reopened_by")
        .filter(quarter_start=quarter.start)
        .first()
    )
    reportable = quarter >= Quarter.of(selectors.today()).previous()
    return PeriodState(quarter, period, closing_date(quarter), reportable)
