"""The system corrects the user: an outlet's point far from its geocoded address, or a floor
area far from its history, is flagged before saving; saving needs an explicit confirmation of
exactly those warnings, and the history records it. A changed address is located again
whichever path changed it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.clients.models import Organisation, OrganisationKind
from crm.core.models import OutboxMessage
from crm.outlets.models import Outlet
from integrations.geocoding.mapping import address_key
from integrations.geocoding.models import GeocodeResult, Precision
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

ADDRESS = "г. Москва, ул. Тверская, д. 7"


@pytest.fixture
def world():
    world = build_world()
    Organisation.objects.filter(pk__in=[o.dealer_id for o in world["outlets"].values()]).update(
        kind=OrganisationKind.DEALER
    )
    return world


@pytest.fixture
def outlet(world):
    outlet = world["outlets"]["mine"]
    Outlet.objects.filter(pk=outlet.pk).update(address=ADDRESS, area_sqm=560)
    outlet.refresh_from_db()
    return outlet


def form_data(client, outlet, **changes):
    page = client.get(reverse("outlets:outlet_edit", args=[outlet.pk]))
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    data.update(changes)
    return data


def test_a_number_far_from_history_needs_a_recorded_confirmation(world, outlet, logged_in):
    client = logged_in(world["manager"])
    url = reverse("outlets:outlet_edit", args=[outlet.pk])
    data = form_data(client, outlet, area_sqm="5600")
    page = client.post(url, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="value-warnings"' in body
    assert Outlet.objects.get(pk=outlet.pk).area_sqm == 560  # nothing saved yet
    digest = page.context["warnings_digest"]
    # a confirmation of other warnings does not count
    assert client.post(url, {**data, "confirm_warnings": "0" * 32}).status_code == 200
    saved = client.post(url, {**data, "confirm_warnings": digest})
    assert saved.status_code == 302
    assert Outlet.objects.get(pk=outlet.pk).area_sqm == 5600
    event = Outlet.pgh_event_model.objects.filter(pgh_obj_id=outlet.pk).latest("pgh_id")
    [confirmed] = event.pgh_context.metadata["confirmed_warnings"]
    assert "5\u202f600" in confirmed  # the new value, grouped the Russian way
    assert "(560)" in confirmed  # what the outlet had before


def test_a_point_far_from_the_geocoded_address_is_flagged(world, outlet, logged_in, settings):
    settings.GEOCODER = "yandex"
    GeocodeResult.objects.create(
        provider="yandex",
        address_key=address_key(ADDRESS),
        query=ADDRESS,
        found=True,
        lat=55.7648,
        lon=37.6056,
        precision=Precision.EXACT,
    )
    client = logged_in(world["manager"])
    url = reverse("outlets:outlet_edit", args=[outlet.pk])
    near = form_data(client, outlet, latitude="55.764900", longitude="37.605700")
    assert client.post(url, near).status_code == 302  # a few metres: no question asked
    outlet.refresh_from_db()
    assert outlet.geo_precision == Precision.MANUAL
    far = form_data(client, outlet, latitude="59.934280", longitude="30.335099")  # St Petersburg
    page = client.post(url, far)
    assert page.status_code == 200
    assert "км" in page.content.decode() or "km" in page.content.decode()
    saved = client.post(url, {**far, "confirm_warnings": page.context["warnings_digest"]})
    assert saved.status_code == 302
    outlet.refresh_from_db()
    assert outlet.latitude == Decimal("59.934280")
    assert not OutboxMessage.objects.filter(task_name="geocoding.geocode_address").exists()


def test_a_changed_address_is_located_whatever_path_changed_it(world, outlet, settings):
    from crm.approvals import services
    from crm.core.choices import Channel, Source

    settings.GEOCODER = "yandex"
    services.change_request_submit(
        world["manager"],
        source=Source.STAFF,
        channel=Channel.WEB,
        record=outlet,
        changes={"address": "г. Москва, ул. Новая, д. 1"},
    )
    queued = OutboxMessage.objects.filter(task_name="geocoding.geocode_address")
    assert [m.kwargs["address"] for m in queued] == ["г. Москва, ул. Новая, д. 1"]
