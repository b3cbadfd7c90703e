"""Writes of the cabinet's users: a dealer administrator invites people of their organisation
and of its sub-dealers by e-mail, and blocks or unblocks them.

An invitation is a single-use link that expires (DEALER_INVITATION_DAYS, 7 by default). Only a
hash of its token is stored; the token itself travels once, in the outbox message of the
e-mail task (pruned with the outbox). Accepting the link creates the user with the role of the
organisation's kind (dealer or sub-dealer) and their membership. A blocked user
(``is_active`` off) cannot log in, and the sessions they have end at their next request
(Django's model backend no longer returns an inactive user).

Who may do this: the administrator of a membership (``DealerMembership.is_admin``) for the
organisations they act for, and staff with the model permission (Django admin).
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.accounts import roles
from crm.accounts.scopes import scope_of
from crm.clients.models import OrganisationKind
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.core.outbox import enqueue
from crm.core.records import RecordError, access_denied
from dealers import selectors
from dealers.models import DealerInvitation, DealerMembership, InvitationState

DEFAULT_INVITATION_DAYS = 7
SEND_TASK = "dealers.send_invitation"  # dealers.tasks


class InvitationUnusable(RecordError):  # noqa: N818
    """The link is unknown, used, withdrawn or expired; the message says which."""

    def __init__(self, state: str):
        messages = {
            "unknown": _(
                "This invitation link is not valid. Check that you opened the whole link from "
                "the letter, or ask the person who invited you to send a new one."
            ),
            InvitationState.ACCEPTED: _(
                "This invitation has already been used. Log in with the password you set, or "
                "ask for a password reset on the login page."
            ),
            InvitationState.EXPIRED: _(
                "This invitation has expired. Ask the person who invited you to send a new one."
            ),
            InvitationState.REVOKED: _(
                "This invitation was withdrawn. Ask the person who invited you to send a new one."
            ),
        }
        super().__init__(messages[state])
        self.state = state


def invitation_days() -> int:
    return int(getattr(settings, "DEALER_INVITATION_DAYS", DEFAULT_INVITATION_DAYS))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def source_for(organisation) -> str:
    """The audit source of a cabinet write for ``organisation``."""
    if organisation.kind == OrganisationKind.SUB_DEALER:
        return Source.SUB_DEALER
    return Source.DEALER


def check_may_manage(actor, organisation) -> None:
    """Refuse unless ``actor`` administers the users of ``organisation``: a cabinet user whose
    membership is an administrator's and who acts for it, or staff with the permission."""
    if actor.role_codes & selectors.DEALER_ROLES:
        cabinet = selectors.cabinet_of(actor)
        if cabinet is None or not cabinet.is_admin:
            raise access_denied()
        if organisation.pk not in scope_of(actor).dealer_ids:
            raise access_denied()
        return
    if actor.is_outside_party or not actor.has_perm("dealers.add_dealerinvitation"):
        raise access_denied()


