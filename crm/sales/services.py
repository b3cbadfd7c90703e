"""Writes to the sales ledger: every source (the 1C sync, the dealer cabinet, the sub-dealer
panel, imports) records and removes lines through these functions.

A line is identified by its source and external id: recording it again updates it when
something in it changed and leaves it alone otherwise, so a re-sent file or a second sync run
changes nothing. Large batches are COPYed into a temporary staging table first (crm.core.bulk);
both paths end in one ``INSERT … ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM``. The
monthly sums follow by themselves (crm.sales.rollups). These functions do not check what the
acting user may see: the pages and tasks that call them decide which lines someone may send.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.clients.models import Organisation, OrganisationKind
from crm.core import bulk
from crm.core.choices import Channel, Source
from crm.core.records import RecordError
from crm.sales.choices import Flow
from crm.sales.models import SalesLine
from crm.sales.selectors import plan_vs_fact  # noqa: F401  (reads live in selectors.py)

# Batches above this many lines go through a staging table filled by COPY.
STAGE_ABOVE = 1000
STAGE = "sales_line_stage"
_QUANTITY = SalesLine._meta.get_field("quantity")
_AMOUNT = SalesLine._meta.get_field("amount")
_TEXT_LIMITS = {
    name: SalesLine._meta.get_field(name).max_length
    for name in ("external_id", "document_key", "document_number", "document_row")
}


@dataclass(frozen=True)
class LineData:
    """One line as a source sends it: ids, not objects (a nightly batch has 200,000 lines)."""

    external_id: str
    flow: str
    date: date
    quantity: Decimal
    amount: Decimal
    seller_id: int | None = None  # required for sell-out
    buyer_id: int | None = None  # required for sell-in
    outlet_id: int | None = None
    product_id: int | None = None
    product_group_id: int | None = None  # when only the group is known
    payment_form_id: int | None = None
    document_key: str = ""
    document_number: str = ""
    document_row: str = ""


_LINE_FIELDS = frozenset(f.name for f in fields(LineData))


@dataclass(frozen=True)
class Problem:
    """Why one line of a batch cannot be recorded."""

    row: int  # its position in the batch, from 1
    external_id: str
    message: str

    def __str__(self):
        return _("Line %(row)s (%(id)s): %(message)s") % {
            "row": self.row,
            "id": self.external_id or "—",
            "message": self.message,
        }


class LedgerError(RecordError):
    """A batch refused as a whole: nothing was written. ``problems`` says which lines and why."""

    def __init__(self, problems: list[Problem]):
        shown = "; ".join(str(problem) for problem in problems[:5])
        more = len(problems) - 5
        if more > 0:
            shown += " " + _("…and %(count)s more.") % {"count": more}
        super().__init__(shown)
        self.problems = problems


@dataclass
class RecordResult:
    """What a batch did: lines inserted, changed, sent again unchanged, removed from replaced
    documents, and lines rejected (only with ``reject_invalid``)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list[Problem] = field(default_factory=list)


def record_lines(
    lines: Iterable[LineData | Mapping],
    *,
    source: str,
    channel: str,
    actor=None,
    batch: str = "",
    replace_documents: bool = False,
    reject_invalid: bool = False,
) -> RecordResult:
    """Record sales lines (returns negative), upserting by (source, external id).

    ``replace_documents``: the batch holds whole documents, so lines of the same source and
    document key that are not in it are removed (a re-posted 1C document lost a row).
    ``reject_invalid``: skip bad lines and report them in the result (a sync); by default a
    bad line refuses the whole batch with ``LedgerError`` (an uploaded file).
    """
    if source not in Source.values or channel not in Channel.values:
        raise ValueError(f"Unknown source or channel: {source!r}, {channel!r}")
    raw = list(lines)
    with transaction.atomic():
        rows, problems = _checked(raw)
        if problems and not reject_invalid:
            raise LedgerError(problems)
        if problems and replace_documents:
            rows, problems = _whole_documents(raw, rows, problems)
        result = RecordResult(rejected=problems)
        if not rows:
            return result
        rows.sort(key=itemgetter("external_id"))  # one lock order for concurrent writers
        stamp = (source, channel, batch, timezone.now(), actor.pk if actor else None)
        result.inserted, result.updated, result.removed = _write(
            rows, stamp, replace_documents=replace_documents
        )
    result.unchanged = len(rows) - result.inserted - result.updated
    return result


