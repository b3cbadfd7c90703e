"""The nightly pull of reference dictionaries from 1C (first part of the sync).

For one dictionary: page through its entity set (Ref_Key order), skip rows whose DataVersion
was loaded before, check the rest against our fields' validators (a bad row is rejected with
its reason, the others load), COPY them into a staging table, then in SQL: adopt records made in
the CRM before the first sync (same natural key, no ERP key yet: never a duplicate), and one
``INSERT … ON CONFLICT (external_code) DO UPDATE … WHERE … IS DISTINCT FROM``, so a second run
writes nothing. A row with DeletionMark archives the record (is_active = false). All of it runs
in one transaction under a PostgreSQL advisory lock: a run that finds another one in progress
is recorded as skipped. History rows carry source ERP, channel sync.

Not yet here: counterparties and products, the admin-editable mapping with its $metadata
check, values under approval rules (through the change-request service), the resume cursor,
the schedule and "run now" (issue #6).
"""

import zlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from crm.core import bulk
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.refs.models import Bank, UnitOfMeasure, Warehouse
from integrations.onec.client import ODataClient
from integrations.onec.errors import OneCError
from integrations.onec.models import RunStatus, SyncedVersion, SyncRun

MAX_STORED_ERRORS = 500


@dataclass(frozen=True)
class DictionaryMapping:
    """One of our dictionaries ↔ a 1C entity set (УТ 11 names by default)."""

    key: str
    model: type[models.Model]
    entity_set: str
    fields: dict[str, str]  # our field → their property (Ref_Key always → external_code)
    natural_key: str | None = None  # our field that identifies a record made in the CRM
    defaults: dict = field(default_factory=dict)


DICTIONARIES = {
    mapping.key: mapping
    for mapping in (
        DictionaryMapping(
            "warehouses", Warehouse, "Catalog_Склады", {"name": "Description"}, "name"
        ),
        DictionaryMapping(
            "units",
            UnitOfMeasure,
            "Catalog_УпаковкиЕдиницыИзмерения",
            {"name": "НаименованиеПолное", "code": "Code", "symbol": "Description"},
            "code",
        ),
        DictionaryMapping(
            "banks",
            Bank,
            "Catalog_КлассификаторБанков",
            {"name": "Description", "bik": "Code", "corr_account": "КоррСчет"},
            "bik",
        ),
    )
}


def _lock_key(entity_set: str) -> int:
    return zlib.crc32(f"onec:{entity_set}".encode())


def _clean(mapping: DictionaryMapping, row: dict) -> dict:
    """Our values for a 1C row, checked by our fields (ValidationError names the field)."""
    values = {}
    for ours, theirs in mapping.fields.items():
        model_field = mapping.model._meta.get_field(ours)
        value = row.get(theirs)
        value = "" if value is None else str(value).strip()
        if value == "" and not model_field.blank:
            raise ValidationError(f"{ours}: empty")
        if value:
            if model_field.max_length and len(value) > model_field.max_length:
                raise ValidationError(f"{ours}: longer than {model_field.max_length}")
            try:
                model_field.run_validators(value)
            except ValidationError as error:
                raise ValidationError(f"{ours}: {' '.join(error.messages)}") from None
        values[ours] = value
    return values


def sync_dictionary(client: ODataClient, mapping: DictionaryMapping) -> SyncRun:
    """Pull one dictionary; returns its run record (status done, skipped or failed)."""
    run = SyncRun.objects.create(entity=mapping.key, entity_set=mapping.entity_set)
    try:
        with (
            transaction.atomic(),
            audit_context(source=Source.ERP, channel=Channel.SYNC, sync_run=run.pk),
        ):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(%s)", [_lock_key(mapping.entity_set)]
                )
                if not cursor.fetchone()[0]:
                    run.status = RunStatus.SKIPPED
                    run.message = "another run holds the lock"
                    return _finish(run)
            _load(client, mapping, run)
            run.status = RunStatus.DONE
    except OneCError as error:
        run.status, run.message = RunStatus.FAILED, f"{error.message} {error.detail}".strip()
    return _finish(run)


