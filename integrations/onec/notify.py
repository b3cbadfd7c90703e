"""Administrators hear about a failed 1C sync run (in their own language)."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts import roles
from crm.notifications import events
from crm.notifications.models import Delivery
from crm.notifications.services import notify_many

SYNC_FAILED = events.register(
    events.EventType("onec.sync_failed", _("The 1C sync failed"), Delivery.BOTH)
)


def run_failed(run) -> int:
    admins = (
        get_user_model().objects.filter(is_active=True, groups__name=roles.ADMINISTRATOR).distinct()
    )
    return notify_many(
        admins,
        SYNC_FAILED.key,
        title=format_lazy(_("The 1C sync of {entity} failed"), entity=run.entity),
        body=run.message,
        url=reverse("admin:onec_syncrun_change", args=[run.pk]),
    )
