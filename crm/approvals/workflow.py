"""The workflow machinery: states moved only by named transitions, each logged with its actor
and comment, and a database guard so that nothing else can move them.

A workflow-governed model declares its state as a protected ``FSMField`` (django-fsm-2) with
``@transition`` methods, adds ``guard_trigger("state")`` to its ``Meta.triggers`` and moves
states only through :func:`transition`. The trigger rejects any UPDATE that changes the state
column unless the transaction set ``crm.workflow_transition`` for that very statement, which
only :func:`transition` does; ``QuerySet.update(state=...)``, raw SQL and admin edits fail.
Change requests are the first such model; campaigns, offers, contracts and claims plug in the
same way (docs/adr/0010-approvals.md).
"""

from contextlib import contextmanager

import pgtrigger
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django_fsm import can_proceed, has_transition_perm

SETTING = "crm.workflow_transition"

GUARD_SQL = f"""
    IF coalesce(current_setting('{SETTING}', true), '') <> 'on' THEN
        RAISE EXCEPTION 'The state of % #% changes only through its workflow', TG_TABLE_NAME,
            OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
"""


def guard_trigger(field: str, name: str = "workflow_guard") -> pgtrigger.Trigger:
    """The trigger refusing a change of ``field`` outside :func:`transition`."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        condition=pgtrigger.AnyChange(field),
        func=GUARD_SQL,
    )


@contextmanager
def state_change_allowed():
    """Let the statements inside change guarded states (and nothing after them)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_config('{SETTING}', 'on', true)")
    yield
    # On an error the enclosing atomic block's rollback reverts the setting with it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_config('{SETTING}', 'off', true)")


def transition(obj, name: str, *, actor=None, comment: str = "", check_permission=True, **kwargs):
    """Run the transition method ``name`` of ``obj`` as ``actor``, save the new state and log
    it (from, to, actor, comment). Raises PermissionDenied when the transition's permission
    refuses the actor and django_fsm.TransitionNotAllowed when the state does not allow it."""
    from crm.approvals.models import TransitionLog

    method = getattr(obj, name)
    if check_permission and actor is not None and not has_transition_perm(method, actor):
        raise PermissionDenied
    field = next(f for f in obj._meta.concrete_fields if hasattr(f, "transitions"))
    before = getattr(obj, field.attname)
    with transaction.atomic():
        method(**kwargs)  # raises TransitionNotAllowed from a wrong state
        after = getattr(obj, field.attname)
        with state_change_allowed():
            obj.save()
        TransitionLog.objects.create(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=obj.pk,
            transition=name,
            from_state=before,
            to_state=after,
            actor=actor,
            comment=comment,
        )
    return obj


__all__ = ["can_proceed", "guard_trigger", "state_change_allowed", "transition"]
