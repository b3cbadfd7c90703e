"""What one plan-vs-fact page shows, read from its URL: the period, the flow, the level, and
the drill-down filters (a region, a dealer, an outlet, a product group).

Every id in the URL is checked through the access policy: a dealer or an outlet the user may
not see, or a region where they see no sales and no plan, is a 404, as if it did not exist.
Values that are not understood (an unknown flow, a malformed period) fall back to the
defaults, and the page says so.
"""

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.catalog.models import ProductGroup
from crm.clients.models import Organisation
from crm.core import access
from crm.outlets.models import Outlet
from crm.refs.models import Region
from crm.sales.choices import Flow, Level, PeriodKind
from crm.sales.models import Plan, SalesMonth
from crm.sales.planfact_periods import ReportPeriod

DEFAULT_FLOW = Flow.SELL_IN
DEFAULT_LEVEL = Level.REGION
FILTERS = ("region", "organisation", "outlet", "product_group")
# Which figures the columns show: roubles (the default), quantities, or both.
AMOUNT, QUANTITY, BOTH = "amount", "quantity", "both"
UNITS = (AMOUNT, QUANTITY, BOTH)


@dataclass(frozen=True)
class Cut:
    """One plan-vs-fact page: period, flow, level and the objects it is narrowed to."""

    period: ReportPeriod
    flow: str = DEFAULT_FLOW
    level: str = DEFAULT_LEVEL
    region: Region | None = None
    organisation: Organisation | None = None
    outlet: Outlet | None = None
    product_group: ProductGroup | None = None
    units: str = AMOUNT
    problems: tuple[str, ...] = field(default=(), compare=False)

    def params(self) -> dict[str, str]:
        """The URL parameters that rebuild this cut."""
        params = {"period": self.period.slug, "flow": self.flow, "level": self.level}
        for name in FILTERS:
            obj = getattr(self, name)
            if obj is not None:
                params[name] = str(obj.pk)
        if self.units != AMOUNT:
            params["units"] = self.units
        return params

    def query(self, **changes) -> str:
        """``?…`` of this cut with some parameters changed (None removes one)."""
        params = self.params()
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = str(value)
        return "?" + urlencode(params)

    def selector_filters(self) -> dict:
        """Keyword arguments of crm.sales.selectors.plan_vs_fact_table."""
        return {
            "period_start": self.period.start,
            "period_end": self.period.end,
            "flow": self.flow,
            "level": self.level,
            "region": self.region.pk if self.region else None,
            "organisation": self.organisation.pk if self.organisation else None,
            "outlet": self.outlet.pk if self.outlet else None,
            "product_group": self.product_group.pk if self.product_group else None,
        }

    def with_level(self, level: str) -> "Cut":
        return replace(self, level=level)

    @property
    def flow_label(self) -> str:
        return str(Flow(self.flow).label)


def read_cut(request) -> Cut:
    """The cut the request asks for; Http404 for an id the user may not see."""
    data, user, problems = request.GET, request.user, []
    today = timezone.localdate()
    period = ReportPeriod.containing(today, PeriodKind.QUARTER)
    if data.get("period"):
        try:
            period = ReportPeriod.from_slug(data["period"])
        except ValueError:
            problems.append(_("The period was not understood: the current quarter is shown."))
    flow = data.get("flow") or DEFAULT_FLOW
    if flow not in Flow.values:
        problems.append(_("The flow was not understood: sell-in is shown."))
        flow = DEFAULT_FLOW
    level = data.get("level") or DEFAULT_LEVEL
    if level not in Level.values:
        problems.append(_("The level was not understood: regions are shown."))
        level = DEFAULT_LEVEL
    found = {name: _object(user, name, data.get(name)) for name in FILTERS}
    if level == Level.OUTLET and not (found["region"] or found["organisation"]):
        problems.append(_("Outlets are shown for one region or one dealer: choose one first."))
        level = Level.DEALER
    units = data.get("units") if data.get("units") in UNITS else AMOUNT
    return Cut(
        period=period, flow=flow, level=level, units=units, problems=tuple(problems), **found
    )


def _object(user, name: str, raw: str | None):
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    pk = int(raw)
    if name == "region":
        return _region(user, pk)
    model = {"organisation": Organisation, "outlet": Outlet, "product_group": ProductGroup}[name]
    return access.get_for_user(model._default_manager.all(), user, pk=pk)


def _region(user, pk: int) -> Region:
    """A region exists for the user where they see monthly sums or plans of it."""
    seen = (
        SalesMonth.objects.restrict(user, "view").filter(region_id=pk).exists()
        or Plan.objects.restrict(user, "view").filter(region_id=pk).exists()
    )
    region = Region.objects.filter(pk=pk).first() if seen else None
    if region is None:
        raise Http404
    return region
