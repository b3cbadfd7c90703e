"""Writes of the notifications app: notify, read, preferences, downloads."""

import csv
import io
import mimetypes
from collections.abc import Iterable
from datetime import timedelta

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.core.exports import escape_cell
from crm.core.outbox import enqueue
from crm.notifications import events
from crm.notifications.models import Delivery, Download, Notification, NotificationPreference


def delivery_for(user, event_type: str) -> str:
    """The user's chosen delivery for an event type, or the event type's default."""
    chosen = (
        NotificationPreference.objects.filter(user=user, event_type=event_type)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or events.get(event_type).default_delivery


@transaction.atomic
def notify(recipient, event_type: str, *, title, body="", url: str = "") -> Notification | None:
    """Tell one user about something: in the inbox, by e-mail, both or not at all.

    ``title`` and ``body`` may be lazy translations; they are rendered in the recipient's
    language. Returns the notification, or None when the user turned this event type off.
    """
    delivery = delivery_for(recipient, event_type)
    if delivery == Delivery.NONE or not recipient.is_active:
        return None
    wants_email = delivery in (Delivery.EMAIL, Delivery.BOTH) and bool(
        recipient.email_for_notifications
    )
    with translation.override(recipient.language):
        notification = Notification.objects.create(
            recipient=recipient,
            event_type=event_type,
            title=str(title)[:300],
            body=str(body),
            url=url,
            in_app=delivery in (Delivery.APP, Delivery.BOTH),
            pending_digest=wants_email and recipient.digest_enabled,
        )
    if wants_email and not recipient.digest_enabled:
        enqueue("notifications.send_email", notification.pk)
    return notification


def notify_many(recipients: Iterable, event_type: str, *, title, body="", url="") -> int:
    """notify() for each recipient; returns how many notifications were created."""
    return sum(
        notify(user, event_type, title=title, body=body, url=url) is not None for user in recipients
    )


def notify_password_changed(user) -> None:
    notify(
        user,
        events.PASSWORD_CHANGED.key,
        title=_("Your password was changed"),
        body=_("If it was not you, tell your administrator at once."),
    )


def notification_mark_read(actor, *, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(actor) -> int:
    return Notification.objects.filter(recipient=actor, in_app=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_save(actor, *, deliveries: dict[str, str], digest_enabled: bool) -> None:
    """Store the actor's delivery per event type and the digest switch."""
    for key, delivery in deliveries.items():
        events.get(key)  # unknown keys are a programming error
        NotificationPreference.objects.update_or_create(
            user=actor, event_type=key, defaults={"delivery": delivery}
        )
    if actor.digest_enabled != digest_enabled:
        actor.digest_enabled = digest_enabled
        actor.save(update_fields=["digest_enabled"])


@transaction.atomic
def download_create(
    owner, *, title: str, filename: str, content, content_type: str = "", ttl_days: int = 7
) -> Download:
    """Store a finished file (bytes or an open File) for its owner only and tell them."""
    file = content if isinstance(content, File) else ContentFile(content)
    download = Download(
        owner=owner,
        title=title[:300],
        content_type=content_type
        or mimetypes.guess_type(filename)[0]
        or "application/octet-stream",
        size=file.size,
        expires_at=timezone.now() + timedelta(days=ttl_days),
    )
    download.file.save(filename, file, save=False)
    download.save()
    from django.urls import reverse

    notify(
        owner,
        events.DOWNLOAD_READY.key,
        title=format_lazy(_("The file is ready: {title}"), title=title),
        url=reverse("notifications:downloads"),
    )
    return download


def download_mark_downloaded(download: Download) -> None:
    Download.objects.filter(pk=download.pk).update(downloaded_at=timezone.now())


def downloads_purge_expired() -> int:
    """Delete expired downloads and their files."""
    count = 0
    for download in Download.objects.filter(expires_at__lte=timezone.now()).iterator():
        download.file.delete(save=False)
        download.delete()
        count += 1
    return count


def my_data_csv(user) -> bytes:
    """The user's own profile and notifications as CSV for Excel (UTF-8 BOM, semicolons)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    with translation.override(user.language):
        writer.writerow([_("Field"), _("Value")])
        for label, value in (
            (_("Username"), user.username),
            (_("Last name"), user.last_name),
            (_("First name"), user.first_name),
            (_("Middle name"), user.middle_name),
            (_("E-mail"), user.email),
            (_("Phone"), user.phone),
            (_("Position"), user.position.name if user.position_id else ""),
            (_("Language"), user.get_language_display()),
            (_("Time zone"), user.time_zone),
        ):
            writer.writerow([escape_cell(str(label)), escape_cell(value)])
        writer.writerow([])
        writer.writerow([_("Date"), _("Notification"), _("Text"), _("Read")])
        rows = Notification.objects.filter(recipient=user).order_by("created_at")
        for n in rows.iterator():
            created = timezone.localtime(n.created_at).strftime("%d.%m.%Y %H:%M")
            read = _("yes") if n.read_at else _("no")
            writer.writerow([created, escape_cell(n.title), escape_cell(n.body), read])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
