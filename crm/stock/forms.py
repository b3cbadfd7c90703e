"""Forms of the stock pages: a warehouse, the balances of a warehouse, the XLSX upload and the
cabinet list's filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin
from crm.core.imports import parsing
from dealers.forms import quantity_field

NOT_NEGATIVE = _("A stock balance is not negative: enter 0 or more.")


class WarehouseForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        help_text=_("As you call it, for example “Main warehouse” or “Kazan”."),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive warehouse keeps its history but takes no new balances."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Enter the warehouse's name."))
        return name


class BalanceEntryForm(StyledFormMixin, forms.Form):
    """The balance of each product of a warehouse: one number per product (an empty cell leaves
    the balance as it is), the version each balance had when the form was opened, and the date
    the figures are as of."""

    as_of = forms.DateField(
        label=_("Balances as of"),
        help_text=_("For example 22.11.2026; today unless you count an earlier day."),
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"autocomplete": "off"}),
    )

    def __init__(self, rows, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.initial.setdefault("as_of", timezone.localdate())
        for row in rows:
            product = row.product
            self.fields[f"q-{product.pk}"] = quantity_field(
                required=False,
                label=_("%(product)s: quantity") % {"product": product.name},
            )
            self.fields[f"v-{product.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, min_value=0, required=False
            )
            self.initial.setdefault(f"q-{product.pk}", row.quantity)
            self.initial.setdefault(f"v-{product.pk}", row.version)
            self.fields[f"q-{product.pk}"].widget.attrs.update(
                {
                    "class": "form-control text-end",
                    "autocomplete": "off",
                    "data-grid-col": "q",
                    "aria-label": self.fields[f"q-{product.pk}"].label,
                }
            )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day > timezone.localdate():
            raise ValidationError(_("The date of the balances cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            quantity = cleaned.get(f"q-{row.product.pk}")
            if quantity is not None and quantity < 0:
                self.add_error(f"q-{row.product.pk}", NOT_NEGATIVE)
        return cleaned

    def quantities(self) -> dict:
        """{product id: quantity} of the filled cells; a prefilled cell counts too: saving the
        form states the warehouse's balances as of its date."""
        values = {}
        for row in self.rows:
            quantity = self.cleaned_data.get(f"q-{row.product.pk}")
            if quantity is None:
                continue
            values[row.product.pk] = quantity
        return values

    def versions(self) -> dict:
        return {
            row.product.pk: self.cleaned_data.get(f"v-{row.product.pk}") or 0 for row in self.rows
        }

    def cells(self):
        """The rows with their bound fields, for the template."""
        return [
            {
                "row": row,
                "field": self[f"q-{row.product.pk}"],
                "version": self[f"v-{row.product.pk}"],
            }
            for row in self.rows
        ]


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("XLSX file"),
        help_text=_(
            "The first row holds the column names: Warehouse, Article, Quantity (and, if you "
            "like, Date). Up to 20 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > parsing.MAX_BYTES:
            raise ValidationError(parsing.too_big_message())
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise ValidationError(
                _("Upload an Excel workbook (.xlsx). Save the table from Excel as .xlsx.")
            )
        return upload


class StockFilterForm(StyledFormMixin, forms.Form):
    """The cabinet list's filters (choices come from the rows the user may see)."""

    organisation = forms.TypedChoiceField(
        label=_("Organisation"), coerce=int, required=False, empty_value=None
    )
    warehouse = forms.TypedChoiceField(
        label=_("Warehouse"), coerce=int, required=False, empty_value=None
    )
    group = forms.TypedChoiceField(
        label=_("Product group"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, organisations=(), warehouses=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("All")), *organisations]
        self.fields["warehouse"].choices = [("", _("All")), *warehouses]
        self.fields["group"].choices = [("", _("All")), *groups]
        if len(organisations) < 2:
            del self.fields["organisation"]
