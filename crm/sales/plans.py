"""The plan grid: staff enter plans for many targets and product groups at once.

One grid is a cut: a period (month, quarter or year), a flow, a target level (dealers, the
outlets of one dealer, regions, org units, dealer segments) and the product groups shown as
columns (the top-level groups, or the subgroups of one group). Rows are the targets whose plans
the user may change (``crm.sales.access.plan_targets``); each cell is a plan's quantity and
amount, prefilled from the plans that exist. ``plans_save_grid`` writes all changed cells in one
transaction, refusing everything when a cell was changed by someone else since the grid was
loaded, when a cell is not a number or negative, or when a target is not the user's.

An empty cell (quantity and amount both empty) means "no plan": a plan that exists is removed.
One of the two left empty counts as 0.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.catalog.models import ProductGroup
from crm.clients.selectors import name_match
from crm.core import access, formatting, records
from crm.core.generic import ScopedView
from crm.core.imports.engine import fields_update
from crm.core.imports.widgets import parse_number
from crm.sales.access import TARGET_MODELS, plan_targets
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import Plan

LEVELS = {
    "dealer": gettext_lazy("Dealers"),
    "outlet": gettext_lazy("Outlets of a dealer"),
    "region": gettext_lazy("Regions"),
    "org_unit": gettext_lazy("Org units"),
    "segment": gettext_lazy("Dealer segments"),
}
# The plan column that names a target of each level.
TARGET_FIELD = {
    "dealer": "organisation",
    "outlet": "outlet",
    "region": "target_region",
    "org_unit": "target_org_unit",
    "segment": "segment",
}
MEASURES = ("quantity", "amount")
ROWS_PER_PAGE = 50
ROMAN = ("I", "II", "III", "IV")
_MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
_LIMITS = {
    name: Decimal(10) ** (Plan._meta.get_field(name).max_digits - places)
    for name, places in (("quantity", 3), ("amount", 2))
}
_PLACES = {"quantity": 3, "amount": 2}


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A plan period: its kind and first day."""

    kind: str
    start: date

    def __post_init__(self):
        aligned = self.start.day == 1 and (self.start.month - 1) % _MONTHS_IN[self.kind] == 0
        if not aligned or not 2000 <= self.start.year <= 2100:
            raise ValueError(f"{self.start} does not start a {self.kind}")

    @classmethod
    def containing(cls, kind: str, day: date) -> "Period":
        months = _MONTHS_IN[kind]
        return cls(kind, date(day.year, (day.month - 1) // months * months + 1, 1))

    @classmethod
    def parse(cls, kind: str, text: str, today: date) -> "Period":
        """The period of ``kind`` starting on ``text`` (ISO date); the current one if the text
        is empty or wrong."""
        if kind not in PeriodKind.values:
            kind = PeriodKind.QUARTER
        try:
            return cls(kind, date.fromisoformat(text))
        except (TypeError, ValueError):
            return cls.containing(kind, today)

    def shifted(self, steps: int) -> "Period":
        index = self.start.year * 12 + self.start.month - 1 + steps * _MONTHS_IN[self.kind]
        return Period(self.kind, date(index // 12, index % 12 + 1, 1))

    @property
    def end(self) -> date:
        following = self.shifted(1).start
        return date.fromordinal(following.toordinal() - 1)

    @property
    def label(self) -> str:
        """ "ноябрь 2026", "IV квартал 2026", "2026 год"."""
        if self.kind == PeriodKind.MONTH:
            return f"{MONTHS[self.start.month]} {self.start.year}".lower()
        if self.kind == PeriodKind.QUARTER:
            return _("%(quarter)s quarter %(year)s") % {
                "quarter": ROMAN[(self.start.month - 1) // 3],
                "year": self.start.year,
            }
        return _("year %(year)s") % {"year": self.start.year}

    def choices(self, before: int = 4, after: int = 4) -> list["Period"]:
        """Periods around this one for a picker."""
        return [self.shifted(step) for step in range(-before, after + 1)]


# --- the cut ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cut:
    """What one grid shows: a period, a flow, a target level, the outlets' dealer (outlet
    level) and the parent of the product group columns (None: the top-level groups)."""

    period: Period
    flow: str
    level: str
    dealer: int | None = None
    group: int | None = None

    @property
    def target_field(self) -> str:
        return TARGET_FIELD[self.level]

    def query(self, **changes) -> str:
        from urllib.parse import urlencode

        values = {
            "kind": self.period.kind,
            "period": self.period.start.isoformat(),
            "flow": self.flow,
            "level": self.level,
            "dealer": self.dealer or "",
            "group": self.group or "",
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def cut_from(params, today: date | None = None) -> Cut:
    """The cut a query string names; unknown values fall back to the defaults."""
    today = today or timezone.localdate()
    period = Period.parse(params.get("kind", ""), params.get("period", ""), today)
    flow = params.get("flow") if params.get("flow") in Flow.values else Flow.SELL_OUT
    level = params.get("level") if params.get("level") in LEVELS else "dealer"
    dealer = _int(params.get("dealer")) if level == "outlet" else None
    return Cut(period, flow, level, dealer, _int(params.get("group")))


def _int(text) -> int | None:
    text = str(text or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def group_columns(parent: int | None) -> list[ProductGroup]:
    """The product groups shown as columns: the active children of ``parent`` (top-level
    groups when None)."""
    groups = ProductGroup.objects.filter(parent_id=parent, is_active=True)
    return list(groups.order_by("sort_order", "name", "id"))


def targets(user, cut: Cut):
    """The rows of the grid: the cut's targets the user may plan for, by name."""
    rows = plan_targets(user, cut.level)
    if cut.level == "outlet":
        rows = rows.filter(dealer_id=cut.dealer) if cut.dealer else rows.none()
    return rows.order_by("name", "pk")


def plans_of(cut: Cut, target_ids, group_ids, *, lock: bool = False) -> dict[tuple, Plan]:
    """{(target id, group id): plan} of the cut's period and flow."""
    column = Plan._meta.get_field(cut.target_field).attname
    plans = Plan.objects.filter(
        period_kind=cut.period.kind,
        period_start=cut.period.start,
        flow=cut.flow,
        product_group_id__in=list(group_ids),
        **{f"{column}__in": list(target_ids)},
    )
    if cut.level == "dealer":
        plans = plans.filter(outlet__isnull=True)  # an outlet's plan names its dealer too
    if lock:
        plans = plans.select_for_update(of=("self",)).order_by("pk")
    return {(getattr(plan, column), plan.product_group_id): plan for plan in plans}


# --- reading the posted grid ----------------------------------------------------------------


@dataclass
class Posted:
    """A posted grid: each cell's values (None: empty) and the version it was loaded at
    (0: no plan then), and a message per field that is not a number."""

    values: dict[tuple, dict] = field(default_factory=dict)
    versions: dict[tuple, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def targets(self) -> set[int]:
        return {target for target, _group in self.versions}

    @property
    def groups(self) -> set[int]:
        return {group for _target, group in self.versions}


def cell_name(prefix: str, target: int, group: int) -> str:
    return f"{prefix}-{target}-{group}"


def read_grid(data, measures=MEASURES) -> Posted:
    """The cells of a posted grid: every ``v-<target>-<group>`` names one, ``q-`` and ``a-``
    carry its quantity and amount. Raises Http404 on a malformed name (nothing is written)."""
    posted = Posted()
    for name in data:
        if not name.startswith("v-"):
            continue
        parts = name.split("-")
        if len(parts) != 3 or not all(_int(part) for part in parts[1:]):
            raise Http404
        key = (int(parts[1]), int(parts[2]))
        posted.versions[key] = _int(data.get(name)) or 0
        cell = {}
        for measure in measures:
            field_name = cell_name(measure[0], *key)
            try:
                cell[measure] = _number(data.get(field_name, ""), measure)
            except ValidationError as error:
                posted.errors[field_name] = error.messages[0]
        posted.values[key] = cell
    return posted


def _number(text, measure: str) -> Decimal | None:
    number = parse_number((text or "").strip())
    if number is None:
        return None
    if not number.is_finite():
        raise ValidationError(_("Enter a number."))
    if number < 0:
        raise ValidationError(_("A plan is not negative: enter 0 or more."))
    if number != round(number, _PLACES[measure]):
        raise ValidationError(
            _("At most %(places)s digits after the comma.") % {"places": _PLACES[measure]}
        )
    if number >= _LIMITS[measure]:
        raise ValidationError(_("The number is too large."))
    return number


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaleCell:
    """A cell someone else changed after the grid was loaded: what it says now."""

    target: str
    group: str
    quantity: Decimal | None  # None: the plan was removed
    amount: Decimal | None


class GridStale(records.RecordError):
    """Cells changed by someone else since the grid was loaded; nothing was saved."""

    def __init__(self, cells: list[StaleCell]):
        super().__init__(
            _(
                "Someone else changed plans in this grid after you opened it. Nothing was "
                "saved. The cells below now hold their values; check them and save again."
            )
        )
        self.cells = cells


@dataclass
class GridResult:
    created: int = 0
    updated: int = 0
    removed: int = 0


@transaction.atomic
def plans_save_grid(user, *, cut: Cut, posted: Posted, measures=MEASURES) -> GridResult:
    """Save a posted grid as one change: create, update and remove plans, all or nothing.

    ``measures``: the fields the user may edit (a field policy may lock one); the others keep
    their value (0 in a new plan).
    """
    if not user.has_perm(access.permission_name(Plan, "change")):
        raise records.access_denied()
    allowed = set(targets(user, cut).filter(pk__in=posted.targets).values_list("pk", flat=True))
    if allowed != posted.targets:
        raise records.OutOfScope(records.LEAVES_SCOPE)
    current = plans_of(cut, posted.targets, posted.groups, lock=True)
    stale = _stale(cut, posted, current)
    if stale:
        raise GridStale(stale)
    creates, updates, removes = _changes(cut, posted, current, measures)
    _require(user, creates=creates, removes=removes)
    result = GridResult(len(creates), len(updates), len(removes))
    if removes:
        Plan.objects.filter(pk__in=[plan.pk for plan in removes]).delete()
    if creates:  # values checked by read_grid, the period by Period, the rest by constraints
        creates = Plan.objects.bulk_create(creates)
    if updates:
        fields_update(Plan, updates, list(measures), now=timezone.now())
    written = [plan.pk for plan in (*creates, *updates)]
    changeable = access.restrict(Plan.objects.filter(pk__in=written), user, "change")
    if changeable.count() != len(written):
        raise records.OutOfScope(records.LEAVES_SCOPE)
    return result


def _stale(cut: Cut, posted: Posted, current: dict) -> list[StaleCell]:
    names = _names(cut, posted)
    stale = []
    for key, version in sorted(posted.versions.items()):
        plan = current.get(key)
        if (plan.version if plan else 0) != version:
            stale.append(
                StaleCell(
                    names[0].get(key[0], ""),
                    names[1].get(key[1], ""),
                    plan.quantity if plan else None,
                    plan.amount if plan else None,
                )
            )
    return stale


def _names(cut: Cut, posted: Posted) -> tuple[dict, dict]:
    model = TARGET_MODELS[cut.level]
    targets_named = dict(
        model._default_manager.filter(pk__in=posted.targets).values_list("pk", "name")
    )
    groups = dict(ProductGroup.objects.filter(pk__in=posted.groups).values_list("pk", "name"))
    return targets_named, groups


def _changes(cut: Cut, posted: Posted, current: dict, measures):
    creates, updates, removes = [], [], []
    for key, cell in posted.values.items():
        plan = current.get(key)
        given = {m: cell.get(m) for m in measures}
        if all(value is None for value in given.values()):
            if plan is not None and len(measures) == len(MEASURES):
                removes.append(plan)
            continue
        values = {m: value if value is not None else Decimal(0) for m, value in given.items()}
        if plan is None:
            creates.append(_new_plan(cut, key, values))
        elif any(getattr(plan, m) != value for m, value in values.items()):
            for m, value in values.items():
                setattr(plan, m, value)
            updates.append(plan)
    return creates, updates, removes


def _new_plan(cut: Cut, key: tuple, values: dict) -> Plan:
    target, group = key
    plan = Plan(
        period_kind=cut.period.kind,
        period_start=cut.period.start,
        flow=cut.flow,
        product_group_id=group,
        **{Plan._meta.get_field(cut.target_field).attname: target},
        **values,
    )
    if cut.level == "outlet":
        plan.organisation_id = cut.dealer  # the trigger sets it too; the check reads it
    return plan


def _require(user, *, creates, removes) -> None:
    for action, needed in (("add", creates), ("delete", removes)):
        if needed and not user.has_perm(access.permission_name(Plan, action)):
            raise records.access_denied()


# --- the page -----------------------------------------------------------------------------------


class PlanGridView(ScopedView):
    """The plan grid: choose the cut, edit cells, save once."""

    model = Plan
    action = "change"
    template_name = "sales/plans/grid.html"

    def setup_cut(self):
        params = self.request.GET
        self.cut = cut_from(params)
        self.groups = group_columns(self.cut.group)
        rows = targets(self.request.user, self.cut)
        search = params.get("q", "").strip()[:100]
        if search and self.cut.level == "dealer":
            rows = rows.filter(name_match(search, ["name"]))  # legal form aside, as elsewhere
        elif search:
            rows = rows.filter(name__icontains=search)
        self.search = search
        self.page = Paginator(rows, ROWS_PER_PAGE).get_page(params.get("page"))
        levels = access.field_levels(self.request.user, Plan)
        self.measures = [m for m in MEASURES if levels.get(m) != access.FieldLevel.HIDDEN]
        self.editable = [m for m in self.measures if levels.get(m) == access.FieldLevel.EDITABLE]

    def get(self, request):
        self.setup_cut()
        return self.render_grid(None)

    def post(self, request):
        self.setup_cut()
        posted = read_grid(request.POST, self.editable)
        self.refuse_foreign(posted)
        if posted.errors:
            return self.render_grid(posted, status=400)
        try:
            result = plans_save_grid(
                request.user, cut=self.cut, posted=posted, measures=self.editable
            )
        except GridStale as stale:
            return self.render_grid(posted, stale=stale, status=409)
        except (records.RecordError, ValidationError) as error:
            message = getattr(error, "message", None) or "; ".join(error.messages)
            return self.render_grid(posted, problem=message, status=400)
        messages.success(
            request,
            _("Saved: %(created)s plans added, %(updated)s changed, %(removed)s removed.")
            % {"created": result.created, "updated": result.updated, "removed": result.removed},
        )
        return HttpResponseRedirect(request.get_full_path())

    def refuse_foreign(self, posted: Posted) -> None:
        """A cell for a target the user may not plan for, or for a group that is not a
        column: 404, as if it did not exist (nothing is written)."""
        if not posted.versions:
            return
        columns = {group.pk for group in self.groups}
        if not posted.groups <= columns:
            raise Http404
        mine = targets(self.request.user, self.cut).filter(pk__in=posted.targets)
        if mine.count() != len(posted.targets):
            raise Http404

    def render_grid(self, posted: Posted | None, status: int = 200, **extra):
        rows = list(self.page.object_list)
        plans = plans_of(self.cut, [row.pk for row in rows], [g.pk for g in self.groups])
        context = {
            "cut": self.cut,
            "levels": LEVELS.items(),
            "flows": Flow.choices,
            "kinds": PeriodKind.choices,
            "periods": self.cut.period.choices(),
            "groups": self.groups,
            "with_subgroups": set(
                ProductGroup.objects.filter(parent__in=self.groups, is_active=True).values_list(
                    "parent_id", flat=True
                )
            ),
            "parent_group": ProductGroup.objects.filter(pk=self.cut.group).first(),
            "rows": [self.row(target, plans, posted) for target in rows],
            "page": self.page,
            "search": self.search,
            "measures": self.measures,
            "editable": self.editable,
            "dealers": self.dealer_choices(),
            "may_export": self.request.user.has_perm(access.permission_name(Plan, "export")),
            "may_import": self.request.user.has_perm(access.permission_name(Plan, "import")),
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)

    def row(self, target, plans, posted) -> dict:
        cells = []
        for group in self.groups:
            key = (target.pk, group.pk)
            plan = plans.get(key)
            cell = {"group": group, "version": plan.version if plan else 0, "inputs": []}
            if posted is not None and key in posted.versions:
                cell["version"] = posted.versions[key]
            for measure in self.measures:
                name = cell_name(measure[0], *key)
                value = formatting.input_number(getattr(plan, measure)) if plan else ""
                if posted is not None and key in posted.versions and measure in self.editable:
                    value = self.request.POST.get(name, "")
                error = posted.errors.get(name) if posted else None
                cell["inputs"].append(
                    {
                        "name": name,
                        "measure": measure,
                        "value": value,
                        "error": error,
                        "locked": measure not in self.editable,
                    }
                )
            cell["name"] = cell_name("v", *key)
            cells.append(cell)
        return {"target": target, "cells": cells}

    def dealer_choices(self):
        if self.cut.level != "outlet":
            return []
        return plan_targets(self.request.user, "dealer").order_by("name", "pk")[:500]


def grid_url(cut: Cut) -> str:
    return f"{reverse('sales:plan_grid')}?{cut.query()}"


def require_export(user) -> None:
    if not user.has_perm(access.permission_name(Plan, "export")):
        raise PermissionDenied


# Only the targets' filter differs per level; used by the export and the segment page.
def target_filter(level: str, ids) -> Q:
    column = Plan._meta.get_field(TARGET_FIELD[level]).attname
    condition = Q(**{f"{column}__in": list(ids)})
    return condition & Q(outlet__isnull=True) if level == "dealer" else condition
