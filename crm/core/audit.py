"""Context for the trigger-based audit trail (django-pghistory): who, from where, how.

Every write in a request, task, sync or command runs inside ``audit_context`` so the history
rows that the database triggers write carry the acting user, the Source, the Channel and the
request id, bulk writes included.
"""

import contextlib
import uuid

import pghistory
import pgtrigger
from pghistory import trigger as pghistory_trigger

from crm.core.choices import Channel, Source


@contextlib.contextmanager
def audit_context(*, source: Source, channel: Channel, user=None, request_id=None, **extra):
    """Attach provenance to every history row written inside the block."""
    values = {
        "source": str(source),
        "channel": str(channel),
        "request_id": request_id or uuid.uuid4().hex,
        **extra,
    }
    if user is not None:
        values["user"] = user.pk
        values["username"] = user.get_username()
    with pghistory.context(**values):
        yield


def current_context(key: str, default=None):
    """A value of the audit context open around this code (e.g. the request's channel)."""
    from pghistory import runtime

    value = getattr(runtime._tracker, "value", None)
    return value.metadata.get(key, default) if value is not None else default


def audit_context_add(**values):
    """Add values (e.g. the user an API key resolved to) to the currently open audit context."""
    pghistory.context(**values)


class _EventTrigger(pghistory_trigger.Event):
    """pghistory's history trigger, attaching the audit context only when a row is written.

    pghistory's statement-level trigger joins the statement's rows to a CTE that calls
    ``_pgh_attach_context()``. PostgreSQL runs that CTE whenever the plan reads it first,
    whatever the number of rows, so a statement that changed nothing (an update to the same
    values, say) could still insert an empty ``pghistory_context`` row, depending on the
    plan chosen. Here the call is an uncorrelated scalar subquery instead: PostgreSQL
    evaluates such an InitPlan once, when the first row needs it, and never for none.
    """

    _CTE = "WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) "

    def get_func(self, model):
        func = super().get_func(model)
        if self.level != pgtrigger.Statement or "_pgh_attached_context" not in func.func:
            return func
        sql = func.func
        if not sql.startswith(self._CTE) or ", _pgh_attached_context;" not in sql:
            raise AssertionError("pghistory's statement trigger changed shape: " + sql[:200])
        sql = sql.removeprefix(self._CTE).replace(", _pgh_attached_context;", ";")
        sql = sql.replace("_pgh_attached_context.value", "(SELECT _pgh_attach_context())")
        return pgtrigger.Func(sql)


class _RowEventMixin:
    def add_event_trigger(self, event_model):
        pgtrigger.register(
            _EventTrigger(
                event_model=event_model,
                label=self.label,
                name=self.trigger_name,
                row=self.row,
                operation=self.operation,
                condition=self.condition,
                level=self.level,
            )
        )(event_model.pgh_tracked_model)


class InsertEvent(_RowEventMixin, pghistory.InsertEvent):
    pass


class UpdateEvent(_RowEventMixin, pghistory.UpdateEvent):
    pass


class DeleteEvent(_RowEventMixin, pghistory.DeleteEvent):
    pass


def tracked(**options):
    """Class decorator: record inserts, updates and deletes of a model in the audit trail."""
    return pghistory.track(InsertEvent(), UpdateEvent(), DeleteEvent(), **options)


def recorded_fields(model) -> set[str]:
    """Names of the model's fields its audit events keep (tracked models may exclude some)."""
    events = getattr(model, "events", None)
    if events is None:
        return set()
    return {field.name for field in events.rel.related_model._meta.concrete_fields}


def tracked_m2m(through_model, *, related_name: str):
    """Record additions and removals of a many-to-many relation (its through model)."""
    return pghistory.track(
        InsertEvent("add"),
        DeleteEvent("remove"),
        obj_field=pghistory.ObjForeignKey(related_name=related_name, db_index=True),
    )(through_model)