def _finish(run: SyncRun) -> SyncRun:
    run.finished_at = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(
        **{
            f.attname: getattr(run, f.attname)
            for f in SyncRun._meta.concrete_fields
            if not f.primary_key
        }
    )
    return run


def _load(client: ODataClient, mapping: DictionaryMapping, run: SyncRun) -> None:
    versions = dict(
        SyncedVersion.objects.filter(entity_set=mapping.entity_set).values_list(
            "ref_key", "data_version"
        )
    )
    select = ["Ref_Key", "DataVersion", "DeletionMark", *mapping.fields.values()]
    staged, seen = [], {}
    for page in client.pages(mapping.entity_set, select=select):
        for row in page.rows:
            run.fetched += 1
            ref = row.get("Ref_Key", "")
            if versions.get(ref) == row.get("DataVersion"):
                run.unchanged += 1
                continue
            try:
                values = _clean(mapping, row)
            except ValidationError as error:
                run.rejected += 1
                if len(run.errors) < MAX_STORED_ERRORS:
                    run.errors.append({"ref": ref, "reason": " ".join(error.messages)})
                continue
            staged.append((ref, not row.get("DeletionMark", False), values))
            seen[ref] = row.get("DataVersion", "")
    if not staged:
        return
    names = list(mapping.fields)
    quote = connection.ops.quote_name
    table = quote(mapping.model._meta.db_table)
    columns = [mapping.model._meta.get_field(n).column for n in names]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS onec_stage")
        cursor.execute(
            "CREATE TEMP TABLE onec_stage (external_code text, is_active boolean, "
            + ", ".join(f"{quote(c)} text" for c in columns)
            + ") ON COMMIT DROP"
        )
        bulk.copy_rows(
            "onec_stage",
            ["external_code", "is_active", *columns],
            ([ref, active, *(values[n] for n in names)] for ref, active, values in staged),
        )
        if mapping.natural_key:
            # Records made in the CRM before the first sync take their ERP key: no duplicate.
            key = quote(mapping.model._meta.get_field(mapping.natural_key).column)
            cursor.execute(
                f"UPDATE {table} AS t SET external_code = s.external_code "  # noqa: S608
                f"FROM onec_stage s WHERE t.external_code = '' AND t.{key} = s.{key} "
                f"AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.external_code = s.external_code)"
            )
        targets = [*columns, "is_active"]
        # NOT NULL columns the mapping does not fill take their model defaults on insert.
        extra = [
            f
            for f in mapping.model._meta.concrete_fields
            if not f.primary_key and not f.null and f.column not in (*targets, "external_code")
        ]
        inserted_columns = ["external_code", *targets, *(f.column for f in extra)]
        changed = " OR ".join(f"t.{quote(c)} IS DISTINCT FROM EXCLUDED.{quote(c)}" for c in targets)
        cursor.execute(
            f"INSERT INTO {table} AS t ({', '.join(quote(c) for c in inserted_columns)}) "  # noqa: S608
            f"SELECT external_code, {', '.join(quote(c) for c in targets)}"
            + "".join(", %s" for _f in extra)
            + " FROM onec_stage ON CONFLICT (external_code) WHERE external_code <> '' "
            "DO UPDATE SET "
            + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in targets)
            + f" WHERE {changed} RETURNING (xmax = 0), t.is_active",
            [f.get_db_prep_save(f.get_default(), connection) for f in extra],
        )
        written = cursor.fetchall()
    run.inserted = sum(1 for inserted, _active in written if inserted)
    run.updated = sum(1 for inserted, active in written if not inserted and active)
    run.archived = sum(1 for inserted, active in written if not inserted and not active)
    run.unchanged += len(staged) - len(written)
    SyncedVersion.objects.bulk_create(
        [
            SyncedVersion(entity_set=mapping.entity_set, ref_key=ref, data_version=version)
            for ref, version in seen.items()
        ],
        update_conflicts=True,
        unique_fields=["entity_set", "ref_key"],
        update_fields=["data_version"],
    )
