"""Who sees change requests: their author, everyone on their frozen route, and company-wide
roles. Groups, items and decisions follow their request. Acting on a request (deciding,
reworking, withdrawing) is checked by the services against the route and the author."""

from django.db.models import Q

from crm.approvals.models import (
    ChangeRequest,
    Conflict,
    ConflictEntry,
    Decision,
    RequestGroup,
    RequestItem,
)
from crm.core import access


@access.register(ChangeRequest)
class ChangeRequestAccess(access.ModelAccess):
    requires_permission = False
    policy_fields = ()
    prefix = ""

    def view(self, scope, f):
        if scope.outside:
            return access.NOTHING  # outside parties get their own screens, never these
        if scope.view_all:
            return Q()
        p = self.prefix
        return Q(**{f(p + "author_id"): scope.user_id}) | Q(
            **{f(p + "approver_ids__contains"): [scope.user_id]}
        )


for _model in (RequestGroup, RequestItem, Decision):
    access.register(_model)(
        type(f"{_model.__name__}Access", (ChangeRequestAccess,), {"prefix": "request__"})
    )


@access.register(Conflict)
class ConflictAccess(access.ModelAccess):
    """Data stewards and other company-wide roles see every conflict; the authors of its
    values see theirs."""

    requires_permission = False
    policy_fields = ()
    prefix = ""

    def view(self, scope, f):
        if scope.outside:
            return access.NOTHING
        if scope.view_all:
            return Q()
        return Q(**{f(self.prefix + "party_ids__contains"): [scope.user_id]})


access.register(ConflictEntry)(
    type("ConflictEntryAccess", (ConflictAccess,), {"prefix": "conflict__"})
)