def _whole_documents(raw: list, rows: list[dict], problems: list[Problem]):
    """Leave alone every document with a refused line: replacing it would remove the line the
    document still has in the ledger."""
    refused = {_value_of(raw[p.row - 1], "document_key") for p in problems} - {""}
    if not refused:
        return rows, problems
    kept, skipped = [], []
    for row in rows:
        (skipped if row["document_key"] in refused else kept).append(row)
    positions = {_value_of(item, "external_id"): n for n, item in enumerate(raw, start=1)}
    message = _("another line of its document was refused; the document was left as it was")
    problems = problems + [
        Problem(positions[row["external_id"]], row["external_id"], message) for row in skipped
    ]
    problems.sort(key=lambda problem: problem.row)
    return kept, problems


def remove_lines(source: str, external_ids: Sequence[str] = (), *, document_keys=()) -> int:
    """Delete the lines of a source by external id, or every line of the given documents (a
    1C document unposted or marked for deletion). Returns how many lines went."""
    external_ids, document_keys = list(external_ids), [k for k in document_keys if k]
    if not external_ids and not document_keys:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM sales_salesline WHERE source = %s "
            "AND (external_id = ANY(%s) OR document_key = ANY(%s))",
            [source, external_ids, document_keys],
        )
        return cursor.rowcount


# --- checks -----------------------------------------------------------------------------------
# Lines are checked as plain dicts: a nightly batch has 200,000 of them, and per-line objects,
# translations and enum lookups cost more than the database's work.

_FLOWS = frozenset(Flow.values)
_DEALERS = frozenset({OrganisationKind.DEALER, OrganisationKind.SUB_DEALER})
_DEFAULTS = {f.name: f.default for f in fields(LineData) if f.default is not MISSING}
_REQUIRED = frozenset(f.name for f in fields(LineData) if f.default is MISSING)


