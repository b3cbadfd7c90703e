"""The import engine: one streaming pass over the file in chunks, inside one transaction.

For each chunk: convert cells through the resource's widgets, find each row's natural key,
refuse duplicates inside the file, load the matching records in bulk, check the row rule and
the field policy, then bulk-create (COPY) and bulk-update (``UPDATE ... FROM unnest(...)``),
re-check that every written row is in the user's scope, and record prior values for undo; those
writes run on a thread of their own while the next chunk is converted (``WriteBehind``). A
dry run does the same and rolls back, so it finds every error the real run would (constraints
and scope included). Any error rolls the whole file back: all or nothing. A row whose values already
equal the record's is not written at all, so a re-run changes nothing, history included.
"""

import json
import logging
import re
import threading
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import EmailValidator, MaxLengthValidator
from django.db import DatabaseError, connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import access, bulk, records
from crm.core.audit import audit_context
from crm.core.choices import Channel
from crm.core.imports import parsing, registry
from crm.core.imports.models import MAX_STORED_ERRORS, ImportJob, ImportRowChange, RowAction
from crm.core.imports.widgets import LookupWidget, TextWidget

logger = logging.getLogger(__name__)

# Rows read, checked and written together. Larger chunks keep the writer thread fed: at 2,000
# it waited between chunks; 10,000 made a 50,000-row insert 7-12 % faster (alternating runs,
# 2026-12-04) for about 30 MB more at the peak of a 100,000-row file.
CHUNK_ROWS = 10_000
ROW_CHANGE_FIELDS = ("job", "row", "object_id", "action", "prior", "version_after")
UPDATE_BATCH = 1000
# A chunk is built and written in this many parts (``Run.process``).
WRITE_PARTS = 4
# New rows whose names are compared with existing names (one indexed query each); phones,
# e-mails and INNs of all new rows are compared in bulk.
DUPLICATE_NAME_ROWS = 500
# An import that writes this many rows has its table analysed after the commit (``analyze_soon``).
ANALYZE_AFTER_ROWS = 5000


class _Rollback(Exception):  # noqa: N818
    pass


@dataclass
class Column:
    index: int
    header: str
    field: models.Field
    widget: object
    # the model field's validators the widget has not applied already (``_validators_left``)
    validators: list = field(default_factory=list)
    # text up to this length passes every validator left (they are all length limits): the
    # check is then one len(), not a call of each validator (an INN and a KPP have one)
    plain_limit: int | None = None

    def __post_init__(self):
        if all(
            type(v) is MaxLengthValidator and type(v.limit_value) is int for v in self.validators
        ):
            self.plain_limit = min((v.limit_value for v in self.validators), default=None)


