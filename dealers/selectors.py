"""Reads of the cabinet: whom a user acts for, which reports are due, the report's grid with
its prefill and hints, and plan vs fact for the home page and an outlet's card.

Everything user-visible is read through the access policy (``restrict``; plan vs fact through
crm.sales.selectors, which applies the field policies too). Product group names are read as a
dictionary, as plan vs fact does: dealers get no catalogue pages, and the cabinet shows the
names of the groups they sell.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.scopes import DEALER_ROLES
from crm.catalog.models import ProductGroup
from crm.clients.models import Organisation, OrganisationKind
from crm.core import access
from crm.core.periods import Quarter
from crm.outlets.models import Outlet, OutletStatus
from crm.sales.choices import Flow, Level
from crm.sales.models import Plan, SalesLine
from crm.sales.selectors import NetworkSums, plan_vs_fact
from dealers.models import (
    DealerMembership,
    ReportingPeriod,
    ReportUpload,
    SaleEntry,
    SalesReport,
    SalesReportCell,
)

ZERO = Decimal(0)


# --- whom the user acts for ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cabinet:
    """The organisation a cabinet user acts for."""

    organisation: Organisation
    # The membership's administrator flag: invites and blocks the organisation's users.
    is_admin: bool = False

    @property
    def is_dealer(self) -> bool:
        return self.organisation.kind == OrganisationKind.DEALER

    @property
    def is_sub_dealer(self) -> bool:
        return self.organisation.kind == OrganisationKind.SUB_DEALER


_NONE = object()


def cabinet_of(user) -> Cabinet | None:
    """Whom a dealer's or sub-dealer's user acts for, read through the organisation's access
    rule (one query, kept for the request); None for staff, auditors and unlinked users."""
    cached = getattr(user, "_dealers_cabinet", _NONE)
    if cached is not _NONE:
        return cached
    cabinet = None
    if user.is_authenticated and user.role_codes & DEALER_ROLES:
        admin = DealerMembership.objects.filter(
            user=user, organisation=OuterRef("pk"), is_admin=True
        )
        organisation = (
            Organisation.objects.restrict(user, "view")
            .filter(
                members__user=user, kind__in=[OrganisationKind.DEALER, OrganisationKind.SUB_DEALER]
            )
            .annotate(cabinet_admin=Exists(admin))
            .first()
        )
        if organisation is not None:
            cabinet = Cabinet(organisation, is_admin=organisation.cabinet_admin)
    user._dealers_cabinet = cabinet
    return cabinet


# --- quarters and due reports -------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def open_quarters(day: date | None = None) -> list[Quarter]:
    """The quarters a dealer may still report or enter sales for: the previous one and the
    current one, unless closed."""
    current = Quarter.of(day or today())
    quarters = [current.previous(), current]
    closed = closed_starts(quarters)
    return [quarter for quarter in quarters if quarter.start not in closed]


def closed_starts(quarters) -> set[date]:
    starts = [quarter.start for quarter in quarters]
    return set(
        ReportingPeriod.objects.filter(quarter_start__in=starts, is_closed=True).values_list(
            "quarter_start", flat=True
        )
    )


def is_open(quarter: Quarter, day: date | None = None) -> bool:
    return quarter in open_quarters(day)


@dataclass(frozen=True)
class DueReport:
    """A quarter on the home page's list of reports, with its report if one was submitted."""

    quarter: Quarter
    report: SalesReport | None
    closed: bool

    @property
    def submitted(self) -> bool:
        return self.report is not None


def reports_due(user, organisation, day: date | None = None) -> list[DueReport]:
    """The previous quarter while it is open, and the current one (closed or not)."""
    current = Quarter.of(day or today())
    quarters = [current.previous(), current]
    closed = closed_starts(quarters)
    reports = {
        report.quarter_start: report
        for report in SalesReport.objects.restrict(user, "view").filter(
            organisation=organisation, quarter_start__in=[q.start for q in quarters]
        )
    }
    return [
        DueReport(quarter, reports.get(quarter.start), quarter.start in closed)
        for quarter in quarters
        if quarter == current or quarter.start not in closed
    ]


def next_report(due: list[DueReport]) -> DueReport | None:
    """The report the home page's main button opens: the oldest open one not submitted yet,
    else the latest open one (to correct it)."""
    open_ones = [item for item in due if not item.closed]
    for item in open_ones:
        if not item.submitted:
            return item
    return open_ones[-1] if open_ones else None


# --- product groups -------------------------------------------------------------------------------


