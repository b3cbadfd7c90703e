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
clock finer than a day to build its statement. A search's statement is kept per shape (by
phone, by e-mail, by a one-word name...), never per text: each text is typed about once, and
a store full of them would push out the lists people open again and again. The text's own
values are bound into it on every search.

The store is a dictionary in the process, bounded, least recently used out first; with the
plan it keeps model classes and functions, which do not travel to a shared cache.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from crm.core.bulk import FetchStatement

LIMIT = 2_000  # statements kept per process: a few MB of SQL text

_STORE: OrderedDict[tuple, "PageStatement"] = OrderedDict()
_LOCK = threading.Lock()  # a server's threads share the store


class PageStatement:
    """A first page's statement, and the ``SELECT pk … WHERE …`` over the same rows (for the
    count and the estimate) once a page needed it.

    A search's statement is kept per shape (``ObjectListView.search_plan``): compiled
    with markers for the values the text gives, its ``slots`` say which parameters they
    are, and ``bound`` puts a search's own values there."""

    __slots__ = ("fetch", "rows", "slots")

    def __init__(self, fetch: FetchStatement, slots: tuple[tuple[int, int], ...] = ()):
        self.fetch = fetch
        self.rows: tuple[str, tuple] | None = None
        self.slots = slots

    def bound(self, values: tuple = ()) -> FetchStatement:
        if not self.slots:
            return self.fetch
        params = list(self.fetch.params)
        for position, index in self.slots:
            params[position] = values[index]
        return self.fetch._replace(params=tuple(params))


class SearchPlan(NamedTuple):
    """A list's search for one text, as a list keeps it per shape: ``shape`` decides the
    statement's text (which branch, which fields), ``values`` are its parameters, and
    ``apply(queryset, shape, values)`` narrows the rows, passing each value to the database
    as it is."""

    shape: tuple
    values: tuple
    apply: Callable

    def applied(self, queryset):
        return self.apply(queryset, self.shape, self.values)

    def with_markers(self) -> "SearchPlan":
        """The same search with ``markers`` for its values, to compile the shape's statement."""
        return self._replace(values=markers(len(self.values)))


def markers(count: int) -> tuple[str, ...]:
    """Stand-ins for a search's values while its statement is compiled (private-use
    characters: no text typed into a search box carries them)."""
    return tuple(f"\ue000{index}\ue000" for index in range(count))


def with_slots(fetch: FetchStatement, count: int) -> PageStatement | None:
    """The statement compiled with ``markers(count)`` for a search's values, with the
    parameters each marker became; None where a marker did not reach the database as it was
    given (a lookup escaped it or wrote it into the SQL): that search is not kept."""
    stand_ins = markers(count)
    if fetch.sql is None:
        return PageStatement(fetch)
    if any(marker in fetch.sql for marker in stand_ins):
        return None
    slots, seen = [], set()
    for position, param in enumerate(fetch.params):
        if type(param) is str and param in stand_ins:
            index = stand_ins.index(param)
            slots.append((position, index))
            seen.add(index)
        elif any(marker in repr(param) for marker in stand_ins):
            return None
    if len(seen) != count:
        return None
    return PageStatement(fetch, tuple(slots))


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