def _checked(raw: list) -> tuple[list[dict], list[Problem]]:
    """The lines that may be recorded (as dicts of LineData's fields), and the problems of
    the others."""
    lines: list[tuple[int, dict]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for row, item in enumerate(raw, start=1):
        try:
            line = _normalised(item)
        except ValueError as error:
            problems.append(Problem(row, _value_of(item, "external_id"), str(error)))
            continue
        external_id = line["external_id"]
        if external_id in seen:
            message = _("the same external id as line %(row)s") % {"row": seen[external_id]}
            problems.append(Problem(row, external_id, message))
            continue
        seen[external_id] = row
        lines.append((row, line))
    references = _References([line for _row, line in lines])
    good = []
    for row, line in lines:
        message = references.problem(line)
        if message:
            problems.append(Problem(row, line["external_id"], message))
        else:
            good.append(line)
    problems.sort(key=lambda problem: problem.row)
    return good, problems


def _value_of(item, name: str) -> str:
    value = item.get(name) if isinstance(item, Mapping) else getattr(item, name, "")
    return str(value or "").strip()


def _normalised(item) -> dict:
    """The line's values, checked and converted; ValueError says what is wrong."""
    if isinstance(item, Mapping):
        unknown = set(item) - _LINE_FIELDS
        if unknown:
            raise ValueError(_("unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
        if not set(item) >= _REQUIRED:
            raise ValueError(_("external id, flow, date, quantity and amount are required"))
        line = {**_DEFAULTS, **item}
    else:
        line = dict(vars(item))
    for name in ("external_id", "document_key", "document_number", "document_row"):
        text = line[name]
        text = "" if text is None else str(text).strip()
        if len(text) > _TEXT_LIMITS[name]:
            raise ValueError(
                _("%(field)s is longer than %(limit)s")
                % {"field": _verbose(name), "limit": _TEXT_LIMITS[name]}
            )
        line[name] = text
    if not line["external_id"]:
        raise ValueError(_("no external id"))
    flow = line["flow"]
    if flow not in _FLOWS:
        raise ValueError(_("unknown flow %(flow)r") % {"flow": flow})
    line["flow"] = str(flow)
    line["date"] = _date(line["date"])
    quantity = line["quantity"] = _decimal(line["quantity"], _QUANTITY, "quantity")
    amount = line["amount"] = _decimal(line["amount"], _AMOUNT, "amount")
    if (quantity > 0 and amount < 0) or (quantity < 0 and amount > 0):
        raise ValueError(
            _("quantity and amount have opposite signs (a return is negative in both)")
        )
    for name in _ID_NAMES:
        line[name] = line[name] or None
    if flow == Flow.SELL_OUT and not line["seller_id"]:
        raise ValueError(_("a sell-out line needs its seller"))
    if flow == Flow.SELL_IN and not line["buyer_id"]:
        raise ValueError(_("a sell-in line needs its buyer"))
    if not line["product_id"] and not line["product_group_id"]:
        raise ValueError(_("neither a product nor a product group"))
    return line


_LIMITS = {
    name: Decimal(10) ** (field.max_digits - field.decimal_places)
    for name, field in (("quantity", _QUANTITY), ("amount", _AMOUNT))
}


def _verbose(name: str) -> str:
    """A field's name as the user reads it ("Сумма")."""
    return str(SalesLine._meta.get_field(name).verbose_name).capitalize()


def _decimal(value, model_field, name: str) -> Decimal:
    """The value as a Decimal that fits the model field (ValueError otherwise)."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(_("%(field)s is not a number") % {"field": _verbose(name)}) from None
    places, limit = model_field.decimal_places, _LIMITS[name]
    fits = number.is_finite() and -limit < number < limit
    if fits and (number.as_tuple().exponent >= -places or number == round(number, places)):
        return number
    raise ValueError(
        _("%(field)s does not fit: at most %(places)s decimal places, below %(limit)s")
        % {"field": _verbose(name), "places": places, "limit": limit}
    )


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(_("the date %(value)r is not a date") % {"value": value}) from None


class _References:
    """What the batch's ids point to, read in one query per kind of record."""

    def __init__(self, lines: list[dict]):
        ids = {name: {line[name] for line in lines} - {None} for name in _ID_NAMES}
        self.outlet_dealers = _pairs("outlets_outlet", "dealer_id", ids["outlet_id"])
        # Sellers, buyers and the outlets' dealers (whose parent dealer may be the line's).
        organisation_ids = ids["seller_id"] | ids["buyer_id"] | set(self.outlet_dealers.values())
        self.organisations = {
            pk: (kind, parent)
            for pk, kind, parent in Organisation.objects.filter(
                pk__in=organisation_ids
            ).values_list("pk", "kind", "parent_dealer_id")
        }
        self.product_groups = _pairs("catalog_product", "group_id", ids["product_id"])
        self.groups = set(_pairs("catalog_productgroup", "id", ids["product_group_id"]))
        self.payment_forms = set(_pairs("refs_paymentform", "id", ids["payment_form_id"]))

    def problem(self, line: dict) -> str:
        """Why the line cannot be recorded, or "" (then its product's group is filled in)."""
        seller, buyer = line["seller_id"], line["buyer_id"]
        for pk in (seller, buyer):
            if pk is not None and pk not in self.organisations:
                return _("no organisation with id %(id)s") % {"id": pk}
        sell_in = line["flow"] == Flow.SELL_IN
        if not sell_in and self.organisations[seller][0] not in _DEALERS:
            return _("the seller of a sell-out line is a dealer or a sub-dealer")
        product = line["product_id"]
        if product is not None:
            if product not in self.product_groups:
                return _("no product with id %(id)s") % {"id": product}
            line["product_group_id"] = self.product_groups[product]  # the trigger does too
        elif line["product_group_id"] not in self.groups:
            return _("no product group with id %(id)s") % {"id": line["product_group_id"]}
        payment_form = line["payment_form_id"]
        if payment_form is not None and payment_form not in self.payment_forms:
            return _("no payment form with id %(id)s") % {"id": payment_form}
        if line["outlet_id"] is not None:
            return self._outlet_problem(line["outlet_id"], buyer if sell_in else seller)
        return ""

    def _outlet_problem(self, outlet: int, owner: int) -> str:
        if outlet not in self.outlet_dealers:
            return _("no outlet with id %(id)s") % {"id": outlet}
        outlet_dealer = self.outlet_dealers[outlet]
        if outlet_dealer == owner:
            return ""
        # A dealer may report for the outlets of its sub-dealers.
        parent = self.organisations.get(outlet_dealer, (None, None))[1]
        if parent is not None and parent == owner:
            return ""
        return _("the outlet belongs to another organisation")


_ID_NAMES = (
    "seller_id",
    "buyer_id",
    "outlet_id",
    "product_id",
    "product_group_id",
    "payment_form_id",
)


def _pairs(table: str, column: str, ids: set) -> dict:
    """{id: column} for the rows of ``table`` with these ids."""
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {column} FROM {table} WHERE id = ANY(%s)",  # noqa: S608  (our names)
            [sorted(ids)],
        )
        return dict(cursor.fetchall())


# --- writing ----------------------------------------------------------------------------------

# (column, PostgreSQL type) in the order rows are sent.
_COLUMNS = (
    ("flow", "text"),
    ("date", "date"),
    ("seller_id", "bigint"),
    ("buyer_id", "bigint"),
    ("outlet_id", "bigint"),
    ("product_id", "bigint"),
    ("product_group_id", "bigint"),
    ("quantity", "numeric"),
    ("amount", "numeric"),
    ("payment_form_id", "bigint"),
    ("external_id", "text"),
    ("document_key", "text"),
    ("document_number", "text"),
    ("document_row", "text"),
    ("source", "text"),
    ("channel", "text"),
    ("batch", "text"),
    ("recorded_at", "timestamptz"),
    ("recorded_by_id", "bigint"),
)
_NAMES = [name for name, _type in _COLUMNS]
_LINE_COLUMNS = _NAMES[:14]  # from the line; then the stamp: source, channel, batch, when, who
# What makes a line different; channel, batch and the recording stamp do not.
_COMPARED = [name for name in _NAMES[:14] if name != "external_id"]
# The ledger's copies (organisation, dealer, region, org unit, manager; the product's group) are
# the BEFORE trigger's work (models._LINE_COPIES) for every other writer. A batch computes them
# here in the same statement, with the trigger skipped: one join instead of two lookups per row
# in PL/pgSQL (30 µs a line, 6 s of a 200,000-line nightly window). The join is the trigger's
# logic as a set; tests/sales/test_ledger.py checks that both give the same lines.
_COPIES = ("organisation_id", "dealer_id", "region_id", "org_unit_id", "owner_id")
_COPIES_SELECT = (
    "CASE WHEN s.flow = 'sell_in' THEN s.buyer_id ELSE s.seller_id END, "
    "COALESCE(o.parent_dealer_id, o.id), o.region_id, o.org_unit_id, o.owner_id"
)
_COPIES_FROM = (
    "LEFT JOIN clients_organisation o "
    "ON o.id = CASE WHEN s.flow = 'sell_in' THEN s.buyer_id ELSE s.seller_id END "
    "LEFT JOIN catalog_product p ON p.id = s.product_id"
)
COPIES_TRIGGER = "sales.SalesLine:sales_line_copies"
_UPSERT = (  # noqa: S608 (column and table names are ours)
    "WITH written AS (INSERT INTO sales_salesline AS t ({names}, {copies}) "
    "SELECT {selected}, {copies_select} FROM {relation} {copies_from} ORDER BY s.external_id "
    "ON CONFLICT ON CONSTRAINT sales_line_source_external_id DO UPDATE SET {updates} "
    "WHERE ({old}) IS DISTINCT FROM ({new}) RETURNING (xmax = 0) AS inserted) "
    "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"
).format(
    names=", ".join(_NAMES),
    copies=", ".join(_COPIES),
    selected=", ".join(
        "CASE WHEN s.product_id IS NULL THEN s.product_group_id ELSE p.group_id END"
        if name == "product_group_id"
        else f"s.{name}"
        for name in _NAMES
    ),
    copies_select=_COPIES_SELECT,
    relation="{relation}",
    copies_from=_COPIES_FROM,
    updates=", ".join(
        f"{name} = EXCLUDED.{name}"
        for name in (*_NAMES, *_COPIES)
        if name not in ("source", "external_id")
    ),
    old=", ".join(f"t.{name}" for name in _COMPARED),
    new=", ".join(f"EXCLUDED.{name}" for name in _COMPARED),
)
# Lines of the batch's documents that the batch no longer holds (a re-posted 1C document lost
# a row). The batch's external ids go as one array: "<> ALL" over a constant array is hashed.
_REPLACE = (
    "DELETE FROM sales_salesline WHERE source = %s AND document_key = ANY(%s) "
    "AND document_key <> '' AND external_id <> ALL(%s)"
)


def _values(line: dict, stamp: tuple) -> list:
    return [*(line[name] for name in _LINE_COLUMNS), *stamp]


def _write(rows: list[dict], stamp: tuple, *, replace_documents: bool) -> tuple[int, int, int]:
    """Upsert the rows; (inserted, updated, removed)."""
    with connection.cursor() as cursor:
        if len(rows) > STAGE_ABOVE:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} ("
                + ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
                + ") ON COMMIT DROP"
            )
            bulk.copy_rows(STAGE, _NAMES, (_values(line, stamp) for line in rows))
            cursor.execute(f"ANALYZE {STAGE}")  # a fresh temporary table has no statistics
            relation, params = f"{STAGE} s", []
        else:
            row_sql = "(" + ", ".join(f"%s::{kind}" for _name, kind in _COLUMNS) + ")"
            relation = f"(VALUES {', '.join([row_sql] * len(rows))}) AS s({', '.join(_NAMES)})"
            params = [value for line in rows for value in _values(line, stamp)]
        # Only documents that had lines before this batch can have lines it no longer holds
        # (a first load of a window has none: no DELETE at all).
        recorded = _recorded_documents(cursor, stamp[0], rows) if replace_documents else []
        with pgtrigger.ignore(COPIES_TRIGGER):
            cursor.execute(_UPSERT.format(relation=relation), params)
            inserted, updated = cursor.fetchone()
        removed = 0
        if recorded:
            cursor.execute(_REPLACE, [stamp[0], recorded, [line["external_id"] for line in rows]])
            removed = cursor.rowcount
    return inserted, updated, removed


def _recorded_documents(cursor, source: str, rows: list[dict]) -> list[str]:
    """The batch's document keys that already have lines of this source in the ledger."""
    keys = sorted({line["document_key"] for line in rows} - {""})
    if not keys:
        return []
    cursor.execute(
        "SELECT DISTINCT document_key FROM sales_salesline "
        "WHERE source = %s AND document_key = ANY(%s) AND document_key <> ''",
        [source, keys],
    )
    return [key for (key,) in cursor.fetchall()]
