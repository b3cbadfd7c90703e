"""Notifications, preferences and downloads are personal: each user sees only their own."""

from django.db.models import Q

from crm.core import access
from crm.notifications.models import Download, Notification, NotificationPreference


@access.register(Notification)
class NotificationAccess(access.ModelAccess):
    requires_permission = False
    policy_fields = ()

    def view(self, scope, f):
        return Q(**{f("recipient_id"): scope.user_id})


@access.register(NotificationPreference)
class NotificationPreferenceAccess(access.ModelAccess):
    requires_permission = False
    policy_fields = ()

    def view(self, scope, f):
        return Q(**{f("user_id"): scope.user_id})


@access.register(Download)
class DownloadAccess(access.ModelAccess):
    requires_permission = False
    policy_fields = ()

    def view(self, scope, f):
        return Q(**{f("owner_id"): scope.user_id})
