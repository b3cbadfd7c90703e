"""The record of a merge of two duplicate records, enough to undo it (crm.core.merge)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core import access


class MergeLog(models.Model):
    """One merge: who, when, which record survived and which was archived, the survivor's
    prior values and every related row moved or removed, so that it can be undone."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    survivor_id = models.CharField(_("surviving record"), max_length=64)
    dropped_id = models.CharField(_("merged record"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("merged"), default=timezone.now)
    # Field attname → value before the merge (the survivor's and the dropped record's).
    survivor_before = models.JSONField(default=dict)
    dropped_before = models.JSONField(default=dict)
    # Versions right after the merge: undo is refused when either record changed since.
    survivor_version = models.PositiveIntegerField(null=True)
    dropped_version = models.PositiveIntegerField(null=True)
    # [{"relation": label, "kind": "fk"|"generic", "field": attname, "pks": [...]}]
    moved = models.JSONField(default=list)
    # [{"model": label, "pk": ..., "data": {attname: value}}]: rows that would have duplicated
    # one of the survivor's (a unique constraint), removed and kept here.
    removed = models.JSONField(default=list)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "survivor_id"], name="core_merge_survivor"),
            models.Index(fields=["content_type", "dropped_id"], name="core_merge_dropped"),
        ]

    def __str__(self):
        return f"{self.content_type.model} {self.dropped_id} → {self.survivor_id}"


@access.register(MergeLog)
class MergeLogAccess(access.PersonalRows):
    """Merge logs are read by who merged; undo goes through the merged records' own rules."""
