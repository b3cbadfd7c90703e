"""Who sees which cabinet records (the app's only visibility rule; crm.core.access applies it).

Dealer users see the reports, entries, uploads, proposals, users and invitations of the
organisations they act for (``dealer_ids``: a dealer and its sub-dealers, or a sub-dealer
alone); they change only reports of those, and delete only the entries they entered
themselves. Whether a dealer's user may manage users at all is the membership's
administrator flag, checked by the cabinet's pages and services on top of these rules. Staff
see the records where they see the organisation, and change nothing here (memberships and
invitations: administrators, in Django admin).
"""

from django.db.models import Q

from crm.clients.models import Organisation
from crm.core import access
from dealers.models import (
    DealerInvitation,
    DealerMembership,
    OutletProposal,
    ReportingPeriod,
    ReportUpload,
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
class DealerMembershipAccess(access.ModelAccess):
    """A user reads their own membership; a cabinet user also the memberships of the
    organisations they act for (their administrator manages those users)."""

    policy_fields = ()

    def needs_permission(self, action: str) -> bool:
        return action != "view"  # one's own membership needs no permission

    def view(self, scope, f):
        own = Q(**{f("user_id"): scope.user_id})
        if scope.outside:
            return own | _acted_for(scope, f)
        return own

    def change(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        return access.NOTHING


class _CabinetRows(access.ModelAccess):
    """Rows of the organisations a cabinet user acts for; staff see them where they see the
    organisation; nobody changes them here but through the services."""

    policy_fields = ()

    def view(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        return _where_organisation_is(scope, f)

    def change(self, scope, f):
        if scope.outside:
            return _acted_for(scope, f)
        return access.NOTHING


@access.register(DealerInvitation)
class DealerInvitationAccess(_CabinetRows):
    pass


@access.register(OutletProposal)
class OutletProposalAccess(_CabinetRows):
    pass


@access.register(ReportUpload)
class ReportUploadAccess(_CabinetRows):
    pass
