"""What the nightly 1C sync remembers: each run, and the DataVersion of each row it loaded."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped: another run was in progress")
    INTERRUPTED = "interrupted", _("Interrupted: continued by a later run")


class SyncRun(models.Model):
    """One pull of one entity set: the counts, the rejected rows and why."""

    entity = models.CharField(_("data"), max_length=100)
    entity_set = models.CharField(_("1C entity set"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    fetched = models.PositiveIntegerField(_("fetched"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    archived = models.PositiveIntegerField(_("archived"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    proposed = models.PositiveIntegerField(
        _("sent for approval"),
        default=0,
        help_text=_("Records whose new values went through approval rules or conflicts."),
    )
    total = models.PositiveIntegerField(_("rows in 1C"), null=True, blank=True)
    cursor = models.PositiveIntegerField(
        _("resume position"),
        default=0,
        help_text=_("Rows of the entity set done and committed; a later run continues here."),
    )
    resumed_from = models.ForeignKey(
        "self",
        verbose_name=_("continues"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # [{"ref": Ref_Key, "reason": text}], the first 500; warnings carry "warning": true
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    # Sales documents whose lines left the ledger: [{"ref", "number", "reason", "lines"}]
    removed = models.JSONField(_("removed documents"), default=list, blank=True)

    class Meta:
        verbose_name = _("1C sync run")
        verbose_name_plural = _("1C sync runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.entity} · {self.started_at:%Y-%m-%d %H:%M}"


class SyncedVersion(models.Model):
    """The DataVersion of a 1C row as last loaded for one of our targets (``entity`` is the
    target's key): an unchanged version is skipped. Saving a target's mapping forgets its
    versions, so the next run reads every row with the new mapping."""

    entity = models.CharField(max_length=100, default="")
    ref_key = models.CharField(max_length=36)
    data_version = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "ref_key"], name="onec_version_uniq")
        ]

    def __str__(self):
        return f"{self.entity}:{self.ref_key}"


class Mapping(models.Model):
    """Where one of our targets lives in this installation's 1C: the entity set, a filter and
    the property for each of our fields (shipped with the УТ 11 names; see targets.py)."""

    key = models.CharField(_("data"), max_length=100, unique=True)
    entity_set = models.CharField(_("1C entity set"), max_length=200)
    filter = models.CharField(
        _("filter"),
        max_length=500,
        blank=True,
        help_text=_("An OData $filter the rows must pass, e.g. IsFolder eq false."),
    )
    properties = models.JSONField(
        _("properties"),
        default=dict,
        help_text=_("Our field → the 1C property; alternatives separated by |."),
    )
    enabled = models.BooleanField(_("synced nightly"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    page_size = models.PositiveIntegerField(_("rows per request"), default=1000)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    check_report = models.TextField(_("check result"), blank=True)

    class Meta:
        verbose_name = _("1C mapping")
        verbose_name_plural = _("1C mappings")
        ordering = ["order", "key"]

    def __str__(self):
        return f"{self.key} ← {self.entity_set}"
