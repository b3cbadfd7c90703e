"""Bulk writes through ``COPY ... FROM STDIN``: the demo's benchmark volume, the import
wizard's new rows and (later) the ERP sync's staging tables.

``bulk_create`` compiles one placeholder and one adapted parameter per row and field: at
100,000 rows that is most of an import's Python time. COPY takes the rows as one text stream.
Rows are written in PostgreSQL's text format (tab-separated, ``\\N`` for NULL, backslash
escapes), so any value, a literal ``\\N`` included, arrives exactly as it was.

Row triggers fire for COPY as for INSERT. Django's cursor wrappers (the history context of
``pghistory``, ``pgtrigger.ignore``) do not see ``copy_expert``; ``copy_rows`` first runs one
statement through Django's cursor so that what they set for the transaction holds for the
COPY too.
"""

import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import signals
from django.utils import timezone

CHUNK_ROWS = 5000
# Set (for the transaction) before every COPY: triggers that must not run per copied row test it.
BULK_COPY_FLAG = "SET LOCAL crm.bulk_copy = 'on'"
NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    # str.translate walks every character through a dict: ten times slower than four
    # substring tests, and almost no value needs an escape.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _null(_value) -> str:
    return NULL


# Exact types only (a bool is an int, a datetime a date): subclasses take the general path.
_ENCODERS = {
    str: _text,
    type(None): _null,
    int: int.__str__,
    Decimal: Decimal.__str__,
    bool: lambda value: "t" if value else "f",
    date: date.isoformat,
    datetime: datetime.isoformat,
}


def encode(value) -> str:
    """One value in COPY text format."""
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    if value is None:
        return NULL
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    return _text(str(value))


class _Stream(io.RawIOBase):
    """A file whose read() pulls text chunks from a generator."""

    def __init__(self, chunks: Iterable[str]):
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk.encode()
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _chunks(rows: Iterable[Sequence]) -> Iterable[str]:
    lines = []
    for row in rows:
        lines.append("\t".join(map(encode, row)))
        if len(lines) >= CHUNK_ROWS:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


def copy_sql(table: str, columns: Sequence[str]) -> str:
    """The ``COPY ... FROM STDIN`` statement for ``columns`` of ``table``."""
    quote = connection.ops.quote_name
    return f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"


def copy_in(cursor, sql: str, rows: Iterable[Sequence]) -> None:
    """Run ``sql`` (from ``copy_sql``) on a driver cursor, ``rows`` encoded as they are read,
    never all at once."""
    cursor.copy_expert(sql, _Stream(_chunks(rows)), size=65536)


def copy_text(rows: Iterable[Sequence]) -> bytes:
    """``rows`` in COPY text format, encoded at once: for a caller that sends them from another
    thread (``copy_bytes``), so that thread does not contend for the interpreter to encode."""
    return "".join(_chunks(rows)).encode()


def copy_bytes(cursor, sql: str, data: bytes) -> None:
    """Run ``sql`` (from ``copy_sql``) on a driver cursor with rows ``copy_text`` encoded."""
    cursor.copy_expert(sql, io.BytesIO(data), size=65536)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write ``rows`` (sequences of Python values, in ``columns`` order) into ``table``."""
    with connection.cursor() as cursor:
        # Through Django's cursor: carries the history context and trigger switches of the
        # transaction (SET LOCAL is not among the statements pghistory leaves alone).
        cursor.execute(BULK_COPY_FLAG)
        with connection.wrap_database_errors:  # IntegrityError etc. as Django's, like execute
            copy_in(cursor.cursor, copy_sql(table, columns), rows)


_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,  # DateTimeField included
    models.DecimalField,
    models.FloatField,
    models.UUIDField,
    models.ForeignKey,
)


def is_plain(field: models.Field) -> bool:
    """Whether the field's Python value is what the database stores (psycopg2 adapts it):
    text, numbers, dates, booleans, UUIDs and keys; not JSON, arrays or custom fields."""
    return isinstance(field, _PLAIN_FIELDS)


def _converter(field: models.Field):
    """value → what ``encode`` should write, for one model field (chosen once per field)."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def dump(value):
            return None if value is None else json.dumps(value, cls=encoder, ensure_ascii=False)

        return dump
    if is_plain(field):
        return None  # the attribute as it is
    return lambda value: field.get_db_prep_save(value, connection)


