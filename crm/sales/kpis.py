"""Client KPIs from the sales ledger (issue #8, seed 002): purchases, repeat purchases, order
sums and payment forms per client and period, and a manager's counters for the home page.

A purchase is one 1C document (or one line where a source has no documents) of sell-in with a
positive amount; returns are summed apart. Everything is read through the access rule of the
lines, and amounts hidden from the user by a field policy stay hidden.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.clients.models import Organisation, OrganisationStatus
from crm.core import access
from crm.sales.choices import Flow
from crm.sales.models import SalesLine

PURCHASE = Coalesce(NullIf("document_key", Value("")), "external_id")


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date


def periods(today: date | None = None) -> list[Period]:
    today = today or timezone.localdate()
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        Period("month", _("This month"), today.replace(day=1)),
        Period("quarter", _("This quarter"), quarter),
        Period("year", _("12 months"), today - timedelta(days=365)),
    ]


def _amounts_visible(user) -> bool:
    return "amount" in access.visible_fields(user, SalesLine)


def client_kpis(user, organisation: Organisation, today: date | None = None) -> dict | None:
    """The card's KPI panel: per period, purchases, repeat purchases (those after the first),
    order sum, average order and returns; payment forms over 12 months. None when the user
    may not see the client's sales or there were none in 12 months."""
    if not user.has_perm("sales.view_salesline"):
        return None
    spans = periods(today)
    lines = SalesLine.objects.restrict(user, "view").filter(
        organisation=organisation, flow=Flow.SELL_IN, date__gte=spans[-1].start
    )
    aggregates = {}
    for span in spans:
        bought = Q(amount__gt=0, date__gte=span.start)
        aggregates[f"{span.key}_purchases"] = Count(PURCHASE, distinct=True, filter=bought)
        aggregates[f"{span.key}_sum"] = Sum("amount", filter=bought)
        aggregates[f"{span.key}_returns"] = Sum(
            "amount", filter=Q(amount__lt=0, date__gte=span.start)
        )
    figures = lines.aggregate(**aggregates)
    if not figures["year_purchases"] and not figures["year_returns"]:
        return None
    show_amounts = _amounts_visible(user)
    rows = []
    for span in spans:
        count = figures[f"{span.key}_purchases"] or 0
        total = figures[f"{span.key}_sum"] or Decimal(0)
        average = (total / count).quantize(Decimal("0.01")) if count else None
        rows.append(
            {
                "label": span.label,
                "purchases": count,
                "repeat": max(count - 1, 0),
                "sum": total if show_amounts else None,
                "average": average if show_amounts else None,
                "returns": -(figures[f"{span.key}_returns"] or 0) if show_amounts else None,
            }
        )
    forms = (
        lines.filter(amount__gt=0)
        .values("payment_form__name")
        .annotate(purchases=Count(PURCHASE, distinct=True), total=Sum("amount"))
        .order_by("-total")
    )
    return {
        "rows": rows,
        "forms": [
            {
                "name": form["payment_form__name"] or _("not given"),
                "purchases": form["purchases"],
                "sum": form["total"] if show_amounts else None,
            }
            for form in forms
        ],
        "show_amounts": show_amounts,
    }


def manager_counters(user, today: date | None = None) -> dict | None:
    """The home page's counters for a manager's own clients: active and churned clients,
    purchases and sales this month, clients who bought more than once this quarter."""
    if user.is_outside_party or not user.has_perm("sales.view_salesline"):
        return None
    today = today or timezone.localdate()
    month, quarter = periods(today)[0].start, periods(today)[1].start
    clients = Organisation.objects.restrict(user, "view").filter(owner=user, is_archived=False)
    statuses = clients.aggregate(
        active=Count("pk", filter=Q(status=OrganisationStatus.ACTIVE)),
        churned=Count("pk", filter=Q(status=OrganisationStatus.CHURNED)),
    )
    lines = SalesLine.objects.restrict(user, "view").filter(
        owner=user, flow=Flow.SELL_IN, amount__gt=0, date__gte=quarter
    )
    # One query: per client this quarter, its purchases and this month's.
    per_client = list(
        lines.values("organisation").annotate(
            quarter=Count(PURCHASE, distinct=True),
            month=Count(PURCHASE, distinct=True, filter=Q(date__gte=month)),
            total=Sum("amount", filter=Q(date__gte=month)),
        )
    )
    sales = {
        "purchases": sum(row["month"] for row in per_client),
        "total": sum((row["total"] or Decimal(0) for row in per_client), Decimal(0)),
    }
    repeat = sum(1 for row in per_client if row["quarter"] > 1)
    if not any([statuses["active"], statuses["churned"], sales["purchases"]]):
        return None
    return {
        "active": statuses["active"],
        "churned": statuses["churned"],
        "purchases": sales["purchases"],
        "sum": (sales["total"] or Decimal(0)) if _amounts_visible(user) else None,
        "repeat": repeat,
        "churned_url_params": f"status={OrganisationStatus.CHURNED}&owner={user.pk}",
    }
