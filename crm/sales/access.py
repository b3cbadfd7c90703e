"""Who sees which sales lines, monthly sums and plans (the app's only visibility rule).

Staff see the rows of their territory by the copies of the organisation's scope on each row
(region, org unit, manager; as for contacts), plus the rows of organisations lent to them.
Dealer users see the rows of their own organisation and of its sub-dealers: ``dealer_id`` is
the dealer a row falls under (the organisation's parent dealer, or itself), so one indexed
column covers a dealer and all its sub-dealers; a sub-dealer's user is matched by the
organisation itself. Nobody changes lines or sums through the rule: the ledger is written by
its services, the sums by triggers. Plans are changed by staff in their team's scope.
"""

from django.db.models import Q

from crm.clients.access import staff_change, territory
from crm.core import access
from crm.sales.models import Plan, SalesLine, SalesMonth, SalesMonthOutlet


def _dealers(scope, f) -> Q:
    return Q(**{f("dealer_id__in"): scope.dealer_ids}) | Q(
        **{f("organisation_id__in"): scope.dealer_ids}
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
