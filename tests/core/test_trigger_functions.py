"""The audit triggers' helper functions are ours after migrate (no EXCEPTION block, so no
subtransaction per row), and they behave as the libraries' own: pgtrigger.ignore skips a
trigger, the audit context is attached to every event, a changed context is recorded."""

import pghistory
import pgtrigger
import pytest
from django.db import connection, transaction

from crm.clients.models import Organisation
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source

pytestmark = pytest.mark.django_db


def _definition(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef(%s::regproc)", [name])
        return cursor.fetchone()[0]


def test_the_functions_after_migrate_are_ours():
    for name in ("_pgtrigger_should_ignore", "_pgh_attach_context"):
        body = _definition(name)
        assert "current_setting(" in body
        assert "EXCEPTION" not in body.upper()


def test_ignore_skips_the_trigger_and_nothing_else():
    with pgtrigger.ignore("clients.Organisation:insert_insert"):
        silent = Organisation.objects.create(name="Без истории")
    loud = Organisation.objects.create(name="С историей")
    assert not silent.events.exists()
    assert loud.events.count() == 1


def test_every_event_carries_its_context_and_a_new_context_is_a_new_row():
    with transaction.atomic():
        with audit_context(source=Source.STAFF, channel=Channel.IMPORT, user=None):
            first = Organisation.objects.bulk_create(
                Organisation(name=f"Пакет {n}") for n in range(50)
            )
        with audit_context(source=Source.ERP, channel=Channel.SYNC, user=None):
            second = Organisation.objects.create(name="Из учётной системы")
    events = [org.events.get() for org in first]
    contexts = {event.pgh_context_id for event in events}
    assert len(contexts) == 1
    assert None not in contexts
    assert events[0].pgh_context.metadata["channel"] == Channel.IMPORT
    assert second.events.get().pgh_context.metadata["source"] == Source.ERP
    assert isinstance(pghistory.models.Context.objects.count(), int)


def _contexts() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pghistory_context")
        return cursor.fetchone()[0]


def test_a_statement_that_changes_nothing_attaches_no_context():
    """A context row is written with the first event, never for a statement without one,
    whatever plan PostgreSQL picks for the trigger (it caches a generic plan after five
    runs in a session, hence the repetitions)."""
    org = Organisation.objects.create(name="Ромашка")
    before = _contexts()
    for attempt in range(12):
        with transaction.atomic(), audit_context(source=Source.SYSTEM, channel=Channel.TASK):
            Organisation.objects.filter(pk=org.pk).update(name="Ромашка")  # the same value
            Organisation.objects.filter(pk=-1).delete()  # no row
            Organisation.objects.bulk_create([])
            assert _contexts() == before, attempt
    with transaction.atomic(), audit_context(source=Source.SYSTEM, channel=Channel.TASK):
        Organisation.objects.filter(pk=org.pk).update(name="Ромашка-2")
    assert _contexts() == before + 1
    assert org.events.get(pgh_label="update").pgh_context_id is not None


def test_the_history_triggers_attach_the_context_in_a_subquery():
    """Not in pghistory's CTE, which PostgreSQL may run for a statement with no rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE p.prosrc LIKE '%%_pgh_attach_context()%%'"
        )
        found = cursor.fetchall()
    assert len(found) > 50
    for name, source in found:
        assert "_pgh_attached_context" not in source, name
        assert "(SELECT _pgh_attach_context())" in source, name
