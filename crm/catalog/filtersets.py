"""Filters of the catalogue lists."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.catalog import selectors
from crm.catalog.models import Brand, Currency, PriceList, Product, Series
from crm.core.filters import FilterSet


class ActiveFilter(django_filters.ChoiceFilter):
    """Inactive (archived) records stay out of lists unless asked for."""

    def __init__(self, **kwargs):
        super().__init__(
            field_name="is_active",
            label=_("Active"),
            choices=[("inactive", _("Only inactive")), ("all", _("Active and inactive"))],
            empty_label=_("Active only"),
            null_label=None,
            **kwargs,
        )

    def filter(self, qs, value):
        if value == "inactive":
            return qs.filter(is_active=False)
        if value == "all":
            return qs
        return qs.filter(is_active=True)


def _choice_int(value) -> int | None:
    return int(value) if str(value).isdigit() else None


class ProductFilterSet(FilterSet):
    group = django_filters.ChoiceFilter(
        field_name="group_id", label=_("Product group"), method="filter_group"
    )
    brand = django_filters.ChoiceFilter(
        field_name="brand_id", label=_("Brand"), method="filter_brand"
    )
    series = django_filters.ChoiceFilter(
        field_name="series_id", label=pgettext_lazy("one", "Series")
    )
    active = ActiveFilter()

    class Meta:
        model = Product
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Callables: the form field reads them when rendered, and deep copies skip them.
        self.filters["group"].extra["choices"] = selectors.group_choices
        self.filters["brand"].extra["choices"] = selectors.brand_choices
        self.filters["series"].extra["choices"] = selectors.series_choices

    def filter_group(self, queryset, name, value):
        """A group includes the products of all its subgroups."""
        group_id = _choice_int(value)
        if group_id is None:
            return queryset
        return queryset.filter(group_id__in=selectors.group_descendant_ids(group_id))

    def filter_brand(self, queryset, name, value):
        """A brand includes the products of its sub-brands."""
        brand_id = _choice_int(value)
        if brand_id is None:
            return queryset
        return queryset.filter(brand_id__in=selectors.brand_with_sub_brand_ids(brand_id))


class BrandFilterSet(FilterSet):
    kind = django_filters.ChoiceFilter(
        field_name="parent",
        label=_("Level"),
        choices=[("brand", _("Brands")), ("sub_brand", _("Sub-brands"))],
        method="filter_kind",
    )
    active = ActiveFilter()

    class Meta:
        model = Brand
        fields = []

    def filter_kind(self, queryset, name, value):
        if value == "brand":
            return queryset.filter(parent__isnull=True)
        if value == "sub_brand":
            return queryset.filter(parent__isnull=False)
        return queryset


class SeriesFilterSet(FilterSet):
    brand = django_filters.ChoiceFilter(field_name="brand_id", label=_("Brand"))
    active = ActiveFilter()

    class Meta:
        model = Series
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["brand"].extra["choices"] = selectors.brand_choices


class PriceListFilterSet(FilterSet):
    currency = django_filters.ChoiceFilter(choices=Currency.choices, label=_("Currency"))
    active = ActiveFilter()

    class Meta:
        model = PriceList
        fields = []
