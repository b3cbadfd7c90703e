"""Who sees which organisations, contacts, bank accounts and interactions (the app's only
visibility rule; crm.core.access applies it everywhere)."""

from django.db.models import Q

from crm.clients.models import BankAccount, Contact, HoldingGroup, Interaction, Organisation
from crm.core import access


@access.register(Organisation)
class OrganisationAccess(access.ModelAccess):
    """Staff see their territory (regions and org units) and their team's clients; they change
    their team's, regional managers their whole territory's. Dealers see themselves and their
    sub-dealers."""

    grant_model = "clients.OrganisationGrant"

    def view(self, scope, f):
        if scope.outside:
            return Q(**{f("pk__in"): scope.dealer_ids}) | Q(
                **{f("parent_dealer_id__in"): scope.dealer_ids}
            )
        return territory(scope, f)

    def change(self, scope, f):
        if scope.outside:
            return access.NOTHING
        return staff_change(scope, f)


def territory(scope, f) -> Q:
    """Staff visibility on a row's scope columns: region, org unit, owner."""
    return (
        Q(**{f("region_id__in"): scope.region_ids})
        | Q(**{f("org_unit_id__in"): scope.org_unit_ids})
        | Q(**{f("owner_id__in"): scope.team_ids})
    )


def staff_change(scope, f) -> Q:
    """Regional managers change their territory's rows, everyone else their team's."""
    if scope.change_territory:
        return territory(scope, f)
    return Q(**{f("owner_id__in"): scope.team_ids})


class _ThroughOrganisation(access.ModelAccess):
    """Rows that belong to one organisation: visible and editable where it is."""

    def view(self, scope, f):
        return access.rule_condition(Organisation, scope, "view", prefix=f("organisation__"))

    def change(self, scope, f):
        return access.rule_condition(Organisation, scope, "change", prefix=f("organisation__"))


@access.register(Contact)
class ContactAccess(access.ModelAccess):
    """A contact is visible and editable where its organisation is. For staff the rule reads
    the contact's own copies of the organisation's scope columns (kept by a trigger), plus the
    organisations lent to the user; dealers go through the organisation."""

    def view(self, scope, f):
        if scope.outside:
            return access.rule_condition(Organisation, scope, "view", prefix=f("organisation__"))
        return _with_lent(territory(scope, f), scope, "view", f)

    def change(self, scope, f):
        if scope.outside:
            return access.NOTHING
        return _with_lent(staff_change(scope, f), scope, "change", f)


def _with_lent(condition: Q, scope, action: str, f) -> Q:
    lent = scope.granted(f"{action}_organisation")
    if lent:
        condition |= Q(**{f("organisation_id__in"): sorted(lent)})
    return condition


@access.register(BankAccount)
class BankAccountAccess(_ThroughOrganisation):
    pass


@access.register(Interaction)
class InteractionAccess(_ThroughOrganisation):
    """Interactions are seen with their organisation; only their author edits them."""

    def change(self, scope, f):
        return Q(**{f("author_id"): scope.user_id}) & self.view(scope, f)


@access.register(HoldingGroup)
class HoldingGroupAccess(access.ReferenceData):
    """Holding groups are a shared dictionary: everyone reads them, administrators edit them."""
