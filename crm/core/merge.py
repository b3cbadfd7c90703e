"""Merge two duplicate records and undo the merge.

The surviving record takes the values the user picked (through crm.core.records, with
optimistic locking on both records); every row that points to the dropped record is re-pointed
to the survivor; the dropped record is archived, not deleted. Relations are discovered through
``_meta``: foreign keys and one-to-ones from any model (django-guardian direct-FK grants
included), many-to-many through tables, and generic foreign keys (guardian's generic grants).
A related row that would break a unique constraint by moving is removed and kept in the log
when it only links (a grant the survivor already has, a segment membership: every column is in
the unique key) or is declared a duplicate in ``DUPLICATES_REMOVED`` (the same bank account on
both records). A row that carries data of its own (a dealer's quarterly report, a plan) refuses
the merge instead, naming the rows: which one is right is the user's call, not ours.
Everything goes into a ``MergeLog`` so that ``merge_undo`` can put it all back, unless one of
the two records was edited since.
"""

from dataclasses import dataclass

import pghistory.models
from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import access, records
from crm.core.merge_models import MergeLog

# Relations a merge leaves alone on purpose ("app.Model.field" → why). The audit trail's
# event tables (pghistory) are skipped as a kind: history stays with the record it describes.
EXCLUDED_RELATIONS: dict[str, str] = {}
# Models whose rows that clash on moving are the same thing twice: the dropped record's copy is
# removed (kept in the log for undo) rather than refusing the merge ("app.Model" → why).
DUPLICATES_REMOVED: dict[str, str] = {
    "clients.BankAccount": "the same BIK and account on both records is one bank account",
}
# Columns a link row may have beside its unique key: the content type of a generic relation.
_LINK_COLUMNS = {"content_type_id"}
_NAMED_CLASHES = 5

# Fields never offered for picking: bookkeeping, or set by the merge itself.
NOT_PICKED = frozenset({"is_archived"})


class MergeError(records.RecordError):
    """A merge or undo refused for a reason the user can act on."""


@dataclass(frozen=True)
class Relation:
    """A column in some table that points to rows of the merged model."""

    model: type[models.Model]
    field: str  # attname of the pointing column (an FK, or a generic FK's object id)
    ct_field: str | None = None  # for a generic FK: the attname of its content type column

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    @property
    def kind(self) -> str:
        return "generic" if self.ct_field else "fk"


def is_history(model) -> bool:
    return issubclass(model, pghistory.models.Event)


def relations_of(model) -> list[Relation]:
    """Every column pointing to ``model``, found through the app registry."""
    found: dict[tuple, Relation] = {}

    def add(relation: Relation):
        if is_history(relation.model) or relation.label in EXCLUDED_RELATIONS:
            return
        found.setdefault((relation.model, relation.field), relation)

    opts = model._meta
    for rel in opts.get_fields(include_hidden=True):
        if isinstance(rel, models.ManyToManyRel):
            for field in rel.through._meta.concrete_fields:
                if field.is_relation and field.related_model is model:
                    add(Relation(rel.through, field.attname))
        elif isinstance(rel, models.ForeignObjectRel) and rel.field.concrete:
            add(Relation(rel.related_model, rel.field.attname))
    for m2m in opts.many_to_many:
        through = m2m.remote_field.through
        source = through._meta.get_field(m2m.m2m_field_name())
        add(Relation(through, source.attname))
    for other in apps.get_models():
        for private in other._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                ct = other._meta.get_field(private.ct_field)
                fk = other._meta.get_field(private.fk_field)
                add(Relation(other, fk.attname, ct.attname))
    return sorted(found.values(), key=lambda r: r.label)


def pickable_fields(user, model) -> list[models.Field]:
    """Fields whose surviving value the user may pick: the ones they may edit."""
    editable = access.editable_fields(user, model)
    return [
        field
        for field in model._meta.concrete_fields
        if field.name in editable and field.name not in NOT_PICKED
    ]


_plain = records.plain_value


def _row_data(obj) -> dict:
    return {f.attname: _plain(getattr(obj, f.attname)) for f in type(obj)._meta.concrete_fields}


def _from_plain(model, data: dict) -> dict:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return {name: fields[name].to_python(value) for name, value in data.items() if name in fields}


def _stamp(obj, names: list[str]) -> list[str]:
    if hasattr(obj, "version"):
        obj.version += 1
        obj.updated_at = timezone.now()
        names = [*names, "version", "updated_at"]
    return names


def _key(relation: Relation, pk):
    field = relation.model._meta.get_field(relation.field)
    return str(pk) if isinstance(field, models.CharField | models.TextField) else pk


def _rows_pointing(relation: Relation, model, pk) -> models.QuerySet:
    rows = relation.model._base_manager.filter(**{relation.field: _key(relation, pk)})
    if relation.ct_field:
        content_type = ContentType.objects.get_for_model(model)
        rows = rows.filter(**{relation.ct_field: content_type.pk})
    return rows


