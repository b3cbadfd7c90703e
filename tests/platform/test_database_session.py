"""Settings every database session of the application starts with."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sessions_run_without_jit_and_plan_cursors_to_be_read_whole():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW cursor_tuple_fraction")
        assert float(cursor.fetchone()[0]) == 1.0
