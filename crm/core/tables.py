"""Tables of the generic list view: columns declared in a few lines, filtered by field policy.

Cells are computed in Python into plain strings once per row (no per-cell template or URL
reversal), so a page of 50 rows renders in a single template loop. A column governed by a
field the user may not see does not exist for them: not shown, not sortable, not exported,
not offered in the column chooser.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.core import access


@dataclass
class Column:
    """One column. ``field`` is the model field the field policy checks (default: ``name``)."""

    name: str
    label: str | None = None
    field: str | None = None
    accessor: str | None = None
    sort: str | None = None
    link: bool = False
    default: bool = True
    render: Callable | None = None
    css: str = ""

    def value(self, obj):
        if self.render is not None:
            return self.render(obj)
        target = obj
        path = (self.accessor or self.name).split(".")
        for part in path[:-1]:
            target = getattr(target, part, None)
            if target is None:
                return ""
        display = getattr(target, f"get_{path[-1]}_display", None)
        if display is not None:
            return display()
        return format_value(getattr(target, path[-1], ""))


def format_value(value) -> str:
    """A value as a person reads it in a table or an export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


class Table:
    """A list's columns for one user: those their field policy lets them see."""

    model: type[models.Model]
    columns: list[Column] = []
    select_related: tuple[str, ...] = ()

    def __init__(self, user, chosen: Iterable[str] | None = None):
        visible = access.visible_fields(user, self.model)
        self.available = [c for c in self.columns if self._governing(c) in visible]
        self.labels = {c.name: str(c.label or self._label(c)) for c in self.available}
        chosen = [name for name in (chosen or []) if name in self.by_name]
        if chosen:
            self.shown = [self.by_name[name] for name in chosen]
        else:
            self.shown = [c for c in self.available if c.default]

    @property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.available}

    def _governing(self, column: Column) -> str:
        return column.field or column.name.split(".")[0]

    def _label(self, column: Column) -> str:
        try:
            return capfirst(self.model._meta.get_field(self._governing(column)).verbose_name)
        except FieldDoesNotExist:
            return column.name

    def sort_key(self, requested: str) -> tuple[str, list[str]] | None:
        """('-name', ORM ordering) for an allowed ?sort= value, else None."""
        name = requested.lstrip("-")
        column = self.by_name.get(name)
        if column is None:
            return None
        expression = column.sort or self._default_sort(column)
        if expression is None:
            return None
        descending = requested.startswith("-")
        ordering = [("-" if descending else "") + expression, ("-" if descending else "") + "pk"]
        return requested, ordering

    def _default_sort(self, column: Column) -> str | None:
        try:
            field = self.model._meta.get_field(self._governing(column))
        except FieldDoesNotExist:
            return None
        return field.name if field.concrete and not field.is_relation else None

    def rows(self, objects: Iterable) -> list[dict]:
        return [
            {
                "pk": obj.pk,
                "url": obj.get_absolute_url(),
                "cells": [(column, column.value(obj)) for column in self.shown],
            }
            for obj in objects
        ]

    def header(self) -> list[str]:
        return [self.labels[column.name] for column in self.shown]

    def header_cells(self) -> list[tuple[Column, str, bool]]:
        return [
            (column, self.labels[column.name], bool(column.sort or self._default_sort(column)))
            for column in self.shown
        ]

    def choices(self) -> list[tuple[str, str, bool]]:
        """(name, label, shown) for the column chooser."""
        shown = {c.name for c in self.shown}
        return [(c.name, self.labels[c.name], c.name in shown) for c in self.available]

    def export_rows(self, objects: Iterable) -> Iterable[list]:
        for obj in objects:
            yield [column.value(obj) for column in self.shown]
