"""Forms of the catalogue (the field policy is applied on top by the generic views)."""

from django import forms

from crm.catalog import selectors
from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup, Series
from crm.core.forms import RecordForm, active_or_current

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _set_choices(form, name: str, choices) -> None:
    """Show a dictionary's choices in their own order and labels (a tree, brand · series)."""
    field = form.fields.get(name)
    if field is None:
        return
    current = getattr(form.instance, f"{name}_id", None)
    values = list(choices)
    if current and current not in {pk for pk, _label in values}:
        values.append((current, str(getattr(form.instance, name))))
    field.choices = [("", "—"), *values]


class ProductGroupForm(RecordForm):
    class Meta:
        model = ProductGroup
        fields = ["name", "parent", "sort_order", "external_code", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "parent" in self.fields:
            own = set()
            if self.instance.pk:
                own = set(selectors.group_descendant_ids(self.instance.pk))
            _set_choices(
                self,
                "parent",
                [(pk, label) for pk, label in selectors.group_choices() if pk not in own],
            )


class BrandForm(RecordForm):
    class Meta:
        model = Brand
        fields = ["name", "parent", "description", "external_code", "is_active"]
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "parent" in self.fields:
            self.fields["parent"].queryset = active_or_current(
                Brand.objects.restrict(user).exclude(pk=self.instance.pk), self.instance, "parent"
            )


class SeriesForm(RecordForm):
    class Meta:
        model = Series
        fields = ["brand", "name", "external_code", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        _set_choices(self, "brand", selectors.brand_choices())


class ProductForm(RecordForm):
    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "group",
            "brand",
            "series",
            "unit",
            "barcode",
            "description",
            "external_code",
            "is_active",
        ]
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        _set_choices(self, "group", selectors.group_choices())
        _set_choices(self, "brand", selectors.brand_choices())
        _set_choices(self, "series", selectors.series_choices())

    def clean_sku(self):
        return " ".join((self.cleaned_data.get("sku") or "").split())


class PriceListForm(RecordForm):
    class Meta:
        model = PriceList
        fields = [
            "name",
            "currency",
            "valid_from",
            "valid_to",
            "description",
            "external_code",
            "is_active",
        ]
        widgets = {"valid_from": DATE, "valid_to": DATE, "description": TEXTAREA}


class PriceListItemForm(RecordForm):
    class Meta:
        model = PriceListItem
        fields = ["price_list", "product", "price"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "product" in self.fields:
            # Active products and the line's own (RecordForm), with their units.
            products = self.fields["product"].queryset.select_related("unit")
            self.fields["product"].queryset = products
        if "price" in self.fields:
            self.fields["price"].widget.attrs.update({"min": "0", "step": "0.01"})
