"""Filters of the outlet list."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.clients.filtersets import ArchiveFilter
from crm.clients.selectors import dictionary_choices, owner_choices
from crm.core.filters import FilterSet
from crm.core.forms import LazyChoices
from crm.outlets.models import Outlet, OutletStatus


class OutletFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(choices=OutletStatus.choices, label=_("Status"))
    format = django_filters.ChoiceFilter(field_name="format_id", label=_("Format"))
    region = django_filters.ChoiceFilter(field_name="region_id", label=_("Region"))
    owner = django_filters.ChoiceFilter(field_name="owner_id", label=_("Field manager"))
    dealer = django_filters.NumberFilter(field_name="dealer_id", widget=forms.HiddenInput)
    archived = ArchiveFilter()

    class Meta:
        model = Outlet
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["format"].extra["choices"] = LazyChoices(
            dictionary_choices, "refs.OutletFormat"
        )
        self.filters["region"].extra["choices"] = LazyChoices(dictionary_choices, "refs.Region")
        user = request.user if request is not None else None
        self.filters["owner"].extra["choices"] = LazyChoices(owner_choices, user)