class GroupTree:
    """Product groups by their top-level ancestor (the report's columns), read once."""

    def __init__(self):
        rows = list(ProductGroup.objects.values_list("pk", "parent_id", "name", "is_active"))
        self.parent = {pk: parent for pk, parent, _name, _active in rows}
        self.names = {pk: name for pk, _parent, name, _active in rows}
        self.active = {pk for pk, _parent, _name, active in rows if active}

    def top(self, pk: int) -> int:
        seen, node = set(), pk
        while self.parent.get(node) is not None and node not in seen:
            seen.add(node)
            node = self.parent[node]
        return node

    def top_level(self) -> list[int]:
        """The active top-level groups, by name."""
        tops = [pk for pk, parent in self.parent.items() if parent is None and pk in self.active]
        return sorted(tops, key=lambda pk: self.names[pk].lower())


# --- the report's grid ----------------------------------------------------------------------------

DRAFTS, REPORTED, UPLOADED = "drafts", "report", "upload"


@dataclass
class Cell:
    """One figure of the report form: its prefill and its hints (never a prefill)."""

    outlet_id: int | None
    group_id: int
    group_name: str
    quantity: Decimal | None = None
    amount: Decimal | None = None
    origin: str = ""  # DRAFTS, REPORTED, UPLOADED or "" (nothing given: the dealer types it)
    plan_quantity: Decimal | None = None
    plan_amount: Decimal | None = None
    last_quantity: Decimal | None = None
    last_amount: Decimal | None = None

    @property
    def key(self) -> str:
        return f"{self.outlet_id or 0}-{self.group_id}"

    @property
    def figure_key(self) -> tuple[int | None, int]:
        return (self.outlet_id, self.group_id)


@dataclass
class OutletRow:
    outlet: Outlet | None
    cells: list[Cell] = field(default_factory=list)


@dataclass
class SubDealerHint:
    group_name: str
    quantity: Decimal | None
    amount: Decimal | None


@dataclass
class Grid:
    """Everything the report form shows for one organisation and quarter."""

    organisation: Organisation
    quarter: Quarter
    report: SalesReport | None
    rows: list[OutletRow]
    sub_dealer_hints: list[SubDealerHint]
    drafts: int  # draft entries summed into the prefill
    upload: ReportUpload | None = None  # the XLSX the prefill comes from, if it does

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells]

    @property
    def version(self) -> int:
        return self.report.version if self.report else 0

    def outlet_ids(self) -> set[int]:
        return {row.outlet.pk for row in self.rows if row.outlet is not None}

    def labels(self) -> dict[tuple[int | None, int], str]:
        without = _("Without an outlet")  # outside the f-string, where xgettext finds it
        return {
            cell.figure_key: f"{row.outlet or without} · {cell.group_name}"
            for row in self.rows
            for cell in row.cells
        }


def report_grid(user, organisation, quarter: Quarter) -> Grid:
    """The report form of ``quarter``: a row per working outlet of the organisation (or one
    row without an outlet if it has none) × a column per top-level product group. Prefilled
    from the dealer's last uploaded XLSX when it is newer than the submitted report (an upload
    not sent: its outliers unconfirmed or the report changed meanwhile), else from the
    submitted report, else from the dealer's draft entries of the quarter; plan and the
    previous quarter's figures are hints only, as are the sub-dealers' recorded sales."""
    tree = GroupTree()
    report = (
        SalesReport.objects.restrict(user, "view")
        .filter(organisation=organisation, quarter_start=quarter.start)
        .select_related("submitted_by")
        .first()
    )
    reported = _figures(user, organisation, quarter) if report else {}
    upload = last_upload(user, organisation, quarter, after=report)
    uploaded = upload.figure_map() if upload else {}
    group_ids = tree.top_level()
    group_ids += sorted({group for _outlet, group in reported} - set(group_ids))
    outlets = _grid_outlets(user, organisation, {outlet for outlet, _group in reported})
    drafts, draft_count = ({}, 0) if report else _draft_sums(user, organisation, quarter, tree)
    if upload:
        prefill, origin = uploaded, UPLOADED
    elif report:
        prefill, origin = reported, REPORTED
    else:
        prefill, origin = drafts, DRAFTS
    last = _figures(user, organisation, quarter.previous())
    rows = []
    for outlet in outlets or [None]:
        outlet_id = outlet.pk if outlet else None
        plans = _plans(user, organisation, quarter, outlet_id)
        row = OutletRow(outlet)
        for group_id in group_ids:
            cell = Cell(outlet_id, group_id, tree.names[group_id])
            if (outlet_id, group_id) in prefill:
                cell.quantity, cell.amount = prefill[outlet_id, group_id]
                cell.origin = origin
            cell.plan_quantity, cell.plan_amount = plans.get(group_id, (None, None))
            cell.last_quantity, cell.last_amount = last.get((outlet_id, group_id), (None, None))
            row.cells.append(cell)
        rows.append(row)
    hints = _sub_dealer_hints(user, organisation, quarter) if _is_dealer(organisation) else []
    return Grid(organisation, quarter, report, rows, hints, draft_count, upload)


