"""The scope query is prepared once per database session and executed on every request; a new
session (a closed connection, a restarted worker) prepares it again."""

import pytest
from django.db import connection

from crm.accounts.scopes import resolve_scope
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_the_scope_is_the_same_from_a_prepared_statement_and_after_a_new_session():
    world = build_world()
    regional = world["regional"]
    first = resolve_scope(regional)
    assert "crm_scope" in prepared_statements()
    assert first.region_ids == {world["regions"]["77"].pk, world["regions"]["50"].pk}
    assert world["manager"].pk in first.team_ids
    connection.close()  # a new session has no prepared statement: it is prepared again
    assert resolve_scope(regional) == first
    assert resolve_scope(world["stranger"]).region_ids == {world["regions"]["78"].pk}


def test_the_session_user_comes_with_their_scope_in_one_statement():
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext

    from crm.accounts.backends import CrmModelBackend
    from crm.accounts.scopes import load_user, scope_of

    world = build_world()
    regional = world["regional"]
    with CaptureQueriesContext(connection) as captured:
        loaded = CrmModelBackend().get_user(regional.pk)
        scope = scope_of(loaded)
        assert loaded.has_perm("clients.view_organisation")
    assert len(captured) == 1 + 1  # PREPARE once per session, then EXECUTE
    assert "crm_user_scope" in prepared_statements()
    fresh = get_user_model().objects.get(pk=regional.pk)
    for field in get_user_model()._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(fresh, field.attname), field.name
    assert loaded._state.adding is False
    assert scope == resolve_scope(fresh)
    with CaptureQueriesContext(connection) as captured:
        CrmModelBackend().get_user(world["stranger"].pk)
    assert len(captured) == 1
    assert load_user(987654321) is None
    regional.is_active = False
    regional.save()
    assert CrmModelBackend().get_user(regional.pk) is None
    connection.close()  # a new session prepares it again
    assert CrmModelBackend().get_user(world["manager"].pk).pk == world["manager"].pk
