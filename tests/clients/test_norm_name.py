"""clients_norm_name() of migration 0024 returns what 0020's returned, for every kind of input:
the trigram indexes built with the old function stay valid only if it does."""

from importlib import import_module

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

collapse = import_module("crm.clients.migrations.0024_norm_name_collapse_spaces")
before = import_module("crm.clients.migrations.0020_faster_norm_name")

NAMES = [
    "",
    " ",
    "   ",
    "ООО",
    "ООО «Ромашка»",
    "Ромашка, ООО",
    '  ООО  "Ромашка"  ',
    "АО ООО Ромашка ИП",
    "Общество с ограниченной ответственностью «Торговый дом Ёлка»",
    "ПАО  «Сбер»\t\tбанк\n",
    "ИП Иванов Иван Иванович",
    "Акционерное общество с ограниченной ответственностью",
    "ООО-ИП-АО",
    "«»—…",
    "Romashka LLC, Ltd.",
    "123 456",
    "  a  b  ",
]


def test_the_old_text_is_0020s():
    assert collapse._function_sql(collapse.ARRAY_COLLAPSE) == before._function_sql()


def test_the_new_function_returns_the_old_ones_text():
    old = collapse._function_sql(collapse.ARRAY_COLLAPSE).replace(
        "FUNCTION clients_norm_name(", "FUNCTION pg_temp.old_norm_name("
    )
    with connection.cursor() as cursor:
        cursor.execute(old)
        cursor.execute(
            "SELECT v, clients_norm_name(v), pg_temp.old_norm_name(v) FROM unnest(%s::text[]) v",
            [NAMES],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT pg_get_functiondef('clients_norm_name'::regproc)")
        assert "btrim(regexp_replace(" in cursor.fetchone()[0]  # the new one is installed
    assert [new for _v, new, _old in rows] == [old for _v, _new, old in rows]
    assert {v: new for v, new, _old in rows}["ООО «Ромашка»"] == "РОМАШКА"
