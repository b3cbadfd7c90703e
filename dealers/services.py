"""Writes of the cabinet: a dealer's quarterly report and the sales users enter as they happen.

Both end in the sales ledger through crm.sales.services (source dealer or sub-dealer, channel
web): a report's figure is one sell-out line per outlet × product group whose external id is
stable for the dealer, quarter, outlet and group, so a report sent again updates its lines
instead of adding to them, and a figure set to zero removes its line. The callers (the cabinet's
views) decide what the acting user may send; these functions refuse closed quarters and stale
forms, and check that outlets belong to the organisation.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.clients.models import OrganisationKind
from crm.core import formatting
from crm.core.choices import Channel, Source
from crm.core.periods import Quarter
from crm.core.records import FieldChange, RecordError, StaleRecord
from crm.outlets.models import Outlet
from crm.sales.choices import Flow
from crm.sales.services import LineData, record_lines, remove_lines
from dealers import selectors
from dealers.models import ReportingPeriod, SaleEntry, SalesReport, SalesReportCell

ZERO = Decimal(0)
# (outlet id or None, top-level product group id) → (quantity, amount)
Figures = dict[tuple[int | None, int], tuple[Decimal, Decimal]]


class PeriodClosed(RecordError):  # noqa: N818
    """The quarter is closed: its report and entries can no longer change."""

    def __init__(self, quarter: Quarter):
        super().__init__(
            _(
                "%(quarter)s is closed: its figures can no longer be changed. If something is "
                "wrong, tell your manager."
            )
            % {"quarter": quarter.label}
        )
        self.quarter = quarter


class ReportChanged(StaleRecord):
    """Someone submitted the report after this form was opened; nothing was written."""

    def __init__(self, current, changes, by="", at=None):
        super().__init__(current, changes, by, at)
        self.message = _(
            "The report was changed after you opened it. Nothing was saved: your figures are "
            "kept in the form. Check them against the changes and send the report again."
        )


def _check_open(quarter: Quarter) -> None:
    """Refuse a quarter that is closed, older than the previous one, or not begun. A closed
    quarter's row stays locked until the transaction ends, so a quarter cannot close half-way
    through a submission."""
    current = Quarter.of(selectors.today())
    if quarter > current:
        raise RecordError(_("%(quarter)s has not begun yet.") % {"quarter": quarter.label})
    if quarter < current.previous():
        raise PeriodClosed(quarter)
    period = ReportingPeriod.objects.select_for_update().filter(quarter_start=quarter.start).first()
    if period is not None and period.is_closed:
        raise PeriodClosed(quarter)


def report_external_id(organisation_id: int, quarter: Quarter, outlet_id, group_id: int) -> str:
    """The ledger key of one figure: the same dealer, quarter, outlet and group, the same line."""
    return f"cabinet-report:{organisation_id}:{quarter.slug}:{outlet_id or 0}:{group_id}"


def report_submit(
    actor, *, organisation, quarter: Quarter, figures: Figures, expected_version: int
) -> SalesReport:
    """Submit a dealer's quarterly sell-out: save the figures and record them in the ledger.

    ``expected_version`` is the report's version when the form was opened (0: there was none);
    if the report changed since, ``ReportChanged`` is raised and nothing is written.
    """
    if organisation.kind != OrganisationKind.DEALER:
        raise RecordError(_("Only a dealer submits a quarterly report."))
    _check_figures(organisation, figures)
    with transaction.atomic():
        _check_open(quarter)
        report = (
            SalesReport.objects.select_for_update()
            .filter(organisation=organisation, quarter_start=quarter.start)
            .first()
        )
        if (report.version if report else 0) != expected_version:
            raise _changed(report, figures)
        report = _stamp(actor, report, organisation, quarter, figures)
        before = _save_cells(report, figures)
        _to_ledger(actor, report, quarter, figures, before)
    return report


def _check_figures(organisation, figures: Figures) -> None:
    """Figures are not negative, and each outlet is one of the organisation's own (not even a
    sub-dealer's: those sales are the sub-dealer's to report)."""
    if any(quantity < 0 or amount < 0 for quantity, amount in figures.values()):
        raise RecordError(
            _("Sales of a quarter are not negative: subtract returns from the sales.")
        )
    outlets = {outlet for outlet, _group in figures} - {None}
    own = Outlet.objects.filter(pk__in=outlets, dealer=organisation).count()
    if own != len(outlets):
        raise RecordError(_("This outlet is not yours: choose one of your outlets."))


def _stamp(actor, report, organisation, quarter: Quarter, figures: Figures) -> SalesReport:
    now = timezone.now()
    if report is None:
        try:
            with transaction.atomic():
                return SalesReport.objects.create(
                    organisation=organisation,
                    quarter_start=quarter.start,
                    submitted_at=now,
                    submitted_by=actor,
                )
        except IntegrityError:  # someone submitted the first report at the same moment
            current = SalesReport.objects.get(
                organisation=organisation, quarter_start=quarter.start
            )
            raise _changed(current, figures) from None
    report.version += 1
    report.submitted_at = report.updated_at = now
    report.submitted_by = actor
    report.save(update_fields=["version", "submitted_at", "updated_at", "submitted_by"])
    return report


def _save_cells(report: SalesReport, figures: Figures) -> Figures:
    """Store the figures on the report; returns what it held before."""
    cells = {(c.outlet_id, c.product_group_id): c for c in report.cells.all()}
    before = {key: (cell.quantity, cell.amount) for key, cell in cells.items()}
    new = []
    for key, (quantity, amount) in figures.items():
        cell = cells.get(key)
        if cell is None:
            new.append(
                SalesReportCell(
                    report=report,
                    outlet_id=key[0],
                    product_group_id=key[1],
                    quantity=quantity,
                    amount=amount,
                )
            )
        elif (cell.quantity, cell.amount) != (quantity, amount):
            cell.quantity, cell.amount = quantity, amount
            cell.save(update_fields=["quantity", "amount"])
    SalesReportCell.objects.bulk_create(new)
    gone = [cells[key].pk for key in cells.keys() - figures.keys()]
    if gone:
        SalesReportCell.objects.filter(pk__in=gone).delete()
    return before


def _to_ledger(actor, report, quarter: Quarter, figures: Figures, before: Figures) -> None:
    """One sell-out line per figure above zero, dated the quarter's last day; the lines of
    figures now zero or no longer in the report are removed."""
    organisation_id = report.organisation_id
    lines, zero = [], []
    for key in figures.keys() | before.keys():
        external_id = report_external_id(organisation_id, quarter, *key)
        quantity, amount = figures.get(key, (ZERO, ZERO))
        if quantity == 0 and amount == 0:
            zero.append(external_id)
            continue
        lines.append(
            LineData(
                external_id=external_id,
                flow=Flow.SELL_OUT,
                date=quarter.end,
                quantity=quantity,
                amount=amount,
                seller_id=organisation_id,
                outlet_id=key[0],
                product_group_id=key[1],
            )
        )
    record_lines(
        lines, source=Source.DEALER, channel=Channel.WEB, actor=actor, batch=f"report-{report.pk}"
    )
    remove_lines(Source.DEALER, zero)


def _changed(report, figures: Figures) -> ReportChanged:
    """The figures another submission set differently from this form's."""
    if report is None:
        return ReportChanged(None, [])
    changes = []
    cells = report.cells.select_related("outlet", "product_group").order_by("outlet__name", "pk")
    for cell in cells:
        key = (cell.outlet_id, cell.product_group_id)
        if figures.get(key) == (cell.quantity, cell.amount):
            continue
        place = cell.outlet.name if cell.outlet else _("Without an outlet")
        changes.append(
            FieldChange(
                field=f"{cell.outlet_id or 0}-{cell.product_group_id}",
                label=f"{place} · {cell.product_group.name}",
                before=figures.get(key),
                after=_("quantity %(quantity)s, amount %(amount)s")
                % {
                    "quantity": formatting.number(cell.quantity),
                    "amount": formatting.money(cell.amount),
                },
            )
        )
    by = str(report.submitted_by) if report.submitted_by_id else ""
    return ReportChanged(report, changes, by=by, at=report.submitted_at)


