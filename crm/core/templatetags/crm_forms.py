"""Fast rendering of filter selects: Django renders every <option> through a template, which
cost more than half of a list page with a few hundred managers to choose from."""

from django import forms, template
from django.utils import translation
from django.utils.choices import CallableChoiceIterator
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django_filters.fields import ChoiceIterator

register = template.Library()


@register.simple_tag
def fast_field(bound_field):
    """A select rendered in Python (one string join); other widgets as Django renders them."""
    widget = bound_field.field.widget
    if type(widget) is not forms.Select:
        return bound_field.as_widget()
    current = bound_field.value()
    current = "" if current is None else str(current)
    options = _options_for(bound_field.field)
    if current:
        marker = f'value="{conditional_escape(current)}"'
        options = options.replace(marker + ">", marker + " selected>", 1)
    return format_html(
        '<select name="{}" id="{}" class="{}">{}</select>',
        bound_field.html_name,
        bound_field.auto_id,
        widget.attrs.get("class", "form-select"),
        mark_safe(options),  # noqa: S308 (every part escaped in _options_html)
    )


_OPTIONS: dict[tuple, tuple] = {}  # key -> (the choices, their <option> list)


def _options_for(field) -> str:
    """The <option> list of a field's choices, built once per choice set and language.

    A filter's choices are a few hundred (id, name) pairs (managers, regions) that
    ``crm.core.memo`` keeps as one tuple for minutes. Such a tuple is keyed by its identity
    (the entry holds it, so its id cannot be reused while remembered): hashing the pairs, or
    walking them through Django's normalising iterators, cost most of a list page's filter
    bar. A list (a field's fixed choices, copied per form) is keyed by its pairs; anything
    else (nested groups, lazy iterators) goes the normalised way.
    """
    language = translation.get_language()
    source = _flat_source(field)
    if source is not None:
        head, pairs = source
        key = (language, head, id(pairs) if type(pairs) is tuple else tuple(pairs))
        try:
            entry = _OPTIONS.get(key)
        except TypeError:  # an unhashable label: a nested group
            return _normalised(field, language)
        if entry is not None and (entry[0] is pairs or type(pairs) is not tuple):
            return entry[1]
        if all(type(p) is tuple and len(p) == 2 and _plain(p[1]) for p in pairs):
            html = _options_html((*head, *pairs))
            _remember(key, (pairs, html))
            return html
    return _normalised(field, language)


def _plain(label) -> bool:
    return isinstance(label, str) or not isinstance(label, (list, tuple, dict))


def _normalised(field, language) -> str:
    choices = tuple((str(v) if v is not None else "", str(label)) for v, label in field.choices)
    key = (language, choices)
    entry = _OPTIONS.get(key)
    if entry is None:
        entry = (choices, _options_html(choices))
        _remember(key, entry)
    return entry[1]


def _flat_source(field) -> tuple[tuple, tuple] | None:
    """(leading empty/null choices, the pairs) of a django-filter choice field whose choices
    are a list of pairs; None for anything else. The pairs are checked when first rendered."""
    iterator = getattr(field, "choices", None)
    if type(iterator) is not ChoiceIterator:
        return None
    inner = iterator.choices
    if isinstance(inner, CallableChoiceIterator):
        inner = inner.func()
    elif callable(inner):
        inner = inner()
    if not isinstance(inner, (list, tuple)):
        return None
    head = []
    if field.empty_label is not None:
        head.append(("", str(field.empty_label)))
    if field.null_label is not None:
        head.append((field.null_value, str(field.null_label)))
    return tuple(head), inner


def _remember(key: tuple, entry: tuple) -> None:
    if len(_OPTIONS) > 200:
        _OPTIONS.clear()
    _OPTIONS[key] = entry


def _options_html(choices) -> str:
    return "".join(
        f'<option value="{conditional_escape("" if value is None else value)}">'
        f"{conditional_escape(str(label))}</option>"
        for value, label in choices
    )
