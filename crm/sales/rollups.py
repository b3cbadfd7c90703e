"""The monthly roll-ups of the sales ledger, kept by statement-level triggers on the lines.

Three tables hold sums of ``SalesLine`` per month: ``SalesMonth`` per organisation × product
group (what dealer reports read), ``SalesMonthOutlet`` with the outlet as well (outlet
drill-downs) and ``SalesMonthRegion`` per region × product group (the company-wide region
and product group reports). Each row's key is every column the reports group or filter by, the scope
copies included, so a roll-up is always exactly ``GROUP BY`` its key over the lines: an insert
adds the new lines' sums, a delete subtracts the old ones, an update subtracts the old and adds
the new (a line whose organisation moved region moves with it). Rows whose last line left are
deleted. The triggers read PostgreSQL's transition tables once per statement, so a 200,000-line
upsert costs one aggregate and one ``INSERT … ON CONFLICT DO UPDATE`` per roll-up, whoever wrote
the lines: the ledger's writers, the push of an organisation's new region, a merge, the admin.

``rebuild`` recomputes the tables from the lines (after a load with the triggers ignored, or a
repair); ``differences`` lists where a roll-up and the lines disagree (tests, operations).
"""

from django.db import connection, transaction

LINES = "sales_salesline"
MONTH_EXPR = "date_trunc('month', date)::date"
# (roll-up column, expression over the lines' columns)
_COMMON_KEY = (
    ("month", MONTH_EXPR),
    ("flow", "flow"),
    ("source", "source"),
    ("organisation_id", "organisation_id"),
    ("dealer_id", "dealer_id"),
    ("region_id", "region_id"),
    ("org_unit_id", "org_unit_id"),
    ("owner_id", "owner_id"),
    ("product_group_id", "product_group_id"),
)
# Per region × product group, for the company-wide reports.
_REGION_KEY = tuple(
    (column, expr)
    for column, expr in _COMMON_KEY
    if column not in ("organisation_id", "dealer_id", "org_unit_id", "owner_id")
)
# table → (its unique constraint, its key)
ROLLUPS = {
    "sales_salesmonth": ("sales_month_key", _COMMON_KEY),
    "sales_salesmonthoutlet": (
        "sales_month_outlet_key",
        (*_COMMON_KEY, ("outlet_id", "outlet_id")),
    ),
    "sales_salesmonthregion": ("sales_month_region_key", _REGION_KEY),
}


def key_columns(table: str) -> list[str]:
    return [column for column, _expr in ROLLUPS[table][1]]


def _upsert(table: str, delta_sql: str, *, collect_emptied: bool) -> str:
    """SQL adding a delta (rows of key, quantity, amount, line_count) to one roll-up."""
    constraint, key = ROLLUPS[table]
    columns = ", ".join(column for column, _expr in key)
    sql = (
        f"INSERT INTO {table} AS m ({columns}, quantity, amount, line_count) {delta_sql} "
        f"ON CONFLICT ON CONSTRAINT {constraint} DO UPDATE SET "
        "quantity = m.quantity + EXCLUDED.quantity, amount = m.amount + EXCLUDED.amount, "
        "line_count = m.line_count + EXCLUDED.line_count"
    )
    if not collect_emptied:
        return sql + ";"
    # A row whose last line left is deleted (a second statement: the rows an INSERT … ON
    # CONFLICT just wrote are invisible to a DELETE in the same statement).
    return (
        f"WITH written AS ({sql} RETURNING m.id, m.line_count) "  # noqa: S608 (our names)
        "SELECT array_agg(id) FILTER (WHERE line_count = 0) INTO emptied FROM written;\n"
        f"DELETE FROM {table} WHERE id = ANY(emptied);"
    )


