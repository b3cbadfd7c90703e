"""Shared machinery stored in the database: the task outbox, worker heartbeats, API keys."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.audit import tracked


class VersionedModel(models.Model):
    """A row edited in forms: a version for optimistic locking, creation and change times."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now, editable=False)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A Celery task queued by a web request; a relay publishes it when Redis answers.

    Web requests write here inside their transaction instead of talking to Redis, so a dead
    or frozen broker neither blocks a page nor loses the work (docs/adr/0002).
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=50, default="default")
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="core_outbox_unsent",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker said it was alive; /readyz reads it."""

    hostname = models.CharField(_("host name"), max_length=255, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return self.hostname


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


@tracked(exclude=["last_used_at"])
class ApiKey(models.Model):
    """A key one integration uses for the REST API; only its SHA-256 hash is stored.

    The key acts as its service user (permissions and scope come from that user) and is
    further limited to its scopes, e.g. ``refs:read``.
    """

    PREFIX_LENGTH = 8

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service user"),
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scopes = ArrayField(
        models.CharField(max_length=50), verbose_name=_("scopes"), default=list, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(cls) -> tuple[str, str]:
        """Return a new (prefix, raw key); the raw key is shown once and never stored."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


class ExportStatus(models.TextChoices):
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused: over the quota")
    QUEUED = "queued", _("Queued")
    FAILED = "failed", _("Failed")


class ExportLog(models.Model):
    """One export of a list (or an attempt refused by the quota): who, what, how many rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="export_logs",
    )
    model = models.CharField(_("model"), max_length=100)
    query = models.TextField(_("filter"), blank=True, help_text=_("The list's query string."))
    file_format = models.CharField(_("format"), max_length=10)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="core_exportlog_user")]

    def __str__(self):
        return f"{self.user} · {self.model} · {self.rows}"


class ExportQuotaUsage(models.Model):
    """Rows a user has exported on one day; raised atomically by crm.core.exporting."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("export quota usage")
        verbose_name_plural = _("export quota usage")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="core_exportquota_user_day")
        ]

    def __str__(self):
        return f"{self.user_id} · {self.day} · {self.rows}"


class SavedView(models.Model):
    """A user's saved list: filters, sort and columns, under a name (or the list's defaults)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list_key = models.CharField(_("list"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    query = models.TextField(_("filter"), blank=True)
    columns = ArrayField(models.CharField(max_length=100), verbose_name=_("columns"), default=list)
    is_default = models.BooleanField(_("default columns"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"], name="core_savedview_user_list_name"
            ),
        ]

    def __str__(self):
        return self.name


# The import wizard keeps its models in its own package (crm/core/imports).
from crm.core.imports import access as _import_access  # noqa: E402, F401
from crm.core.imports import tasks as _import_tasks  # noqa: E402, F401
from crm.core.imports.models import ImportJob, ImportMapping, ImportRowChange  # noqa: E402, F401

# Merges of duplicate records and their undo (crm.core.merge).
from crm.core.merge_models import MergeLog  # noqa: E402, F401
