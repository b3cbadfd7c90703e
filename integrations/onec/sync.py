"""The nightly pull from 1C: dictionaries, counterparties with bank accounts, products.

For one target (targets.py, placed in this base by its ``Mapping``) a run pages through the
entity set in Ref_Key order and loads each page in its own transaction, so an interrupted run
loses at most the page in flight and the next run continues from the committed position (the
``cursor``, one page of overlap because ``$skip`` paging is not a snapshot). For each page:

1. rows whose DataVersion was loaded before are skipped; the rest are read through our fields'
   validators (a bad row is rejected with its reason, the others load) and COPYed into a
   staging table;
2. in SQL: references are resolved to our records by their 1C keys (a required one that is
   missing rejects the row; a missing optional one loads the row and retries it next night),
   records made in the CRM before the first sync are adopted by natural key (organisations by
   INN + KPP: never a duplicate), rows that would take another record's unique natural key are
   rejected;
3. changed values of records that approval rules govern, or whose values are contested (an
   open change request or conflict, a manual value approved lately), go through the
   change-request service with source ERP, so its rules, priorities and conflicts apply;
4. everything else: one ``INSERT … ON CONFLICT (key) DO UPDATE … WHERE … IS DISTINCT FROM``,
   so a second run writes nothing. A deletion mark archives.

A session-level advisory lock per target keeps two runs from overlapping (the second is
recorded as skipped); a killed worker's connection drops the lock with it. History rows carry
source ERP, channel sync and the run's id.
"""

import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import bulk
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.core.records import RecordError
from integrations.onec import targets
from integrations.onec.client import ODataClient, Page
from integrations.onec.errors import OneCError
from integrations.onec.models import Mapping, RunStatus, SyncedVersion, SyncRun

MAX_STORED_ERRORS = 500
quote = connection.ops.quote_name


# --- the mapping ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A target as this installation's mapping places it in 1C."""

    target: targets.Target
    entity_set: str
    filter: str
    properties: dict[str, str]  # our field → the 1C property (alternatives with |)
    page_size: int = 1000

    @property
    def key(self) -> str:
        return self.target.key

    def select(self) -> list[str]:
        """The properties to ask for (a document's row properties come inside its table)."""
        names = {"Ref_Key", "DataVersion", "DeletionMark"}
        for column in self.target.columns:
            if not column.row:
                spec = self.properties.get(column.name) or ""
                names.update(p.strip() for p in spec.split("|") if p.strip())
        return sorted(names)

    def odata_filter(self) -> str | None:
        """The mapping's filter, and for documents the sliding window (ADR 0012)."""
        parts = [self.filter] if self.filter else []
        if self.target.sign:
            from integrations.onec.documents import window_filter

            parts.append(window_filter(self))
        return " and ".join(parts) or None


def default_mapping(target: targets.Target, order: int) -> dict:
    return {
        "entity_set": target.entity_set,
        "filter": target.filter,
        "properties": {c.name: c.default for c in target.columns},
        "enabled": target.enabled,
        "order": order,
    }


def ensure_mappings() -> None:
    """Create the shipped УТ 11 mapping of any target that has none yet."""
    existing = set(Mapping.objects.values_list("key", flat=True))
    Mapping.objects.bulk_create(
        [
            Mapping(key=key, **default_mapping(target, order))
            for order, (key, target) in enumerate(targets.TARGETS.items())
            if key not in existing
        ]
    )


def plan_for(key: str) -> Plan:
    ensure_mappings()
    target = targets.TARGETS[key]
    mapping = Mapping.objects.get(key=key)
    properties = {c.name: (mapping.properties.get(c.name) or "").strip() for c in target.columns}
    return Plan(target, mapping.entity_set, mapping.filter, properties, mapping.page_size or 1000)


def enabled_keys() -> list[str]:
    ensure_mappings()
    return [
        key
        for key in Mapping.objects.filter(enabled=True).values_list("key", flat=True)
        if key in targets.TARGETS
    ]


