"""The plan-vs-fact table as the page and the XLSX export show it: which columns the user gets
(a measure a field policy hides, or plans without the permission to read them, are no
columns at all), each row's drill-down links, its cells the Russian way, and its bar.

The same columns feed the page and the export, so the file is exactly the cut on screen.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.catalog.models import ProductGroup
from crm.core import formatting
from crm.sales.choices import Level
from crm.sales.planfact_cut import Cut
from crm.sales.selectors import PlanFactRow, PlanFactTable

MONEY, NUMBER, PERCENT = "money", "number", "percent"
FORMATS = {MONEY: formatting.money, NUMBER: formatting.number, PERCENT: formatting.percent}
# Where a row of each level leads: the next level down, with the row as its filter.
DRILL = {
    Level.REGION: (Level.DEALER, "region"),
    Level.DEALER: (Level.OUTLET, "organisation"),
    Level.OUTLET: (Level.PRODUCT_GROUP, "outlet"),
}


@dataclass(frozen=True)
class Measure:
    """One figure column: the PlanFactRow attribute it shows and how it is written."""

    attr: str
    label: str
    kind: str


@dataclass
class Line:
    """One row on the page: its name, its links, its cells and its bar widths (per cent)."""

    name: str
    drill_url: str
    groups_url: str
    cells: list[str]
    values: list
    plan_width: str
    fact_width: str


def measures(user, table: PlanFactTable, level: str) -> list[Measure]:
    """The figure columns this user gets for this table, amounts first."""
    sample = table.total
    can_plan = user.has_perm("sales.view_plan")
    children = {
        Level.REGION: (_("Dealers' plans, ₽"), _("Dealers' plans, qty")),
        Level.DEALER: (_("Outlets' plans, ₽"), _("Outlets' plans, qty")),
    }.get(level)
    found = []
    for unit, kind, suffix in (("amount", MONEY, "₽"), ("quantity", NUMBER, _("qty"))):
        plan_shown = can_plan and getattr(sample, f"plan_{unit}") is not None
        if plan_shown:
            found.append(Measure(f"plan_{unit}", _("Plan, %(unit)s") % {"unit": suffix}, kind))
        if getattr(sample, f"fact_{unit}") is not None:
            found.append(Measure(f"fact_{unit}", _("Fact, %(unit)s") % {"unit": suffix}, kind))
            if plan_shown:
                label = _("Completion, %") if unit == "amount" else _("Completion by quantity, %")
                found.append(Measure(f"completion_{unit}", label, PERCENT))
        if can_plan and children and getattr(sample, f"children_plan_{unit}") is not None:
            label = children[0] if unit == "amount" else children[1]
            found.append(Measure(f"children_plan_{unit}", label, kind))
    return found


def in_units(shown: list[Measure], units: str) -> list[Measure]:
    """The measures of the units asked for (amounts, quantities or both). Where a field
    policy hides the sales amounts from the user, the quantities are shown with the rest."""
    if units == "both" or (units == "amount" and "fact_amount" not in {m.attr for m in shown}):
        return shown
    return [m for m in shown if m.attr.endswith(units)]


def first_column(level: str) -> str:
    return {
        Level.REGION: _("Region"),
        Level.DEALER: _("Dealer or client"),
        Level.OUTLET: _("Outlet"),
        Level.PRODUCT_GROUP: _("Product group"),
    }[level]


def row_name(row: PlanFactRow, level: str) -> str:
    if row.name:
        return row.name
    return {
        Level.REGION: _("Without a region"),
        Level.DEALER: _("Without an organisation"),
        Level.OUTLET: _("Without an outlet"),
        Level.PRODUCT_GROUP: _("Without a product group"),
    }[level]


def lines(cut: Cut, table: PlanFactTable, shown: list[Measure]) -> list[Line]:
    """The page's rows, each with its drill-down and its product-group breakdown links."""
    base = reverse("sales:planfact")
    with_subgroups = _groups_with_children(cut, table)
    bar_attr = _bar_measure(shown)
    top = max(
        (abs(getattr(row, attr) or 0) for row in table.rows for attr in bar_attr if attr),
        default=Decimal(0),
    )
    result = []
    for row in table.rows:
        drill_url = groups_url = ""
        if row.key is not None:
            if cut.level in DRILL:
                level, name = DRILL[cut.level]
                drill_url = base + cut.query(level=level, **{name: row.key})
                if level != Level.PRODUCT_GROUP:
                    groups_url = base + cut.query(level=Level.PRODUCT_GROUP, **{name: row.key})
            elif row.key in with_subgroups:
                drill_url = base + cut.query(product_group=row.key)
        values = [getattr(row, m.attr) for m in shown]
        result.append(
            Line(
                name=row_name(row, cut.level),
                drill_url=drill_url,
                groups_url=groups_url,
                cells=[FORMATS[m.kind](v) for m, v in zip(shown, values, strict=True)],
                values=values,
                plan_width=_width(getattr(row, bar_attr[0]) if bar_attr[0] else None, top),
                fact_width=_width(getattr(row, bar_attr[1]) if bar_attr[1] else None, top),
            )
        )
    return result


def total_cells(table: PlanFactTable, shown: list[Measure]) -> list[str]:
    return [FORMATS[m.kind](getattr(table.total, m.attr)) for m in shown]


def bar_unit(shown: list[Measure]) -> str:
    """What the bars measure: "₽" for amounts, else quantities; "" without bars."""
    plan, fact = _bar_measure(shown)
    if not (plan or fact):
        return ""
    return "₽" if (fact or plan).endswith("amount") else _("qty")


def export_rows(cut: Cut, table: PlanFactTable, shown: list[Measure]):
    """The rows of the XLSX file: the table, its total, then what the cut is."""
    for row in table.rows:
        yield [row_name(row, cut.level), *[getattr(row, m.attr) for m in shown]]
    yield [_("Total"), *[getattr(table.total, m.attr) for m in shown]]
    yield []
    for label, value in describe(cut):
        yield [label, value]


def describe(cut: Cut) -> list[tuple[str, str]]:
    """The cut in words, for the file (the page shows it in its controls)."""
    described = [(_("Period"), cut.period.label), (_("Flow"), cut.flow_label)]
    for label, obj in (
        (_("Region"), cut.region),
        (_("Dealer or client"), cut.organisation),
        (_("Outlet"), cut.outlet),
        (_("Product group"), cut.product_group),
    ):
        if obj is not None:
            described.append((label, obj.name))
    return described


def _bar_measure(shown: list[Measure]) -> tuple[str | None, str | None]:
    """(plan attribute, fact attribute) the bars draw: amounts if shown, else quantities."""
    names = {m.attr for m in shown}
    for unit in ("amount", "quantity"):
        plan, fact = f"plan_{unit}", f"fact_{unit}"
        if fact in names or plan in names:
            return (plan if plan in names else None, fact if fact in names else None)
    return (None, None)


def _width(value, top) -> str:
    """A bar's width in per cent of the longest, written into an SVG attribute as is."""
    if value is None or not top:
        return "0"
    return f"{float(max(value, 0) / top * 100):.1f}"


def _groups_with_children(cut: Cut, table: PlanFactTable) -> set[int]:
    """Product groups of the rows that have subgroups to drill into (one query)."""
    if cut.level != Level.PRODUCT_GROUP:
        return set()
    keys = [row.key for row in table.rows if row.key is not None]
    parents = ProductGroup.objects.filter(parent_id__in=keys).values_list("parent_id", flat=True)
    return set(parents.distinct()) - ({cut.product_group.pk} if cut.product_group else set())
