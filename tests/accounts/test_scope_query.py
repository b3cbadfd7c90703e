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


def test_the_session_user_brings_their_own_saved_views_as_the_row_rule_gives_them():
    """A list page reads the user's saved views from the user's statement (no query of its
    own): the same rows, fields and order as SavedView's row rule gives."""
    from django.test.utils import CaptureQueriesContext

    from crm.accounts.backends import CrmModelBackend
    from crm.accounts.scopes import saved_views
    from crm.core import access
    from crm.core.models import SavedView

    world = build_world()
    manager, stranger = world["manager"], world["stranger"]
    for name in ("Я", "Апрель", "", "Москва"):
        SavedView.objects.create(
            user=manager,
            list_key="clients.organisation",
            name=name,
            query=f"q={name}",
            columns=["name", "inn"] if not name else [],
            is_default=not name,
        )
    SavedView.objects.create(user=manager, list_key="clients.contact", name="Другой список")
    SavedView.objects.create(user=stranger, list_key="clients.organisation", name="Чужой")
    loaded = CrmModelBackend().get_user(manager.pk)
    with CaptureQueriesContext(connection) as captured:
        got = saved_views(loaded, "clients.organisation")
    assert len(captured) == 0
    expected = list(
        access.restrict(SavedView.objects.all(), manager).filter(list_key="clients.organisation")
    )
    fields = ("pk", "user_id", "list_key", "name", "query", "columns", "is_default")
    assert [[getattr(v, f) for f in fields] for v in got] == [
        [getattr(v, f) for f in fields] for v in expected
    ]
    assert [v.name for v in got] == ["", "Апрель", "Москва", "Я"]
    assert got[0].created_at == expected[0].created_at  # deferred, read on demand
    assert saved_views(CrmModelBackend().get_user(stranger.pk), "clients.contact") == []
    assert saved_views(manager, "clients.organisation") is None  # not loaded with its views
