"""The one write path for records users edit (organisations, contacts...): create, update with
optimistic locking, archive, delete, bulk edit and reassignment.

Every function takes the acting user, applies the model permission, the row rule and the field
policy (fields the user may not edit are dropped, so a read-only field in a POST changes
nothing), saves with ``update_fields`` and re-checks, inside the transaction, that the saved
rows are still within the user's scope: if a change would move a row out of it, everything is
rolled back.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core import access
from crm.core.audit import recorded_fields


class RecordError(Exception):
    """A write refused for a reason the user can act on; ``message`` is shown to them."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class OutOfScope(RecordError):  # noqa: N818
    pass


@dataclass(frozen=True)
class FieldChange:
    """One field another user changed: raw values for the API, ``after`` as people read it."""

    field: str
    label: str
    before: Any
    after: Any
    value: Any = None


class StaleRecord(RecordError):  # noqa: N818
    """Someone saved the record after the form was opened; nothing was written."""

    def __init__(self, current: models.Model, changes: list[FieldChange], by="", at=None):
        super().__init__(
            _("Someone else saved this record while you were editing it. Nothing was saved.")
        )
        self.current = current
        self.changes = changes
        self.by = by  # who saved it last, as people read the name
        self.at = at


LEAVES_SCOPE = _(
    "After this change the record would be outside the records you may see, so nothing "
    "was saved. Ask your manager or an administrator to make this change."
)


# Callables (user, locked record, {field: value}) → the values to write now. The approvals app
# registers one that turns changes of fields under an approval rule into a change request.
WRITE_GATES: list = []


class Proposals:
    """What bulk writers (the import wizard) ask of the approvals app, which replaces this
    default (nothing governed) with its own in its AppConfig.ready()."""

    def governed(self, model, source) -> dict:
        """{field name: its rule} for the fields whose changes from ``source`` need approval."""
        return {}

    def propose(
        self,
        user,
        record,
        values: dict,
        *,
        source,
        channel,
        comment="",
        import_job=None,
        governing=None,
    ) -> None:
        """Turn {field: new value} of ``record`` into a change request. Without the approvals
        app nothing is governed (``governed`` is empty), so there is nothing to propose."""
        return None

    def announce_import(self, import_job_id: int) -> int:
        """Tell approvers about the requests a finished import made; returns notifications."""
        return 0

    def withdraw_for_import(self, user, import_job_id: int) -> int:
        """Withdraw the open requests an import made (its undo); returns how many."""
        return 0


PROPOSALS = Proposals()


def plain_value(value):
    """A value as JSON keeps it: a record as its pk, dates as ISO text, decimals as text
    (prior values of merges, requested values of approvals)."""
    if isinstance(value, models.Model):
        value = value.pk
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _allowed(user, model, data: dict) -> dict:
    editable = access.editable_fields(user, model)
    return {name: value for name, value in data.items() if name in editable}


def _split_many(model, data: dict) -> tuple[dict, dict]:
    """Plain fields, and many-to-many ones (set after the row is saved)."""
    names = {field.name for field in model._meta.many_to_many}
    plain = {name: value for name, value in data.items() if name not in names}
    return plain, {name: value for name, value in data.items() if name in names}


def _pks(values) -> set:
    return {getattr(value, "pk", value) for value in values or ()}


def _check_scope(user, model, pks: Iterable[int]) -> None:
    pks = list(pks)
    visible = model._default_manager.filter(pk__in=pks).filter(
        access.row_filter(model, user, "view")
    )
    if visible.count() != len(pks):
        raise OutOfScope(LEAVES_SCOPE)


def _require(user, model, action: str) -> None:
    if not user.has_perm(access.permission_name(model, action)):
        raise access_denied()


def access_denied() -> RecordError:
    return RecordError(_("You are not allowed to do this."))


def _stamp(obj, fields: list[str]) -> list[str]:
    stamped = list(fields)
    if hasattr(obj, "version"):
        obj.version += 1
        obj.updated_at = timezone.now()
        stamped += ["version", "updated_at"]
    return stamped


@transaction.atomic
def record_create(user, model, *, data: dict, defaults: dict | None = None):
    """Create a record from the fields the user may edit (plus server-side defaults)."""
    _require(user, model, "add")
    plain, many = _split_many(model, {**(defaults or {}), **_allowed(user, model, data)})
    obj = model(**plain)
    obj.full_clean()
    obj.save()
    for name, values in many.items():
        getattr(obj, name).set(_pks(values))
    _check_scope(user, model, [obj.pk])
    return obj


