"""Writes about users: preferences, second-factor enrolment."""

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.accounts.models import User


@transaction.atomic
def user_update_preferences(
    actor: User, *, language: str, time_zone: str, notification_email: str, digest_enabled: bool
) -> User:
    """Save the actor's own language, time zone and notification settings."""
    actor.language = language
    actor.time_zone = time_zone
    actor.notification_email = notification_email
    actor.digest_enabled = digest_enabled
    actor.full_clean(exclude=["password", "username"])
    actor.save(update_fields=["language", "time_zone", "notification_email", "digest_enabled"])
    return actor


def otp_pending_device(actor: User) -> TOTPDevice:
    """The unconfirmed TOTP device the actor is enrolling (created on first call)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def otp_confirm_device(actor: User, *, device: TOTPDevice) -> None:
    """Make the enrolled device the actor's only TOTP device."""
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