def _has_init_signals(model: type[models.Model]) -> bool:
    """Whether something listens to the model's pre_init or post_init: the fast builders
    below skip ``Model.__init__`` and so those signals, and fall back to the ORM then."""
    return signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)


def _bare(model: type[models.Model], *, adding: bool, db: str | None) -> models.Model:
    """An instance with only its state set; the caller fills its ``__dict__``."""
    obj = model.__new__(model)
    obj.__dict__["_state"] = state = models.base.ModelState()
    state.adding, state.db = adding, db
    return obj


def instance_maker(model: type[models.Model], *, now=None):
    """A constructor of new, unsaved instances from attribute names (``region_id``, not
    ``region``): ``make({"name": ...})`` gives what ``model(name=...)`` gives, every other
    field at its default, in a tenth of the time. ``Model.__init__`` walks every field and
    its descriptors per call, and an import builds 100,000 of them: 1.4 s of a 100,000-row
    file's organisations went there. Models with init signals get the ordinary constructor.

    ``now``, when given, is the value of every field whose default is ``timezone.now``: one
    moment for a whole batch, as PostgreSQL's ``now()`` is one per transaction (two calls a
    row cost an organisation import 10 µs a row, most of it reading ``settings.USE_TZ``).
    """
    if _has_init_signals(model):
        return lambda values: model(**values)
    fixed, computed = {}, []
    for f in model._meta.concrete_fields:
        if now is not None and f.has_default() and f.default is timezone.now:
            fixed[f.attname] = now
        elif f.has_default() and callable(f.default):
            computed.append((f.attname, f.default))  # a fresh value per instance (dict, uuid4)
        else:
            fixed[f.attname] = f.get_default()
    known = set(fixed) | {name for name, _default in computed}

    def make(values: dict):
        unknown = values.keys() - known
        if unknown:
            raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
        obj = _bare(model, adding=True, db=None)
        state = obj.__dict__
        state.update(fixed)
        for name, default in computed:
            state[name] = default()
        state.update(values)
        return obj

    return make


def fetch_instances(queryset) -> list[models.Model]:
    """The queryset's records as instances, built the way ``instance_maker`` builds new ones.

    The ORM's iterator spends ~25 µs a row on an organisation (30 fields): 2.5 s of an
    import matching 100,000 rows, three times the query's own time, and on a list page its
    51 rows with their region and manager (``select_related``) cost twice the query. This
    reads the rows with the queryset's own SQL and fills each instance's ``__dict__``
    directly: columns left out by ``only()`` stay deferred and related rows are cached on
    their instance, as the ORM does. Anything the fast path does not reproduce (field
    converters, annotations, prefetches, inherited parents, custom descriptors, an
    overridden ``from_db``, init signals) falls back to iterating the queryset.
    """
    statement = fetch_statement(queryset)
    if statement is None:
        return list(queryset)
    return statement.fetch()


class FetchStatement(NamedTuple):
    """A queryset compiled for ``fetch_instances``: run again, it reads the same rows into
    new instances without the queryset (a list remembers its first page's; the SQL of no
    statement is ``None``: the queryset can match nothing)."""

    sql: str | None
    params: tuple
    plan: tuple | None
    db: str

    def fetch(self) -> list[models.Model]:
        if self.sql is None:
            return []
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        plan, db = self.plan, self.db
        return [_built(plan, row, db) for row in rows]


def fetch_statement(queryset) -> FetchStatement | None:
    """The queryset compiled for the fast path of ``fetch_instances``; None where that path
    does not apply (the caller iterates the queryset)."""
    if (
        queryset._result_cache is not None
        or queryset._iterable_class is not models.query.ModelIterable
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
        or queryset.query.combinator
    ):
        return None
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return FetchStatement(None, (), None, queryset.db)
    queryset.__dict__["_crm_statement"] = (sql, params)
    columns = [column for column, _sql, _alias in compiler.select]
    if compiler.annotation_col_map or compiler.get_converters(columns):
        return None
    plan = _fetch_plan(compiler.klass_info, compiler.select)
    if plan is None:
        return None
    return FetchStatement(sql, tuple(params), plan, queryset.db)


