"""Filters of the staff stock list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.catalog import selectors as catalog
from crm.clients.models import Organisation, OrganisationKind
from crm.core.filters import FilterSet
from crm.stock.choices import StockSource
from crm.stock.models import DealerWarehouse, StockBalance


def _as_int(value) -> int | None:
    return int(value) if str(value).isdigit() else None


class StockBalanceFilterSet(FilterSet):
    organisation = django_filters.ChoiceFilter(
        field_name="organisation_id", label=_("Organisation")
    )
    dealer = django_filters.ChoiceFilter(
        field_name="dealer_id",
        label=_("Dealer with its sub-dealers"),
        method="filter_dealer",
    )
    group = django_filters.ChoiceFilter(
        field_name="product_group_id", label=_("Product group"), method="filter_group"
    )
    source = django_filters.ChoiceFilter(choices=StockSource.choices, label=_("Source"))

    class Meta:
        model = StockBalance
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        organisations = _organisations(request.user) if request is not None else []
        self.filters["organisation"].extra["choices"] = [(o.pk, o.name) for o in organisations]
        self.filters["dealer"].extra["choices"] = _dealers(organisations)
        self.filters["group"].extra["choices"] = catalog.group_choices

    def filter_dealer(self, queryset, name, value):
        dealer = _as_int(value)
        return queryset if dealer is None else queryset.filter(dealer_id=dealer)

    def filter_group(self, queryset, name, value):
        group = _as_int(value)
        if group is None:
            return queryset
        return queryset.filter(product_group_id__in=catalog.group_descendant_ids(group))


def _organisations(user) -> list[Organisation]:
    """The organisations with warehouses the user sees (few: only those that keep stock)."""
    ids = (
        DealerWarehouse.objects.restrict(user, "view")
        .order_by()
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    return list(
        Organisation.objects.filter(pk__in=list(ids))
        .only("pk", "name", "kind", "parent_dealer_id")
        .order_by("name")
    )


def _dealers(organisations) -> list[tuple[int, str]]:
    """The dealers whose networks (own or sub-dealers' warehouses) are among them."""
    ids = {o.parent_dealer_id or o.pk for o in organisations}
    known = {o.pk: o.name for o in organisations if o.kind == OrganisationKind.DEALER}
    missing = ids - set(known)
    if missing:
        known.update(Organisation.objects.filter(pk__in=missing).values_list("pk", "name"))
    return sorted(((pk, known[pk]) for pk in ids if pk in known), key=lambda item: item[1])
