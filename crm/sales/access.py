"""Who sees which sales lines, monthly sums and plans (the app's only visibility rule).

Staff see the rows of their territory by the copies of the organisation's scope on each row
(region, org unit, manager; as for contacts), plus the rows of organisations lent to them.
Dealer users see the rows of their own organisation and of its sub-dealers: ``dealer_id`` is
the dealer a row falls under (the organisation's parent dealer, or itself), so one indexed
column covers a dealer and all its sub-dealers; a sub-dealer's user is matched by the
organisation itself. Nobody changes lines or sums through the rule: the ledger is written by
its services, the sums by triggers. Plans are changed by staff in their team's scope.

Saved segments of dealers are staff records: seen by their org unit's staff (and above) and by
their manager's team, changed like clients (regional managers: their territory's; others: their
team's). A segment's plans carry the segment's manager and org unit, so the plan rule covers
them. ``plan_targets`` lists what a user may plan for: the targets whose plans the plan rule
lets them change.
"""

from django.db.models import Q

from crm.accounts.models import OrgUnit
from crm.clients.access import staff_change, territory
from crm.clients.models import DEALER_KINDS, Organisation
from crm.core import access
from crm.outlets.models import Outlet
from crm.refs.models import Region
from crm.sales.models import (
    DealerSegment,
    Plan,
    SalesLine,
    SalesMonth,
    SalesMonthOutlet,
    SalesMonthRegion,
)


def _dealers(scope, f) -> Q:
    """A dealer's user: every row under the dealer (its own and its sub-dealers', by
    ``dealer_id``); a sub-dealer's user: the sub-dealer's rows. Parent dealers are dealers,
    so the memberships alone say it; with all the sub-dealers' ids (``dealer_ids``) a big
    dealer's rule listed sixty ids twice in every query."""
    return Q(**{f("dealer_id__in"): scope.member_ids}) | Q(
        **{f("organisation_id__in"): scope.member_ids}
    )


def _with_lent(condition: Q, scope, f) -> Q:
    lent = scope.granted("view_organisation")
    if lent:
        condition |= Q(**{f("organisation_id__in"): sorted(lent)})
    return condition


class _LedgerRows(access.ModelAccess):
    """Rows that count for one organisation, with copies of its scope columns."""

    def view(self, scope, f):
        if scope.outside:
            return _dealers(scope, f)
        return _with_lent(territory(scope, f), scope, f)

    def change(self, scope, f):
        return access.NOTHING


@access.register(SalesLine)
class SalesLineAccess(_LedgerRows):
    pass


@access.register(SalesMonth)
class SalesMonthAccess(_LedgerRows):
    policy_fields = ()  # derived sums: the lines' field policies apply where they are shown


@access.register(SalesMonthOutlet)
class SalesMonthOutletAccess(_LedgerRows):
    policy_fields = ()


@access.register(SalesMonthRegion)
class SalesMonthRegionAccess(access.ModelAccess):
    """The region sums carry no organisation, manager or org unit: they serve exactly the
    users whose monthly sums rule reads nothing but the region (the company-wide roles:
    every row), under the monthly sums' permission. For anyone else (staff by territory, a
    dealer's user, staff with an organisation lent to them) they are empty, and the reports
    read the monthly sums instead (``serves``)."""

    permission_model = SalesMonth
    policy_fields = ()
    COLUMNS = frozenset({"region_id"})

    def serves(self, scope) -> bool:
        condition = access.rule_condition(SalesMonth, scope, "view")
        return access.condition_columns(condition) <= self.COLUMNS

    def view(self, scope, f):
        if not self.serves(scope):
            return access.NOTHING
        return access.rule_condition(SalesMonth, scope, "view", prefix=f(""))

    def change(self, scope, f):
        return access.NOTHING


@access.register(Plan)
class PlanAccess(access.ModelAccess):
    """Plans of an organisation or its outlets are seen where the organisation is; a region's
    or an org unit's plan by the staff whose territory holds it. Dealers see their own
    organisation's plans and its sub-dealers' (including their outlets'), never a region's."""

    def view(self, scope, f):
        if scope.outside:
            return _dealers(scope, f)
        return _with_lent(territory(scope, f), scope, f)

    def change(self, scope, f):
        if scope.outside:
            return access.NOTHING
        return staff_change(scope, f)


@access.register(DealerSegment)
class DealerSegmentAccess(access.ModelAccess):
    """Segments are staff records: their org unit's staff and their manager's team see them;
    regional managers change their territory's, everyone else their team's. Dealers never see
    them."""

    def view(self, scope, f):
        if scope.outside:
            return access.NOTHING
        return _unit_or_team(scope, f)

    def change(self, scope, f):
        if scope.outside:
            return access.NOTHING
        if scope.change_territory:
            return _unit_or_team(scope, f)
        return Q(**{f("owner_id__in"): scope.team_ids})


def _unit_or_team(scope, f) -> Q:
    return Q(**{f("org_unit_id__in"): scope.org_unit_ids}) | Q(
        **{f("owner_id__in"): scope.team_ids}
    )


# --- what a user may plan for -------------------------------------------------------------------


def may_plan(user) -> bool:
    """Whether the user may change plans at all (the permission; rows come from the rule)."""
    return user.is_authenticated and user.has_perm(access.permission_name(Plan, "change"))


def plan_targets(user, level: str):
    """The targets of ``level`` (dealer, outlet, region, org_unit, segment) whose plans the
    user may change: the plan rule applied to the columns a new plan would copy from them
    (a dealer's or an outlet's dealer's region, org unit and manager; a region or org unit
    itself; a segment's org unit and manager). None of them without the change permission."""
    model = TARGET_MODELS[level]
    rows = model._default_manager.all()
    if not may_plan(user):
        return rows.none()
    scope = access.scope_of(user)
    if scope.outside:
        return rows.none()
    if level == "outlet":
        rows = rows.filter(dealer__kind__in=DEALER_KINDS, is_archived=False)
        return rows.filter(_plan_rule(scope, prefix="dealer__"))
    if level == "dealer":
        return rows.filter(kind__in=DEALER_KINDS).filter(_plan_rule(scope))
    if scope.change_all:
        return rows
    if level == "region":
        return rows.filter(pk__in=scope.region_ids) if scope.change_territory else rows.none()
    if level == "org_unit":
        return rows.filter(pk__in=scope.org_unit_ids) if scope.change_territory else rows.none()
    # A segment's plans copy its org unit and manager: the plan rule on those is the
    # segment's own change rule.
    return rows.filter(access.rule_condition(DealerSegment, scope, "change"))


def _plan_rule(scope, prefix: str = "") -> Q:
    """The plan change rule over another row's copies of the same scope columns."""
    return access.rule_condition(Plan, scope, "change", prefix=prefix)


TARGET_MODELS = {
    "dealer": Organisation,
    "outlet": Outlet,
    "region": Region,
    "org_unit": OrgUnit,
    "segment": DealerSegment,
}