def _unique_sets(relation: Relation) -> list[tuple[list[str], Q | None]]:
    """The unique column sets of the pointing model that include the pointing column."""
    opts = relation.model._meta
    by_name = {f.name: f.attname for f in opts.concrete_fields}
    sets = []
    field = opts.get_field(relation.field)
    if field.unique:
        sets.append(([relation.field], None))
    for names in opts.unique_together:
        sets.append(([by_name.get(n, n) for n in names], None))
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append(([by_name.get(n, n) for n in constraint.fields], constraint.condition))
    return [(names, condition) for names, condition in sets if relation.field in names]


def _clashes(relation: Relation, row, survivor_rows, unique_sets) -> bool:
    for names, condition in unique_sets:
        same = {n: getattr(row, n) for n in names if n != relation.field}
        candidates = survivor_rows.filter(**same)
        if condition is not None:
            mine = relation.model._base_manager.filter(pk=row.pk).filter(condition)
            if not mine.exists():
                continue
            candidates = candidates.filter(condition)
        if candidates.exists():
            return True
    return False


def _removable(relation: Relation, unique_sets) -> bool:
    """Whether a clashing row may go: a link (nothing but its unique key) or a declared
    duplicate."""
    opts = relation.model._meta
    if opts.label in DUPLICATES_REMOVED:
        return True
    keys = {name for names, _condition in unique_sets for name in names}
    columns = {f.attname for f in opts.concrete_fields if not f.primary_key}
    return not (columns - keys - _LINK_COLUMNS)


def _repoint(relation: Relation, model, survivor, dropped, log: MergeLog) -> None:
    rows = _rows_pointing(relation, model, dropped.pk)
    if relation.model is model:  # a self-relation: the two merged rows stay as they are
        rows = rows.exclude(pk__in=[survivor.pk, dropped.pk])
    unique_sets = _unique_sets(relation)
    moved, removed = [], []
    if unique_sets:
        survivor_rows = _rows_pointing(relation, model, survivor.pk)
        for row in rows.order_by("pk"):
            if _clashes(relation, row, survivor_rows, unique_sets):
                removed.append(row)
            else:
                moved.append(row.pk)
    else:
        moved = list(rows.order_by("pk").values_list("pk", flat=True))
    if removed and not _removable(relation, unique_sets):
        raise MergeError(
            _(
                "Both records have %(things)s for the same key: %(rows)s. Remove or change one "
                "of each pair, then merge again."
            )
            % {
                "things": relation.model._meta.verbose_name_plural,
                "rows": "; ".join(str(row) for row in removed[:_NAMED_CLASHES])
                + ("…" if len(removed) > _NAMED_CLASHES else ""),
            }
        )
    for row in removed:
        log.removed.append(
            {"model": relation.model._meta.label, "pk": row.pk, "data": _row_data(row)}
        )
        relation.model._base_manager.filter(pk=row.pk).delete()
    if moved:
        try:
            with transaction.atomic():  # a savepoint: the merge as a whole is refused below
                relation.model._base_manager.filter(pk__in=moved).update(
                    **{relation.field: _key(relation, survivor.pk)}
                )
        except IntegrityError:
            # A unique rule the checks above cannot read (an expression, e.g. a name unique
            # per organisation whatever its case): the rows must be told apart by hand first.
            raise MergeError(
                _(
                    "Some %(things)s of the two records clash (the same name or key); rename "
                    "or remove one of each pair, then merge again."
                )
                % {"things": relation.model._meta.verbose_name_plural}
            ) from None
        log.moved.append(
            {
                "relation": relation.label,
                "kind": relation.kind,
                "field": relation.field,
                "pks": _plain(moved),
            }
        )


def _lock_pair(user, model, survivor_pk, dropped_pk) -> tuple:
    for action in ("change", "delete"):
        if not user.has_perm(access.permission_name(model, action)):
            raise records.access_denied()
    locked = {
        obj.pk: obj
        for obj in access.restrict(model._default_manager.all(), user, "change")
        .select_for_update(of=("self",))
        .filter(pk__in=[survivor_pk, dropped_pk])
        .order_by("pk")
    }
    deletable = access.restrict(model._default_manager.all(), user, "delete")
    if len(locked) != 2 or not deletable.filter(pk=dropped_pk).exists():
        raise records.access_denied()
    return locked[survivor_pk], locked[dropped_pk]


def _check_version(user, obj, expected) -> None:
    if expected is not None and getattr(obj, "version", expected) != expected:
        by, at = records.last_saved_by(obj)
        raise records.StaleRecord(obj, records.changes_since(user, obj, expected), by=by, at=at)


def _unique_columns(model) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and len(constraint.fields) == 1:
            names.add(constraint.fields[0])
    return names


