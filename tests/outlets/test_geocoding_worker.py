"""Outlets imported with addresses are located by a real Celery worker against the fake Yandex
geocoder: the import queues batches after its commit, the worker writes the points."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from crm.celery import app as celery_app
from crm.clients.models import Organisation, OrganisationKind
from crm.core import relay
from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from crm.outlets.models import Outlet
from integrations.geocoding.fake import FakeYandexGeocoder, Place
from tests.core.test_worker import wait_until
from tests.imports.conftest import INNS, csv_bytes, upload
from tests.security.conftest import build_world
from tests.services import celery_worker, database_url_of_tests

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NEVSKY = Place(59.934280, 30.335099, "Россия, Санкт-Петербург, Невский проспект, 28")


def test_imported_outlets_are_geocoded_by_a_real_worker(private_redis, settings):
    world = build_world()
    manager = world["manager"]
    manager.user_permissions.add(Permission.objects.get(codename="import_outlet"))
    dealer = Organisation.objects.create(
        name="Дилер-Север",
        kind=OrganisationKind.DEALER,
        inn=INNS[2],
        region=world["regions"]["77"],
        owner=manager,
    )
    with FakeYandexGeocoder(api_key="good-key", default_place=NEVSKY) as fake:
        geocoder = {
            "GEOCODER": "yandex",
            "YANDEX_GEOCODER_API_KEY": "good-key",
            "YANDEX_GEOCODER_URL": fake.url,
            "GEOCODER_MIN_INTERVAL_MS": "0",
        }
        for name, value in geocoder.items():
            setattr(settings, name, value)
        settings.REDIS_URL = settings.CELERY_BROKER_URL = private_redis.url
        previous = celery_app.conf.broker_url
        celery_app.conf.broker_url = private_redis.url
        relay.reset_breaker()
        try:
            with celery_worker(
                broker_url=private_redis.url, database_url=database_url_of_tests(), env=geocoder
            ):
                rows = [
                    ["Дилер", "Название", "Адрес"],
                    [dealer.inn, "Салон на Невском", "Санкт-Петербург, Невский, 28"],
                    [dealer.inn, "Склад без адреса", ""],
                ]
                job = services.import_upload(
                    manager,
                    spec=registry.get("outlets.outlet"),
                    upload=upload("points.csv", csv_bytes(rows)),
                )
                services.import_check(manager, job=job)
                assert job.status == ImportStatus.CHECKED, (job.errors, job.message)
                services.import_apply(manager, job=job)
                assert job.status == ImportStatus.DONE, (job.errors, job.message)
                salon = Outlet.objects.get(name="Салон на Невском")
                assert wait_until(
                    lambda: Outlet.objects.filter(pk=salon.pk, latitude__isnull=False).exists()
                ), "the worker did not geocode the imported outlet"
        finally:
            celery_app.conf.broker_url = previous
    salon.refresh_from_db()
    assert (salon.latitude, salon.longitude) == (Decimal("59.934280"), Decimal("30.335099"))
    assert Outlet.objects.get(name="Склад без адреса").latitude is None
    assert len(fake.requests) == 1  # the outlet without an address was not asked about
