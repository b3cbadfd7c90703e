"""Reads of the inbox and downloads, always of the asking user's own rows."""

from django.utils import timezone

from crm.core import access
from crm.notifications.models import Download, Notification, NotificationPreference


def inbox(user):
    return access.restrict(Notification.objects.all(), user).filter(in_app=True)


def latest_notifications(user, *, limit: int = 5) -> list[Notification]:
    return list(inbox(user)[:limit])


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def user_downloads(user):
    return access.restrict(Download.objects.all(), user).filter(expires_at__gt=timezone.now())


def user_deliveries(user) -> dict[str, str]:
    """The user's chosen delivery per event type (types not chosen are absent)."""
    return dict(
        NotificationPreference.objects.filter(user=user).values_list("event_type", "delivery")
    )
