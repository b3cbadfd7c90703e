"""crm.core.filters.FilterSet copies its filters one level down instead of deep-copying them,
and its form keeps the fields those copies made: nothing one filter set (one request) sets may
reach the class or another filter set."""

import django_filters
import pytest
from django.utils import translation

from crm.catalog.filtersets import ProductFilterSet
from crm.catalog.models import Product
from crm.clients.filtersets import OrganisationFilterSet
from crm.clients.models import Organisation, OrganisationStatus
from crm.clients.tables import ContactTable, OrganisationTable
from crm.core.filters import FilterSet
from crm.core.generic import ObjectListView
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_per_request_choices_stay_with_their_filter_set():
    world = build_world()
    declared = OrganisationFilterSet.base_filters["owner"]
    declared_extra = dict(declared.extra)
    for_manager = OrganisationFilterSet({}, request=_request(world["manager"]))
    for_stranger = OrganisationFilterSet({}, request=_request(world["stranger"]))
    assert declared.extra == declared_extra  # the class's filter is untouched
    assert for_manager.filters["owner"] is not for_stranger.filters["owner"]
    managers = dict(for_manager.form.fields["owner"].choices)
    strangers = dict(for_stranger.form.fields["owner"].choices)
    assert world["manager"].pk in managers
    assert world["stranger"].pk not in managers
    assert world["stranger"].pk in strangers
    assert for_manager.form.fields["owner"] is not for_stranger.form.fields["owner"]
    assert for_manager.filters["owner"].parent is for_manager
    assert not hasattr(declared, "parent")
    assert "_field" not in declared.__dict__


def test_the_form_uses_the_fields_its_filters_made_and_styles_only_its_own():
    from crm.core.forms import style_fields

    first = OrganisationFilterSet({"status": "active"}, queryset=Organisation.objects.all())
    style_fields(first.form)
    assert first.form.fields["status"] is first.filters["status"].field
    second = OrganisationFilterSet({"status": "zzz"}, queryset=Organisation.objects.all())
    assert second.form.fields["status"] is not first.form.fields["status"]
    assert "form-select" not in second.form.fields["status"].widget.attrs.get("class", "")
    assert first.is_valid()
    assert not second.is_valid()


def test_a_method_filter_calls_the_method_of_its_own_filter_set():
    calls = []

    class Spy(ProductFilterSet):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.filters["group"].extra["choices"] = [("1", "One"), ("2", "Two")]

        def filter_group(self, queryset, name, value):
            calls.append(self)
            return queryset.none()

    one = Spy({"group": "1"}, queryset=Product.objects.all())
    two = Spy({"group": "2"}, queryset=Product.objects.all())
    assert list(one.qs) == []
    assert list(two.qs) == []
    assert calls == [one, two]


def test_status_filter_narrows_the_rows():
    Organisation.objects.create(name="Активная", status=OrganisationStatus.ACTIVE)
    Organisation.objects.create(name="Будущая", status=OrganisationStatus.POTENTIAL)
    found = OrganisationFilterSet({"status": "active"}, queryset=Organisation.objects.all()).qs
    assert [o.name for o in found] == ["Активная"]


def _list_views(cls=ObjectListView):
    for sub in cls.__subclasses__():
        yield sub
        yield from _list_views(sub)


def test_every_list_filters_through_the_shared_filter_set():
    import crm.urls  # noqa: F401 (imports every app's views)

    lists = [view for view in _list_views() if view.filterset is not None]
    assert lists
    for view in lists:
        assert issubclass(view.filterset, FilterSet), view
    assert not issubclass(django_filters.FilterSet, FilterSet)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_cell_getter_gives_what_the_column_value_gives(language):
    world = build_world()
    organisation = world["mine"]
    organisation.status = OrganisationStatus.ACTIVE
    organisation.phone = "+74951234567"
    organisation.save()
    contact = world["contacts"]["mine"]
    with translation.override(language):
        for table, obj in ((OrganisationTable, organisation), (ContactTable, contact)):
            for column in table.columns:
                assert column.getter(table.model)(obj) == column.value(obj), column.name
        orphan = Organisation(name="Без региона")
        for column in OrganisationTable.columns:
            assert column.getter(Organisation)(orphan) == column.value(orphan), column.name
