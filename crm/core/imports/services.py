"""Writes of the import wizard: upload, map, check, import, undo (each takes the acting user).

Small files are checked and imported inside the request; files of ``IMPORT_ASYNC_THRESHOLD``
rows or more go to the "long" Celery queue through the outbox, and the job page shows their
progress. Undo restores the prior values of updated rows and deletes created rows, all or
nothing, and is refused, naming the rows, where a record was edited since.
"""

import contextlib
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import access, records
from crm.core.audit import audit_context
from crm.core.choices import Channel
from crm.core.imports import engine, parsing, registry
from crm.core.imports.models import (
    ImportJob,
    ImportMapping,
    ImportRowChange,
    ImportStatus,
    RowAction,
)
from crm.core.outbox import enqueue
from crm.core.records import RecordError, access_denied

ASYNC_THRESHOLD = getattr(settings, "IMPORT_ASYNC_THRESHOLD", 5000)
UNDO_CHUNK = 2000


def _finished_event():
    from crm.notifications import events
    from crm.notifications.models import Delivery

    key = "import.finished"
    try:
        return events.get(key)
    except LookupError:
        return events.register(
            events.EventType(key, gettext_lazy("An import you started finished"), Delivery.APP)
        )


FINISHED = _finished_event()


def require_import(user, spec) -> None:
    if spec is None or not user.has_perm(spec.permission):
        raise access_denied()


# --- upload and mapping -----------------------------------------------------------------------


def import_upload(user, *, spec, upload, mapping_id: int | None = None) -> ImportJob:
    """Store an uploaded file privately, inspect it and propose a column mapping."""
    require_import(user, spec)
    if upload.size > parsing.MAX_BYTES:
        raise RecordError(parsing.too_big_message())
    name = Path(upload.name or "file").name[:200]
    job = ImportJob(user=user, model=spec.label, file_name=name, size=upload.size)
    job.file.save(f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:6]}", upload, save=False)
    try:
        info = parsing.inspect(Path(job.file.path), name)
    except parsing.FileError as error:
        job.file.delete(save=False)
        raise RecordError(error.message) from None
    job.file_kind, job.encoding, job.delimiter = info.kind, info.encoding, info.delimiter
    job.headers, job.rows_total = info.headers, info.rows
    job.sample = [[parsing.cell_text(c)[:100] for c in row] for row in info.sample]
    saved = None
    if mapping_id:
        saved = access.restrict(ImportMapping.objects.all(), user).filter(
            pk=mapping_id, model=spec.label
        )
        saved = saved.first()
    job.mapping = auto_map(spec, user, info.headers, saved.columns if saved else None)
    job.save()
    return job


def _normal(text: str) -> str:
    text = str(text).lower().replace("ё", "е")
    return re.sub(r"[\s_*:.\-/()«»\"']+", " ", text).strip()


def field_names_for_matching(spec, name: str) -> set[str]:
    model_field = spec.model._meta.get_field(name)
    names = {_normal(name), *(_normal(a) for a in spec.aliases.get(name, ()))}
    for language in ("ru", "en"):
        with translation.override(language):
            names.add(_normal(model_field.verbose_name))
    return names


def auto_map(spec, user, headers: list[str], saved: dict | None = None) -> dict[str, str]:
    """Column index → field, from a saved mapping first, then by header names (RU or EN)."""
    mappable = spec.mappable_fields(user)
    by_name = {}
    for name in mappable:
        for text in field_names_for_matching(spec, name):
            by_name.setdefault(text, name)
    mapping, used = {}, set()
    for index, header in enumerate(headers):
        name = (saved or {}).get(header) or by_name.get(_normal(header))
        if name in mappable and name not in used:
            mapping[str(index)] = name
            used.add(name)
    return mapping


@transaction.atomic
def import_set_mapping(user, *, job: ImportJob, mapping: dict[str, str], save_as: str = ""):
    """Set the job's column mapping (only fields the user may edit) and optionally save it."""
    spec = registry.get(job.model)
    require_import(user, spec)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED):
        raise RecordError(_("This import can no longer be changed."))
    mappable = set(spec.mappable_fields(user))
    clean = {}
    for index, name in mapping.items():
        if not name:
            continue
        if name not in mappable:
            raise RecordError(_("You may not import into this field."))
        if name in clean.values():
            raise RecordError(_("Two columns are mapped to the same field."))
        clean[str(int(index))] = name
    job.mapping = clean
    job.status = ImportStatus.UPLOADED
    job.save(update_fields=["mapping", "status"])
    name = save_as.strip()[:100]
    if name:
        columns = {job.headers[int(i)]: f for i, f in clean.items() if int(i) < len(job.headers)}
        ImportMapping.objects.update_or_create(
            user=user, model=job.model, name=name, defaults={"columns": columns}
        )
    return job