# --- one run -------------------------------------------------------------------------------


def _lock_key(key: str) -> int:
    return zlib.crc32(f"onec:{key}".encode())


PageSource = Callable[[int], Iterable[Page]]  # start skip → the pages from there


def sync_entity(client: ODataClient, key: str) -> SyncRun:
    """Pull one target through the OData client; returns its run record."""
    plan = plan_for(key)
    select = plan.select()

    odata_filter = plan.odata_filter()

    def pages(start: int) -> Iterator[Page]:
        return client.pages(
            plan.entity_set,
            select=select,
            filter=odata_filter,
            page_size=plan.page_size,
            start_skip=start,
        )

    return run(plan, pages, count=lambda: client.count(plan.entity_set, filter=odata_filter))


def run(plan: Plan, pages: PageSource, *, count: Callable[[], int] | None = None) -> SyncRun:
    """Load ``pages`` for ``plan`` under the target's lock, continuing an interrupted run."""
    record = SyncRun.objects.create(entity=plan.key, entity_set=plan.entity_set)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(plan.key)])
        locked = cursor.fetchone()[0]
    if not locked:
        record.status = RunStatus.SKIPPED
        record.message = "another run holds the lock"
        return _finish(record)
    try:
        start = _resume(record, plan)
        if count is not None:
            record.total = count()
            save(record)
        if plan.target.sign:
            from integrations.onec.documents import DocumentLoader

            loader = DocumentLoader(plan, record)
        else:
            loader = Loader(plan, record)
        for page in pages(start):
            loader.load(page)
        if hasattr(loader, "complete"):
            loader.complete(whole=start == 0)
        record.status = RunStatus.DONE
    except OneCError as error:
        record.status = RunStatus.FAILED
        record.message = f"{error.message} {error.detail}".strip()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(plan.key)])
    return _finish(record)


def _resume(record: SyncRun, plan: Plan) -> int:
    """Where to start: after the committed rows of an unfinished earlier run, one page back.

    We hold the target's lock, so a run still marked running died with its worker."""
    previous = (
        SyncRun.objects.filter(entity=plan.key)
        .exclude(pk=record.pk)
        .exclude(status=RunStatus.SKIPPED)
        .order_by("-started_at", "-pk")
        .first()
    )
    SyncRun.objects.filter(entity=plan.key, status=RunStatus.RUNNING).exclude(pk=record.pk).update(
        status=RunStatus.INTERRUPTED, finished_at=timezone.now()
    )
    if previous is None or previous.status == RunStatus.DONE or not previous.cursor:
        return 0
    record.resumed_from = previous
    record.cursor = max(previous.cursor - plan.page_size, 0)
    save(record)
    return record.cursor


def save(record: SyncRun) -> None:
    SyncRun.objects.filter(pk=record.pk).update(
        **{
            f.attname: getattr(record, f.attname)
            for f in SyncRun._meta.concrete_fields
            if not f.primary_key
        }
    )


def _finish(record: SyncRun) -> SyncRun:
    record.finished_at = timezone.now()
    save(record)
    return record


@contextmanager
def page_transaction(record: SyncRun):
    """The transaction of one page, its audit context and its cursor.

    Its commit does not wait for the WAL flush (``synchronous_commit = off``, this transaction
    only): a page's rows, remembered versions and the run's cursor commit together, so a
    server crash can lose at most the last pages committed, whole, cursor included, and the
    next run reads them again. Waiting for the flush cost 130 ms a page.
    """
    with (
        transaction.atomic(),
        audit_context(source=Source.ERP, channel=Channel.SYNC, sync_run=record.pk),
    ):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        yield


# --- one page ------------------------------------------------------------------------------