def statement_of(queryset) -> tuple[str, tuple]:
    """The SQL and parameters ``fetch_instances`` read the queryset with, or would read it
    with: compiled once per queryset object (a list keys what it remembers about a page's
    rows on it, without compiling a statement of its own)."""
    statement = queryset.__dict__.get("_crm_statement")
    if statement is None:
        statement = queryset.query.sql_with_params()
        queryset.__dict__["_crm_statement"] = statement
    return statement


def _fetch_plan(klass_info, select) -> tuple | None:
    """(model, first column, last column, attnames, pk position, related plans) of one
    model of a query and those it selects with it, or None where the fast path does not
    apply."""
    if not klass_info or klass_info.get("from_parent"):
        return None
    model = klass_info["model"]
    if model.from_db.__func__ is not models.Model.from_db.__func__ or _has_init_signals(model):
        return None
    positions = klass_info["select_fields"]
    start, end = positions[0], positions[-1] + 1
    if list(positions) != list(range(start, end)):
        return None
    attnames = []
    for column, _sql, _alias in select[start:end]:
        target = getattr(column, "target", None)
        if target is None or type(_descriptor(model, target.attname)) not in _PLAIN_DESCRIPTORS:
            return None
        attnames.append(target.attname)
    related = []
    for info in klass_info.get("related_klass_infos", ()):
        plan = _fetch_plan(info, select)
        if plan is None:
            return None
        related.append((plan, info["local_setter"], info["remote_setter"]))
    pk = model._meta.pk.attname
    if pk not in attnames:
        return None
    return model, start, end, attnames, attnames.index(pk), related


def _built(plan, row, db) -> models.Model:
    model, start, end, attnames, _pk, related = plan
    obj = _bare(model, adding=False, db=db)
    obj.__dict__.update(zip(attnames, row[start:end], strict=True))
    for sub, local_setter, remote_setter in related:
        if row[sub[1] + sub[4]] is None:  # no related row (a NULL key, outer join)
            local_setter(obj, None)
            continue
        other = _built(sub, row, db)
        local_setter(obj, other)
        remote_setter(other, obj)
    return obj


def _descriptor(model, attname: str):
    for klass in model.__mro__:
        if attname in klass.__dict__:
            return klass.__dict__[attname]
    return None


_PLAIN_DESCRIPTORS = (
    models.query_utils.DeferredAttribute,
    models.fields.related_descriptors.ForeignKeyDeferredAttribute,
)


def insert_objects(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT unsaved instances by COPY; each gets its primary key (from the table's sequence),
    like ``bulk_create`` on PostgreSQL. Defaults are the instances' own (set by ``__init__``);
    ``auto_now``/``auto_now_add`` fields are stamped."""
    if not objs:
        return
    table, columns, rows = insert_plan(model, objs)
    copy_rows(table, columns, rows)
    mark_saved(objs)


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys from the table's sequence, in one query."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_plan(
    model: type[models.Model], objs: Sequence[models.Model], ids: Sequence[int] | None = None
):
    """What ``insert_objects`` writes, for a caller that runs the COPY itself: the table, its
    columns and the rows (a generator). The instances get their primary keys (``ids``, taken
    earlier with ``next_ids``, or one query now) and stamps now; ``mark_saved`` once the rows
    are written."""
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not getattr(f, "generated", False)]
    stamped = [f for f in fields if getattr(f, "auto_now", 0) or getattr(f, "auto_now_add", 0)]
    converters = [(f.attname, _converter(f)) for f in fields]
    if ids is None:
        ids = next_ids(model, len(objs))
    for obj, new_id in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, new_id)
        for field in stamped:
            field.pre_save(obj, add=True)

    attnames = [attname for attname, _convert in converters]
    converted = [(i, convert) for i, (_a, convert) in enumerate(converters) if convert]

    def rows():
        for obj in objs:
            state = obj.__dict__
            try:  # every concrete field is in a new instance's __dict__ (none deferred)
                values = [state[attname] for attname in attnames]
            except KeyError:
                values = [getattr(obj, attname) for attname in attnames]
            for i, convert in converted:
                values[i] = convert(values[i])
            yield values

    return meta.db_table, [f.column for f in fields], rows()


def mark_saved(objs: Sequence[models.Model]) -> None:
    """Instances ``insert_plan`` planned are in the database now."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