# --- check and import -------------------------------------------------------------------------


def _claim(job: ImportJob, sources, target) -> bool:
    """Move the job to ``target`` if it is in one of ``sources`` (one request wins)."""
    claimed = ImportJob.objects.filter(pk=job.pk, status__in=list(sources)).update(
        status=target, rows_done=0
    )
    if claimed:
        job.status, job.rows_done = target, 0
    return bool(claimed)


def _store(job: ImportJob, outcome: engine.Outcome, *, apply: bool) -> None:
    now = timezone.now()
    job.created_count, job.updated_count = outcome.created, outcome.updated
    job.unchanged_count, job.error_count = outcome.unchanged, outcome.error_count
    job.proposed_count = outcome.proposed
    job.errors, job.message = outcome.errors, outcome.message
    if not apply:
        job.warning_count, job.warnings = outcome.warning_count, outcome.warnings
    job.rows_done = outcome.rows
    if outcome.ok:
        job.status = ImportStatus.DONE if apply else ImportStatus.CHECKED
    else:
        job.status = ImportStatus.FAILED
    job.checked_at = now if not apply else job.checked_at
    job.finished_at = now if apply and outcome.ok else job.finished_at
    job.save()


def import_check(user, *, job: ImportJob) -> ImportJob:
    """Dry-run the file: every bad row and column, and what an import would change."""
    require_import(user, registry.get(job.model))
    if job.user_id != user.pk:
        raise access_denied()
    sources = (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED)
    if not _claim(job, sources, ImportStatus.CHECKING):
        raise RecordError(_("This import is already being checked or was imported."))
    if job.rows_total >= ASYNC_THRESHOLD:
        with transaction.atomic():
            enqueue("core.import_check", job_id=job.pk, queue="long")
        return job
    run_check(job)
    return job


def import_apply(user, *, job: ImportJob) -> ImportJob:
    """Import a checked file: all rows or none."""
    require_import(user, registry.get(job.model))
    if job.user_id != user.pk:
        raise access_denied()
    if not _claim(job, (ImportStatus.CHECKED,), ImportStatus.IMPORTING):
        raise RecordError(_("Only a checked file without errors can be imported."))
    if job.rows_total >= ASYNC_THRESHOLD:
        with transaction.atomic():
            enqueue("core.import_apply", job_id=job.pk, queue="long")
        return job
    run_apply(job)
    return job


def run_check(job: ImportJob, *, progress: bool = False) -> ImportJob:
    with translation.override(job.user.language):
        outcome = engine.execute(job, apply=False, progress=progress)
    _store(job, outcome, apply=False)
    return job


def run_apply(job: ImportJob, *, progress: bool = False) -> ImportJob:
    with translation.override(job.user.language):
        outcome = engine.execute(
            job, apply=True, progress=progress, on_success=lambda o: _store(job, o, apply=True)
        )
    if not outcome.ok:
        _store(job, outcome, apply=True)
    return job


def notify_finished(job: ImportJob) -> None:
    from crm.notifications.services import notify

    with translation.override(job.user.language):
        if job.status == ImportStatus.DONE:
            title = _("Import finished: %(file)s") % {"file": job.file_name}
        elif job.status == ImportStatus.CHECKED:
            title = _("File checked, ready to import: %(file)s") % {"file": job.file_name}
        else:
            title = _("Import has errors: %(file)s") % {"file": job.file_name}
    notify(job.user, FINISHED.key, title=title, url=reverse("core:import_detail", args=[job.pk]))


# --- undo -------------------------------------------------------------------------------------


class UndoRefused(RecordError):  # noqa: N818
    """Undo is impossible; ``rows`` lists (row, reason) pairs."""

    def __init__(self, rows: list[tuple[int, str]]):
        shown = "; ".join(
            _("row %(row)s: %(reason)s") % {"row": row, "reason": reason}
            for row, reason in rows[:20]
        )
        more = len(rows) - 20
        text = _("The import cannot be undone: %(rows)s.") % {"rows": shown}
        if more > 0:
            text += " " + _("And %(count)s more rows.") % {"count": more}
        super().__init__(text)
        self.rows = rows


