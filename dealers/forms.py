"""The cabinet's forms: the quarterly report grid and the sale entered as it happens."""

import re
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin
from dealers import formatting
from dealers.periods import Quarter

_SPACES = re.compile(r"[\s\u00a0\u202f]")
EMPTY_CELLS = _("Fill in every cell: enter 0 where there were no sales.")


class NumberField(forms.CharField):
    """A number as people type it: "1 234,5", "1234.5" (spaces and a comma are fine)."""

    default_error_messages = {
        "invalid": _("Enter a number, for example 1 234,50."),
        "precision": _("At most %(places)s digits after the comma."),
        "too_big": _("The number is too large."),
    }

    def __init__(self, *, decimal_places: int, max_digits: int, **kwargs):
        self.decimal_places, self.max_digits = decimal_places, max_digits
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = _SPACES.sub("", super().to_python(value) or "").replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if number != round(number, self.decimal_places):
            raise ValidationError(
                self.error_messages["precision"],
                code="precision",
                params={"places": self.decimal_places},
            )
        if abs(number) >= Decimal(10) ** (self.max_digits - self.decimal_places):
            raise ValidationError(self.error_messages["too_big"], code="too_big")
        return number

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return formatting.input_number(value)
        return value


def quantity_field(**kwargs) -> NumberField:
    return NumberField(decimal_places=3, max_digits=14, **kwargs)


def amount_field(**kwargs) -> NumberField:
    return NumberField(decimal_places=2, max_digits=16, **kwargs)


class ReportForm(forms.Form):
    """The report grid: a quantity and an amount per outlet × product group, each required
    (0 allowed), and the report's version when the form was opened."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, grid, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.initial.setdefault("version", grid.version)
        required = {"required": _("Enter a number, 0 if there were no sales.")}
        labels = grid.labels()
        for cell in grid.cells:
            label = labels[cell.figure_key]
            self.fields[f"q-{cell.key}"] = quantity_field(
                error_messages=required, label=_("%(cell)s: quantity") % {"cell": label}
            )
            self.fields[f"a-{cell.key}"] = amount_field(
                error_messages=required, label=_("%(cell)s: amount, ₽") % {"cell": label}
            )
            self.initial.setdefault(f"q-{cell.key}", cell.quantity)
            self.initial.setdefault(f"a-{cell.key}", cell.amount)

    def clean(self):
        cleaned = super().clean()
        empty = [name for name, errors in self.errors.as_data().items() if _is_required(errors)]
        if empty:
            raise ValidationError(EMPTY_CELLS, code="empty")
        for cell in self.grid.cells:
            quantity = cleaned.get(f"q-{cell.key}")
            amount = cleaned.get(f"a-{cell.key}")
            if quantity is None or amount is None:
                continue
            if quantity < 0 or amount < 0:
                self.add_error(
                    f"a-{cell.key}",
                    _("Sales of a quarter are not negative: subtract returns from the sales."),
                )
            elif (quantity == 0) != (amount == 0):
                self.add_error(
                    f"a-{cell.key}",
                    _("Quantity and amount are either both 0 or both above 0."),
                )
        return cleaned

    def figures(self) -> dict:
        """{(outlet id or None, group id): (quantity, amount)} of a valid form."""
        return {
            cell.figure_key: (
                self.cleaned_data[f"q-{cell.key}"],
                self.cleaned_data[f"a-{cell.key}"],
            )
            for cell in self.grid.cells
        }

    def style(self, warned=frozenset()) -> None:
        """Bootstrap classes, Enter-moves-down columns (report-grid.js), invalid and warned
        cells marked for the eye and for screen readers."""
        errors = self._errors or {}
        for name, field in self.fields.items():
            if name == "version":
                continue
            css = "form-control text-end"
            attrs = {"data-grid-col": name[0], "autocomplete": "off", "aria-label": field.label}
            if name in errors:
                css += " is-invalid"
                attrs["aria-invalid"] = "true"
            elif name in warned:
                css += " border-warning border-2"
            field.widget.attrs.update(attrs, **{"class": css})


def _is_required(errors) -> bool:
    return any(error.code == "required" for error in errors)


class EntryForm(StyledFormMixin, forms.Form):
    """One sale: date, outlet (when the organisation has outlets), product, quantity, amount."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=32)
    date = forms.DateField(
        label=_("Date of the sale"),
        help_text=_("For example 22.11.2026."),
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"autocomplete": "off"}),
    )
    outlet = forms.TypedChoiceField(label=_("Outlet"), coerce=int, required=False)
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    quantity = quantity_field(
        label=_("Quantity"), help_text=_("A return: with a minus, for example −2.")
    )
    amount = amount_field(label=_("Amount, ₽"), help_text=_("With VAT, as in the receipt."))

    def __init__(self, *args, outlets=(), products=(), quarters=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.quarters, self.today = list(quarters), today
        self.outlets = {outlet.pk: outlet for outlet in outlets}
        self.products = {product.pk: product for product in products}
        if self.outlets:
            self.fields["outlet"].choices = [
                ("", _("Choose an outlet")),
                *((pk, outlet.name) for pk, outlet in self.outlets.items()),
            ]
            self.fields["outlet"].required = True
        else:
            del self.fields["outlet"]
        self.fields["product"].choices = [("", _("Choose a product")), *_grouped(products)]
        self.initial.setdefault("key", uuid.uuid4().hex)
        self.initial.setdefault("date", today)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if self.today and day > self.today:
            raise ValidationError(_("A sale cannot be in the future."))
        if self.quarters and Quarter.of(day) not in self.quarters:
            raise ValidationError(
                _("Enter a date of an open quarter: %(quarters)s.")
                % {"quarters": ", ".join(quarter.label for quarter in self.quarters)}
            )
        return day

    def clean(self):
        cleaned = super().clean()
        quantity, amount = cleaned.get("quantity"), cleaned.get("amount")
        if quantity is not None and quantity == 0:
            self.add_error("quantity", _("Enter how many were sold."))
        elif quantity is not None and amount is not None and quantity * amount < 0:
            self.add_error("amount", _("A return is negative in both quantity and amount."))
        return cleaned

    def chosen_outlet(self):
        return self.outlets.get(self.cleaned_data.get("outlet"))

    def chosen_product(self):
        return self.products[self.cleaned_data["product"]]


def _grouped(products) -> list:
    """Products as select options, grouped under their product group's name."""
    groups: dict[str, list] = {}
    for product in products:
        groups.setdefault(product.group.name, []).append(
            (product.pk, f"{product.name} ({product.sku})")
        )
    return list(groups.items())
