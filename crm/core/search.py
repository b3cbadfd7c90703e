"""The global search in the top bar: a registry of searchable models.

Each app registers its models in its own ``search.py`` (imported by its AppConfig.ready)::

    search.register(search.Searchable(
        key="organisations", model=Organisation, label=_("Organisations"),
        find=find_organisations, show=show_organisation,
        list_url_name="clients:organisation_list", order=10,
    ))

``find(queryset, query, user)`` narrows a queryset that is already restricted to the rows the
user may view (the registry restricts it; a registration cannot skip the rule) and returns
None when this kind of text means nothing for the model. The registry takes the first
``limit + 1`` rows in one query and never counts. ``show(obj, user)`` builds a ``Hit`` from the
fields the user may see.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import reverse

from crm.core import access

MIN_LENGTH = 3  # a trigram index needs three characters; fewer would read every row
MAX_LENGTH = 100
SUGGEST_LIMIT = 5  # rows per group in the dropdown
PAGE_LIMIT = 10  # rows per group on the results page


class Kind(StrEnum):
    """What the typed text looks like; each app decides what it means for its models."""

    PHONE = "phone"  # digits with phone punctuation: +7 (495) 123-45-67
    NUMBER = "number"  # digits only: an INN or its beginning, a phone, an article, a barcode
    EMAIL = "email"
    TEXT = "text"  # names and articles


_PHONE_CHARS = re.compile(r"^\+?[\d\s()\-.]+$")


@dataclass(frozen=True)
class Query:
    """The search text, cleaned (spaces collapsed), with what it looks like."""

    text: str
    kind: Kind
    digits: str = ""  # the digits alone, for Kind.NUMBER and Kind.PHONE


def clean(raw: str) -> str:
    """The typed text with spaces collapsed, NUL characters dropped, cut to MAX_LENGTH."""
    return " ".join((raw or "").replace("\x00", "").split())[:MAX_LENGTH]


def parse(raw: str) -> Query | None:
    """Read the typed text; None when it is too short to search."""
    text = clean(raw)
    if len(text) < MIN_LENGTH:
        return None
    if "@" in text:
        return Query(text, Kind.EMAIL)
    digits = re.sub(r"\D", "", text)
    if text.replace(" ", "").isdigit():
        return Query(text, Kind.NUMBER, digits=digits)
    if _PHONE_CHARS.match(text) and len(digits) >= 7:
        return Query(text, Kind.PHONE, digits=digits)
    return Query(text, Kind.TEXT)


@dataclass(frozen=True)
class Hit:
    """One found row as the search shows it."""

    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class Searchable:
    """A model in the global search: how to find its rows and how to show one."""

    key: str
    model: type[models.Model]
    label: str
    find: Callable[[models.QuerySet, Query, object], models.QuerySet | None]
    show: Callable[[models.Model, object], Hit]
    list_url_name: str
    order: int = 100
    staff_only: bool = False  # hidden from outside parties (dealers, auditors, contractors)

    def available_to(self, user) -> bool:
        """Whether the user gets this group at all (no query)."""
        if self.staff_only and getattr(user, "is_outside_party", True):
            return False
        if not access.rule_for(self.model).requires_permission:
            return True
        return user.has_perm(access.permission_name(self.model, "view"))


@dataclass(frozen=True)
class Group:
    """The top rows of one searchable model; ``more`` when more rows match."""

    searchable: Searchable
    hits: list[Hit]
    more: bool
    all_url: str

    @property
    def key(self) -> str:
        return self.searchable.key

    @property
    def label(self) -> str:
        return self.searchable.label


_registry: dict[str, Searchable] = {}


def register(searchable: Searchable) -> Searchable:
    if searchable.key in _registry and _registry[searchable.key] != searchable:
        raise ImproperlyConfigured(f"search key {searchable.key!r} is already registered")
    access.rule_for(searchable.model)  # fail at start-up for a model without a row rule
    _registry[searchable.key] = searchable
    return searchable


def registered() -> list[Searchable]:
    return sorted(_registry.values(), key=lambda item: (item.order, item.key))


def find_rows(searchable: Searchable, user, query: Query, limit: int) -> list | None:
    """At most ``limit + 1`` rows the user may view that match; None: not searched."""
    if not searchable.available_to(user):
        return None
    base = access.restrict(searchable.model._default_manager.all(), user, "view")
    found = searchable.find(base, query, user)
    if found is None:
        return None
    return list(found[: limit + 1])


def search(user, raw: str, *, limit: int = PAGE_LIMIT) -> list[Group]:
    """The groups with matches, in registry order: one query per group, no counts."""
    query = parse(raw)
    if query is None or not user.is_authenticated:
        return []
    groups = []
    for searchable in registered():
        rows = find_rows(searchable, user, query, limit)
        if not rows:
            continue
        groups.append(
            Group(
                searchable=searchable,
                hits=[searchable.show(row, user) for row in rows[:limit]],
                more=len(rows) > limit,
                all_url=reverse(searchable.list_url_name) + "?" + urlencode({"q": query.text}),
            )
        )
    return groups


def field_text(obj, field: str, visible: set[str]) -> str:
    """A field's value for display, or "" when the user may not see it."""
    if field not in visible:
        return ""
    return str(getattr(obj, field) or "")


def joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)
