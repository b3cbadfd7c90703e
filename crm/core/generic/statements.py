"""The compiled statements of list pages' first pages, remembered per process (ADR 0021).

Building a list's queryset (the row rule, the filters, the sort, the columns) and compiling
it to SQL cost a list page 0.8–1.1 ms of Python, more than PostgreSQL spends running the
statement. Opened again with the same filters by the same user, a list compiles the same SQL
with the same parameters: it is kept here, keyed by everything the statement is a function
of, and the page reads its rows with it.

What is kept is only the statement and how to build instances from its rows, never rows or
counts: a record created, edited or archived a moment ago shows at once. The key holds the
user's whole resolved scope (regions, units, team, grants, field policies, permissions,
read from the database on every request), so a changed assignment or policy is a new key.

A list opts in (``ObjectListView.remember_statement``) only where its SQL is a function of
that key: no filter or search of it reads the database (a group's subgroups, say) or the
clock finer than a day to build its statement. A search is never kept: each text is typed
once, and a store full of them would only push out the lists people open again and again.

The store is a dictionary in the process, bounded, least recently used out first; with the
plan it keeps model classes and functions, which do not travel to a shared cache.
"""

import threading
from collections import OrderedDict

from crm.core.bulk import FetchStatement

LIMIT = 2_000  # statements kept per process: a few MB of SQL text

_STORE: OrderedDict[tuple, "PageStatement"] = OrderedDict()
_LOCK = threading.Lock()  # a server's threads share the store


class PageStatement:
    """A first page's statement, and the ``SELECT pk … WHERE …`` over the same rows (for the
    count and the estimate) once a page needed it."""

    __slots__ = ("fetch", "rows")

    def __init__(self, fetch: FetchStatement):
        self.fetch = fetch
        self.rows: tuple[str, tuple] | None = None


def recall(key: tuple) -> PageStatement | None:
    with _LOCK:
        found = _STORE.get(key)
        if found is not None:
            _STORE.move_to_end(key)
        return found


def keep(key: tuple, statement: PageStatement) -> None:
    with _LOCK:
        _STORE[key] = statement
        if len(_STORE) > LIMIT:
            _STORE.popitem(last=False)


def forget() -> None:
    """Drop every kept statement (tests; the benchmark's first views)."""
    with _LOCK:
        _STORE.clear()
