"""Numbers as Russian users read them (ux.md): 1 234 567,5; money 1 234,50 ₽; 12,5 %; and
the HTML escaping of values that markup built in Python (tables, selects) goes through."""

import re
from decimal import Decimal
from html import escape as _html_escape

from django.utils.formats import number_format

ONE = Decimal(1)
CENT = Decimal("0.01")


def number(value) -> str:
    """Grouped thousands, a decimal comma, no trailing zeros; "—" for no value."""
    if value is None:
        return "—"
    value = Decimal(value)
    value = value.quantize(ONE) if value == value.to_integral_value() else value.normalize()
    return number_format(value, use_l10n=True, force_grouping=True)


def money(value) -> str:
    """Whole roubles without kopecks, else two decimals; the sign after the amount."""
    if value is None:
        return "—"
    value = Decimal(value)
    value = value.quantize(ONE) if value == value.to_integral_value() else value.quantize(CENT)
    return f"{number_format(value, use_l10n=True, force_grouping=True)}\u00a0₽"


def percent(value) -> str:
    if value is None:
        return "—"
    return f"{number_format(Decimal(value), 1, use_l10n=True)}\u00a0%"


def input_number(value) -> str:
    """A prefilled input: no grouping (easier to edit), a decimal comma, no trailing zeros."""
    if value is None:
        return ""
    value = Decimal(value)
    value = value.quantize(ONE) if value == value.to_integral_value() else value.normalize()
    return number_format(value, use_l10n=True, force_grouping=False)


_SPECIAL = re.compile(r"[&<>\"']").search


def esc(value) -> str:
    """A value HTML-escaped (the stdlib's escape: Django's checks for lazy strings on every
    call, and a page escapes hundreds of cells); most values have nothing to escape, and one
    search costs less than escape's five replacements."""
    text = str(value)
    return _html_escape(text, quote=True) if _SPECIAL(text) else text


def conditional_esc(value) -> str:
    """``esc``, except for a value that is already HTML (``__html__``), as Django's
    ``conditional_escape``."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return esc(value)
