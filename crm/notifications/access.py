"""Notifications, preferences and downloads are personal: each user sees only their own."""

from crm.core import access
from crm.notifications.models import Download, Notification, NotificationPreference


@access.register(Notification)
class NotificationAccess(access.PersonalRows):
    owner_field = "recipient_id"


@access.register(NotificationPreference)
class NotificationPreferenceAccess(access.PersonalRows):
    owner_field = "user_id"


@access.register(Download)
class DownloadAccess(access.PersonalRows):
    owner_field = "owner_id"
