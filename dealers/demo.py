"""Demo cabinet: the demo users "dealer" and "subdealer" act for a demo dealer and one of its
sub-dealers. The dealer has quarterly sell-out plans per outlet × product group for the
previous and the current quarter, a submitted report for the previous quarter and sales entered
as drafts during the current one (so its report opens prefilled); its sub-dealer has recorded
sales this quarter; a second demo dealer has submitted the current quarter's report.

Idempotent: memberships are keyed by user, plans by their unique key, and reports and entries
are written only where the organisation has none for that quarter yet, so a second run changes
nothing (a run in a later quarter adds that quarter's).
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from crm.accounts.models import User
from crm.catalog.models import Product
from crm.clients.demo.data import CI_PREFIX
from crm.clients.models import Organisation, OrganisationKind
from crm.core.periods import Quarter
from crm.outlets.models import Outlet, OutletStatus
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import Plan
from dealers import policies, services
from dealers.models import DealerMembership, SaleEntry, SalesReport
from dealers.selectors import GroupTree

DEALER_USER, SUB_DEALER_USER = "dealer", "subdealer"
PLANNED_GROUPS = 4  # of the top-level groups, by name


def seed(*, scale: str) -> dict[str, int]:
    dealers = _demo_dealers()
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[DEALER_USER, SUB_DEALER_USER])
    }
    if not dealers or len(users) < 2:
        return {"memberships": 0}
    (dealer, sub_dealer), other = dealers[0], dealers[1][0] if len(dealers) > 1 else None
    policies.grant_default_field_policies()  # the figures the cabinet shows them
    policies.ensure_outlet_proposal_rule()  # dealers' outlet proposals reach an approver
    _member(users[DEALER_USER], dealer)
    _member(users[SUB_DEALER_USER], sub_dealer)
    current = Quarter.of(timezone.localdate())
    world = _World(dealer)
    counts = {"memberships": 2, "plans": 0, "reports": 0, "entries": 0}
    for quarter in (current.previous(), current):
        counts["plans"] += world.plans(quarter)
    counts["reports"] += world.report(users[DEALER_USER], current.previous())
    counts["entries"] += world.drafts(users[DEALER_USER], current)
    counts["entries"] += _World(sub_dealer).drafts(users[SUB_DEALER_USER], current)
    if other is not None:
        counts["reports"] += _World(other).report(None, current)
    return counts


def _working(organisation):
    """The outlets the report has a row for (as dealers.selectors.report_grid)."""
    return (
        Outlet.objects.filter(dealer=organisation, is_archived=False)
        .exclude(status=OutletStatus.CLOSED)
        .order_by("erp_key", "pk")
    )


def _demo_dealers() -> list[tuple[Organisation, Organisation]]:
    """Demo dealers with two or three working outlets and a sub-dealer that has outlets too,
    each with that sub-dealer, by ERP key (the same ones on every run)."""
    pairs = []
    dealers = Organisation.objects.filter(
        kind=OrganisationKind.DEALER, erp_key__startswith=CI_PREFIX
    ).order_by("erp_key")
    for dealer in dealers:
        if not 2 <= _working(dealer).count() <= 3:
            continue
        subs = dealer.sub_dealers.filter(erp_key__startswith=CI_PREFIX).order_by("erp_key")
        sub = next((s for s in subs if _working(s).exists()), None)
        if sub is not None:
            pairs.append((dealer, sub))
        if len(pairs) == 2:
            break
    return pairs


def _member(user, organisation) -> None:
    """The demo's dealer and sub-dealer users act for their organisation and administer its
    cabinet users (they invite and block colleagues)."""
    membership = DealerMembership.objects.filter(user=user).first()
    if membership is None:
        DealerMembership.objects.create(user=user, organisation=organisation, is_admin=True)
    elif membership.organisation_id != organisation.pk or not membership.is_admin:
        membership.organisation = organisation
        membership.is_admin = True
        membership.save(update_fields=["organisation", "is_admin"])


class _World:
    """One demo organisation's outlets, groups, products and reproducible figures."""

    def __init__(self, organisation):
        self.organisation = organisation
        self.outlets = list(_working(organisation)) or [None]
        tree = GroupTree()
        self.groups = tree.top_level()
        self.products = {}
        for product in Product.objects.filter(is_active=True).order_by("sku"):
            self.products.setdefault(tree.top(product.group_id), product)
        self.groups = [group for group in self.groups if group in self.products]

    def base(self, outlet, group) -> Decimal:
        """A quarter's typical sell-out amount of one cell, the same on every run."""
        key = f"{self.organisation.erp_key}:{outlet.erp_key if outlet else '-'}:{group}"
        rng = random.Random(key)  # noqa: S311  (demo data, reproducible)
        return Decimal(rng.randrange(40, 400) * 1000)

    def plans(self, quarter: Quarter) -> int:
        created = 0
        for outlet in self.outlets:
            if outlet is None:
                continue
            for group in self.groups[:PLANNED_GROUPS]:
                amount = self.base(outlet, group) * Decimal("1.1")
                _plan, new = Plan.objects.get_or_create(
                    period_kind=PeriodKind.QUARTER,
                    period_start=quarter.start,
                    flow=Flow.SELL_OUT,
                    product_group_id=group,
                    outlet=outlet,
                    defaults={"quantity": (amount / 500).quantize(Decimal(1)), "amount": amount},
                )
                created += new
        return created

    def report(self, actor, quarter: Quarter) -> int:
        organisation = self.organisation
        if SalesReport.objects.filter(
            organisation=organisation, quarter_start=quarter.start
        ).exists():
            return 0
        figures = {}
        for outlet in self.outlets:
            for group in self.groups:
                amount = self.base(outlet, group)
                figures[outlet.pk if outlet else None, group] = (
                    (amount / 500).quantize(Decimal(1)),
                    amount,
                )
        services.report_submit(
            actor, organisation=organisation, quarter=quarter, figures=figures, expected_version=0
        )
        return 1

    def drafts(self, actor, quarter: Quarter) -> int:
        """Sales entered during the quarter so far: a draft of each cell for a dealer, sales
        recorded in the ledger for a sub-dealer."""
        organisation = self.organisation
        if SaleEntry.objects.filter(organisation=organisation, date__gte=quarter.start).exists():
            return 0
        today = min(timezone.localdate(), quarter.end)
        days = (today - quarter.start).days
        count = 0
        for outlet in self.outlets:
            for n, group in enumerate(self.groups):
                amount = (self.base(outlet, group) * Decimal("0.6")).quantize(Decimal(1))
                product = self.products[group]
                services.entry_record(
                    actor,
                    organisation=organisation,
                    data=services.EntryData(
                        date=_day(quarter.start, days, n),
                        product=product,
                        quantity=(amount / 500).quantize(Decimal(1)),
                        amount=amount,
                        outlet=outlet,
                    ),
                )
                count += 1
        return count


def _day(start: date, days: int, n: int) -> date:
    return start + timedelta(days=(n * 11) % (days + 1))
