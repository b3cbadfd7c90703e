"""Who sees which cabinet records (the app's only visibility rule; crm.core.access applies it).

Dealer users see the reports and entries of the organisations they act for (``dealer_ids``: a
dealer and its sub-dealers, or a sub-dealer alone); they change only reports of those, and
delete only the entries they entered themselves. Staff see them where they see the
organisation, and change nothing here.
"""

from django.db.models import Q

from crm.clients.models import Organisation
from crm.core import access
from dealers.models import (
    DealerMembership,
    ReportingPeriod,
    SaleEntry,
    SalesReport,
    SalesReportCell,
)


def _acted_for(scope, f) -> Q:
    return Q(**{f("organisation_id__in"): scope.dealer_ids})


def _where_organisation_is(scope, f) -> Q:
    return access.rule_condition(Organisation, scope, "view", prefix=f("organisation__"))


@access.register(SalesReport)
class SalesReportAccess(access.ModelAccess):
    policy_fields = ()  # the dealer's own statement: all of it or none of it

    def view(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        return _where_organisation_is(scope, f)

    def change(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        return access.NOTHING


@access.register(SalesReportCell)
class SalesReportCellAccess(access.ModelAccess):
    """A report's figures go with their report."""

    policy_fields = ()

    def view(self, scope, f):
        return access.rule_condition(SalesReport, scope, "view", prefix=f("report__"))

    def change(self, scope, f):
        return access.rule_condition(SalesReport, scope, "change", prefix=f("report__"))


@access.register(SaleEntry)
class SaleEntryAccess(access.ModelAccess):
    policy_fields = ()

    def view(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        return _where_organisation_is(scope, f)

    def change(self, scope, f):
        return access.NOTHING  # an entry is deleted and entered again, never edited

    def delete(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f) & Q(**{f("created_by_id"): scope.user_id})
        return access.NOTHING


@access.register(ReportingPeriod)
class ReportingPeriodAccess(access.ReferenceData):
    """Everyone may read whether a quarter is closed; closing one takes the permission."""


@access.register(DealerMembership)
class DealerMembershipAccess(access.PersonalRows):
    """A user reads their own membership; administrators set them in Django admin."""