@dataclass
class Outcome:
    """What a check or an import found."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[dict] = field(default_factory=list)
    # likely duplicates of new rows, found by the check: shown, never blocking
    warning_count: int = 0
    warnings: list[dict] = field(default_factory=list)
    # changed values of fields under an approval rule: requested, not written
    proposed: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.message


class Run:
    """One pass over one job's file as its user."""

    def __init__(self, job: ImportJob, *, apply: bool, progress=None):
        self.job, self.apply, self.progress = job, apply, progress
        self.user = job.user
        self.spec = registry.get(job.model)
        self.model = self.spec.model
        self.outcome = Outcome()
        self.seen_keys: dict[tuple, int] = {}
        self.created_pks: set[int] = set()  # rows this (rolled back) pass has written
        # Records that existed before this pass: keys come from a sequence, so rows the check
        # writes (and rolls back) all have higher ones. A NOT IN list of those rows cost a
        # 100,000-row check ~6x its time.
        self.existing_up_to = (
            self.model._default_manager.aggregate(top=models.Max("pk"))["top"] or 0
        )
        self.duplicate_budget = DUPLICATE_NAME_ROWS
        self.matched: dict[int, int] = {}  # record pk → row that matched it
        self.broken = False
        self.now = timezone.now()
        self.can_add = self.user.has_perm(access.permission_name(self.model, "add"))
        self.make = bulk.instance_maker(self.model, now=self.now)
        self.attnames = {f.name: f.attname for f in self.model._meta.concrete_fields}
        self.defaults = self.spec.defaults(self.user) if self.spec.defaults else {}
        self.columns: list[Column] = []
        self.lookups: dict[str, LookupWidget] = {}  # field name → its bound lookup
        self.source = _source(self.user)
        self.governed = records.PROPOSALS.governed(self.model, self.source)
        self.proposals: list[tuple[int, models.Model, dict]] = []  # this chunk's
        self.writer = WriteBehind()
        self.context_set = False  # the history context is set for the writer's statements
        self.new_ids: list[int] = []  # primary keys taken for the chunk's new rows
        self.key_plans = [(k, k.fields_required(), k.fields) for k in self.spec.keys]

    # --- errors ---------------------------------------------------------------------------
    def error(self, row, column, message) -> None:
        self.outcome.error_count += 1
        if len(self.outcome.errors) < MAX_STORED_ERRORS:
            self.outcome.errors.append({"row": row, "column": column, "message": str(message)})

    def warn(self, row, column, message) -> None:
        self.outcome.warning_count += 1
        if len(self.outcome.warnings) < MAX_STORED_ERRORS:
            self.outcome.warnings.append({"row": row, "column": column, "message": str(message)})

    def header_of(self, name: str) -> str:
        for column in self.columns:
            if column.field.name == name:
                return column.header
        return str(self.model._meta.get_field(name).verbose_name)

    # --- preparation ----------------------------------------------------------------------
    def prepare(self) -> bool:
        """Resolve the mapping against the resource and the field policy; False if fatal."""
        mappable = set(self.spec.mappable_fields(self.user))
        resource = self.spec.resource()
        headers = self.job.headers
        used = set()
        for index_text, name in sorted(self.job.mapping.items(), key=lambda i: int(i[0])):
            if not name:
                continue
            index = int(index_text)
            header = headers[index] if index < len(headers) else str(index + 1)
            if name not in mappable or name in used:
                self.error(
                    1,
                    header,
                    _("You may not import into the field “%(field)s”.")
                    % {"field": self.model._meta.get_field(name).verbose_name}
                    if name not in mappable
                    else _("Two columns are mapped to the same field."),
                )
                continue
            used.add(name)
            widget = resource.fields[name].widget
            if isinstance(widget, LookupWidget):
                widget = widget.bind(self.user)
            model_field = self.model._meta.get_field(name)
            if isinstance(widget, LookupWidget):
                self.lookups[name] = widget
            self.columns.append(
                Column(index, header, model_field, widget, _validators_left(model_field, widget))
            )
        if not self.columns and not self.outcome.error_count:
            self.outcome.message = _("Map at least one column to a field.")
        if not any(set(k.fields_required()) <= used for k in self.spec.keys):
            names = [
                " + ".join(str(self.model._meta.get_field(f).verbose_name) for f in k.fields)
                for k in self.spec.keys
            ]
            self.outcome.message = _(
                "Map the columns that identify a record: %(keys)s. Without them a second run "
                "of the same file could not find the records the first one created."
            ) % {"keys": _(" or ").join(names)}
        return not self.outcome.message and not self.outcome.error_count

    # --- the pass ---------------------------------------------------------------------------
    def chunks(self):
        info = parsing.FileInfo(
            kind=self.job.file_kind, encoding=self.job.encoding, delimiter=self.job.delimiter
        )
        rows = parsing.iter_rows(Path(self.job.file.path), info)
        next(rows, None)  # the header
        chunk, number = [], 1
        for cells in rows:
            number += 1
            if number - 1 > parsing.MAX_ROWS:
                raise parsing.FileError(parsing.too_many_rows_message(number - 1))
            chunk.append((number, cells))
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def process(self, rows) -> None:
        parsed = self.convert(rows)  # while the previous chunk's writes run
        keyed = self.keyed(parsed)
        self.writer.settle()
        existing = self.match(keyed)
        allowed = self.changeable(existing)
        # Keys for the chunk's new rows, taken now: a query while the parts are written would
        # wait for them. Those a refused row leaves unused are a gap in the sequence.
        new_rows = 0 if self.broken else len(keyed) - len(existing)
        self.new_ids = bulk.next_ids(self.model, new_rows)
        # Built and written in parts: while the writer runs one part's statements, this
        # thread builds the next, so the database waits for the first part's rows only.
        for start, end in _parts(len(keyed)):
            creates, updates, changes = self.build(keyed[start:end], existing, allowed)
            if self.broken:
                continue  # every row is still checked; nothing more is written
            if creates or updates:
                if creates and not self.apply and self.spec.duplicates is not None:
                    self.find_duplicates(creates)
                self.write(creates, updates, changes)
                self.created_pks.update(obj.pk for _number, obj in creates)
            self.propose()

    def propose(self) -> None:
        """Changed values of fields under an approval rule become one change request per
        record (a real import only; the check counts them)."""
        pending, self.proposals = self.proposals, []
        if not self.apply or not pending:
            return
        self.writer.settle()  # proposals name written records
        if self.broken:
            return
        for number, obj, values in pending:
            records.PROPOSALS.propose(
                self.user,
                obj,
                values,
                source=self.source,
                channel=Channel.IMPORT,
                comment=_("Import no. %(job)s, row %(row)s") % {"job": self.job.pk, "row": number},
                import_job=self.job.pk,
                governing=self.governed,
            )

    def find_duplicates(self, creates) -> None:
        """Warn about new rows that look like records the user can already see."""
        found = self.spec.duplicates(
            self.user, creates, existing_up_to=self.existing_up_to, name_rows=self.duplicate_budget
        )
        self.duplicate_budget = max(0, self.duplicate_budget - len(creates))
        for number, field_name, message in found:
            self.warn(number, self.header_of(field_name) if field_name else "", message)

    def convert(self, rows) -> list[tuple[int, dict]]:
        for column in self.columns:
            if isinstance(column.widget, LookupWidget):
                texts = [cells[column.index] for _n, cells in rows if column.index < len(cells)]
                if column.widget.unloaded(texts):  # a query: the previous chunk's writes first
                    self.writer.settle()
                    column.widget.preload(texts)
        parsed = []
        for number, cells in rows:
            if not any(parsing.cell_text(c) for c in cells):
                continue
            self.outcome.rows += 1
            values, ok = {}, True
            for column in self.columns:
                raw = cells[column.index] if column.index < len(cells) else None
                try:
                    value = self.finish(column, column.widget.clean(raw))
                except ValidationError as error:
                    for message in error.messages:
                        self.error(number, column.header, message)
                    ok = False
                    continue
                values[column.field.name] = value
            if ok:
                parsed.append((number, values))
        return parsed

    def finish(self, column: Column, value):
        """The widget's value as the field stores it, checked by the field's validators."""
        if value.__class__ is str and value:
            limit = column.plain_limit
            if not column.validators or (limit is not None and len(value) <= limit):
                return value  # what the steps below return for it: most cells of a file
        model_field = column.field
        if value is None and isinstance(model_field, models.CharField | models.TextField):
            value = "" if not model_field.null else value
        if value in (None, ""):
            if not model_field.blank:
                raise ValidationError(_("A value is required."))
            return value
        if isinstance(model_field, models.CharField) and not isinstance(value, str):
            value = str(value)
        problems = []
        for validator in column.validators:  # as Field.run_validators, for fewer of them
            try:
                validator(value)
            except ValidationError as error:
                if getattr(error, "code", None) in model_field.error_messages:
                    error.message = model_field.error_messages[error.code]
                problems.extend(error.error_list)
        if problems:
            raise ValidationError(problems)
        return value

    def key_of(self, values: dict):
        for key, required, fields in self.key_plans:
            for name in required:
                if values.get(name) in (None, ""):
                    break
            else:
                names = tuple(f for f in fields if f in values)
                return key, names, tuple([key.normalise(values[f]) for f in names])
        return None

    def keyed(self, parsed):
        keyed = []
        for number, values in parsed:
            found = self.key_of(values)
            if found is None:
                names = [self.header_of(f) for f in self.spec.keys[-1].fields_required()]
                self.error(
                    number,
                    ", ".join(names),
                    _("The row has no value that identifies the record (%(what)s).")
                    % {"what": ", ".join(names)},
                )
                continue
            key, names, value = found
            first = self.seen_keys.get((key.name, names, value))
            if first is not None:
                self.error(
                    number,
                    ", ".join(self.header_of(f) for f in names),
                    _("The same record as in row %(first)s: each record may appear only once.")
                    % {"first": first},
                )
                continue
            self.seen_keys[(key.name, names, value)] = number
            keyed.append((number, values, found))
        return keyed

    def match(self, keyed) -> dict[int, models.Model]:
        """Row number → the existing record it updates (loaded, and locked when applying)."""
        manager = self.model._default_manager
        result: dict[int, models.Model] = {}
        pending = list(keyed)
        for key in self.spec.keys:
            wanted = {}
            for number, values, found in pending:
                if found[0] is key:  # keyed() normalised this key's values already
                    wanted[number] = found[1:]
                elif all(values.get(f) not in (None, "") for f in key.fields_required()):
                    names = tuple(f for f in key.fields if f in values)
                    wanted[number] = (names, tuple(key.normalise(values[f]) for f in names))
            if not wanted:
                continue
            lookup = key.lookup_field()
            raw = sorted(
                {v[1][v[0].index(lookup)] for v in wanted.values()} if lookup else set(), key=str
            )
            meta = self.model._meta
            name_sets = {
                names: [meta.get_field(f).attname for f in names]
                for names in {v[0] for v in wanted.values()}
            }
            normalise = key.normalise
            index: dict[tuple, dict] = {}  # (names, values) → {pk: record}
            for start in range(0, len(raw), 5000):
                part = raw[start : start + 5000]
                queryset = manager.filter(**{f"{lookup}__any": part})
                if self.apply:
                    queryset = queryset.select_for_update(of=("self",))
                for obj in bulk.fetch_instances(queryset.order_by("pk")):
                    for names, attnames in name_sets.items():
                        objkey = tuple(normalise(getattr(obj, a)) for a in attnames)
                        index.setdefault((names, objkey), {}).setdefault(obj.pk, obj)
            still = []
            for entry in pending:
                number = entry[0]
                if number not in wanted:
                    still.append(entry)
                    continue
                objs = list(index.get(wanted[number], {}).values())
                if len(objs) > 1:
                    self.error(
                        number,
                        ", ".join(self.header_of(f) for f in wanted[number][0]),
                        _(
                            "Several existing records have these values; add a column that "
                            "tells them apart (e.g. the ERP key)."
                        ),
                    )
                    result[number] = None
                elif objs:
                    result[number] = objs[0]
                else:
                    still.append(entry)
            pending = still
        return result

    def changeable(self, existing) -> set[int]:
        """Which of the matched records the user may change (one query for the chunk)."""
        pks = [obj.pk for obj in existing.values() if obj is not None]
        if not pks:
            return set()
        return set(
            access.restrict(
                self.model._default_manager.filter(pk__any=pks), self.user, "change"
            ).values_list("pk", flat=True)
        )

    def build(self, keyed, existing, allowed):
        creates, updates, changes = [], [], []
        for number, values, (_key, names, _value) in keyed:
            if number in existing:
                obj = existing[number]
                if obj is None:
                    continue
                where = ", ".join(self.header_of(f) for f in names)
                if obj.pk not in allowed:
                    self.error(number, where, _("The row matches a record you may not change."))
                    continue
                first = self.matched.get(obj.pk)
                if first is not None:
                    self.error(
                        number,
                        where,
                        _("Rows %(first)s and %(row)s update the same record.")
                        % {"first": first, "row": number},
                    )
                    continue
                self.matched[obj.pk] = number
                changed = self.update_one(number, obj, values)
                if changed is None:
                    continue
                if changed:
                    updates.append((number, obj, changed[0]))
                    changes.append((number, obj, RowAction.UPDATED, changed[1]))
                else:
                    self.outcome.unchanged += 1
            else:
                obj = self.create_one(number, values)
                if obj is not None:
                    creates.append((number, obj))
        return creates, updates, changes

    def update_one(self, number, obj, values):
        """Set the row's values on the record: None on error, else (changed, prior values)."""
        changed, prior, proposed = [], {}, {}
        attnames = self.attnames
        for name, value in values.items():
            attname = attnames[name]
            current = getattr(obj, attname)
            if current == value:
                continue
            if name in self.lookups and self.switched_off(number, name, value):
                return None
            if name in self.governed:
                proposed[name] = value  # requested after the write, never written here
                continue
            prior[attname] = current
            setattr(obj, attname, value)
            changed.append(name)
        if proposed:
            self.proposals.append((number, obj, proposed))
            self.outcome.proposed += len(proposed)
        if not changed:
            return []
        meta = self.model._meta
        extras = []
        if self.spec.before_save:
            stamps = {f: getattr(obj, meta.get_field(f).attname) for f in self.spec.stamp_fields}
            for extra in self.spec.before_save(obj, set(changed), False, self.now):
                prior.setdefault(meta.get_field(extra).attname, stamps.get(extra))
                extras.append(extra)
        if not self.clean(number, obj):
            return None
        # A value the model's clean() derives back is no change (an outlet's plan names the
        # outlet's dealer, whatever the row's dealer cell says): a re-run stays unchanged.
        changed = [
            name for name in changed if getattr(obj, attnames[name]) != prior[attnames[name]]
        ]
        if not changed:
            return []
        return changed + extras, prior

    def create_one(self, number, values):
        if not self.can_add:
            self.error(
                number,
                "",
                _("The row matches no existing record, and you may not create new ones."),
            )
            return None
        if [n for n in self.lookups if self.switched_off(number, n, values.get(n))]:
            return None  # each such column named
        data = {**self.defaults}
        for name, value in values.items():
            attname = self.attnames[name]
            if value in (None, "") and attname in data:
                continue  # an empty cell keeps the default of a new record (its manager...)
            data[attname] = value
        obj = self.make(data)
        missing = [
            f
            for f in (*self.spec.required, *self._required_fields())
            if getattr(obj, self.model._meta.get_field(f).attname) in (None, "")
        ]
        for name in dict.fromkeys(missing):
            self.error(
                number,
                self.header_of(name),
                _("A new record needs a value here; map this column and fill it."),
            )
        if missing:
            return None
        if self.spec.before_save:
            self.spec.before_save(obj, set(values), True, self.now)
        if not self.clean(number, obj):
            return None
        return obj

    def switched_off(self, number, name, value) -> bool:
        """Whether ``value`` of the lookup field ``name`` is switched off in its dictionary
        (an error for the row). As in a form: a record keeps such a value (the caller asks
        only for a change), but none is given one."""
        widget = self.lookups[name]
        if value is None or value not in widget.inactive:
            return False
        self.error(
            number,
            self.header_of(name),
            _(
                "“%(value)s” is switched off in the dictionary of %(what)s and can no longer be "
                "chosen; choose a value in use."
            )
            % {"value": widget.inactive[value], "what": widget.model._meta.verbose_name_plural},
        )
        return True

    def _required_fields(self):
        cached = getattr(self, "_required", None)
        if cached is None:
            cached = self._required = [
                f.name
                for f in self.model._meta.concrete_fields
                if not f.blank and not f.has_default() and not f.primary_key and f.editable
            ]
        return cached

    def clean(self, number, obj) -> bool:
        try:
            obj.clean()
            if self.spec.validate is not None:
                self.spec.validate(obj)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages in error.message_dict.items():
                    column = self.header_of(name) if name != "__all__" else ""
                    for message in messages:
                        self.error(number, column, message)
            else:
                for message in error.messages:
                    self.error(number, "", message)
            return False
        return True

    # --- writing ---------------------------------------------------------------------------
    def write(self, creates, updates, changes) -> None:
        """Plan the chunk's statements and hand them to the writer, which runs them while the
        next chunk is read; ``written`` takes their outcome."""
        if not self.context_set:
            with connection.cursor() as cursor:
                # Through Django's cursor: the transaction's history context and COPY flag,
                # for the writer's statements, which go through the driver directly. Once:
                # both hold to the end of the transaction (set outside any savepoint), and a
                # statement here would wait for the batches in flight.
                cursor.execute(bulk.BULK_COPY_FLAG)
            self.context_set = True
        steps = []
        if creates:
            ids, self.new_ids = self.new_ids[: len(creates)], self.new_ids[len(creates) :]
            table, columns, rows = bulk.insert_plan(self.model, [o for _n, o in creates], ids)
            steps.append(_copy(bulk.copy_sql(table, columns), rows))
        for start in range(0, len(updates), UPDATE_BATCH):
            batch = updates[start : start + UPDATE_BATCH]
            names = sorted({name for _n, _o, changed in batch for name in changed})
            objs = [obj for _n, obj, _c in batch]
            steps.append(_execute(*fields_update_sql(self.model, objs, names, now=self.now)))
        rows = {obj.pk: n for n, obj in creates} | {obj.pk: n for n, obj, _c in updates}
        recheck = self.scope_query(list(rows))
        recheck_at = len(steps) if recheck is not None else None
        if recheck is not None:
            steps.append(_fetch(*recheck))
        if self.apply:
            steps.append(self.log_step(creates, changes))
        self.writer.submit(
            steps,
            lambda results, error: self.written(creates, updates, rows, recheck_at, results, error),
        )

    def written(self, creates, updates, rows, recheck_at, results, error) -> None:
        if error is not None:
            logger.warning("import %s: the database refused a chunk: %s", self.job.pk, error)
            numbers = [n for n, *_rest in (*creates, *updates)]
            first, last = min(numbers), max(numbers)
            detail = str(error).splitlines()[0][:200]
            if first == last:
                message = _(
                    "The database refused row %(row)s (%(detail)s). Check it for values that "
                    "clash with existing records."
                ) % {"row": first, "detail": detail}
            else:
                message = _(
                    "The database refused rows %(first)s–%(last)s (%(detail)s). Check these "
                    "rows for values that clash with existing records."
                ) % {"first": first, "last": last, "detail": detail}
            self.error(first, "", message)
            self.broken = True
            return
        bulk.mark_saved([obj for _n, obj in creates])
        if recheck_at is not None:
            visible = {pk for (pk,) in results[recheck_at]}
            for pk in sorted(set(rows) - visible, key=rows.get):
                self.error(
                    rows[pk],
                    "",
                    _(
                        "After the import this record would be outside the records you may "
                        "see (check the region, unit and manager columns). Nothing was "
                        "imported."
                    ),
                )
        self.outcome.created += len(creates)
        self.outcome.updated += len(updates)
        if self.apply and self.spec.after_write is not None:
            self.spec.after_write(
                [obj for _n, obj in creates], [(obj, names) for _n, obj, names in updates]
            )

    def log_step(self, creates, changes):
        """What undo needs: each created record, and each updated one with its prior values."""
        job = self.job.pk
        rows = [
            (job, number, obj.pk, RowAction.CREATED, "{}", getattr(obj, "version", None))
            for number, obj in creates
        ] + [
            (
                job,
                number,
                obj.pk,
                action,
                json.dumps(prior, cls=DjangoJSONEncoder, ensure_ascii=False),
                getattr(obj, "version", None),
            )
            for number, obj, action, prior in changes
        ]
        meta = ImportRowChange._meta
        columns = [meta.get_field(n).column for n in ROW_CHANGE_FIELDS]
        return _copy(bulk.copy_sql(meta.db_table, columns), rows)

    def scope_query(self, pks):
        """The statement that finds which of ``pks`` the user still sees after the write, or
        None when the user sees every row (none can have left the scope)."""
        condition = access.row_filter(self.model, self.user, "view")
        if not condition:
            return None
        queryset = (
            self.model._default_manager.filter(pk__any=pks).filter(condition).values_list("pk")
        )
        return queryset.query.sql_with_params()


