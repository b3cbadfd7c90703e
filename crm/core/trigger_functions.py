"""Faster versions of the two helper functions every audit trigger calls.

pgtrigger's ``_pgtrigger_should_ignore()`` and pghistory's ``_pgh_attach_context()`` read their
settings inside a PL/pgSQL ``BEGIN … EXCEPTION`` block. Each such block opens a
subtransaction, and when the setting was never set in the session the error path runs for
every row: measured here, 20,000 organisation inserts took 8.5 s with the stock functions and
1.1 s with these (0.63 s with no trigger at all). These versions read the settings with
``current_setting(name, true)``, which returns NULL instead of raising, and attach the audit
context row once per transaction instead of upserting it for every row. Same names, same
arguments, same results.

Both libraries re-create their function whenever a trigger is installed (every migration
that adds one), so ``install()`` runs after every ``migrate`` (crm.core.apps).
"""

from django.db import DEFAULT_DB_ALIAS, connections

SHOULD_IGNORE = """
CREATE OR REPLACE FUNCTION _pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN AS $$
DECLARE
    _ignore TEXT := NULLIF(current_setting('pgtrigger.ignore', true), '');
BEGIN
    IF _ignore IS NULL THEN
        RETURN FALSE;
    END IF;
    RETURN trigger_name = ANY(_ignore::TEXT[]);
END;
$$ LANGUAGE plpgsql;
"""

ATTACH_CONTEXT = """
CREATE OR REPLACE FUNCTION _pgh_attach_context() RETURNS UUID AS $$
DECLARE
    _id UUID := NULLIF(current_setting('pghistory.context_id', true), '')::UUID;
    _metadata TEXT := NULLIF(current_setting('pghistory.context_metadata', true), '');
BEGIN
    IF _id IS NULL OR _metadata IS NULL THEN
        RETURN NULL;
    END IF;
    -- Already attached in this transaction with the same metadata (reverted with it on a
    -- rollback to a savepoint, like any setting).
    IF current_setting('pghistory.context_attached', true) = _id::TEXT || _metadata THEN
        RETURN _id;
    END IF;
    INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
        VALUES (_id, _metadata::JSONB, NOW(), NOW())
        ON CONFLICT (id) DO UPDATE
            SET metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
            WHERE pghistory_context.metadata != EXCLUDED.metadata;
    PERFORM set_config('pghistory.context_attached', _id::TEXT || _metadata, true);
    RETURN _id;
END;
$$ LANGUAGE plpgsql;
"""


def install(using: str = DEFAULT_DB_ALIAS) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(SHOULD_IGNORE)
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'pghistory_context'"
        )
        if cursor.fetchone():
            cursor.execute(ATTACH_CONTEXT)


def install_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    install(using)
