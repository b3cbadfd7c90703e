"""E-mail delivery, the daily digest and downloads housekeeping. All idempotent."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.core.tasks import crm_task
from crm.notifications import events, services
from crm.notifications.models import Notification


def _send(user, subject: str, template: str, context: dict) -> None:
    context = {**context, "user": user, "site_url": settings.SITE_URL}
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email_for_notifications])
    message.attach_alternative(html, "text/html")
    message.send()


@crm_task(name="notifications.send_email")
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification in its recipient's language; never twice."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        user = notification.recipient
        with translation.override(user.language), timezone.override(user.time_zone):
            event = events.get(notification.event_type)
            _send(user, notification.title, event.email_template, {"notification": notification})
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@crm_task(name="notifications.send_digests")
def send_digests() -> int:
    """One letter per user with everything that waited for the digest; returns letters sent."""
    user_ids = (
        Notification.objects.filter(pending_digest=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(user_ids):
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(recipient_id=user_id, pending_digest=True)
                .order_by("created_at")
            )
            if not pending:
                continue
            user = User.objects.get(pk=user_id)
            with translation.override(user.language), timezone.override(user.time_zone):
                subject = _("CRM digest: %(count)s new notifications") % {"count": len(pending)}
                _send(user, subject, "digest", {"notifications": pending})
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
                pending_digest=False, emailed_at=timezone.now()
            )
            sent += 1
    return sent


@crm_task(name="notifications.purge_downloads")
def purge_downloads() -> int:
    return services.downloads_purge_expired()


@crm_task(name="notifications.export_my_data")
def export_my_data(user_id: int) -> int:
    """Build the "my data" CSV for a user and put it in their downloads."""
    user = User.objects.select_related("position").get(pk=user_id)
    with translation.override(user.language):
        title = _("My data in the CRM")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    download = services.download_create(
        user,
        title=title,
        filename=f"my-data-{stamp}.csv",
        content=services.my_data_csv(user),
        content_type="text/csv; charset=utf-8",
    )
    return download.pk
