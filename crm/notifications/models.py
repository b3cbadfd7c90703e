"""The in-app inbox, per-user delivery preferences and the downloads list."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    """Where notifications of one event type go."""

    APP = "app", _("In the app")
    EMAIL = "email", _("By e-mail")
    BOTH = "both", _("In the app and by e-mail")
    NONE = "none", _("Nowhere")


class Notification(models.Model):
    """One message in a user's inbox, linking to the object it is about."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event_type = models.CharField(_("event type"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)
    # Set when the user takes e-mails as a daily digest; the digest task clears it.
    pending_digest = models.BooleanField(_("waiting for the digest"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notif_inbox",
                condition=models.Q(in_app=True),
            ),
            models.Index(
                fields=["recipient"],
                name="notif_unread",
                condition=models.Q(in_app=True, read_at__isnull=True),
            ),
            models.Index(
                fields=["recipient"], name="notif_digest", condition=models.Q(pending_digest=True)
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's choice of delivery for one event type (absent: the event type's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event_type = models.CharField(_("event type"), max_length=64)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event_type"], name="notif_pref_user_event"),
        ]

    def __str__(self):
        return f"{self.user}: {self.event_type} → {self.delivery}"


def download_path(instance, filename):
    return f"downloads/{instance.owner_id}/{instance.token}/{filename}"


class Download(models.Model):
    """A file a background job left for one user; served only to that user, never publicly."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="downloads",
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to=download_path, max_length=500)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size, bytes"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("available until"))
    downloaded_at = models.DateTimeField(_("downloaded"), null=True, blank=True)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="download_owner")]

    def __str__(self):
        return self.title
