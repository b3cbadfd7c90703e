"""Reads of the sales ledger: plan vs fact, from the monthly sums and the plans only; and the
dealers that owe their quarterly report (at the end of the module).

One flow at a time (sell-in and sell-out are never added together), whole months, through the
access policy (``restrict(user, "view")`` on the sums and on the plans) and the field policies
(a hidden quantity or amount comes back as None).

Rows and plans, per level:

- ``region``: one row per region (of the organisation the lines count for). Plan: the
  region's own plan; beside it, the sum of its organisations' (dealers') plans.
- ``dealer``: one row per organisation the lines count for (a dealer, a sub-dealer, a direct
  client). Plan: that organisation's plan; beside it, the sum of its outlets' plans.
- ``outlet``: one row per outlet (lines without an outlet make a row of their own). Plan: the
  outlet's plan.
- ``product_group``: one row per top-level group, or per subgroup of the ``product_group``
  filter (drill-down); lines and plans of deeper groups count under their ancestor. Plan: of the
  most specific target the filters name (an outlet, an organisation or dealer, else regions).

Filters narrow lines and plans alike: ``region``, ``organisation`` (exactly that one),
``dealer`` (a dealer and its sub-dealers), ``outlet``, ``owner`` (the organisations one manager
is responsible for; a region's own plan then does not count), ``product_group`` (with its
subgroups), ``sources``. A plan counts when its whole period lies in the range, unless a
coarser plan of the same target, group and flow in the range covers it (a quarter's plan, not
also its months').
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.catalog.models import ProductGroup
from crm.clients.models import Organisation, OrganisationKind, OrganisationStatus
from crm.core import access
from crm.outlets.models import Outlet
from crm.refs.models import Region
from crm.sales.choices import Flow, Level
from crm.sales.models import (
    Plan,
    SalesLine,
    SalesMonth,
    SalesMonthOutlet,
    SalesMonthRegion,
)
from dealers.models import SalesReport

# Plan targets, from the widest; each one's plans are summed beside the one above it.
REGION, ORGANISATION, OUTLET = "region", "organisation", "outlet"
_BOTH = "organisation or outlet"
_CHILD = {REGION: ORGANISATION, ORGANISATION: OUTLET}
_ONE = Decimal("0.1")


@dataclass(frozen=True)
class PlanFactRow:
    """One row of plan vs fact. Plans are None where no plan counts; completions are None
    without a positive plan; a measure hidden from the user by a field policy is None."""

    key: int | None  # the region, organisation, outlet or product group; None: not set
    name: str
    plan_quantity: Decimal | None
    plan_amount: Decimal | None
    fact_quantity: Decimal | None
    fact_amount: Decimal | None
    lines: int
    completion_quantity: Decimal | None  # fact / plan × 100, one decimal
    completion_amount: Decimal | None
    children_plan_quantity: Decimal | None  # region: its dealers' plans; dealer: its outlets'
    children_plan_amount: Decimal | None


@dataclass(frozen=True)
class _Cut:
    """The period, flow and drill-down filters of one report."""

    flow: str
    first: date  # first month
    last: date  # last month
    region: int | None = None
    organisation: int | None = None
    dealer: int | None = None
    outlet: int | None = None
    product_group: int | None = None
    sources: tuple[str, ...] = ()
    owner: int | None = None

    @property
    def end(self) -> date:
        """The last day of the last month."""
        following = _add_month(self.last)
        return date.fromordinal(following.toordinal() - 1)


@dataclass(frozen=True)
class PlanFactTable:
    """Plan vs fact with its total: ``rows`` (at most the limit asked for: the largest), the
    number of rows the cut has, and ``total``, the sums over all of them (its completions are
    of the sums; its key is None)."""

    rows: list[PlanFactRow]
    count: int
    total: PlanFactRow

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)


def plan_vs_fact(user, **cut) -> list[PlanFactRow]:
    """Plan, fact and completion per row of ``level`` over the whole months from
    ``period_start``'s to ``period_end``'s, for the rows the user may see (every row)."""
    return plan_vs_fact_table(user, **cut).rows


def plan_vs_fact_table(
    user,
    *,
    period_start: date,
    period_end: date,
    flow: str,
    level: str,
    region: int | None = None,
    organisation: int | None = None,
    dealer: int | None = None,
    outlet: int | None = None,
    product_group: int | None = None,
    sources=(),
    owner: int | None = None,
    limit: int | None = None,
) -> PlanFactTable:
    """plan_vs_fact with the total of the cut; with ``limit``, only that many rows, the
    largest by fact (then plan), so that a wide cut reads only the names it shows."""
    if level not in Level.values:
        raise ValueError(f"Unknown level {level!r}")
    cut = _make_cut(
        flow,
        period_start,
        period_end,
        region=region,
        organisation=organisation,
        dealer=dealer,
        outlet=outlet,
        product_group=product_group,
        sources=tuple(sources or ()),
        owner=owner,
    )
    tree = GroupTree() if (level == Level.PRODUCT_GROUP or product_group) else None
    key = _key(level)
    facts = _facts(user, cut, level, key, tree)
    own = _own_target(level, cut)
    plans = _plans(user, cut, own, _plan_key(level, own, key), tree) if own else {}
    child = _CHILD.get(own) if own else _child_without_own(level, cut)
    children = _plans(user, cut, child, _plan_key(level, child, key), tree) if child else {}
    if level == Level.PRODUCT_GROUP:
        bucket = tree.bucket_of(cut.product_group)
        facts, plans, children = (_regroup(sums, bucket) for sums in (facts, plans, children))
    shape = _Shape(user, own is not None, child is not None)
    return _table(shape, level, tree, (facts, plans, children), limit)


def _make_cut(flow: str, period_start: date, period_end: date, **filters) -> _Cut:
    if flow not in Flow.values:
        raise ValueError(f"Unknown flow {flow!r}: sell-in and sell-out are reported apart")
    cut = _Cut(flow, period_start.replace(day=1), period_end.replace(day=1), **filters)
    if cut.last < cut.first:
        raise ValueError("The period ends before it starts")
    return cut


class NetworkSums:
    """Plan vs fact of one organisation, and of the dealer's network it heads, read once for
    several tables: the dealer cabinet's home shows the organisation's product groups, its
    outlets and its sub-dealers, which as three ``plan_vs_fact_table`` calls cost nine
    queries. Here the organisation's sums are read per outlet × product group (its facts; its
    own and its outlets' plans, in one query) and, with ``network``, the network's per
    organisation in the same two queries; each table is summed from them. Rows,
    totals and field policies are those of ``plan_vs_fact_table`` for the same cut: levels
    product group and outlet with ``organisation``, level dealer with ``dealer`` (a test holds
    them equal). The network is read at the organisation's grain only: a dealer with sixty
    sub-dealers has thousands of outlets, and summing their rows in Python cost more than
    the queries saved.
    """

    LEVELS = (Level.PRODUCT_GROUP, Level.OUTLET, Level.DEALER)
    # Position of each level's row key in the sums' keys (organisation, outlet, group).
    _POSITION = {Level.DEALER: 0, Level.OUTLET: 1, Level.PRODUCT_GROUP: 2}
    _FINE = ("organisation_id", "outlet_id", "product_group_id")

    def __init__(
        self,
        user,
        *,
        period_start: date,
        period_end: date,
        flow: str,
        organisation: int,
        network: bool = False,
    ):
        self.user = user
        self.organisation = organisation
        self.cut = _make_cut(flow, period_start, period_end, organisation=organisation)
        self.tree = GroupTree()
        own = {"organisation_id": organisation}
        self.own = self._read(SalesMonthOutlet, own, self._FINE)
        self.network = None
        if network:
            self.network = self._read(SalesMonth, {"dealer_id": organisation}, self._FINE[:1])

    def _read(self, sums_model, where: dict, columns: tuple) -> dict:
        """{"facts": rows, ORGANISATION: rows, OUTLET: rows}, each row ((organisation,
        outlet, group), values) with None for the columns not read."""
        cut, user = self.cut, self.user
        width = len(columns)

        def keyed(grouped):
            return [((*row[:width], *(None,) * (3 - width)), row[width:]) for row in grouped]

        facts = (
            sums_model.objects.restrict(user, "view")
            .filter(flow=cut.flow, month__gte=cut.first, month__lte=cut.last, **where)
            .order_by()
            .values_list(*columns)
            .annotate(q=Sum("quantity"), a=Sum("amount"), n=Sum("line_count"))
        )
        read = {"facts": keyed(facts), ORGANISATION: [], OUTLET: []}
        # The organisations' and their outlets' plans in one query, told apart by the outlet.
        plans = Plan.objects.restrict(user, "view").filter(
            flow=cut.flow, organisation__isnull=False, **where
        )
        outlet_plan = ExpressionWrapper(Q(outlet__isnull=False), output_field=BooleanField())
        grouped = (
            _counted(plans, _BOTH, cut)
            .order_by()
            .annotate(outlet_plan=outlet_plan)
            .values_list(*columns, "outlet_plan")
            .annotate(q=Sum("quantity"), a=Sum("amount"))
        )
        for row in grouped:
            key, values = (*row[:width], *(None,) * (3 - width)), row[width + 1 :]
            read[OUTLET if row[width] else ORGANISATION].append((key, values))
        return read

    def table(
        self, level: str, *, without: int | None = None, limit: int | None = None
    ) -> PlanFactTable:
        """The organisation's table at product group or outlet level; at dealer level, the
        network's (without the organisation named in ``without``: a dealer's sub-dealers)."""
        if level not in self.LEVELS:
            raise ValueError(f"A network has no {level!r} rows")
        if level == Level.DEALER and self.network is not None:
            cut = _Cut(self.cut.flow, self.cut.first, self.cut.last, dealer=self.organisation)
            read = self.network
        else:
            cut, read = self.cut, self.own
        own = _own_target(level, cut)
        child = _CHILD.get(own) if own else _child_without_own(level, cut)
        position = self._POSITION[level]

        def summed(rows) -> dict:
            sums: dict = {}
            for key, values in rows:
                if without is not None and key[0] == without:
                    continue
                held = sums.get(key[position])
                sums[key[position]] = values if held is None else _summed((held, values))
            return sums

        facts = summed(read["facts"])
        plans = summed(read[own]) if own else {}
        children = summed(read[child]) if child else {}
        if level == Level.PRODUCT_GROUP:
            bucket = self.tree.bucket_of(None)
            facts, plans, children = (_regroup(sums, bucket) for sums in (facts, plans, children))
        shape = _Shape(self.user, own is not None, child is not None)
        return _table(shape, level, self.tree, (facts, plans, children), limit)


def _table(shape, level: str, tree, sums: tuple[dict, dict, dict], limit) -> PlanFactTable:
    facts, plans, children = sums
    keys = set(facts) | set(plans) | set(children)
    total = shape.row(
        None, "", _summed(facts.values()), _summed(plans.values()), _summed(children.values())
    )
    shown = keys
    if limit is not None and len(keys) > limit:
        shown = _largest(keys, facts, plans, limit, shape)
    names = _names(level, tree, shown, shape.user)
    rows = [
        shape.row(key, names.get(key, ""), facts.get(key), plans.get(key), children.get(key))
        for key in shown
    ]
    rows.sort(key=lambda row: (row.key is None, row.name.lower(), row.key or 0))
    return PlanFactTable(rows=rows, count=len(keys), total=total)


# --- facts ------------------------------------------------------------------------------------


def _key(level: str):
    """What identifies a row, as a column of the sums and plans. Product groups are grouped
    by the group itself and summed into their row's group afterwards (``_regroup``): a few
    hundred sums, cheaper than a CASE over every group in each query."""
    if level == Level.REGION:
        return F("region_id")
    if level == Level.DEALER:
        return F("organisation_id")
    if level == Level.OUTLET:
        return F("outlet_id")
    return F("product_group_id")


def _regroup(sums: dict, bucket: dict) -> dict:
    """Sums per product group → sums per row group (None: a group outside the cut's)."""
    regrouped: dict = {}
    for group, values in sums.items():
        row = bucket.get(group)
        held = regrouped.get(row)
        regrouped[row] = values if held is None else _summed((held, values))
    return regrouped


def _sums_model(user, cut: _Cut, level: str):
    """The coarsest roll-up that holds the cut: per outlet for outlets; per region for
    regions and product groups when no organisation, dealer or manager is named and the
    user's rule reads nothing but the region (the company-wide roles); else per
    organisation."""
    if level == Level.OUTLET or cut.outlet:
        return SalesMonthOutlet
    if (
        level in (Level.REGION, Level.PRODUCT_GROUP)
        and not (cut.organisation or cut.dealer or cut.owner)
        and user.is_authenticated
        and access.rule_for(SalesMonthRegion).serves(access.scope_of(user))
    ):
        return SalesMonthRegion
    return SalesMonth


def _facts(user, cut: _Cut, level: str, key, tree) -> dict:
    """{row key: (quantity, amount, lines)} from the monthly sums the user may see."""
    model = _sums_model(user, cut, level)
    rows = model.objects.restrict(user, "view").filter(
        flow=cut.flow, month__gte=cut.first, month__lte=cut.last
    )
    filters = {
        "region_id": cut.region,
        "organisation_id": cut.organisation,
        "dealer_id": cut.dealer,
        "outlet_id": cut.outlet,
        "owner_id": cut.owner,
    }
    rows = rows.filter(**{name: value for name, value in filters.items() if value is not None})
    if cut.product_group:
        rows = rows.filter(product_group_id__in=tree.subtree(cut.product_group))
    if cut.sources:
        rows = rows.filter(source__in=cut.sources)
    grouped = (
        rows.order_by()
        .values(row=key)
        .annotate(q=Sum("quantity"), a=Sum("amount"), n=Sum("line_count"))
    )
    return {item["row"]: (item["q"], item["a"], item["n"]) for item in grouped}


# --- plans ------------------------------------------------------------------------------------


def _own_target(level: str, cut: _Cut) -> str | None:
    """The plan target compared with a row's fact, or None when the filters rule it out (a
    region's own plan says nothing about one of its dealers)."""
    wanted = {Level.REGION: REGION, Level.DEALER: ORGANISATION, Level.OUTLET: OUTLET}.get(level)
    if wanted is None:  # product groups: the most specific target the filters name
        if cut.outlet:
            wanted = OUTLET
        elif cut.organisation or cut.dealer:
            wanted = ORGANISATION
        else:
            wanted = REGION
    return wanted if _allowed(wanted, cut) else None


def _child_without_own(level: str, cut: _Cut) -> str | None:
    """Beside a row whose own plan is ruled out, the next target down, if the filters allow."""
    if level == Level.REGION and _allowed(ORGANISATION, cut):
        return ORGANISATION
    return None


def _allowed(target: str, cut: _Cut) -> bool:
    if target == REGION:
        return not (cut.organisation or cut.dealer or cut.outlet or cut.owner)
    if target == ORGANISATION:
        return not cut.outlet
    return True


def _plan_key(level: str, target: str | None, key):
    """Row key of a plan: its own column where the level is its target, else the scope."""
    if target is None:
        return None
    if level == Level.REGION:
        return F("target_region_id") if target == REGION else F("region_id")
    if level == Level.DEALER:
        return F("organisation_id")
    if level == Level.OUTLET:
        return F("outlet_id")
    return key  # product groups: the same buckets as the facts


def _plans(user, cut: _Cut, target: str, key, tree) -> dict:
    """{row key: (quantity, amount)} of the counted plans of one target kind."""
    plans = _of_target(Plan.objects.restrict(user, "view"), target).filter(flow=cut.flow)
    if cut.region:
        column = "target_region_id" if target == REGION else "region_id"
        plans = plans.filter(**{column: cut.region})
    filters = {
        "organisation_id": cut.organisation,
        "dealer_id": cut.dealer,
        "outlet_id": cut.outlet,
        "owner_id": cut.owner,
    }
    plans = plans.filter(**{name: value for name, value in filters.items() if value is not None})
    if cut.product_group:
        plans = plans.filter(product_group_id__in=tree.subtree(cut.product_group))
    plans = _counted(plans, target, cut)
    grouped = plans.order_by().values(row=key).annotate(q=Sum("quantity"), a=Sum("amount"))
    return {item["row"]: (item["q"], item["a"]) for item in grouped}


def _of_target(plans, target: str):
    if target == REGION:
        return plans.filter(target_region__isnull=False)
    if target == OUTLET:
        return plans.filter(outlet__isnull=False)
    return plans.filter(organisation__isnull=False, outlet__isnull=True)


# How a coarser plan ``c`` matches a plan ``{p}`` of each target kind (``_counted``).
_SAME_TARGET = {
    REGION: "c.target_region_id = {p}.target_region_id",
    ORGANISATION: "c.organisation_id = {p}.organisation_id AND c.outlet_id IS NULL",
    OUTLET: "c.outlet_id = {p}.outlet_id",
    # Organisations' and outlets' plans read together (NetworkSums): each by its own kind.
    _BOTH: "(({p}.outlet_id IS NULL AND c.outlet_id IS NULL "
    "AND c.organisation_id = {p}.organisation_id) OR c.outlet_id = {p}.outlet_id)",
}
_COVERED = """EXISTS (
    SELECT 1 FROM {p} c
    WHERE {same_target} AND c.flow = {p}.flow AND c.product_group_id = {p}.product_group_id
      AND c.period_kind <> {p}.period_kind
      AND c.period_start <= {p}.period_start AND c.period_end >= {p}.period_end
      AND c.period_start >= %s AND c.period_end <= %s
)"""


def _counted(plans, target: str, cut: _Cut):
    """Plans wholly inside the period and not covered by a coarser plan that also is: a
    plan of the same target, group and flow, of another kind, whose period holds this one's
    (a month's plan under its quarter's or year's, a quarter's under its year's).

    The coverage test is written in SQL: built as an ORM ``Exists`` it cost 3.4 ms of query
    compilation per plans query (0.8 ms to run it), and the dealer cabinet's home runs five.
    Only constants go into the text (the table and column names); the dates are parameters.
    It reads no row the user could not see: it only drops plans from the restricted ones.
    """
    table = Plan._meta.db_table  # the outer query's alias: the plans are its base table
    same_target = _SAME_TARGET[target].format(p=table)
    sql = _COVERED.format(p=table, same_target=same_target)
    covered = RawSQL(sql, (cut.first, cut.end), output_field=BooleanField())  # noqa: S611
    inside = Q(period_start__gte=cut.first, period_end__lte=cut.end)
    return plans.filter(inside).exclude(covered)


# --- rows -------------------------------------------------------------------------------------


class _Shape:
    """Builds rows for one user: absent plans as zero where a plan counts, None where none
    does, and None for every measure a field policy hides from the user."""

    def __init__(self, user, with_plan: bool, with_children: bool):
        self.user = user
        hidden_line = access.hidden_fields(user, SalesLine)
        hidden_plan = access.hidden_fields(user, Plan)
        self.with_plan, self.with_children = with_plan, with_children
        self.fact_shown = ("quantity" not in hidden_line, "amount" not in hidden_line)
        self.plan_shown = ("quantity" not in hidden_plan, "amount" not in hidden_plan)

    def row(self, key, name: str, fact, plan, children) -> PlanFactRow:
        fact_q, fact_a, lines = fact or (Decimal(0), Decimal(0), 0)
        plan_q, plan_a = (plan or (Decimal(0), Decimal(0))) if self.with_plan else (None, None)
        child_q, child_a = (
            (children or (Decimal(0), Decimal(0))) if self.with_children else (None, None)
        )
        if not self.fact_shown[0]:
            fact_q = None
        if not self.fact_shown[1]:
            fact_a = None
        if not self.plan_shown[0]:
            plan_q = child_q = None
        if not self.plan_shown[1]:
            plan_a = child_a = None
        return PlanFactRow(
            key=key,
            name=name,
            plan_quantity=plan_q,
            plan_amount=plan_a,
            fact_quantity=fact_q,
            fact_amount=fact_a,
            lines=lines,
            completion_quantity=_completion(fact_q, plan_q),
            completion_amount=_completion(fact_a, plan_a),
            children_plan_quantity=child_q,
            children_plan_amount=child_a,
        )


def _summed(values) -> tuple:
    """Column sums of (quantity, amount[, lines]) tuples."""
    values = list(values)
    if not values:
        return None
    return tuple(sum(column) for column in zip(*values, strict=True))


def _largest(keys: set, facts: dict, plans: dict, limit: int, shape: _Shape) -> set:
    """The ``limit`` keys with the largest fact, then plan: amounts, then quantities, of the
    measures the user may see (the choice must not tell what a hidden measure holds)."""
    fact_q, fact_a = shape.fact_shown
    plan_q, plan_a = shape.plan_shown

    def size(key):
        fact = facts.get(key, (0, 0, 0))
        plan = plans.get(key, (0, 0))
        return (
            abs(fact[1] or 0) if fact_a else 0,
            (plan[1] or 0) if plan_a else 0,
            abs(fact[0] or 0) if fact_q else 0,
            (plan[0] or 0) if plan_q else 0,
        )

    return set(sorted(keys, key=size, reverse=True)[:limit])


def _completion(fact, plan) -> Decimal | None:
    if fact is None or not plan or plan <= 0:
        return None
    return (fact * 100 / plan).quantize(_ONE)


def _names(level: str, tree, keys: set, user) -> dict:
    ids = [key for key in keys if key is not None]
    if level == Level.PRODUCT_GROUP:
        return {key: tree.names.get(key, "") for key in ids}
    if level == Level.DEALER:
        return _organisation_names(ids, user)
    model = {Level.REGION: Region, Level.OUTLET: Outlet}[level]
    return dict(model._base_manager.filter(pk__in=ids).values_list("pk", "name"))


def _organisation_names(ids: list, user) -> dict:
    """Organisations' names; namesakes (two "АО «Альянс-Север»" in one table) told apart
    by their INN where the user's field policy shows it."""
    inn_shown = "inn" not in access.hidden_fields(user, Organisation)
    columns = ("pk", "name", "inn") if inn_shown else ("pk", "name")
    rows = list(Organisation._base_manager.filter(pk__in=ids).values_list(*columns))
    names = {row[0]: row[1] for row in rows}
    if not inn_shown:
        return names
    taken = Counter(name.casefold() for name in names.values())
    return {
        pk: (
            _("%(name)s, INN %(inn)s") % {"name": name, "inn": inn}
            if inn and taken[name.casefold()] > 1
            else name
        )
        for pk, name, inn in rows
    }


# --- the product group tree ---------------------------------------------------------------------


class GroupTree:
    """The product groups (a few hundred rows), read once per report: subtrees for filters,
    and each group's ancestor at the level a report shows."""

    def __init__(self):
        self.parent: dict[int, int | None] = {}
        self.names: dict[int, str] = {}
        for pk, parent, name in ProductGroup.objects.values_list("pk", "parent_id", "name"):
            self.parent[pk] = parent
            self.names[pk] = name

    def path(self, pk: int) -> list[int]:
        """The group and its ancestors, from the group up (stops at a stored cycle)."""
        path, node = [], pk
        while node is not None and node not in path:
            path.append(node)
            node = self.parent.get(node)
        return path

    def subtree(self, root: int) -> list[int]:
        return [pk for pk in self.parent if root in self.path(pk)]

    def bucket_of(self, root: int | None) -> dict[int, int]:
        """{group: its row group} (``buckets`` turned round)."""
        return {pk: bucket for bucket, ids in self.buckets(root).items() for pk in ids}

    def buckets(self, root: int | None) -> dict[int, list[int]]:
        """{row group: groups counted under it}: the children of ``root`` (the top-level
        groups when None), and ``root`` itself for lines recorded on it directly."""
        buckets: dict[int, list[int]] = {}
        for pk in self.parent:
            path = self.path(pk)
            if root is None:
                bucket = path[-1]
            elif root not in path:
                continue
            else:
                position = path.index(root)
                bucket = path[position - 1] if position > 0 else root
            buckets.setdefault(bucket, []).append(pk)
        return buckets


def _add_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


# --- dealers' quarterly reports -------------------------------------------------------------------


def due_quarter(day: date | None = None):
    """The last quarter dealers owe a report for: the one before the current quarter."""
    from crm.core.periods import Quarter

    return Quarter.of(day or timezone.localdate()).previous()


def dealers_not_reported(user, quarter, organisations=None):
    """Dealers the user may see that have no report for ``quarter``, with the quarter and the
    time of their last report (``last_report_quarter``, ``last_report_at``; None: never).

    Only dealers report (sub-dealers record their sales as they go); potential dealers have
    nothing to report yet. ``organisations`` is a queryset already restricted for the user
    (the list's filters); by default, every working dealer the user may see. The reports are
    read through their own rule: a report the user may not see does not count.
    """
    if organisations is None:
        organisations = Organisation.objects.restrict(user, "view").filter(is_archived=False)
    reports = SalesReport.objects.restrict(user, "view")
    latest = reports.filter(organisation=OuterRef("pk")).order_by("-quarter_start")
    return (
        organisations.filter(kind=OrganisationKind.DEALER)
        .exclude(status=OrganisationStatus.POTENTIAL)
        .exclude(pk__in=reports.filter(quarter_start=quarter.start).values("organisation_id"))
        .annotate(
            last_report_quarter=Subquery(latest.values("quarter_start")[:1]),
            last_report_at=Subquery(latest.values("submitted_at")[:1]),
        )
    )
