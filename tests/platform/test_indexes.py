"""The migrated schema has no index twice: a second index on the same columns costs every
write to the table and its disk, and serves no read the first one does not."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# Two indexes of one table with the same columns, operator classes, expressions and predicate.
DUPLICATES = """
SELECT a.indrelid::regclass::text, a.indexrelid::regclass::text, b.indexrelid::regclass::text
FROM pg_index a
JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid > a.indexrelid
JOIN pg_class t ON t.oid = a.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema()
  AND a.indkey::text = b.indkey::text
  AND a.indclass::text = b.indclass::text
  AND a.indisunique = b.indisunique
  AND COALESCE(pg_get_expr(a.indexprs, a.indrelid), '')
      = COALESCE(pg_get_expr(b.indexprs, b.indrelid), '')
  AND COALESCE(pg_get_expr(a.indpred, a.indrelid), '')
      = COALESCE(pg_get_expr(b.indpred, b.indrelid), '')
ORDER BY 1, 2
"""


def test_no_table_has_the_same_index_twice():
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATES)
        duplicates = cursor.fetchall()
    assert duplicates == [], (
        "Indexes declared twice (a ForeignKey is indexed already; drop the Meta index or set "
        f"db_index=False): {duplicates}"
    )


def test_the_check_finds_a_duplicate():
    """The query above is not vacuous: a second index on a foreign key's column is found."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX test_dup_dealer ON outlets_outlet (dealer_id)")
        cursor.execute(DUPLICATES)
        rows = cursor.fetchall()
    assert "test_dup_dealer" in {name for row in rows for name in row[1:]}


def test_audit_events_are_indexed_by_record_and_context_only():
    """An event copies its record's foreign keys; nothing reads events by them, and each
    index cost every audited write (settings.PGHISTORY_FOREIGN_KEY_FIELD)."""
    from django.apps import apps

    events = [
        m for m in apps.get_models() if any(f.name == "pgh_obj" for f in m._meta.concrete_fields)
    ]
    assert len(events) > 40
    extra = {}
    with connection.cursor() as cursor:
        for model in events:
            columns = {
                model._meta.pk.column,
                model._meta.get_field("pgh_obj").column,
                *[f.column for f in model._meta.concrete_fields if f.name == "pgh_context"],
            }
            cursor.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass",
                [model._meta.db_table],
            )
            found = {row[0] for row in cursor.fetchall()} - columns
            if found:
                extra[model._meta.db_table] = sorted(found)
            cursor.execute(
                "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND a.attname = %s",
                [model._meta.db_table, model._meta.get_field("pgh_obj").column],
            )
            assert cursor.fetchone()[0] >= 1, f"{model._meta.db_table} lost its record index"
    assert extra == {}, f"event tables indexed on copied columns: {extra}"
