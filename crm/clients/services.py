"""Writes about clients that do more than the generic record path: reassignment notifies the
new manager."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.clients.models import Contact, Organisation
from crm.core import records
from crm.notifications import events
from crm.notifications.services import notify

ASSIGNED = events.register(
    events.EventType("clients.assigned", _("Clients were assigned to you"), "both")
)


def contact_note_consent(contact: Contact, *, before: bool | None) -> None:
    """Stamp when a contact's mailing consent was given or withdrawn (proof for mailings)."""
    if before is None and not contact.mailing_consent:
        return
    if before is not None and before == contact.mailing_consent:
        return
    contact.consent_changed_at = timezone.now()
    Contact.objects.filter(pk=contact.pk).update(consent_changed_at=contact.consent_changed_at)


@transaction.atomic
def organisations_reassign(actor, *, pks: list[int], owner) -> int:
    """Give organisations a new manager and tell that manager (only names, no other fields)."""
    count = records.records_reassign(actor, Organisation, pks=pks, owner=owner)
    if owner.pk != actor.pk and count:
        names = list(
            Organisation.objects.filter(pk__in=pks)
            .order_by("name")
            .values_list("name", flat=True)[:5]
        )
        title = format_lazy(
            _("Organisations assigned to you: {count} (by {actor})"), count=count, actor=str(actor)
        )
        transaction.on_commit(
            lambda: notify(
                owner,
                ASSIGNED.key,
                title=title,
                body=", ".join(names) + ("…" if count > len(names) else ""),
                url=reverse("clients:organisation_list") + f"?owner={owner.pk}",
            )
        )
    return count
