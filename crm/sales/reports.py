"""The client purchases report (issue #8, item 3): per client and period, purchases, repeat
purchases, order sums, average order and returns, as a list with filters, sorting and export.

It is the organisation list's machinery (access rule, field policy, capped counts, saved views,
the export quota and log) over organisations that bought in the period, with the figures
computed per row from the ledger by correlated subqueries on the (organisation, flow, date)
index, through the ledger's own access rule.
"""

from decimal import Decimal

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.clients.filtersets import OrganisationFilterSet
from crm.clients.models import Organisation
from crm.clients.views import OrganisationListView
from crm.core import access
from crm.core.tables import Column, Table, owner_column
from crm.sales.choices import Flow
from crm.sales.kpis import PURCHASE, periods
from crm.sales.models import SalesLine

PERIODS = {"month": _("This month"), "quarter": _("This quarter"), "year": _("12 months")}
AMOUNT_COLUMNS = ("kpi_sum", "kpi_average", "kpi_returns")


def _money(value) -> str:
    return "" if value is None else f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")


class PurchasesFilterSet(OrganisationFilterSet):
    period = django_filters.ChoiceFilter(
        choices=list(PERIODS.items()),
        label=_("Period"),
        method="keep",
        empty_label=None,
    )

    def keep(self, queryset, name, value):
        return queryset  # the view reads the period; it decides the figures, not the rows


class PurchasesTable(Table):
    model = Organisation
    select_related = ("owner",)
    columns = [
        Column("name", link=True),
        Column("status"),
        owner_column(),
        Column(
            "kpi_purchases",
            label=_("Purchases"),
            field="name",
            sort="kpi_purchases",
            reads=("pk",),
            css="text-end",
        ),
        Column(
            "kpi_repeat",
            label=_("Repeat purchases"),
            field="name",
            sort="kpi_purchases",
            reads=("pk",),
            css="text-end",
            render=lambda o: max((o.kpi_purchases or 0) - 1, 0),
        ),
        Column(
            "kpi_sum",
            label=_("Order sum, ₽"),
            field="name",
            sort="kpi_sum",
            reads=("pk",),
            css="text-end text-nowrap",
            render=lambda o: _money(o.kpi_sum),
        ),
        Column(
            "kpi_average",
            label=_("Average order, ₽"),
            field="name",
            reads=("pk",),
            css="text-end text-nowrap",
            render=lambda o: _money(o.kpi_sum / o.kpi_purchases if o.kpi_purchases else None),
        ),
        Column(
            "kpi_returns",
            label=_("Returns, ₽"),
            field="name",
            sort="kpi_returns",
            reads=("pk",),
            css="text-end text-nowrap",
            render=lambda o: _money(-(o.kpi_returns or 0)),
        ),
        Column("inn", default=False),
    ]

    def __init__(self, user, chosen=None):
        super().__init__(user, chosen)
        if "amount" not in access.visible_fields(user, SalesLine):  # sums follow the policy
            self.available = [c for c in self.available if c.name not in AMOUNT_COLUMNS]
            self.shown = [c for c in self.shown if c.name not in AMOUNT_COLUMNS]


def with_figures(queryset, user, period: str):
    """Organisations that bought in the period, with their figures as annotations."""
    start = {p.key: p.start for p in periods()}[period]
    lines = SalesLine.objects.restrict(user, "view").filter(
        organisation=OuterRef("pk"), flow=Flow.SELL_IN, date__gte=start
    )
    per_client = lines.order_by().values("organisation")
    money = DecimalField(max_digits=18, decimal_places=2)
    return queryset.filter(
        pk__in=SalesLine.objects.restrict(user, "view")
        .filter(flow=Flow.SELL_IN, date__gte=start, amount__gt=0)
        .values("organisation")
    ).annotate(
        kpi_purchases=Coalesce(
            Subquery(
                per_client.annotate(
                    n=Count(PURCHASE, distinct=True, filter=Q(amount__gt=0))
                ).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        kpi_sum=Coalesce(
            Subquery(
                per_client.annotate(s=Sum("amount", filter=Q(amount__gt=0))).values("s")[:1],
                output_field=money,
            ),
            Decimal(0),
            output_field=money,
        ),
        kpi_returns=Coalesce(
            Subquery(
                per_client.annotate(r=Sum("amount", filter=Q(amount__lt=0))).values("r")[:1],
                output_field=money,
            ),
            Decimal(0),
            output_field=money,
        ),
    )


class PurchasesReportView(OrganisationListView):
    """Client purchases per period (the KPI report), sorted by order sum by default: the
    organisation list (its search and placeholder) over the clients that bought."""

    model = Organisation
    table = PurchasesTable
    filterset = PurchasesFilterSet
    list_key = "sales.purchases"
    title = _("Client purchases")
    bulk_actions = False
    create_url = None

    def dispatch(self, request, *args, **kwargs):
        # The organisations' rule decides the rows; the figures need the ledger's permission.
        if request.user.is_authenticated and not request.user.has_perm(
            access.permission_name(SalesLine, "view")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def period(self) -> str:
        chosen = self.request.GET.get("period", "quarter")
        return chosen if chosen in PERIODS else "quarter"

    def scoped(self, action=None):
        queryset = with_figures(super().scoped(action), self.request.user, self.period())
        return queryset.order_by("-kpi_sum", "pk")

    def import_url(self) -> str | None:
        return None

    def export_filename(self, file_format: str) -> str:
        stamp = timezone.localtime().strftime("%Y-%m-%d_%H%M")
        return f"purchases_{self.period()}_{stamp}.{file_format}"
