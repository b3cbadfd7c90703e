"""Outlets: create and edit through the form (brands, contacts), the card's tabs, equipment,
photos served only to users who may see the outlet, geocoding queued on an address change, and
query ceilings of the list and card whatever the number of rows."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.catalog.models import Brand
from crm.clients.models import Contact, Organisation, OrganisationKind
from crm.core.models import OutboxMessage
from crm.outlets.models import Outlet, OutletEquipment, OutletPhoto
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

LIST_CEILING = 8
PAGE_CEILING = 12


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    dealer = world["mine"]
    dealer.kind = OrganisationKind.DEALER
    dealer.save()
    return world


def form_data(world, **changes):
    data = {
        "dealer": world["mine"].pk,
        "name": "Салон «Альфа» на Мира",
        "status": "active",
        "address": "г. Москва, пр-т Мира, д. 1",
        "region": world["regions"]["77"].pk,
        "owner": world["manager"].pk,
    }
    return {**data, **changes}


def test_a_manager_creates_an_outlet_with_brands_and_the_address_is_queued_for_geocoding(
    client, world
):
    client.force_login(world["manager"])
    brands = [Brand.objects.create(name="Альфа-Ойл"), Brand.objects.create(name="Бета-Хим")]
    with override_settings(GEOCODER="yandex"):
        response = client.post(
            reverse("outlets:outlet_create"),
            form_data(world, brands=[brand.pk for brand in brands]),
        )
    outlet = Outlet.objects.get(name="Салон «Альфа» на Мира")
    assert response.status_code == 302
    assert set(outlet.brands.values_list("name", flat=True)) == {"Альфа-Ойл", "Бета-Хим"}
    assert OutboxMessage.objects.filter(task_name="geocoding.geocode_address").count() == 1
    card = client.get(outlet.get_absolute_url()).content.decode()
    assert "Альфа-Ойл, Бета-Хим" in card
    # The history tab shows the creation.
    history = client.get(outlet.get_absolute_url(), {"tab": "history"})
    assert history.status_code == 200
    assert "Салон «Альфа» на Мира" in history.content.decode()


def test_editing_brands_alone_bumps_the_version_and_a_stale_form_is_refused(client, world):
    outlet = world["outlets"]["mine"]
    brand = Brand.objects.create(name="Гамма")
    client.force_login(world["manager"])
    url = reverse("outlets:outlet_edit", args=[outlet.pk])
    data = form_data(world, name=outlet.name, brands=[brand.pk], version=outlet.version)
    assert client.post(url, data).status_code == 302
    outlet.refresh_from_db()
    assert outlet.version == 2
    assert list(outlet.brands.all()) == [brand]
    stale = client.post(url, {**data, "brands": [], "version": 1})
    assert stale.status_code == 409
    assert list(outlet.brands.all()) == [brand]


def test_contacts_offered_are_the_dealers_own(client, world):
    outlet = world["outlets"]["mine"]
    own = Contact.objects.create(organisation=world["mine"], last_name="Своя")
    client.force_login(world["manager"])
    form = client.get(reverse("outlets:outlet_edit", args=[outlet.pk])).context["form"]
    offered = set(form.fields["contacts"].queryset)
    assert own in offered
    assert world["contacts"]["foreign"] not in offered


def test_equipment_is_added_and_removed_on_the_card(client, world):
    outlet = world["outlets"]["mine"]
    client.force_login(world["manager"])
    response = client.post(
        reverse("outlets:equipment_add", args=[outlet.pk]),
        {"name": "Стеллаж фирменный", "quantity": 2},
    )
    assert response.status_code == 302
    row = OutletEquipment.objects.get(outlet=outlet)
    page = client.get(outlet.get_absolute_url(), {"tab": "merchandising"}).content.decode()
    assert "Стеллаж фирменный" in page
    client.post(reverse("outlets:equipment_delete", args=[row.pk]))
    assert not OutletEquipment.objects.filter(pk=row.pk).exists()
    # Someone else's outlet: 404, nothing written.
    foreign = world["outlets"]["foreign"]
    refused = client.post(reverse("outlets:equipment_add", args=[foreign.pk]), {"name": "X"})
    assert refused.status_code == 404
    assert not OutletEquipment.objects.filter(outlet=foreign).exists()


def test_a_photo_is_served_only_to_users_who_see_the_outlet(client, world):
    outlet = world["outlets"]["mine"]
    client.force_login(world["manager"])
    upload = SimpleUploadedFile("shop.png", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("outlets:photo_upload", args=[outlet.pk]), {"image": upload, "caption": "Вход"}
    )
    assert response.status_code == 302
    photo = OutletPhoto.objects.get(outlet=outlet)
    served = client.get(reverse("outlets:photo", args=[photo.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png_bytes()
    client.force_login(world["stranger"])
    assert client.get(reverse("outlets:photo", args=[photo.pk])).status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_with_a_message(client, world):
    outlet = world["outlets"]["mine"]
    client.force_login(world["manager"])
    fake = SimpleUploadedFile("shop.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(
        reverse("outlets:photo_upload", args=[outlet.pk]), {"image": fake}, follow=True
    )
    assert not OutletPhoto.objects.exists()
    assert "JPEG, PNG" in response.content.decode()


def test_the_dealers_card_lists_its_outlets(client, world):
    client.force_login(world["manager"])
    page = client.get(world["mine"].get_absolute_url(), {"tab": "outlets"}).content.decode()
    assert world["outlets"]["mine"].name in page
    assert world["outlets"]["foreign"].name not in page


def _count(client, url, params=None):
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("rows", [3, 30])
def test_query_ceilings_do_not_grow_with_rows(client, world, rows):
    dealer: Organisation = world["mine"]
    Outlet.objects.bulk_create(
        Outlet(dealer=dealer, name=f"Точка-{n}", region=dealer.region, owner=dealer.owner)
        for n in range(rows)
    )
    client.force_login(world["manager"])
    url = reverse("outlets:outlet_list")
    assert _count(client, url) <= LIST_CEILING
    assert _count(client, url, {"status": "active", "q": "Точка"}) <= LIST_CEILING
    assert _count(client, url, {"export": "csv"}) <= PAGE_CEILING
    outlet = world["outlets"]["mine"]
    for tab in ("overview", "contacts", "merchandising", "photos", "history"):
        assert _count(client, outlet.get_absolute_url(), {"tab": tab}) <= PAGE_CEILING


def test_the_api_lists_outlets_in_scope_with_brand_ids(client, world):
    from crm.core.api.services import api_key_create

    brand = Brand.objects.create(name="Дельта")
    world["outlets"]["mine"].brands.add(brand)
    key = api_key_create(None, name="k", user=world["manager"], scopes=["outlets:read"])[1]
    response = client.get("/api/v1/outlets/", headers={"Authorization": f"Api-Key {key}"})
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert rows["Точка-mine"]["brands"] == [brand.pk]
    assert "Точка-foreign" not in rows


def test_demo_outlets_are_idempotent(db):
    from crm.outlets import demo

    first = demo.seed(scale="ci")
    again = demo.seed(scale="ci")
    assert again["ci_outlets"] == 0
    assert again["outlets"] == first["outlets"]


def test_the_global_search_finds_outlets_in_scope_only(client, world):
    client.force_login(world["manager"])
    page = client.get(reverse("core:search"), {"q": "Точка"}).content.decode()
    assert world["outlets"]["mine"].get_absolute_url() in page
    assert world["outlets"]["foreign"].get_absolute_url() not in page
