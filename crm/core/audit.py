"""Context for the trigger-based audit trail (django-pghistory): who, from where, how.

Every write in a request, task, sync or command runs inside ``audit_context`` so the history
rows that the database triggers write carry the acting user, the Source, the Channel and the
request id, bulk writes included.
"""

import contextlib
import uuid

import pghistory

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


def tracked(**options):
    """Class decorator: record inserts, updates and deletes of a model in the audit trail."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **options
    )


def recorded_fields(model) -> set[str]:
    """Names of the model's fields its audit events keep (tracked models may exclude some)."""
    events = getattr(model, "events", None)
    if events is None:
        return set()
    return {field.name for field in events.rel.related_model._meta.concrete_fields}


def tracked_m2m(through_model, *, related_name: str):
    """Record additions and removals of a many-to-many relation (its through model)."""
    return pghistory.track(
        pghistory.InsertEvent("add"),
        pghistory.DeleteEvent("remove"),
        obj_field=pghistory.ObjForeignKey(related_name=related_name, db_index=True),
    )(through_model)
