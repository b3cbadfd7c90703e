"""The cabinet's forms: the quarterly report grid and the sale entered as it happens."""

import re
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.core import formatting
from crm.core.forms import StyledFormMixin
from crm.core.periods import Quarter

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


# --- the cabinet's users ----------------------------------------------------------------------


class InvitationForm(StyledFormMixin, forms.Form):
    """Whom to invite, and into which of the organisations the administrator manages."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("The invitation link is sent to this address.")
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {organisation.pk: organisation for organisation in organisations}
        self.fields["organisation"].choices = [
            (pk, organisation.name) for pk, organisation in self.organisations.items()
        ]
        if len(self.organisations) == 1:
            self.initial.setdefault("organisation", next(iter(self.organisations)))

    def chosen_organisation(self):
        return self.organisations[self.cleaned_data["organisation"]]


class AcceptInvitationForm(StyledFormMixin, forms.Form):
    """The invitee's name and password (the project's password rules apply)."""

    last_name = forms.CharField(label=_("Last name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits, not a common word."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        if invitation is not None:
            self.initial.setdefault("last_name", invitation.last_name)
            self.initial.setdefault("first_name", invitation.first_name)

    def clean(self):
        from django.contrib.auth import get_user_model, password_validation

        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            email = self.invitation.email if self.invitation else ""
            probe = get_user_model()(
                username=email,
                email=email,
                last_name=cleaned.get("last_name", ""),
                first_name=cleaned.get("first_name", ""),
            )
            try:
                password_validation.validate_password(first, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


# --- outlet proposals -------------------------------------------------------------------------


def outlet_proposal_form(user, outlet, data=None):
    """A form of the outlet fields the user may propose (dealers.policies), bound to a copy
    of ``outlet`` (a new one for a new outlet's proposal); never saved: the changed values
    become a change request."""
    from copy import copy

    from crm.outlets.models import Outlet, OutletStatus
    from dealers.policies import PROPOSABLE_OUTLET_FIELDS

    class OutletProposalForm(StyledFormMixin, forms.ModelForm):
        comment = forms.CharField(
            label=_("Comment for the approver"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Why the change, or where to check it (optional)."),
        )

        class Meta:
            model = Outlet
            fields = PROPOSABLE_OUTLET_FIELDS

        def proposed(self) -> dict:
            """{field: value} of the proposal: the changed fields (a new outlet: all)."""
            names = [n for n in self.changed_data if n in self.Meta.fields]
            if self.instance.pk is None:
                names = [n for n in self.Meta.fields if n in self.fields]
            return {name: self.cleaned_data[name] for name in names}

    from crm.core.access import editable_fields

    editable = editable_fields(user, Outlet)
    form = OutletProposalForm(data, instance=copy(outlet))
    for name in list(form.fields):
        if name != "comment" and name not in editable:
            del form.fields[name]
    if "format" in form.fields:
        form.fields["format"].queryset = form.fields["format"].queryset.filter(is_active=True)
    if outlet.pk is None and "status" in form.fields:
        form.fields["status"].choices = [
            (value, label)
            for value, label in OutletStatus.choices
            if value in (OutletStatus.ACTIVE, OutletStatus.PLANNED)
        ]
        form.initial.setdefault("status", OutletStatus.ACTIVE)
    return form


class ReportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("The filled-in template (XLSX)"),
        help_text=_("The file you downloaded above, with a number in every cell."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
