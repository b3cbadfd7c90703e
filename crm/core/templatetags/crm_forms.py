"""Fast rendering of selects: Django renders every <option> through a template, which cost
more than half of a list page with a few hundred managers to choose from, and most of an edit
form with a region's dealers."""

from django import forms, template
from django.forms.models import ModelChoiceIterator
from django.utils import translation
from django.utils.choices import CallableChoiceIterator
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django_filters.fields import ChoiceIterator

from crm.core.formatting import conditional_esc

register = template.Library()


@register.simple_tag
def fast_field(bound_field):
    """A select, text input or text area rendered in Python, with the attributes Django would
    give it (required, disabled, aria-*); other widgets, and grouped choices, as Django
    renders them. An edit form's dealer and manager choices were 2,000 options through
    templates, and each input three templates (text, input, attrs)."""
    widget = bound_field.field.widget
    kind = type(widget)
    if kind is forms.Select:
        options = _options_for(bound_field.field)
        current = bound_field.value()
        current = "" if current is None else str(current)
    elif issubclass(kind, forms.NullBooleanSelect) and kind.render is forms.Widget.render:
        # A yes/no select's fixed choices, one set per widget class: 0.2 ms through templates.
        options = _widget_options(widget)
        current = widget.format_value(bound_field.value())
    else:
        return _fast_input(bound_field) or bound_field.as_widget()
    if options is None:
        return bound_field.as_widget()
    marker = f'value="{conditional_esc(current)}"'
    options = options.replace(marker + ">", marker + " selected>", 1)
    base = widget.attrs if "class" in widget.attrs else {**widget.attrs, "class": "form-select"}
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    attrs = widget.build_attrs(base, attrs)
    name = conditional_esc(bound_field.html_name)
    # Every part escaped: the name and attributes here, the options in _options_html.
    return mark_safe(f'<select name="{name}"{_attrs_html(attrs)}>{options}</select>')  # noqa: S308


_WIDGETS = "django/forms/widgets/"
# Django's templates that are input.html with a type (text.html is {% include input.html %}).
_INPUT_TEMPLATES = frozenset(
    _WIDGETS + name
    for name in (
        "input.html",
        "text.html",
        "search.html",
        "email.html",
        "url.html",
        "tel.html",
        "number.html",
        "date.html",
        "datetime.html",
        "time.html",
        "color.html",
        "checkbox.html",
        "hidden.html",
        "password.html",
        "file.html",
    )
)
_TEXTAREA_TEMPLATE = _WIDGETS + "textarea.html"


def _fast_input(bound_field) -> str | None:
    """What ``bound_field.as_widget()`` renders, for Django's own input and text area
    templates: the same context (``widget.get_context``), written out as those templates do.
    None for anything else (a custom template or render, a hidden initial)."""
    field = bound_field.field
    widget = field.widget
    template = widget.template_name
    if template not in _INPUT_TEMPLATES and template != _TEXTAREA_TEMPLATE:
        return None
    if type(widget).render is not forms.Widget.render or field.show_hidden_initial:
        return None
    if field.localize:
        widget.is_localized = True
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    context = widget.get_context(bound_field.html_name, bound_field.value(), attrs)["widget"]
    value = context["value"]
    if template == _TEXTAREA_TEMPLATE:
        text = conditional_escape(value) if value else ""
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            context["name"],
            _attrs_html(context["attrs"]),
            text,
        )
    shown = "" if value is None else format_html(' value="{}"', str(value))
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        context["type"],
        context["name"],
        shown,
        _attrs_html(context["attrs"]),
    )


def _attrs_html(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html writes them: False left out, True bare."""
    return mark_safe(  # noqa: S308 (names are the widget's own; values escaped)
        "".join(
            f" {name}" if value is True else f' {name}="{conditional_esc(value)}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


_OPTIONS: dict[tuple, tuple] = {}  # key -> (the choices, their <option> list)


def _options_for(field) -> str | None:
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


def _widget_options(widget) -> str:
    """The <option> list of a widget's own fixed choices (a NullBooleanSelect's, the same for
    every instance of its class), per language."""
    key = (translation.get_language(), type(widget))
    entry = _OPTIONS.get(key)
    if entry is None:
        entry = (None, _options_html(widget.choices))
        _remember(key, entry)
    return entry[1]


def _plain(label) -> bool:
    return isinstance(label, str) or not isinstance(label, (list, tuple, dict))


def _normalised(field, language) -> str | None:
    """None for grouped choices (an <optgroup> is Django's to render)."""
    pairs = _model_choices(field)
    if pairs is None:
        pairs = tuple(field.choices)
    if any(isinstance(label, list | tuple) for _value, label in pairs):
        return None
    choices = tuple((str(v) if v is not None else "", str(label)) for v, label in pairs)
    key = (language, choices)
    entry = _OPTIONS.get(key)
    if entry is None:
        entry = (choices, _options_html(choices))
        _remember(key, entry)
    return entry[1]


def _model_choices(field) -> tuple | None:
    """A model choice field's (value, label) pairs as its iterator gives them, the records
    built by ``bulk.fetch_instances``: an outlet form's dealers and managers were 1,700
    records a page through ``Model.__init__``. None for other fields."""
    if not isinstance(field, forms.ModelChoiceField) or field.iterator is not ModelChoiceIterator:
        return None
    from crm.core.bulk import fetch_instances

    head = () if field.empty_label is None else (("", field.empty_label),)
    records = fetch_instances(field.queryset)
    return head + tuple((field.prepare_value(o), field.label_from_instance(o)) for o in records)


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