def invitation_create(
    actor, *, organisation, email: str, last_name: str = "", first_name: str = ""
) -> DealerInvitation:
    """Invite ``email`` to the cabinet of ``organisation`` and send the letter (after commit).
    An earlier invitation of the same address that is still open is withdrawn."""
    check_may_manage(actor, organisation)
    if organisation.kind not in (OrganisationKind.DEALER, OrganisationKind.SUB_DEALER):
        raise RecordError(_("Choose a dealer or a sub-dealer: only they use the cabinet."))
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    if _taken(email):
        raise RecordError(
            _(
                "A user with the e-mail %(email)s already exists. If it is a colleague whose "
                "access was blocked, unblock them in the list below."
            )
            % {"email": email}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic(), audit_context(**_audit(actor, organisation)):
        DealerInvitation.objects.filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = DealerInvitation.objects.create(
            organisation=organisation,
            email=email,
            last_name=last_name.strip(),
            first_name=first_name.strip(),
            token_hash=_hash(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=invitation_days()),
        )
        enqueue(SEND_TASK, invitation.pk, token, translation.get_language() or "ru")
    return invitation


def _audit(actor, organisation) -> dict:
    if actor.role_codes & selectors.DEALER_ROLES:
        return {"source": source_for(organisation), "channel": Channel.WEB, "user": actor}
    return {"source": Source.STAFF, "channel": Channel.WEB, "user": actor}


def _taken(email: str) -> bool:
    users = get_user_model().objects
    return (
        users.filter(email__iexact=email).exists() or users.filter(username__iexact=email).exists()
    )


def accept_url(token: str) -> str:
    return reverse("dealers:invitation_accept", args=[token])


def invitation_send(invitation_id: int, token: str, language: str = "ru") -> bool:
    """E-mail the invitation link, in the inviter's language; not for a used, withdrawn or
    expired invitation (a re-run after acceptance sends nothing)."""
    invitation = (
        DealerInvitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id, token_hash=_hash(token))
        .first()
    )
    if invitation is None or invitation.state != InvitationState.PENDING:
        return False
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL.rstrip("/") + accept_url(token),
        "site_url": settings.SITE_URL,
    }
    with translation.override(language):
        subject = _("Invitation to the dealer cabinet of %(organisation)s") % {
            "organisation": invitation.organisation.name
        }
        text = render_to_string("dealers/email/invitation.txt", context)
        html = render_to_string("dealers/email/invitation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
    return True


def invitation_by_token(token: str) -> DealerInvitation:
    """The invitation of a link that may still be accepted, or InvitationUnusable."""
    invitation = (
        DealerInvitation.objects.select_related("organisation")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.state != InvitationState.PENDING:
        raise InvitationUnusable(invitation.state)
    return invitation


def invitation_accept(*, token: str, password: str, last_name: str, first_name: str):
    """Create the invited user (username = e-mail, the organisation kind's role) with their
    membership, and spend the link. Returns the user."""
    with transaction.atomic():
        found = invitation_by_token(token)
        invitation = DealerInvitation.objects.select_for_update().get(pk=found.pk)
        if invitation.state != InvitationState.PENDING:  # accepted meanwhile in another tab
            raise InvitationUnusable(invitation.state)
        if _taken(invitation.email):
            raise RecordError(
                _("A user with this e-mail already exists. Log in, or reset the password.")
            )
        organisation = found.organisation
        role = (
            roles.SUB_DEALER if organisation.kind == OrganisationKind.SUB_DEALER else roles.DEALER
        )
        user = get_user_model()(
            username=invitation.email,
            email=invitation.email,
            last_name=last_name.strip(),
            first_name=first_name.strip(),
        )
        user.set_password(password)
        with audit_context(source=source_for(organisation), channel=Channel.WEB, user=user):
            try:
                user.full_clean(exclude=["password"])
            except ValidationError as error:
                raise RecordError(" ".join(error.messages)) from None
            user.save()
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            DealerMembership.objects.create(user=user, organisation=organisation)
            invitation.accepted_at = timezone.now()
            invitation.user = user
            invitation.save(update_fields=["accepted_at", "user"])
    return user


def membership_set_active(actor, membership: DealerMembership, *, active: bool) -> bool:
    """Block (``active`` False) or unblock the user of ``membership``. Returns whether it
    changed. Nobody blocks themselves (they would lock themselves out)."""
    check_may_manage(actor, membership.organisation)
    user = membership.user
    if user.pk == actor.pk:
        raise RecordError(_("You cannot block yourself."))
    if user.is_staff or user.is_superuser or not user.role_codes <= selectors.DEALER_ROLES:
        # a membership given to a staff account by mistake: only administrators block staff
        raise RecordError(_("Only users of the cabinet can be blocked here."))
    if user.is_active == active:
        return False
    user.is_active = active
    with transaction.atomic(), audit_context(**_audit(actor, membership.organisation)):
        user.save(update_fields=["is_active"])
    return True


def invitation_revoke(actor, invitation: DealerInvitation) -> bool:
    """Withdraw an invitation not accepted yet; its link stops working."""
    check_may_manage(actor, invitation.organisation)
    if invitation.state != InvitationState.PENDING:
        return False
    invitation.revoked_at = timezone.now()
    with transaction.atomic(), audit_context(**_audit(actor, invitation.organisation)):
        invitation.save(update_fields=["revoked_at"])
    return True