@transaction.atomic
def record_update(user, obj, *, data: dict, expected_version: int | None):
    """Save the user's changes to a record they may change, if nobody saved it meanwhile."""
    model = type(obj)
    _require(user, model, "change")
    locked = (
        access.restrict(model._default_manager.all(), user, "change")
        .select_for_update(of=("self",))
        .filter(pk=obj.pk)
        .first()
    )
    if locked is None:
        raise access_denied()
    if expected_version is not None and getattr(locked, "version", None) != expected_version:
        by, at = last_saved_by(locked)
        raise StaleRecord(locked, changes_since(user, locked, expected_version), by=by, at=at)
    changed = []
    plain, many = _split_many(model, _allowed(user, model, data))
    for gate in WRITE_GATES:
        plain = gate(user, locked, plain)
    for name, value in plain.items():
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    many_changed = {
        name: _pks(values)
        for name, values in many.items()
        if _pks(values) != set(getattr(locked, name).values_list("pk", flat=True))
    }
    if not changed and not many_changed:
        return locked
    locked.full_clean()
    locked.save(update_fields=_stamp(locked, changed))
    for name, pks in many_changed.items():
        getattr(locked, name).set(pks)
    _check_scope(user, model, [locked.pk])
    return locked


@transaction.atomic
def records_bulk_update(user, model, *, pks: list[int], data: dict) -> int:
    """Set the same values on many records; all or nothing."""
    _require(user, model, "change")
    data = _allowed(user, model, data)
    if not data:
        raise RecordError(_("Choose at least one field you may edit."))
    rows = list(
        access.restrict(model._default_manager.all(), user, "change")
        .select_for_update(of=("self",))
        .filter(pk__in=pks)
        .order_by("pk")
    )
    if len(rows) != len(set(pks)):
        raise access_denied()
    for obj in rows:
        values = dict(data)
        for gate in WRITE_GATES:  # fields under approval become a request per record
            values = gate(user, obj, values)
        if not values:
            continue
        for name, value in values.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save(update_fields=_stamp(obj, list(values)))
    _check_scope(user, model, pks)
    return len(rows)


def records_reassign(user, model, *, pks: list[int], owner) -> int:
    """Give many records a new owner (assigned manager)."""
    if "owner" not in access.editable_fields(user, model):
        raise access_denied()
    return records_bulk_update(user, model, pks=pks, data={"owner": owner})


@transaction.atomic
def record_set_archived(user, obj, *, archived: bool):
    model = type(obj)
    return records_bulk_update_flag(user, model, pks=[obj.pk], archived=archived)


def records_bulk_update_flag(user, model, *, pks: list[int], archived: bool) -> int:
    """Archive or restore records (not a field policy matter: it is the change permission)."""
    _require(user, model, "change")
    rows = list(
        access.restrict(model._default_manager.all(), user, "change")
        .select_for_update(of=("self",))
        .filter(pk__in=pks)
    )
    if len(rows) != len(set(pks)):
        raise access_denied()
    for obj in rows:
        obj.is_archived = archived
        obj.save(update_fields=_stamp(obj, ["is_archived"]))
    return len(rows)


@transaction.atomic
def record_delete(user, obj) -> None:
    model = type(obj)
    _require(user, model, "delete")
    deleted = access.restrict(model._default_manager.all(), user, "delete").filter(pk=obj.pk)
    if not deleted.exists():
        raise access_denied()
    obj.delete()


def changes_since(user, obj, version: int) -> list[FieldChange]:
    """What changed in ``obj`` since the user loaded ``version``, in the fields they may see.

    Read from the audit trail: the snapshot the user saw against the current row.
    """
    events = getattr(obj, "events", None)
    if events is None:
        return []
    seen = events.filter(version=version).order_by("-pgh_id").first()
    if seen is None:
        return []
    visible = access.visible_fields(user, type(obj)) & recorded_fields(type(obj))
    changes = []
    for field in type(obj)._meta.concrete_fields:
        if field.name not in visible or field.name in access.UNGOVERNED_FIELDS:
            continue
        before, after = getattr(seen, field.attname), getattr(obj, field.attname)
        if before != after:
            changes.append(
                FieldChange(
                    field.name,
                    str(field.verbose_name),
                    before,
                    display(obj, field),
                    value=after,
                )
            )
    return changes


def last_saved_by(obj) -> tuple[str, Any]:
    """Who saved the record last and when, from the audit trail ("" and None if unknown)."""
    events = getattr(obj, "events", None)
    event = events.select_related("pgh_context").order_by("-pgh_id").first() if events else None
    if event is None or event.pgh_context is None:
        return "", None
    metadata = event.pgh_context.metadata
    user_model = get_user_model()
    user = user_model.objects.filter(pk=metadata.get("user")).first()
    return (str(user) if user else metadata.get("username", "")), event.pgh_created_at


def display(obj, field) -> str:
    """A field's value as a person reads it."""
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    value = getattr(obj, field.name)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)
