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
        cursor.execute("CREATE INDEX test_dup_org_unit ON outlets_outlet (org_unit_id)")
        cursor.execute(DUPLICATES)
        rows = cursor.fetchall()
    assert "test_dup_org_unit" in {name for row in rows for name in row[1:]}
