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
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.core import access
from crm.core.formatting import esc

# The record's own column (its name, a link) keeps a readable width beside wide ones
# (regions, addresses), instead of breaking "АО «Альянс-Север»" at every word.
LINK_CSS = "crm-col-name"


def _td(css: str) -> str:
    return f'<td class="{esc(css)}">' if css else "<td>"


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
    # ORM paths the column reads (for .only()); default: its accessor ("region.name").
    reads: tuple[str, ...] = ()

    def paths(self) -> tuple[str, ...]:
        return self.reads or ((self.accessor or self.name).replace(".", "__"),)

    def value(self, obj):
        if self.render is not None:
            return self.render(obj)
        target = obj
        path = (self.accessor or self.name).split(".")
        for part in path[:-1]:
            target = getattr(target, part, None)
            if target is None:
                return ""
        return _shown(target, path[-1], _choice_labels(type(target), path[-1]))

    def getter(self, model) -> Callable:
        """``value`` for the rows of ``model``, with the path split and the choice labels
        looked up once (per page, not per cell)."""
        if self.render is not None:
            return self.render
        *hops, last = (self.accessor or self.name).split(".")
        owner = model
        for hop in hops:
            try:
                owner = owner._meta.get_field(hop).related_model
            except (FieldDoesNotExist, AttributeError):
                return self.value  # a path through a property: resolved per row
            if owner is None:
                return self.value
        labels = _choice_labels(owner, last)
        if not hops:
            return lambda obj: _shown(obj, last, labels)

        def get(obj):
            target = obj
            for hop in hops:
                target = getattr(target, hop, None)
                if target is None:
                    return ""
            return _shown(target, last, labels)

        return get


def _shown(target, name: str, labels: dict | None):
    if labels is not None:
        value = getattr(target, name)
        try:
            return labels.get(value, value)
        except TypeError:  # an unhashable value has no label
            return value
    return format_value(getattr(target, name, ""))


_NO_CHOICES = object()
_CHOICE_FIELDS: dict[tuple, object] = {}
_LABELS: dict[tuple, dict] = {}