def import_undo(user, *, job: ImportJob) -> ImportJob:
    """Restore what a finished import changed, or refuse naming the rows edited since."""
    spec = registry.get(job.model)
    require_import(user, spec)
    if job.user_id != user.pk and not user.is_superuser:
        raise access_denied()
    model = spec.model
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.DONE:
            raise RecordError(_("Only a finished import can be undone."))
        with audit_context(
            source=engine._source(user), channel=Channel.IMPORT, user=user, import_undo=job.pk
        ):
            refused = []
            changes = ImportRowChange.objects.filter(job=job).order_by("row")
            editable = access.editable_fields(user, model) | set(spec.stamp_fields)
            now = timezone.now()
            count = changes.count()
            for start in range(0, count, UNDO_CHUNK):
                chunk = list(changes[start : start + UNDO_CHUNK])
                refused += _undo_chunk(user, model, chunk, editable, now, dry=bool(refused))
            if refused:
                raise UndoRefused(refused)
            # values it sent for approval and nobody decided yet are withdrawn too
            records.PROPOSALS.withdraw_for_import(user, job.pk)
        locked.status, locked.undone_at = ImportStatus.UNDONE, now
        locked.save(update_fields=["status", "undone_at"])
        if count >= engine.ANALYZE_AFTER_ROWS:
            # As after the import: undoing 100,000 created rows deletes them, and until the
            # table is analysed the planner still counts them. With 100,000 removed rows still
            # in the statistics, an organisation list filtered by manager and category was
            # planned as a sequential scan: 147 ms instead of 0.8 ms once analysed.
            engine.analyze_soon(model)
    job.status, job.undone_at = locked.status, locked.undone_at
    return job


def _undo_chunk(user, model, chunk, editable, now, *, dry: bool) -> list[tuple[int, str]]:
    meta = model._meta
    pks = [c.object_id for c in chunk]
    current = {
        obj.pk: obj
        for obj in access.restrict(model._default_manager.all(), user, "change")
        .select_for_update(of=("self",))
        .filter(pk__in=pks)
    }
    dependents = _with_dependents(model, [c.object_id for c in chunk if c.action == "created"])
    refused, restore, delete = [], [], []
    by_attname = {f.attname: f for f in meta.concrete_fields}
    for change in chunk:
        obj = current.get(change.object_id)
        if obj is None:
            refused.append((change.row, _("the record was deleted or you may no longer change it")))
            continue
        if change.version_after is not None and getattr(obj, "version", None) != (
            change.version_after
        ):
            refused.append((change.row, _("the record was edited after the import")))
            continue
        if change.action == RowAction.CREATED:
            if change.object_id in dependents:
                refused.append((change.row, _("other records were linked to it since")))
            else:
                delete.append(obj.pk)
            continue
        locked_fields = [
            str(by_attname[a].verbose_name)
            for a in change.prior
            if by_attname[a].name not in editable
        ]
        if locked_fields:
            refused.append(
                (
                    change.row,
                    _("you may no longer edit %(fields)s") % {"fields": ", ".join(locked_fields)},
                )
            )
            continue
        for attname, value in change.prior.items():
            field = by_attname[attname]
            with contextlib.suppress(ValidationError):
                value = field.to_python(value)
            setattr(obj, attname, value)
        restore.append((change, obj))
    if refused or dry:
        return refused
    names = sorted({by_attname[a].name for c, _o in restore for a in c.prior})
    if restore:
        engine.fields_update(model, [obj for _c, obj in restore], names, now=now)
        condition = access.row_filter(model, user, "view")
        visible = set(
            model._default_manager.filter(pk__in=[o.pk for _c, o in restore])
            .filter(condition)
            .values_list("pk", flat=True)
        )
        for change, obj in restore:
            if obj.pk not in visible:
                refused.append((change.row, _("the restored record would be outside your scope")))
    if delete and not refused:
        model._default_manager.filter(pk__in=delete).delete()
    return refused


def _with_dependents(model, pks: list[int]) -> set[int]:
    """Of these records, the ones other rows now refer to (undoing their creation would
    delete or orphan those rows)."""
    if not pks:
        return set()
    found = set()
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.on_delete is models.DO_NOTHING:
            continue
        related = relation.related_model
        column = relation.field.attname
        found |= set(
            related._default_manager.filter(**{f"{column}__in": pks})
            .values_list(column, flat=True)
            .distinct()
        )
    return found
