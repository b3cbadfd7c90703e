"""Dealers' proposals about outlets, through the one change-request service (crm.approvals).

A change to an outlet is ``change_request_submit`` with source dealer (or sub-dealer): the
fields go to the approvers of their rule (dealers.policies.ensure_outlet_proposal_rule sets
one up); the dealer never writes an outlet.

crm.approvals proposes values for an existing record only (a request names its record). A new
outlet is therefore proposed in two steps, in one transaction: an outlet is created archived,
in status "planned", with only the proposed name (written with source dealer, so the history
says who); then a change request proposes the other values and ``is_archived = False``. An
approval opens the outlet with the proposed values; a rejection leaves it archived, out of
every working list. The OutletProposal row lets the dealer follow the request's state, since
outside roles never read change requests themselves.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.scopes import scope_of
from crm.approvals.services import change_request_submit
from crm.core.audit import audit_context
from crm.core.choices import Channel
from crm.core.records import RecordError
from crm.outlets.models import Outlet, OutletStatus
from dealers.invitations import source_for
from dealers.models import OutletProposal, ProposalKind


class NothingProposed(RecordError):  # noqa: N818
    """The proposal changes nothing (or nothing a rule lets the dealer propose)."""


def _check_outlet(actor, organisation, outlet) -> None:
    """The outlet belongs to an organisation the actor acts for (the view's 404 comes first;
    this is the service's own guard)."""
    if (
        outlet.dealer_id not in scope_of(actor).dealer_ids
        or organisation.pk not in scope_of(actor).dealer_ids
    ):
        raise RecordError(_("This outlet is not yours: choose one of your outlets."))


def _held_note(result) -> str:
    names = [*result.held, *result.overruled]
    if not names:
        return ""
    labels = ", ".join(str(Outlet._meta.get_field(name).verbose_name) for name in names)
    return _("Not proposed, since other sources disagree (a data steward decides): %(f)s.") % {
        "f": labels
    }


def outlet_change_propose(
    actor, *, organisation, outlet, changes: dict, comment: str = ""
) -> OutletProposal:
    """Propose ``changes`` (field → value) to ``outlet`` on behalf of ``organisation``.
    Raises NothingProposed when no value differs from the outlet's."""
    _check_outlet(actor, organisation, outlet)
    with transaction.atomic():
        result = change_request_submit(
            actor,
            source=source_for(organisation),
            channel=Channel.WEB,
            record=outlet,
            changes=changes,
            comment=comment,
        )
        if result.request is None:
            raise NothingProposed(
                _held_note(result)
                or _("Nothing to propose: the values are the same as the outlet's.")
            )
        return OutletProposal.objects.create(
            organisation=organisation,
            outlet=outlet,
            kind=ProposalKind.CHANGE,
            request=result.request,
            created_by=actor,
        )


def outlet_new_propose(actor, *, organisation, values: dict, comment: str = "") -> OutletProposal:
    """Propose a new outlet of ``organisation`` with ``values`` (name and the other proposable
    fields): an archived, planned outlet holding the name and a request for the rest."""
    if organisation.pk not in scope_of(actor).dealer_ids:
        raise RecordError(_("This outlet is not yours: choose one of your outlets."))
    values = dict(values)
    name = (values.pop("name", "") or "").strip()
    if not name:
        raise RecordError(_("Enter the outlet's name."))
    source = source_for(organisation)
    with transaction.atomic():
        outlet = Outlet(
            dealer=organisation,
            name=name,
            status=OutletStatus.PLANNED,
            is_archived=True,
            region_id=organisation.region_id,
            org_unit_id=organisation.org_unit_id,
            owner_id=organisation.owner_id,
        )
        outlet.full_clean(exclude=["format", "region", "org_unit", "owner"])
        with audit_context(source=source, channel=Channel.WEB, user=actor):
            outlet.save()
        changes = {name: value for name, value in values.items() if value not in ("", None)}
        changes["is_archived"] = False
        result = change_request_submit(
            actor,
            source=source,
            channel=Channel.WEB,
            record=outlet,
            changes=changes,
            comment=comment,
        )
        if result.request is None:  # no rule governs is_archived for dealers
            raise RecordError(
                _(
                    "New outlets cannot be proposed now: no approval rule takes dealers' "
                    "proposals. Tell your manager."
                )
            )
        return OutletProposal.objects.create(
            organisation=organisation,
            outlet=outlet,
            kind=ProposalKind.NEW,
            request=result.request,
            created_by=actor,
        )