def _choice_labels(model, name: str) -> dict | None:
    """{value: label} of a field with choices in the active language (what the model's
    get_FOO_display returns, without rebuilding the choice map for every cell); None for a
    field without choices."""
    field = _CHOICE_FIELDS.get((model, name))
    if field is None:
        try:
            found = model._meta.get_field(name)
        except FieldDoesNotExist:
            found = None
        field = _CHOICE_FIELDS[model, name] = (
            found if found is not None and getattr(found, "choices", None) else _NO_CHOICES
        )
    if field is _NO_CHOICES:
        return None
    key = (field, translation.get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {value: str(label) for value, label in field.flatchoices}
    return labels


def format_value(value) -> str:
    """A value as a person reads it in a table or an export."""
    if type(value) is str:  # most cells: nothing to format
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


_TABLE_LABELS: dict[tuple, dict[str, str]] = {}


class Table:
    """A list's columns for one user: those their field policy lets them see."""

    model: type[models.Model]
    columns: list[Column] = []
    select_related: tuple[str, ...] = ()
    # Fields render functions read besides their own column (e.g. phone_ext for the phone).
    needs: tuple[str, ...] = ()

    def __init__(self, user, chosen: Iterable[str] | None = None):
        visible = access.visible_fields(user, self.model)
        self.available = [c for c in self.columns if self._governing(c) in visible]
        labels = self._labels()
        self.labels = {c.name: labels[c.name] for c in self.available}
        self.by_name = {c.name: c for c in self.available}
        chosen = [name for name in (chosen or []) if name in self.by_name]
        if chosen:
            self.shown = [self.by_name[name] for name in chosen]
        else:
            self.shown = [c for c in self.available if c.default]

    @classmethod
    def _labels(cls) -> dict[str, str]:
        """Every column's label in the active language, worked out once per table and language
        (translating fifteen lazy verbose names cost each list page 0.1 ms)."""
        key = (cls, translation.get_language())
        labels = _TABLE_LABELS.get(key)
        if labels is None:
            labels = _TABLE_LABELS[key] = {
                c.name: str(c.label or cls._label(c)) for c in cls.columns
            }
        return labels

    @staticmethod
    def _governing(column: Column) -> str:
        return column.field or column.name.split(".")[0]

    @classmethod
    def _label(cls, column: Column) -> str:
        try:
            return capfirst(cls.model._meta.get_field(cls._governing(column)).verbose_name)
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

    def _url_maker(self):
        """pk → card URL, reversed once per page rather than once per row."""
        opts = self.model._meta
        try:
            sample = reverse(f"{opts.app_label}:{opts.model_name}_detail", args=[987654321])
        except NoReverseMatch:
            return lambda obj: obj.get_absolute_url()
        head, _sep, tail = sample.partition("987654321")
        return lambda obj: f"{head}{obj.pk}{tail}"

    def narrow(self, queryset):
        """Join and load only what the shown columns read (a page or an export)."""
        paths = {"pk", *self.needs}
        for column in self.shown:
            paths.update(column.paths())
        relations = sorted({p.split("__")[0] for p in paths if "__" in p})
        relations = [r for r in relations if r in self.select_related]
        loaded = [p for p in paths if "__" not in p or p.split("__")[0] in relations]
        # A relation shown by its own str() (e.g. the owner) is read whole.
        loaded = [p for p in loaded if p not in self.select_related]
        return queryset.select_related(*relations).only(*loaded, *self._whole(relations, paths))

    def _whole(self, relations, paths) -> list[str]:
        """Relations a column reads as objects ("owner"): all their fields are loaded."""
        whole = []
        for relation in relations:
            if relation in paths:
                model = self.model._meta.get_field(relation).related_model
                whole += [f"{relation}__{f.name}" for f in model._meta.concrete_fields]
        return whole

    def rows(self, objects: Iterable, *, selectable: bool = False) -> list[dict]:
        """Each row as ready HTML (escaped here): one template lookup per row, not per cell.

        ``selectable`` adds the checkbox cell bulk actions read (name "pk").
        """
        rows = []
        url_of = self._url_maker()
        select = esc(str(_("Select")))
        cells_of = [
            (
                column.getter(self.model),
                _td(column.css or (LINK_CSS if column.link else "")),
                column.link,
            )
            for column in self.shown
        ]
        for obj in objects:
            url = url_of(obj)
            cells = []
            if selectable:
                cells.append(
                    f'<td><input class="form-check-input" type="checkbox" name="pk" '
                    f'value="{obj.pk}" aria-label="{select}"></td>'
                )
            for get, td, link in cells_of:
                value = get(obj)
                if link:
                    text = esc(value) if value not in (None, "") else "—"
                    cells.append(f'{td}<a href="{esc(url)}">{text}</a></td>')
                else:
                    cells.append(f"{td}{esc(value)}</td>")
            html = mark_safe("".join(cells))  # noqa: S308 (values escaped above)
            rows.append({"pk": obj.pk, "url": url, "html": html})
        return rows

    def head_html(self, *, sort: str, query: str, selectable: bool) -> str:
        """The header row's cells: sortable labels link to the same list sorted by them (the
        second click reverses), ``query`` being the current query string without its sort."""
        cells = []
        if selectable:
            label = esc(str(_("Select all")))
            cells.append(
                '<th scope="col"><input class="form-check-input" type="checkbox" '
                f'data-select-all="pk" aria-label="{label}"></th>'
            )
        prefix = "?" + esc(query) + ("&amp;" if query else "") + "sort="
        for column, label, sortable in self.header_cells():
            if not sortable:
                cells.append(f'<th scope="col">{esc(label)}</th>')
                continue
            name = column.name
            url = prefix + ("-" if sort == name else "") + esc(name)
            marker = ""
            # gettext outside the f-strings: xgettext does not look inside them.
            if sort == name:
                direction = esc(_("ascending"))
                marker = f' <i class="bi bi-sort-down-alt" aria-label="{direction}"></i>'
            elif sort == "-" + name:
                direction = esc(_("descending"))
                marker = f' <i class="bi bi-sort-up" aria-label="{direction}"></i>'
            cells.append(
                f'<th scope="col"><a class="link-body-emphasis text-decoration-none" '
                f'href="{url}" hx-get="{url}" hx-target="#list-results" hx-push-url="true">'
                f"{esc(label)}{marker}</a></th>"
            )
        return mark_safe("".join(cells))  # noqa: S308 (every part escaped above)

    @staticmethod
    def body_html(rows: list[dict]) -> str:
        """The rows of ``rows()`` as one string of table rows."""
        return mark_safe("".join(f"<tr>{row['html']}</tr>" for row in rows))  # noqa: S308

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

    def chooser_html(self) -> str:
        """The column chooser's checkboxes, one per column the user may see (built here like
        the header and rows: a template loop over twenty columns cost more than the rest of
        the toolbar)."""
        items = []
        for name, label, shown in self.choices():
            name = esc(name)
            checked = " checked" if shown else ""
            items.append(
                '<div class="form-check"><input class="form-check-input" type="checkbox" '
                f'name="columns" value="{name}" id="col-{name}"{checked}>'
                f'<label class="form-check-label" for="col-{name}">{esc(label)}</label></div>'
            )
        return mark_safe("".join(items))  # noqa: S308 (every part escaped above)

    def export_rows(self, objects: Iterable) -> Iterable[list]:
        getters = [column.getter(self.model) for column in self.shown]
        for obj in objects:
            yield [get(obj) for get in getters]


def owner_column(name: str = "owner", **options) -> Column:
    """The assigned manager, shown by full name and sorted by last name, in one join."""
    return Column(
        name,
        accessor=name,
        sort=f"{name}__last_name",
        reads=tuple(
            f"{name}__{part}" for part in ("last_name", "first_name", "middle_name", "username")
        ),
        **options,
    )