def _parts(count: int) -> list[tuple[int, int]]:
    """The bounds of a chunk's ``WRITE_PARTS`` parts. The first is a small one (an eighth of
    the chunk): the database has nothing to do until it is built, and the rest are built
    while it is written."""
    if count <= 0:
        return []
    first = min(count, max(1, -(-count // (2 * WRITE_PARTS))))
    rest = count - first
    size = max(1, -(-rest // (WRITE_PARTS - 1))) if rest else 1
    return [(0, first)] + [(s, min(s + size, count)) for s in range(first, count, size)]


class WriteBehind:
    """Runs the pass's writes on a thread of its own while the pass reads, converts and builds
    the next rows: PostgreSQL maintains indexes and fires history triggers on one core while
    Python parses on the other (a 100,000-row import spent about half its time in each).

    The thread runs the statements on the pass's own connection, inside its transaction,
    through the driver's connection (Django's wrapper belongs to the thread that opened it).
    Batches queue up and run in the order they were submitted, and ``settle`` waits for all
    of them before the pass touches the database again, so the pass reads what they wrote, as
    if it had waited: the pass settles where it reads, and inside the block every statement
    run through Django's connection settles first too (an execute wrapper), so a query added
    later cannot overtake a batch. A refused batch rolls the pass back to the savepoint it
    opened (``_SAVEPOINT``), which leaves the transaction usable, and the batches queued after
    it are not run.
    """

    def __init__(self):
        self.pool: ThreadPoolExecutor | None = None
        self.pending: list[tuple[futures.Future, object]] = []
        self.failed = threading.Event()
        self.guard = None

    def submit(self, steps, after) -> None:
        """Queue ``steps`` (callables of a cursor), to run in order; later, at ``settle``,
        ``after(results, error)``."""
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-write")
        connection.ensure_connection()
        future = self.pool.submit(_run_steps, connection.connection, steps, self.failed)
        self.pending.append((future, after))

    def settle(self) -> None:
        """Wait for every queued batch, then give each ``after`` its outcome (in this
        thread, in order). A batch skipped after a refused one gets no ``after``."""
        pending, self.pending = self.pending, []
        # All of them first: an ``after`` may query (an import's after_write queues tasks),
        # and the connection is the writer's until its queue is empty.
        futures.wait([future for future, _after in pending])
        for future, after in pending:
            try:
                with connection.wrap_database_errors:  # the driver's errors as Django's
                    results = future.result()
            except _Skipped:
                continue
            except DatabaseError as error:
                after(None, error)
                continue
            after(results, None)

    def _settled(self, execute, sql, params, many, context):
        self.settle()
        return execute(sql, params, many, context)

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
        self.guard = connection.execute_wrapper(self._settled)
        self.guard.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        """Never leave the transaction with a batch in flight: its statements would run
        after the commit or rollback. On an error the batches' outcome does not matter."""
        try:
            if self.pending:
                if exc_type is not None:
                    self.failed.set()  # the queued batches need not run
                futures.wait([future for future, _after in self.pending])
                if exc_type is None:
                    self.settle()
                self.pending = []
        finally:
            if self.guard is not None:
                self.guard.__exit__(None, None, None)
                self.guard = None
            if self.pool is not None:
                self.pool.shutdown(wait=True)
                self.pool = None


class _Skipped(Exception):  # noqa: N818
    """A batch queued after one the database refused: not run."""


# Opened once when the pass begins (``WriteBehind.__enter__``). A refused batch rolls the
# pass's writes back to it, and the transaction stays usable for the rest of the check, as
# ``atomic`` leaves it: every row is reported, and nothing is written anyway. One savepoint,
# not one per batch: past 64 subtransactions PostgreSQL's snapshots overflow, which slows
# every other session's reads.
_SAVEPOINT = "crm_import_pass"


def _run_steps(raw, steps, failed) -> list:
    if failed.is_set():
        raise _Skipped
    with raw.cursor() as cursor:
        try:
            return [step(cursor) for step in steps]
        except Exception:
            failed.set()
            cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            raise


def _copy(sql, rows):
    # Encoded here, on the pass's thread, which waits for the writer anyway: on the writer's
    # thread the encoding held the interpreter between the writes (2.7 of the 17.5 s its
    # thread was busy in a 100,000-row import).
    data = bulk.copy_text(rows)

    def step(cursor):
        bulk.copy_bytes(cursor, sql, data)

    return step


def _execute(sql, params):
    def step(cursor):
        cursor.execute(sql, params)

    return step


def _fetch(sql, params):
    def step(cursor):
        cursor.execute(sql, params)
        return cursor.fetchall()

    return step


def fields_update(model, objs, names: list[str], *, now, bump_version: bool = True) -> None:
    """UPDATE many rows to their objects' values of ``names`` in one statement per batch;
    the version goes up by one and updated_at is stamped (the objects get both too)."""
    sql, params = fields_update_sql(model, objs, names, now=now, bump_version=bump_version)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def fields_update_sql(model, objs, names: list[str], *, now, bump_version: bool = True):
    """The statement ``fields_update`` runs and its parameters; the objects get their new
    version and stamp now.

    The values travel as one array per column (``FROM unnest(%s::type[], ...)``) where every
    column is of a plain type: no placeholder per value to build, send and parse. Other
    columns (JSON, arrays) go as ``FROM (VALUES ...)`` rows."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = meta.pk
    columns = [meta.get_field(name) for name in names]
    versioned = bump_version and any(f.name == "version" for f in meta.concrete_fields)
    sets = [f'{quote(f.column)} = v."c{i}"' for i, f in enumerate(columns)]
    if versioned:
        sets += ['"version" = t."version" + 1', '"updated_at" = %s']
    aliases = ", ".join(["pk"] + [f"c{i}" for i in range(len(columns))])
    types = [pk.rel_db_type(connection)] + [f.cast_db_type(connection) for f in columns]
    if all(bulk.is_plain(f) for f in columns):
        arrays = [[obj.pk for obj in objs]] + [
            [getattr(obj, f.attname) for obj in objs] for f in columns
        ]
        source = "unnest({})".format(", ".join(f"%s::{t}[]" for t in types))
        params = arrays
    else:
        row = "({})".format(", ".join(f"%s::{t}" for t in types))
        source = "(VALUES {})".format(", ".join([row] * len(objs)))
        params = []
        for obj in objs:
            params.append(obj.pk)
            for f in columns:
                params.append(f.get_db_prep_save(getattr(obj, f.attname), connection))
    if versioned:
        for obj in objs:
            obj.version += 1
            obj.updated_at = now
        params = [now, *params]  # the updated_at parameter comes before the values
    # Quoted identifiers from the model; every value is a parameter.
    sql = (
        f"UPDATE {table} AS t SET {', '.join(sets)} "  # noqa: S608
        f"FROM {source} AS v({aliases}) "
        f"WHERE t.{quote(pk.column)} = v.pk"
    )
    return sql, params


class Progress:
    """Writes a job's progress on a connection of its own, so the page polling it sees the
    numbers while the import's own transaction is still open. Best effort: never blocks."""

    def __init__(self, job_id: int, every: int = 5000):
        self.job_id, self.every, self.last = job_id, every, 0
        self.connection = None

    def __call__(self, done: int, final: bool = False) -> None:
        if not final and done - self.last < self.every:
            return
        self.last = done
        try:
            if self.connection is None:
                self.connection = connections.create_connection("default")
                with self.connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '500ms'")
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET rows_done = %s WHERE id = %s",  # noqa: S608
                    [done, self.job_id],
                )
        except DatabaseError as error:
            logger.info("import %s: progress not written: %s", self.job_id, error)

    def close(self):
        if self.connection is not None:
            self.connection.close()


def execute(job: ImportJob, *, apply: bool, progress: bool = False, on_success=None) -> Outcome:
    """Check (``apply=False``, always rolled back) or import the job's file as its user.

    ``on_success(outcome)`` runs inside the import's transaction, so the job's "done" and the
    rows it wrote commit together (a task delivered twice finds the job done).
    """
    run = Run(job, apply=apply)
    if not run.prepare():
        return run.outcome
    tracker = Progress(job.pk) if progress else None
    source = _source(job.user)
    try:
        with (
            transaction.atomic(),
            audit_context(source=source, channel=Channel.IMPORT, user=job.user, import_job=job.pk),
            run.writer,
        ):
            with connection.cursor() as cursor:
                # Foreign keys are checked as each chunk is written, not at the commit: a
                # dry run (rolled back, so never committed) finds a broken reference as the
                # import would, the chunk that broke it is named, and the checks run on the
                # writer's thread beside the parsing instead of after it.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            done = 0
            for chunk in run.chunks():
                run.process(chunk)
                done += len(chunk)
                if tracker:
                    tracker(done)
            run.writer.settle()
            if tracker:
                tracker(done, final=True)
            if run.outcome.error_count or not apply:
                raise _Rollback
            if run.outcome.proposed:
                records.PROPOSALS.announce_import(job.pk)
            if on_success is not None:
                on_success(run.outcome)
            if run.outcome.created + run.outcome.updated >= ANALYZE_AFTER_ROWS:
                analyze_soon(run.model)
            with connection.cursor() as cursor:
                # Back to each constraint's own mode for the rest of a caller's transaction
                # (a rolled-back block restores it itself). Every deferrable constraint here
                # is initially deferred, as Django makes foreign keys; a test holds that.
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    except _Rollback:
        pass
    except parsing.FileError as error:
        run.outcome.message = str(error.message)
    finally:
        if tracker:
            tracker.close()
    if apply and not run.outcome.ok:
        run.outcome.created = run.outcome.updated = 0  # rolled back: nothing was written
    return run.outcome


def analyze_soon(model) -> None:
    """Queue ``analyze_table`` for after the commit (in the caller's transaction): the import
    is done, and its notification sent, without waiting the second ANALYZE takes on a
    300,000-row table."""
    from crm.core.outbox import enqueue

    enqueue("core.analyze_table", model=model._meta.label_lower)


class _EagerEmailValidator(EmailValidator):
    """Django's e-mail check with its patterns compiled up front. Django keeps them in lazy
    objects, and every match went through the proxy: 36 us an address, 0.7 s of 20,000 rows."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(
        EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags
    )
    literal_regex = re.compile(
        EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags
    )


def _eager(validator):
    if type(validator) is EmailValidator:
        return _EagerEmailValidator(
            message=validator.message, code=validator.code, allowlist=validator.domain_allowlist
        )
    return validator


def _validators_left(model_field, widget) -> list:
    """The model field's validators less those its widget has applied already: a requisite's
    checker (each INN was checksummed twice) and, for plain text, the length limit."""
    checker = getattr(widget, "checker", None)
    left = []
    for validator in model_field.validators:
        if checker is not None and validator is checker:
            continue
        if (
            type(widget) is TextWidget
            and isinstance(validator, MaxLengthValidator)
            and widget.max_length is not None
            and widget.max_length <= validator.limit_value
        ):
            continue
        left.append(_eager(validator))
    return left


def analyze_table(model) -> None:
    """Fresh planner statistics for a table a big import (or its undo) just wrote.
    Autovacuum gets to it within minutes, or later when its workers are busy with larger
    tables; meanwhile the planner counts the new rows as none (or the removed ones as
    there). After 53,000 dealers' plans were loaded, the region report's query against them
    took 5.6 s instead of 37 ms until the table was analysed."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _source(user):
    from crm.accounts.roles import source_for_user

    return source_for_user(user)
