"""The base of every list's filters: django-filter's FilterSet without its two deep copies.

django-filter deep-copies the class's filters for each filter set, and the form it builds
deep-copies the fields those fresh filters have just made. On a list page with eight filters
the two copies walked some 370 objects (labels, choices, widgets, querysets): a tenth of the
page's Python. Here each filter is copied one level down (its own ``extra`` kwargs included,
since filter sets set per-request choices there), and the form takes the fields as they are:
they were built for this request and belong to nobody else.
"""

import copy

import django_filters
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_filters.filters import FilterMethod
from django_filters.filterset import FilterSetMetaclass


def fresh_filter(filter_):
    """A copy of a declared filter for one filter set: its own ``extra`` and no cached form
    field, its ``method`` (if any) bound to the copy, as a deep copy would leave it."""
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    copied.__dict__.pop("_field", None)
    copied.__dict__.pop("parent", None)
    if isinstance(filter_.__dict__.get("filter"), FilterMethod):
        copied.filter = FilterMethod(copied)
    return copied


class _DeclaredFilters(dict):
    """A filter set class's filters; ``copy.deepcopy`` (django-filter's, per filter set)
    gives each filter a ``fresh_filter`` copy."""

    def __deepcopy__(self, memo):
        return {name: fresh_filter(filter_) for name, filter_ in self.items()}


class _FreshFields(dict):
    """A filter form's fields, made by this request's filters: the form keeps them as they
    are instead of deep-copying them."""

    def __deepcopy__(self, memo):
        return dict(self)


class _Metaclass(FilterSetMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_filters = _DeclaredFilters(new_class.base_filters)
        return new_class


class FilterSet(django_filters.FilterSet, metaclass=_Metaclass):
    def get_form_class(self):
        form_class = super().get_form_class()
        form_class.base_fields = _FreshFields(form_class.base_fields)
        return form_class


class YesNoAll(forms.NullBooleanSelect):
    """The select of a yes/no filter (``BooleanFilter(widget=YesNoAll)``): unset reads "All",
    as every other filter's empty choice, not Django's "Unknown", which a person takes for a
    third value to filter by."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", settings.FILTERS_EMPTY_CHOICE_LABEL),
            ("true", _("Yes")),
            ("false", _("No")),
        ]
