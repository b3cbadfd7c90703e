"""Import jobs, saved column mappings and the per-row record that makes an import undoable."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_STORED_ERRORS = 1000  # error rows kept for display; the count is kept in full


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    FAILED = "failed", _("Has errors")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    UNDONE = "undone", _("Undone")


class ImportJob(models.Model):
    """One file a user imports: where it is, how it reads, how its columns map, what happened."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    model = models.CharField(_("model"), max_length=100)
    file_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField(_("size, bytes"), default=0)
    file_kind = models.CharField(_("format"), max_length=10)  # csv | xlsx
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    sample = models.JSONField(_("first rows"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True, encoder=DjangoJSONEncoder)
    warning_count = models.PositiveIntegerField(_("possible duplicates"), default=0)
    proposed_count = models.PositiveIntegerField(_("values sent for approval"), default=0)
    warnings = models.JSONField(
        _("possible duplicates"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    finished_at = models.DateTimeField(_("imported"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="core_importjob_user")]

    def __str__(self):
        return f"{self.file_name} · {self.model}"

    @property
    def busy(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0 if self.busy else 100
        return min(100, round(100 * self.rows_done / self.rows_total))


class ImportMapping(models.Model):
    """A user's saved column mapping for one model: header text → field name."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="import_mappings",
    )
    model = models.CharField(_("model"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(_("columns"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved import mapping")
        verbose_name_plural = _("saved import mappings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "model", "name"], name="core_importmapping_user_model_name"
            )
        ]

    def __str__(self):
        return self.name


class RowAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class ImportRowChange(models.Model):
    """One record an import created or updated: its prior values and its version afterwards."""

    job = models.ForeignKey(
        ImportJob,
        on_delete=models.CASCADE,
        related_name="row_changes",
        db_index=False,  # core_importrow_job_obj leads with it
        # No constraint in the database: only the engine writes these rows, for the job whose
        # transaction it runs in (claimed, so present), and a key check per row cost a
        # 100,000-row import about a second of its writes, all on one job row. Deleting a
        # job through Django still deletes its rows (on_delete).
        db_constraint=False,
    )
    row = models.PositiveIntegerField(_("row"))
    object_id = models.BigIntegerField(_("record id"))
    action = models.CharField(_("action"), max_length=10, choices=RowAction.choices)
    prior = models.JSONField(_("prior values"), default=dict, encoder=DjangoJSONEncoder)
    version_after = models.PositiveIntegerField(_("version after the import"), null=True)

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        indexes = [models.Index(fields=["job", "object_id"], name="core_importrow_job_obj")]

    def __str__(self):
        return f"{self.job_id}:{self.row}"
