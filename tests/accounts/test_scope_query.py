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
