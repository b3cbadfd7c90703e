"""Numbers as Russian users read them (ux.md): 1 234 567,5; money 1 234,50 ₽; 12,5 %."""

from decimal import Decimal

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
