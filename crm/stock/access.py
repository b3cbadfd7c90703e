"""Who sees and changes dealers' warehouses and stock (the app's only visibility rule).

- A dealer's user sees the stock of its dealer and of the dealer's sub-dealers; a sub-dealer's
  user only its own (``Scope.dealer_ids`` holds exactly those organisations).
- Each organisation keeps its own warehouses and balances: a dealer's user changes those of its
  dealer, never a sub-dealer's or another dealer's (a row whose ``dealer_id`` is one of the
  user's organisations but not the row's own organisation is a sub-dealer's).
- Staff see the stock of their territory (region, org unit, team) by the copies on each balance,
  plus the organisations lent to them; warehouses where their organisation is visible. Staff
  change nothing here: the stock is the dealer's statement.
- Both are the dealer's own statement, shown whole or not at all: no field policies.
"""

from django.db.models import F, Q

from crm.clients.access import territory
from crm.clients.models import Organisation
from crm.core import access
from crm.stock.models import DealerWarehouse, StockBalance


def _acted_for(scope, f) -> Q:
    return Q(**{f("organisation_id__in"): scope.dealer_ids})


@access.register(DealerWarehouse)
class DealerWarehouseAccess(access.ModelAccess):
    policy_fields = ()

    def view(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        return access.rule_condition(Organisation, scope, "view", prefix=f("organisation__"))

    def change(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f) & ~Q(
                **{f("organisation__parent_dealer_id__in"): scope.dealer_ids}
            )
        return access.NOTHING

    def delete(self, scope, f):
        return access.NOTHING  # a warehouse is made inactive; its history stays


@access.register(StockBalance)
class StockBalanceAccess(access.ModelAccess):
    policy_fields = ()

    def view(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        condition = territory(scope, f)
        lent = scope.granted("view_organisation")
        if lent:
            condition |= Q(**{f("organisation_id__in"): sorted(lent)})
        return condition

    def change(self, scope, f):
        if scope.outside:
            own = Q(**{f("dealer_id"): F(f("organisation_id"))}) | ~Q(
                **{f("dealer_id__in"): scope.dealer_ids}
            )
            return _acted_for(scope, f) & own
        return access.NOTHING

    def delete(self, scope, f):
        return access.NOTHING  # a balance is set to 0, never deleted by hand
