"""What the nightly 1C sync remembers: each run, and the DataVersion of each row it loaded."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped: another run was in progress")


class SyncRun(models.Model):
    """One pull of one entity set: the counts, the rejected rows and why."""

    entity = models.CharField(_("data"), max_length=100)
    entity_set = models.CharField(_("1C entity set"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    fetched = models.PositiveIntegerField(_("fetched"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    archived = models.PositiveIntegerField(_("archived"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # [{"ref": Ref_Key, "reason": text}], the first 500
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("1C sync run")
        verbose_name_plural = _("1C sync runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.entity} · {self.started_at:%Y-%m-%d %H:%M}"


class SyncedVersion(models.Model):
    """The DataVersion of a 1C row as last loaded: an unchanged version is skipped."""

    entity_set = models.CharField(max_length=200)
    ref_key = models.CharField(max_length=36)
    data_version = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity_set", "ref_key"], name="onec_version_uniq")
        ]

    def __str__(self):
        return f"{self.entity_set}:{self.ref_key}"