def last_upload(user, organisation, quarter: Quarter, *, after=None) -> ReportUpload | None:
    """The dealer's latest XLSX upload of the quarter that was not sent as the report, if it
    is newer than the report ``after`` (the submitted report, or None)."""
    uploads = ReportUpload.objects.restrict(user, "view").filter(
        organisation=organisation, quarter_start=quarter.start, submitted=False
    )
    if after is not None:
        uploads = uploads.filter(uploaded_at__gt=after.submitted_at)
    return uploads.select_related("uploaded_by").order_by("-uploaded_at", "-id").first()


def _is_dealer(organisation) -> bool:
    return organisation.kind == OrganisationKind.DEALER


def _grid_outlets(user, organisation, reported: set) -> list[Outlet]:
    """The organisation's working outlets, plus any outlet already in the report."""
    working = Q(is_archived=False) & ~Q(status=OutletStatus.CLOSED)
    return list(
        Outlet.objects.restrict(user, "view")
        .filter(dealer=organisation)
        .filter(working | Q(pk__in=reported - {None}))
        .order_by("name", "pk")
    )


def _figures(user, organisation, quarter: Quarter) -> dict:
    """{(outlet id, group id): (quantity, amount)} of the organisation's report of a quarter."""
    cells = SalesReportCell.objects.restrict(user, "view").filter(
        report__organisation=organisation, report__quarter_start=quarter.start
    )
    return {
        (outlet, group): (quantity, amount)
        for outlet, group, quantity, amount in cells.values_list(
            "outlet_id", "product_group_id", "quantity", "amount"
        )
    }


def _draft_sums(user, organisation, quarter: Quarter, tree: GroupTree) -> tuple[dict, int]:
    """The dealer's draft entries of the quarter summed per outlet × top-level group."""
    entries = (
        SaleEntry.objects.restrict(user, "view")
        .filter(organisation=organisation, recorded=False, date__range=(quarter.start, quarter.end))
        .order_by()
        .values("outlet_id", "product_group_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"), count=Count("id"))
    )
    sums: dict = defaultdict(lambda: (ZERO, ZERO))
    count = 0
    for item in entries:
        key = (item["outlet_id"], tree.top(item["product_group_id"]))
        quantity, amount = sums[key]
        sums[key] = (quantity + item["quantity"], amount + item["amount"])
        count += item["count"]
    return dict(sums), count


def _plans(user, organisation, quarter: Quarter, outlet_id) -> dict:
    """{top-level group: (plan quantity, plan amount)} of an outlet (or of the organisation
    itself for the row without an outlet), through plan vs fact."""
    rows = plan_vs_fact(
        user,
        period_start=quarter.start,
        period_end=quarter.end,
        flow=Flow.SELL_OUT,
        level=Level.PRODUCT_GROUP,
        organisation=organisation.pk,
        outlet=outlet_id,
    )
    return {
        row.key: (row.plan_quantity, row.plan_amount)
        for row in rows
        if row.key is not None and (row.plan_quantity or row.plan_amount)
    }


def _sub_dealer_hints(user, organisation, quarter: Quarter) -> list[SubDealerHint]:
    """What the dealer's sub-dealers recorded in the quarter, per top-level group: the facts
    under the dealer minus the dealer's own."""
    common = {
        "period_start": quarter.start,
        "period_end": quarter.end,
        "flow": Flow.SELL_OUT,
        "level": Level.PRODUCT_GROUP,
    }
    network = plan_vs_fact(user, dealer=organisation.pk, **common)
    own = {row.key: row for row in plan_vs_fact(user, organisation=organisation.pk, **common)}
    hints = []
    for row in network:
        mine = own.get(row.key)
        quantity = _minus(row.fact_quantity, mine.fact_quantity if mine else ZERO)
        amount = _minus(row.fact_amount, mine.fact_amount if mine else ZERO)
        if quantity or amount:
            hints.append(SubDealerHint(row.name, quantity, amount))
    return hints


def _minus(total, part):
    if total is None or part is None:
        return None
    return total - part


