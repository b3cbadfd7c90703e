"""Template filters of the cabinet: numbers, money and percentages the Russian way."""

from django import template

from crm.core import formatting

register = template.Library()


@register.filter
def number(value) -> str:
    return formatting.number(value)


@register.filter
def money(value) -> str:
    return formatting.money(value)


@register.filter
def percent(value) -> str:
    return formatting.percent(value)