class Loader:
    """Loads pages of one target into its table (see the module's docstring)."""

    def __init__(self, plan: Plan, record: SyncRun):
        self.plan, self.run = plan, record
        self.target = plan.target
        self.model = self.target.model
        self.meta = self.model._meta
        self.table = quote(self.meta.db_table)
        self.key = quote(targets.key_field(self.model))
        # A field whose property is left empty is not read: the CRM keeps its own value.
        self.columns = [c for c in self.target.columns if plan.properties.get(c.name)]
        self.fields = {c.name: self.meta.get_field(c.name) for c in self.columns}
        self.alternatives = {
            c.name: [p.strip() for p in plan.properties[c.name].split("|") if p.strip()]
            for c in self.columns
        }
        archive = self.target.archive_field
        self.archive = quote(self.meta.get_field(archive).column) if archive else None
        self.content_type_id = ContentType.objects.get_for_model(self.model).pk
        # What clean() checks of each text value: blank allowed, length, the field's own
        # validators (the length validators aside: the length is checked first, with our text).
        self.checks = [
            (
                c.name,
                self.fields[c.name].blank,
                self.fields[c.name].max_length,
                [
                    v
                    for v in self.fields[c.name].validators
                    if not isinstance(v, MaxLengthValidator | ProhibitNullCharactersValidator)
                ],
            )
            for c in self.columns
            if c.kind != targets.REF
        ]

    # -- Python: read the rows ----------------------------------------------------------

    def label(self, name: str) -> str:
        return str(self.fields[name].verbose_name)

    def _reject(self, ref: str, reason: str, *, warning: bool = False) -> None:
        if not warning:
            self.run.rejected += 1
        if len(self.run.errors) < MAX_STORED_ERRORS:
            entry = {"ref": ref, "reason": reason}
            if warning:
                entry["warning"] = True
            self.run.errors.append(entry)

    def _raw(self, column: targets.Column, row: dict):
        for name in self.alternatives[column.name]:
            value = row.get(name)
            if value not in (None, "", targets.ZERO_GUID):
                return value
        return None

    def clean(self, row: dict) -> dict:
        """Our values for a 1C row, as text for the staging table; ValidationError names the
        field (a reference stays a 1C key until SQL resolves it)."""
        values = {}
        for column in self.columns:
            value = self._raw(column, row)
            if column.kind == targets.REF:
                values[column.name] = str(value) if value else ""
                continue
            if column.kind == targets.FLAG:
                values[column.name] = "t" if value is True or value == "true" else "f"
                continue
            text = "" if value is None else str(value).strip()
            if column.kind == targets.CHOICE and text:
                if text not in column.choices:
                    raise ValidationError(
                        _("%(field)s: unexpected value “%(value)s”.")
                        % {"field": self.label(column.name), "value": text}
                    )
                text = column.choices[text]
            values[column.name] = text
        if self.target.fix is not None:
            self.target.fix(values)
        for name, blank, max_length, validators in self.checks:
            text = values[name]
            if text == "":
                if not blank:
                    raise ValidationError(_("%(field)s: empty.") % {"field": self.label(name)})
                continue
            if max_length and len(text) > max_length:
                raise ValidationError(
                    _("%(field)s: longer than %(max)s characters.")
                    % {"field": self.label(name), "max": max_length}
                )
            try:
                for validator in validators:
                    validator(text)
            except ValidationError as error:
                raise ValidationError(f"{self.label(name)}: {' '.join(error.messages)}") from None
        return values

    def load(self, page: Page) -> None:
        """One page in one transaction, the cursor committed with it."""
        with page_transaction(self.run):
            refs = [str(row.get("Ref_Key") or "") for row in page.rows]
            known = known_versions(self.plan.key, refs)
            staged = []
            for row in page.rows:
                self.run.fetched += 1
                ref = str(row.get("Ref_Key") or "")
                version = str(row.get("DataVersion") or "")
                if not ref:
                    self._reject("", _("The row has no Ref_Key."))
                    continue
                if version and known.get(ref) == version:
                    self.run.unchanged += 1
                    continue
                try:
                    values = self.clean(row)
                except ValidationError as error:
                    self._reject(ref, " ".join(error.messages))
                    continue
                deleted = row.get("DeletionMark") is True or row.get("DeletionMark") == "true"
                staged.append([ref, version, deleted, *(values[c.name] for c in self.columns)])
            if staged:
                self._write(staged)
            self.run.cursor = page.skip + len(page.rows)
            save(self.run)

    # -- SQL: resolve, adopt, write -------------------------------------------------------

    def _resolved(self) -> tuple[str, list[str]]:
        """SELECT of the staged rows with references resolved: (sql, value column names)."""
        exprs, joins = [], []
        for index, column in enumerate(self.columns):
            raw = f"s.c{index}"
            model_field = self.fields[column.name]
            if column.kind == targets.REF:
                to = column.to._meta
                alias = f"r{index}"
                joins.append(
                    f"LEFT JOIN {quote(to.db_table)} {alias} ON {raw} <> '' AND "
                    f"{alias}.{quote(targets.key_field(column.to))} = {raw} AND "
                    f"{alias}.{quote(targets.key_field(column.to))} <> ''"
                )
                attr = column.attr or to.pk.name
                exprs.append(f"{alias}.{quote(to.get_field(attr).column)} AS v{index}")
            else:
                cast = model_field.db_type(connection)
                exprs.append(f"{raw}::{cast} AS v{index}")
        sql = (
            "SELECT s.ref, s.version, s.deleted, "  # noqa: S608 (our column names, quoted)
            + ", ".join(f"s.c{i}" for i in range(len(self.columns)))
            + ", "
            + ", ".join(exprs)
            + " FROM onec_stage s "
            + " ".join(joins)
        )
        return sql, [f"v{i}" for i in range(len(self.columns))]

    def _db(self, name: str) -> str:
        return quote(self.fields[name].column)

    def _write(self, staged: list[list]) -> None:
        n = len(self.columns)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS onec_stage, onec_rows")
            cursor.execute(
                "CREATE TEMP TABLE onec_stage (ref text, version text, deleted boolean, "
                + ", ".join(f"c{i} text" for i in range(n))
                + ") ON COMMIT DROP"
            )
            bulk.copy_rows(
                "onec_stage", ["ref", "version", "deleted", *(f"c{i}" for i in range(n))], staged
            )
            select, _values = self._resolved()
            cursor.execute(
                f"CREATE TEMP TABLE onec_rows ON COMMIT DROP AS {select}; "
                "ALTER TABLE onec_rows ADD COLUMN retry boolean NOT NULL DEFAULT false"
            )
            cursor.execute("ANALYZE onec_rows")  # a fresh temporary table has no statistics
            self._reject_missing_references(cursor)
            self._adopt(cursor)
            self._reject_taken_keys(cursor)
            held = self._take_governed(cursor)
            self._upsert(cursor)
            self._link_self_references(cursor)
            self._warn_missing_references(cursor)
            self._remember_versions(cursor)
        proposed = [
            (ref, version)
            for ref, version, record_id, values in held
            if self._propose(record_id, values)
        ]
        SyncedVersion.objects.bulk_create(
            [SyncedVersion(entity=self.plan.key, ref_key=r, data_version=v) for r, v in proposed],
            update_conflicts=True,
            unique_fields=["entity", "ref_key"],
            update_fields=["data_version"],
        )

    def _index(self, name: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.name == name)

    def _reject_missing_references(self, cursor) -> None:
        """A required reference to a record we do not have rejects the row (it is retried
        next night: its version is not remembered)."""
        for index, column in enumerate(self.columns):
            model_field = self.fields[column.name]
            if column.kind != targets.REF or column.to is self.model or model_field.null:
                continue
            cursor.execute(
                f"DELETE FROM onec_rows WHERE v{index} IS NULL RETURNING ref, c{index}"  # noqa: S608
            )
            for ref, raw in cursor.fetchall():
                label = self.label(column.name)
                reason = (
                    _("%(field)s: empty.") % {"field": label}
                    if not raw
                    else _("%(field)s: the 1C record %(key)s is not loaded.")
                    % {"field": label, "key": raw}
                )
                self._reject(ref, reason)

    def _natural_key(self) -> tuple[str, ...]:
        """The natural key, when every field of it is read (else no adoption by it)."""
        names = self.target.natural_key
        return names if all(n in self.fields for n in names) else ()

    def _natural_match(self, alias: str) -> str:
        return " AND ".join(
            f"{alias}.{self._db(name)} IS NOT DISTINCT FROM r.v{self._index(name)}"
            for name in self._natural_key()
        )

    def _natural_present(self) -> str:
        parts = ["true"]
        for name in self._natural_key():
            index = self._index(name)
            if self.columns[index].kind != targets.REF:
                parts.append(f"r.v{index} IS NOT NULL AND r.v{index}::text <> ''")
        return " AND ".join(parts)

    def _adopt(self, cursor) -> None:
        """Records made in the CRM before the first sync take the 1C key of the row with the
        same natural key (the oldest record when there are several): never a duplicate."""
        if not self._natural_key():
            return
        cursor.execute(
            f"UPDATE {self.table} AS t SET {self.key} = m.ref FROM ("  # noqa: S608
            f"SELECT DISTINCT ON (r.ref) r.ref, c.id FROM onec_rows r "
            f"JOIN {self.table} c ON c.{self.key} = '' AND {self._natural_match('c')} "
            f"WHERE {self._natural_present()} "
            f"AND NOT EXISTS (SELECT 1 FROM {self.table} o WHERE o.{self.key} = r.ref "
            f"AND o.{self.key} <> '') "
            f"ORDER BY r.ref, c.id) m WHERE t.id = m.id AND t.{self.key} = ''"
        )

    def _unique_natural_key(self) -> bool:
        wanted = set(self._natural_key())
        if len(wanted) == 1 and self.fields[next(iter(wanted))].unique:
            return True
        return any(
            isinstance(c, models.UniqueConstraint) and set(c.fields) == wanted and not c.condition
            for c in self.meta.constraints
        )

    def _reject_taken_keys(self, cursor) -> None:
        """A row whose natural key another record holds (or an earlier row of the page wants)
        would break a unique constraint: it is rejected with the reason."""
        if not self._natural_key() or not self._unique_natural_key():
            return
        cursor.execute(
            f"DELETE FROM onec_rows r WHERE "  # noqa: S608
            f"EXISTS (SELECT 1 FROM {self.table} c WHERE {self._natural_match('c')} "
            f"AND c.{self.key} <> r.ref) OR EXISTS (SELECT 1 FROM onec_rows p WHERE "
            + " AND ".join(
                f"p.v{self._index(n)} IS NOT DISTINCT FROM r.v{self._index(n)}"
                for n in self._natural_key()
            )
            + " AND p.ref < r.ref) RETURNING r.ref"
        )
        label = ", ".join(self.label(n) for n in self._natural_key())
        for (ref,) in cursor.fetchall():
            self._reject(ref, _("Another record already has this %(fields)s.") % {"fields": label})

    def _value_columns(self) -> list[tuple[str, str]]:
        """(our db column, its value in onec_rows) for every written column, archive included."""
        pairs = [(self._db(c.name), f"r.v{i}") for i, c in enumerate(self.columns)]
        if self.archive:
            value = "r.deleted" if self.target.archived_value else "NOT r.deleted"
            pairs.append((self.archive, value))
        return pairs

    def _distinct(self, names: Iterable[str] | None = None) -> str:
        pairs = self._value_columns()
        if names is not None:
            wanted = {self._db(n) for n in names}
            pairs = [(c, v) for c, v in pairs if c in wanted]
        return " OR ".join(f"t.{c} IS DISTINCT FROM {v}" for c, v in pairs) or "false"

    def _take_governed(self, cursor) -> list[tuple[str, str, int, dict]]:
        """Existing records whose new values must pass approval rules or may be contested
        leave the bulk write: [(Ref_Key, DataVersion, record id, {field: value})] for the
        change-request service."""
        from crm.approvals import routes
        from crm.approvals.conflicts import MANUAL_SOURCES
        from crm.approvals.models import OPEN_STATES, ConflictState, RequestState

        governed = [n for n in routes.rules_for(self.model, Source.ERP) if n in self.fields]
        since = timezone.now() - timedelta(days=settings.APPROVALS_CONFLICT_DAYS)
        contested = (
            "EXISTS (SELECT 1 FROM approvals_changerequest q WHERE q.content_type_id = %s "
            "AND q.object_id = t.id AND (q.state = ANY(%s) OR (q.state = %s "
            "AND q.source = ANY(%s) AND q.decided_at >= %s))) OR EXISTS (SELECT 1 FROM "
            "approvals_conflict k WHERE k.content_type_id = %s AND k.object_id = t.id "
            "AND k.state = %s)"
        )
        values = ", ".join(f"r.v{i}" for i in range(len(self.columns)))
        cursor.execute(
            f"DELETE FROM onec_rows r USING {self.table} t WHERE t.{self.key} = r.ref "  # noqa: S608
            f"AND t.{self.key} <> '' "
            f"AND (({self._distinct(governed)}) OR (({self._distinct()}) AND ({contested}))) "
            f"RETURNING r.ref, r.version, t.id, r.deleted, {values}",
            [
                self.content_type_id,
                list(OPEN_STATES),
                RequestState.APPLIED,
                list(MANUAL_SOURCES),
                since,
                self.content_type_id,
                ConflictState.OPEN,
            ],
        )
        held = []
        for ref, version, record_id, deleted, *row in cursor.fetchall():
            changes = {c.name: row[i] for i, c in enumerate(self.columns)}
            if self.target.archive_field:
                archived = deleted if self.target.archived_value else not deleted
                changes[self.target.archive_field] = archived
            held.append((ref, version, record_id, changes))
        return held

    def _upsert(self, cursor) -> None:
        pairs = self._value_columns()
        if self.archive is None:
            # No archive flag (bank accounts): a row deleted in 1C is deleted here too.
            cursor.execute(
                f"DELETE FROM {self.table} t USING onec_rows r WHERE r.deleted "  # noqa: S608
                f"AND t.{self.key} = r.ref AND t.{self.key} <> ''"
            )
            self.run.archived += cursor.rowcount
            cursor.execute("DELETE FROM onec_rows WHERE deleted")
        written = {c for c, _v in pairs} | {self.key}
        extra = [
            f
            for f in self.meta.concrete_fields
            if not f.primary_key and not f.null and quote(f.column) not in written
        ]
        updates = [f"{c} = EXCLUDED.{c}" for c, _v in pairs]
        names = {f.name for f in self.meta.concrete_fields}
        if "version" in names:
            updates.append('"version" = t."version" + 1')
        if "updated_at" in names:
            updates.append('"updated_at" = now()')
        changed = " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c, _v in pairs)
        insert_columns = [self.key, *(c for c, _v in pairs), *(quote(f.column) for f in extra)]
        cursor.execute(
            f"INSERT INTO {self.table} AS t ({', '.join(insert_columns)}) "  # noqa: S608
            f"SELECT r.ref, {', '.join(v for _c, v in pairs)}"
            + "".join(", %s" for _f in extra)
            + f" FROM onec_rows r ON CONFLICT ({self.key}) WHERE {self.key} <> '' "
            f"DO UPDATE SET {', '.join(updates)} WHERE {changed} RETURNING (xmax = 0)"
            + (f", t.{self.archive}" if self.archive else ", false"),
            [f.get_db_prep_save(f.get_default(), connection) for f in extra],
        )
        archived_value = self.target.archived_value
        for inserted, archive in cursor.fetchall():
            if inserted:
                self.run.inserted += 1
            elif self.archive and archive == archived_value:
                self.run.archived += 1
            else:
                self.run.updated += 1

    def _link_self_references(self, cursor) -> None:
        """A parent that came later in the same page (a tree's folders) is linked now."""
        for index, column in enumerate(self.columns):
            if column.kind != targets.REF or column.to is not self.model:
                continue
            db = self._db(column.name)
            cursor.execute(
                f"UPDATE {self.table} t SET {db} = p.id FROM onec_rows r "  # noqa: S608
                f"JOIN {self.table} p ON p.{self.key} = r.c{index} AND p.{self.key} <> '' "
                f"WHERE r.v{index} IS NULL AND r.c{index} <> '' AND t.{self.key} = r.ref "
                f"AND t.{self.key} <> '' "
                f"AND t.{db} IS DISTINCT FROM p.id"
            )
            cursor.execute(
                f"UPDATE onec_rows r SET v{index} = p.id FROM {self.table} p "  # noqa: S608
                f"WHERE r.v{index} IS NULL AND r.c{index} <> '' AND p.{self.key} = r.c{index} "
                f"AND p.{self.key} <> ''"
            )

    def _warn_missing_references(self, cursor) -> None:
        """An optional reference to a record we do not have loads the row without it and
        retries it next night."""
        for index, column in enumerate(self.columns):
            if column.kind != targets.REF:
                continue
            cursor.execute(
                f"UPDATE onec_rows SET retry = true WHERE v{index} IS NULL "  # noqa: S608
                f"AND c{index} <> '' RETURNING ref, c{index}"
            )
            for ref, raw in cursor.fetchall():
                self._reject(
                    ref,
                    _("%(field)s: the 1C record %(key)s is not loaded yet; read again next run.")
                    % {"field": self.label(column.name), "key": raw},
                    warning=True,
                )

    def _remember_versions(self, cursor) -> None:
        cursor.execute(
            "INSERT INTO onec_syncedversion (entity, ref_key, data_version) "
            "SELECT %s, ref, version FROM onec_rows WHERE NOT retry AND version <> '' "
            "ON CONFLICT (entity, ref_key) DO UPDATE SET data_version = EXCLUDED.data_version "
            "WHERE onec_syncedversion.data_version IS DISTINCT FROM EXCLUDED.data_version",
            [self.plan.key],
        )

    def _propose(self, record_id: int, changes: dict) -> bool:
        """Governed or contested values through the change-request service (source ERP);
        False when the service refused them (the row is retried next night)."""
        from crm.approvals.services import change_request_submit

        record = self.model._default_manager.get(pk=record_id)
        try:
            with transaction.atomic():
                result = change_request_submit(
                    None, source=Source.ERP, channel=Channel.SYNC, record=record, changes=changes
                )
        except RecordError as error:
            self._reject(record_key(record), str(error))
            return False
        if result.request is not None or result.held or result.overruled:
            self.run.proposed += 1
        elif result.written:
            self.run.updated += 1
        else:
            self.run.unchanged += 1
        return True


def known_versions(entity: str, refs: list[str]) -> dict[str, str]:
    """The remembered DataVersion of each of ``refs`` (one array parameter, not 1,000)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ref_key, data_version FROM onec_syncedversion "
            "WHERE entity = %s AND ref_key = ANY(%s)",
            [entity, refs],
        )
        return dict(cursor.fetchall())


def record_key(record) -> str:
    return getattr(record, targets.key_field(type(record)))


def sync_all(client: ODataClient, keys: list[str] | None = None) -> dict[str, SyncRun]:
    """Every enabled target in the mapping's order (or ``keys``), one run each."""
    return {key: sync_entity(client, key) for key in (keys or enabled_keys())}