# --- plan vs fact for the pages -------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFact:
    """One row as the cabinet shows it: the plan is the row's own, or, without one, the sum of
    its outlets' plans (a dealer planned per outlet)."""

    key: int | None
    name: str
    plan_quantity: Decimal | None
    plan_amount: Decimal | None
    fact_quantity: Decimal | None
    fact_amount: Decimal | None

    @property
    def completion(self) -> Decimal | None:
        """Fact ÷ plan × 100 by amount, one decimal; None without a positive plan."""
        if self.fact_amount is None or not self.plan_amount or self.plan_amount <= 0:
            return None
        return (self.fact_amount * 100 / self.plan_amount).quantize(Decimal("0.1"))


def _shown(row) -> PlanFact:
    plan_q, plan_a = row.plan_quantity, row.plan_amount
    if not plan_a and not plan_q and row.children_plan_amount is not None:
        plan_q, plan_a = row.children_plan_quantity, row.children_plan_amount
    return PlanFact(row.key, row.name, plan_q, plan_a, row.fact_quantity, row.fact_amount)


def sees_plans(user) -> bool:
    """Whether plan figures reach the user at all: the plans' permission and a field policy
    that shows their quantity or amount (sub-dealers get neither by default)."""
    if not user.has_perm("sales.view_plan"):
        return False
    return not {"quantity", "amount"} <= set(access.hidden_fields(user, Plan))


def plan_fact(user, quarter: Quarter, level: str, **filters) -> list[PlanFact]:
    """Sell-out plan vs fact of a quarter at one level (crm.sales.selectors.plan_vs_fact)."""
    rows = plan_vs_fact(
        user,
        period_start=quarter.start,
        period_end=quarter.end,
        flow=Flow.SELL_OUT,
        level=level,
        **filters,
    )
    return [_shown(row) for row in rows]


# The home page's outlet and sub-dealer tables show this many rows, the largest by sales,
# until the user asks for all of them.
HOME_ROWS = 15


@dataclass(frozen=True)
class Shown:
    """Rows of one home table: the largest ``rows`` of ``count``."""

    rows: list[PlanFact]
    count: int

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __iter__(self):
        return iter(self.rows)


@dataclass(frozen=True)
class Home:
    """The home page's plan vs fact: the organisation's product groups and outlets; a
    dealer's sub-dealers too."""

    by_group: list[PlanFact]
    by_outlet: Shown
    sub_dealers: Shown | None


def home(user, organisation, quarter: Quarter, *, with_network: bool, everything=False) -> Home:
    """Sell-out plan vs fact of the quarter for the cabinet's home, read once for its three
    tables (crm.sales.selectors.NetworkSums). The outlets and sub-dealers are the
    ``HOME_ROWS`` largest unless ``everything``."""
    limit = None if everything else HOME_ROWS
    network = NetworkSums(
        user,
        period_start=quarter.start,
        period_end=quarter.end,
        flow=Flow.SELL_OUT,
        organisation=organisation.pk,
        network=with_network,
    )
    by_group = network.table(Level.PRODUCT_GROUP)
    outlets = network.table(Level.OUTLET, limit=limit)
    sub_dealers = None
    if with_network:
        table = network.table(Level.DEALER, without=organisation.pk, limit=limit)
        sub_dealers = Shown([_shown(row) for row in table.rows], table.count)
    return Home(
        by_group=[_shown(row) for row in by_group.rows],
        by_outlet=Shown([_shown(row) for row in outlets.rows], outlets.count),
        sub_dealers=sub_dealers,
    )


@dataclass(frozen=True)
class Bar:
    """One product group of the home page's chart, widths in per cent of the longest bar."""

    name: str
    plan: str  # "45.3": written as is into an SVG attribute, never localised
    fact: str
    row: PlanFact


def chart(rows: list[PlanFact]) -> list[Bar]:
    """Plan and fact amounts as bar widths (server-rendered SVG: no script, no inline style)."""
    values = [value for row in rows for value in (row.plan_amount, row.fact_amount) if value]
    top = max(values, default=ZERO)
    if top <= 0:
        return []

    def width(value) -> str:
        return f"{float(max(value or ZERO, ZERO) / top * 100):.1f}"

    return [Bar(row.name, width(row.plan_amount), width(row.fact_amount), row) for row in rows]


def sub_dealer_sales(user, organisation, quarter: Quarter, limit: int = 50):
    """The latest sell-out lines of the dealer's sub-dealers in the quarter (what they
    recorded in their panel or sent otherwise), through the ledger's access rule."""
    return list(
        SalesLine.objects.restrict(user, "view")
        .filter(
            dealer_id=organisation.pk,
            flow=Flow.SELL_OUT,
            date__range=(quarter.start, quarter.end),
        )
        .exclude(organisation_id=organisation.pk)
        .select_related("organisation", "product", "product_group", "outlet")
        .order_by("-date", "-id")[:limit]
    )