# --- sales entered as they happen ---------------------------------------------------------------


@dataclass(frozen=True)
class EntryData:
    date: date
    product: object  # crm.catalog.models.Product
    quantity: Decimal
    amount: Decimal
    outlet: object = None  # crm.outlets.models.Outlet
    key: str = ""  # the form's one-time key


def entry_record(actor, *, organisation, data: EntryData) -> SaleEntry:
    """Enter a sale. A sub-dealer's goes to the ledger at once (source sub-dealer); a dealer's
    stays a draft for the quarterly report. The same form sent twice enters one sale."""
    quarter = Quarter.of(data.date)
    if data.outlet is not None and data.outlet.dealer_id != organisation.pk:
        raise RecordError(_("This outlet is not yours: choose one of your outlets."))
    with transaction.atomic():
        _check_open(quarter)
        if data.key:
            existing = SaleEntry.objects.filter(key=data.key, organisation=organisation).first()
            if existing is not None:
                return existing
        entry = SaleEntry.objects.create(
            organisation=organisation,
            date=data.date,
            outlet=data.outlet,
            product=data.product,
            product_group_id=data.product.group_id,
            quantity=data.quantity,
            amount=data.amount,
            created_by=actor,
            recorded=organisation.kind == OrganisationKind.SUB_DEALER,
            **({"key": data.key} if data.key else {}),
        )
        if entry.recorded:
            _entry_to_ledger(actor, entry)
    return entry


def _entry_to_ledger(actor, entry: SaleEntry) -> None:
    record_lines(
        [
            LineData(
                external_id=entry.line_external_id,
                flow=Flow.SELL_OUT,
                date=entry.date,
                quantity=entry.quantity,
                amount=entry.amount,
                seller_id=entry.organisation_id,
                outlet_id=entry.outlet_id,
                product_id=entry.product_id,
            )
        ],
        source=Source.SUB_DEALER,
        channel=Channel.WEB,
        actor=actor,
        batch=f"entry-{entry.pk}",
    )


def entry_delete(actor, entry: SaleEntry) -> None:
    """Delete an entry (and its sales line, for a sub-dealer's) while its quarter is open."""
    with transaction.atomic():
        _check_open(Quarter.of(entry.date))
        if entry.recorded:
            remove_lines(Source.SUB_DEALER, [entry.line_external_id])
        entry.delete()
