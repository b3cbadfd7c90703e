"""Indexes for duplicate detection: a trigram index on the normalised organisation name (an
IMMUTABLE SQL function strips legal forms, quotes and punctuation) and an index on the upper-case
organisation e-mail. Declared in SQL: the model state does not know the function."""

from django.db import migrations

NORM_NAME = r"""
CREATE OR REPLACE FUNCTION clients_norm_name(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $fn$
SELECT btrim(regexp_replace(regexp_replace(regexp_replace(
    ' ' || regexp_replace(translate(upper(value), 'Ё', 'Е'), '[^0-9A-ZА-Я]+', ' ', 'g') || ' ',
    ' (ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ|(НЕПУБЛИЧНОЕ |ПУБЛИЧНОЕ |ОТКРЫТОЕ |ЗАКРЫТОЕ )?'
    'АКЦИОНЕРНОЕ ОБЩЕСТВО|ИНДИВИДУАЛЬНЫЙ ПРЕДПРИНИМАТЕЛЬ|НЕКОММЕРЧЕСКАЯ ОРГАНИЗАЦИЯ|'
    '(ФЕДЕРАЛЬНОЕ )?(ГОСУДАРСТВЕННОЕ|МУНИЦИПАЛЬНОЕ) УНИТАРНОЕ ПРЕДПРИЯТИЕ|ТОРГОВЫЙ ДОМ)(?= )',
    ' ', 'g'),
    ' (ООО|ОАО|ЗАО|ПАО|НАО|АО|ИП|НКО|АНО|ГУП|МУП|ФГУП|ТД|ТОО|ЧП|LLC|LTD|INC)(?= )', ' ', 'g'),
    ' +', ' ', 'g'))
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("clients", "0010_contact_scope_copies")]

    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        migrations.RunSQL(NORM_NAME, "DROP FUNCTION IF EXISTS clients_norm_name(text)"),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS clients_org_norm_name_trgm ON clients_organisation "
            "USING gin (clients_norm_name(name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS clients_org_norm_name_trgm",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS clients_org_email_upper ON clients_organisation "
            "(upper(email))",
            "DROP INDEX IF EXISTS clients_org_email_upper",
        ),
    ]
