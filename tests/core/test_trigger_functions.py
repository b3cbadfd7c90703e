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
