"""Demo plans for the staff reports: a quarter plan per region and per dealer and top product
group, for both flows, wherever the demo ledger has sales in the current or the previous
quarter, a little above what was sold so far (so completion reads like a real quarter's).

Runs after the demo's 1C sync (sell-in) and the cabinet (sell-out); idempotent: a target that
has a plan for the quarter, flow and group keeps it.
"""

from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from crm.clients.models import Organisation, OrganisationKind
from crm.core.periods import Quarter

from .choices import PeriodKind
from .models import Plan, SalesMonth
from .selectors import GroupTree

STRETCH = Decimal("1.25")  # the plan over the quarter's sales so far


def _roots() -> dict[int, int]:
    """Each product group's top-level group."""
    tree = GroupTree()
    return {pk: tree.path(pk)[-1] for pk in tree.parent}


def _rounded(value: Decimal, step: int) -> Decimal:
    return max(Decimal(step), (value * STRETCH / step).quantize(Decimal(1)) * step)


def seed(*, scale: str) -> dict[str, int]:
    roots = _roots()
    dealers = set(
        Organisation.objects.filter(kind=OrganisationKind.DEALER).values_list("pk", flat=True)
    )
    current = Quarter.of(timezone.localdate())
    wanted: dict[tuple, list[Decimal]] = {}
    for quarter in (current.previous(), current):
        sums = (
            SalesMonth.objects.filter(month__gte=quarter.start, month__lt=quarter.next().start)
            .values("flow", "region_id", "organisation_id", "product_group_id")
            .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        )
        for row in sums:
            group = roots.get(row["product_group_id"])
            if group is None:
                continue
            targets = []
            if row["region_id"]:
                targets.append(("target_region_id", row["region_id"]))
            if row["organisation_id"] in dealers:
                targets.append(("organisation_id", row["organisation_id"]))
            for target in targets:
                key = (quarter.start, row["flow"], target, group)
                total = wanted.setdefault(key, [Decimal(0), Decimal(0)])
                total[0] += max(row["quantity"], 0)
                total[1] += max(row["amount"], 0)
    existing = set(
        Plan.objects.filter(
            period_kind=PeriodKind.QUARTER,
            period_start__in=[current.previous().start, current.start],
            outlet__isnull=True,
            segment__isnull=True,
            target_org_unit__isnull=True,
        ).values_list(
            "period_start", "flow", "organisation_id", "target_region_id", "product_group_id"
        )
    )
    plans = []
    for (start, flow, (field, pk), group), (quantity, amount) in sorted(
        wanted.items(), key=lambda item: (item[0][0], item[0][1], item[0][2], item[0][3])
    ):
        organisation = pk if field == "organisation_id" else None
        region = pk if field == "target_region_id" else None
        if (start, flow, organisation, region, group) in existing or amount <= 0:
            continue
        plans.append(
            Plan(
                period_kind=PeriodKind.QUARTER,
                period_start=start,
                flow=flow,
                product_group_id=group,
                quantity=_rounded(quantity, 10),
                amount=_rounded(amount, 10_000),
                **{field: pk},
            )
        )
    Plan.objects.bulk_create(plans)
    if plans:
        # Statistics for the planner at once (at full scale: tens of thousands of plans).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sales_plan")
    return {"plans": len(plans)}