def _grouped(table: str, source_sql: str, *, skip_unmoved: bool = False) -> str:
    """SELECT of a roll-up's key and summed measures over ``source_sql`` (a FROM item)."""
    key = ROLLUPS[table][1]
    columns = ", ".join(column for column, _expr in key)
    positions = ", ".join(str(i) for i in range(1, len(key) + 1))
    having = " HAVING sum(n) <> 0 OR sum(q) <> 0 OR sum(a) <> 0" if skip_unmoved else ""
    return (
        f"SELECT {columns}, sum(q), sum(a), sum(n)::integer FROM {source_sql} "  # noqa: S608
        f"GROUP BY {positions}{having} ORDER BY {positions}"
    )


def _lines_as_delta(table: str, transition: str, sign: str) -> str:
    key = ROLLUPS[table][1]
    exprs = ", ".join(f"{expr} AS {column}" for column, expr in key)
    measures = f"{sign}quantity AS q, {sign}amount AS a, {sign}1 AS n"
    return f"SELECT {exprs}, {measures} FROM {transition}"  # noqa: S608 (our names)


def on_insert_sql() -> str:
    """Trigger body: add the inserted lines (transition table ``new_values``)."""
    parts = [
        _upsert(
            table,
            _grouped(table, f"({_lines_as_delta(table, 'new_values', '')}) d"),
            collect_emptied=False,
        )
        for table in ROLLUPS
    ]
    return "\n".join(parts) + "\nRETURN NULL;"


def on_delete_sql() -> str:
    """Trigger body: subtract the deleted lines (``old_values``)."""
    parts = [
        _upsert(
            table,
            _grouped(table, f"({_lines_as_delta(table, 'old_values', '-')}) d"),
            collect_emptied=True,
        )
        for table in ROLLUPS
    ]
    return "\n".join(parts) + "\nRETURN NULL;"


def on_update_sql() -> str:
    """Trigger body: subtract the lines as they were, add them as they are; keys whose sums
    did not move (a new document number) write nothing."""
    parts = []
    for table in ROLLUPS:
        both = (
            f"({_lines_as_delta(table, 'new_values', '')} "
            f"UNION ALL {_lines_as_delta(table, 'old_values', '-')}) d"
        )
        parts.append(_upsert(table, _grouped(table, both, skip_unmoved=True), collect_emptied=True))
    return "\n".join(parts) + "\nRETURN NULL;"


@transaction.atomic
def rebuild() -> None:
    """Recompute the roll-ups from the lines (locks them against writers meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {LINES} IN SHARE MODE")
        for table in ROLLUPS:
            fill(cursor, table)


def fill(cursor, table: str) -> None:
    """Empty one roll-up and sum the lines into it again (a new roll-up's migration too)."""
    key = ROLLUPS[table][1]
    columns = ", ".join(column for column, _expr in key)
    exprs = ", ".join(expr for _column, expr in key)
    positions = ", ".join(str(i) for i in range(1, len(key) + 1))
    cursor.execute(f"TRUNCATE {table}")
    cursor.execute(
        f"INSERT INTO {table} ({columns}, quantity, amount, line_count) "  # noqa: S608
        f"SELECT {exprs}, sum(quantity), sum(amount), count(*) FROM {LINES} "
        f"GROUP BY {positions}"
    )


def differences(table: str) -> list[tuple]:
    """Where a roll-up disagrees with GROUP BY over the lines: rows ("roll-up" or "lines",
    key…, quantity, amount, line count) present on one side only. Empty when they agree."""
    key = ROLLUPS[table][1]
    columns = ", ".join(column for column, _expr in key)
    exprs = ", ".join(expr for _column, expr in key)
    positions = ", ".join(str(i) for i in range(1, len(key) + 1))
    stored = f"SELECT {columns}, quantity, amount, line_count::bigint FROM {table}"  # noqa: S608
    computed = (
        f"SELECT {exprs}, sum(quantity), sum(amount), count(*) FROM {LINES} "  # noqa: S608
        f"GROUP BY {positions}"
    )
    # EXCEPT compares NULLs as equal, as the roll-up's key does.
    sql = (
        f"(SELECT 'roll-up', * FROM ({stored} EXCEPT {computed}) a) "  # noqa: S608
        f"UNION ALL (SELECT 'lines', * FROM ({computed} EXCEPT {stored}) b)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
