"""Requested values as people read them: a related record by its name, a choice by its label,
a date the local way; an empty value as a dash."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_date, parse_datetime

from crm.core.tables import format_value


def field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def value_display(model, name: str, value) -> str:
    if value in (None, ""):
        return "—"
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    internal = field.get_internal_type()
    if internal == "DateTimeField" and isinstance(value, str):
        return format_value(parse_datetime(value))
    if internal == "DateField" and isinstance(value, str):
        return format_value(parse_date(value))
    if internal == "BooleanField":
        return format_value(bool(value))
    return str(value)