@transaction.atomic
def records_merge(
    user,
    *,
    survivor,
    dropped,
    values: dict,
    survivor_version: int | None,
    dropped_version: int | None,
) -> MergeLog:
    """Merge ``dropped`` into ``survivor``: picked values, re-pointed relations, archived."""
    model = type(survivor)
    if survivor.pk == dropped.pk:
        raise MergeError(_("Choose two different records to merge."))
    survivor, dropped = _lock_pair(user, model, survivor.pk, dropped.pk)
    _check_version(user, survivor, survivor_version)
    _check_version(user, dropped, dropped_version)
    picked = {f.name: f for f in pickable_fields(user, model)}
    data = {name: value for name, value in values.items() if name in picked}
    log = MergeLog(
        content_type=ContentType.objects.get_for_model(model),
        survivor_id=str(survivor.pk),
        dropped_id=str(dropped.pk),
        user=user,
        survivor_before={
            picked[n].attname: _plain(getattr(survivor, picked[n].attname)) for n in data
        },
    )
    # A unique value taken from the dropped record leaves it first, or the survivor cannot hold it.
    taken = [
        name
        for name in _unique_columns(model) & set(data)
        if data[name] not in ("", None) and data[name] == getattr(dropped, name)
    ]
    dropped_changes = {picked[name].attname: picked[name].get_default() for name in taken}
    if hasattr(dropped, "is_archived"):
        dropped_changes["is_archived"] = True
    log.dropped_before = {name: _plain(getattr(dropped, name)) for name in dropped_changes}
    for name, value in dropped_changes.items():
        setattr(dropped, name, value)
    dropped.save(update_fields=_stamp(dropped, list(dropped_changes)))
    survivor = records.record_update(user, survivor, data=data, expected_version=None)
    for relation in relations_of(model):
        _repoint(relation, model, survivor, dropped, log)
    log.survivor_version = getattr(survivor, "version", None)
    log.dropped_version = getattr(dropped, "version", None)
    log.save()
    return log


def merge_blockers(user, log: MergeLog) -> list[str]:
    """Why the merge can no longer be undone: the edits made to either record since."""
    model = log.content_type.model_class()
    reasons = []
    pairs = ((log.survivor_id, log.survivor_version), (log.dropped_id, log.dropped_version))
    for pk, version in pairs:
        obj = model._base_manager.filter(pk=pk).first()
        if obj is None:
            reasons.append(_("%(pk)s no longer exists.") % {"pk": pk})
            continue
        if version is None or getattr(obj, "version", version) == version:
            continue
        changes = records.changes_since(user, obj, version)
        by, _at = records.last_saved_by(obj)
        fields = ", ".join(str(change.label) for change in changes) or _("some fields")
        reasons.append(
            _("%(record)s was changed after the merge (%(fields)s%(by)s).")
            % {"record": obj, "fields": fields, "by": f"; {by}" if by else ""}
        )
    return reasons


@transaction.atomic
def merge_undo(user, log: MergeLog) -> None:
    """Put back what a merge changed; refused when either record was edited since."""
    log = MergeLog.objects.select_for_update().get(pk=log.pk)
    if log.undone_at is not None:
        raise MergeError(_("This merge has already been undone."))
    model = log.content_type.model_class()
    survivor, dropped = _lock_pair(
        user, model, _pk(model, log.survivor_id), _pk(model, log.dropped_id)
    )
    blockers = merge_blockers(user, log)
    if blockers:
        raise MergeError(_("The merge cannot be undone: %(why)s") % {"why": " ".join(blockers)})
    for obj, before in ((survivor, log.survivor_before), (dropped, log.dropped_before)):
        for name, value in _from_plain(model, before).items():
            setattr(obj, name, value)
        if before:
            obj.save(update_fields=_stamp(obj, list(before)))
    for entry in log.moved:
        related = apps.get_model(entry["relation"].rsplit(".", 1)[0])
        relation = Relation(related, entry["field"], _ct_field(related, entry))
        rows = _rows_pointing(relation, model, survivor.pk).filter(pk__in=entry["pks"])
        rows.update(**{relation.field: _key(relation, dropped.pk)})
    for entry in log.removed:
        related = apps.get_model(entry["model"])
        related(**_from_plain(related, entry["data"])).save(force_insert=True)
    log.undone_at = timezone.now()
    log.undone_by = user
    log.save(update_fields=["undone_at", "undone_by"])


def _pk(model, value: str):
    return model._meta.pk.to_python(value)


def _ct_field(model, entry) -> str | None:
    if entry["kind"] != "generic":
        return None
    for private in model._meta.private_fields:
        if isinstance(private, GenericForeignKey):
            fk = model._meta.get_field(private.fk_field)
            if fk.attname == entry["field"]:
                return model._meta.get_field(private.ct_field).attname
    return None


def merged_into(model, pk) -> MergeLog | None:
    """The merge (not undone) that archived this record, if any."""
    content_type = ContentType.objects.get_for_model(model)
    return (
        MergeLog.objects.filter(content_type=content_type, dropped_id=str(pk), undone_at=None)
        .order_by("-created_at")
        .first()
    )
