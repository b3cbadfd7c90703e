"""Geocoding against fake Yandex and Nominatim servers on 127.0.0.1 and a private Redis.

The fakes answer in the providers' real wire formats (integrations/geocoding/fake.py); the
throttle and the 429/403 blocks run on a redis-server of each test's own.
"""

import itertools
import multiprocessing
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from crm.core.models import OutboxMessage
from integrations.geocoding import client, maps, service, tasks, throttle
from integrations.geocoding.errors import (
    KeyRejected,
    NotConfigured,
    RateLimited,
    Unavailable,
)
from integrations.geocoding.fake import FakeNominatim, FakeYandexGeocoder, Place
from integrations.geocoding.models import GeocodeResult, Precision

PETERSBURG = Place(59.934280, 30.335099, "Россия, Санкт-Петербург, Невский проспект, 28")
STREET_ONLY = Place(
    55.751244, 37.618423, "Россия, Москва, улица Варварка", precision="street", kind="street"
)


@pytest.fixture
def geo_redis(private_redis, settings):
    settings.REDIS_URL = private_redis.url
    return private_redis


@pytest.fixture
def yandex(db, geo_redis, settings):
    with FakeYandexGeocoder(api_key="good-key", default_place=PETERSBURG) as fake:
        settings.GEOCODER = "yandex"
        settings.YANDEX_GEOCODER_API_KEY = "good-key"
        settings.YANDEX_GEOCODER_URL = fake.url
        settings.GEOCODER_MIN_INTERVAL_MS = 0
        settings.INTEGRATION_TIMEOUT = 2
        yield fake


@pytest.fixture
def nominatim(db, geo_redis, settings):
    with FakeNominatim(base_path="/nominatim", default_place=PETERSBURG) as fake:
        settings.GEOCODER = "nominatim"
        settings.NOMINATIM_URL = fake.url
        settings.GEOCODER_MIN_INTERVAL_MS = 0
        settings.INTEGRATION_TIMEOUT = 2
        yield fake


# --- Yandex ---------------------------------------------------------------------------------


def test_yandex_pos_is_read_as_lon_then_lat(yandex):
    location = service.geocode("Санкт-Петербург, Невский проспект, 28")
    assert (location.lat, location.lon) == (59.93428, 30.335099)
    assert location.precision == Precision.EXACT
    assert location.exact
    assert location.kind == "exact/house"
    assert location.formatted_address == PETERSBURG.text
    assert location.provider == "yandex"
    (request,) = yandex.requests
    assert request.path == "/1.x/"
    assert request.params["apikey"] == "good-key"
    assert request.params["format"] == "json"
    assert request.params["lang"] == "ru_RU"
    assert request.params["geocode"] == "Санкт-Петербург, Невский проспект, 28"


def test_yandex_street_level_answer_is_not_exact(yandex):
    yandex.default_place = STREET_ONLY
    location = service.geocode("Москва, Варварка")
    assert location.precision == Precision.STREET
    assert not location.exact


def test_yandex_api_path_comes_from_the_configured_url(yandex, settings):
    settings.YANDEX_GEOCODER_URL = yandex.base_url + "/v1/"
    yandex.path = "/v1/"
    assert service.geocode("Невский 28") is not None
    assert yandex.requests[0].path == "/v1/"


def test_nothing_found_is_cached_and_not_asked_again(yandex):
    yandex.mode = yandex.NOTHING_FOUND
    assert service.geocode("Нигдеград, улица Несуществующая, 1") is None
    row = GeocodeResult.objects.get()
    assert not row.found
    assert row.lat is None
    assert service.geocode("нигдеград,  улица несуществующая,1") is None
    assert len(yandex.requests) == 1


def test_a_rejected_key_says_so_and_stops_asking_until_the_key_changes(yandex, settings):
    settings.YANDEX_GEOCODER_API_KEY = "bad-key"
    with pytest.raises(KeyRejected) as caught:
        service.geocode("Невский 28")
    with translation.override("en"):
        assert "API key" in str(caught.value.message)
    with pytest.raises(KeyRejected):
        service.geocode("Невский 30")
    assert len(yandex.requests) == 1  # blocked for everyone, no second request
    assert not GeocodeResult.objects.exists()
    settings.YANDEX_GEOCODER_API_KEY = "good-key"
    assert service.geocode("Невский 30") is not None
    assert len(yandex.requests) == 2


def test_rate_limit_stops_every_caller_for_retry_after(yandex):
    yandex.mode = yandex.RATE_LIMITED
    yandex.retry_after = "120"
    with pytest.raises(RateLimited) as caught:
        service.geocode("Невский 28")
    assert caught.value.retry_after == 120
    yandex.mode = yandex.FOUND
    with pytest.raises(RateLimited):
        service.geocode("Невский 30")
    assert len(yandex.requests) == 1
    assert not GeocodeResult.objects.exists()


def test_a_slow_geocoder_times_out_as_unavailable(yandex, settings):
    settings.INTEGRATION_TIMEOUT = 1
    yandex.mode = yandex.SLOW
    yandex.delay = 5
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        service.geocode("Невский 28")
    assert time.monotonic() - started < 3
    with translation.override("en"):
        assert "not answering" in str(caught.value.message)
    assert not GeocodeResult.objects.exists()


def test_a_server_error_is_unavailable_and_not_cached(yandex):
    yandex.mode = yandex.SERVER_ERROR
    with pytest.raises(Unavailable):
        service.geocode("Невский 28")
    assert not GeocodeResult.objects.exists()


def test_geocoding_switched_off_or_without_a_key_is_not_configured(db, settings):
    settings.GEOCODER = ""
    with pytest.raises(NotConfigured):
        service.geocode("Невский 28")
    settings.GEOCODER = "yandex"
    settings.YANDEX_GEOCODER_API_KEY = ""
    with pytest.raises(NotConfigured):
        service.geocode("Невский 28")
    assert service.geocode("   ") is None  # nothing to locate, nothing asked


# --- Cache ----------------------------------------------------------------------------------


def test_the_cache_is_reused_and_asked_again_when_expired(yandex, settings):
    settings.GEOCODER_CACHE_DAYS = 30
    first = service.geocode("Санкт-Петербург, Невский проспект, 28")
    again = service.geocode("  санкт-петербург,невский  проспект, 28 ")
    assert again == first
    assert len(yandex.requests) == 1
    GeocodeResult.objects.update(fetched_at=timezone.now() - timedelta(days=31))
    yandex.default_place = STREET_ONLY
    refreshed = service.geocode("Санкт-Петербург, Невский проспект, 28")
    assert len(yandex.requests) == 2
    assert refreshed.precision == Precision.STREET
    assert GeocodeResult.objects.count() == 1  # refreshed in place


# --- Nominatim ------------------------------------------------------------------------------


def test_nominatim_reads_string_coordinates_and_identifies_itself(nominatim):
    location = service.geocode("Санкт-Петербург, Невский проспект, 28")
    assert (location.lat, location.lon) == (59.93428, 30.335099)
    assert location.precision == Precision.EXACT
    assert location.kind == "building"
    assert location.provider == "nominatim"
    (request,) = nominatim.requests
    assert request.path == "/nominatim/search"
    assert request.params["format"] == "jsonv2"
    assert request.params["q"] == "Санкт-Петербург, Невский проспект, 28"
    assert request.params["accept-language"] == "ru"
    assert request.headers["User-Agent"].startswith("DealerCRM-geocoding/")
    assert "mailto:" in request.headers["User-Agent"]


def test_nominatim_nothing_found_is_cached(nominatim):
    nominatim.mode = nominatim.NOTHING_FOUND
    assert service.geocode("Нигдеград") is None
    assert service.geocode("Нигдеград") is None
    assert len(nominatim.requests) == 1


def test_nominatim_turns_away_a_library_user_agent(nominatim, settings):
    settings.GEOCODER_USER_AGENT = "python-requests/2.32"
    with pytest.raises(KeyRejected):
        service.geocode("Невский 28")


def test_nominatim_street_answer_maps_to_street(nominatim):
    nominatim.default_place = STREET_ONLY
    assert service.geocode("Москва, Варварка").precision == Precision.STREET


def test_the_public_nominatim_is_never_asked_more_than_once_a_second(settings):
    settings.GEOCODER = "nominatim"
    settings.NOMINATIM_URL = "https://nominatim.openstreetmap.org"
    settings.GEOCODER_MIN_INTERVAL_MS = 0
    assert client.configured().min_interval_ms == 1000


# --- Throttle -------------------------------------------------------------------------------


def gaps(fake) -> list[float]:
    times = sorted(request.at for request in fake.requests)
    return [b - a for a, b in itertools.pairwise(times)]


@pytest.mark.django_db(transaction=True)
def test_requests_from_threads_keep_the_minimum_gap(geo_redis, settings):
    with FakeNominatim() as fake:
        settings.GEOCODER = "nominatim"
        settings.NOMINATIM_URL = fake.url
        settings.GEOCODER_MIN_INTERVAL_MS = 300
        errors = []

        def locate(n):
            try:
                service.geocode(f"Невский проспект, {n}")
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=locate, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert not errors
    assert len(fake.requests) == 3
    assert min(gaps(fake)) >= 0.28


def _lookup_in_child(config, query):
    client.lookup(config, query)


def test_requests_from_processes_keep_the_minimum_gap(nominatim, settings):
    settings.GEOCODER_MIN_INTERVAL_MS = 400
    config = client.configured()
    fork = multiprocessing.get_context("fork")
    children = [
        fork.Process(target=_lookup_in_child, args=(config, f"Невский {n}")) for n in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=15)
    assert [child.exitcode for child in children] == [0, 0]
    assert len(nominatim.requests) == 2
    assert min(gaps(nominatim)) >= 0.37


def test_a_caller_does_not_wait_longer_than_the_bound(yandex, settings):
    settings.GEOCODER_MIN_INTERVAL_MS = int(throttle.MAX_WAIT_SECONDS * 1000) + 5000
    service.geocode("Невский 28")
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        service.geocode("Невский 30")
    assert time.monotonic() - started < 1
    assert caught.value.retry_after > throttle.MAX_WAIT_SECONDS
    assert len(yandex.requests) == 1


# --- The task and the record updater --------------------------------------------------------


def make_place_model():
    """A model of the tests' own: no app's migrations change, and the task finds it by its
    label like any real model. Unregistered again by ``drop_place_model``."""

    class GeoTestPlace(models.Model):
        address = models.CharField(max_length=500, blank=True)
        lat = models.DecimalField(max_digits=9, decimal_places=6, null=True)
        lon = models.DecimalField(max_digits=9, decimal_places=6, null=True)
        precision = models.CharField(max_length=20, blank=True)

        class Meta:
            app_label = "geocoding"
            db_table = "geocoding_test_place"

        def __str__(self):
            return self.address

    with connection.schema_editor() as editor:
        editor.create_model(GeoTestPlace)
    return GeoTestPlace


def forget_place_model():
    apps.all_models["geocoding"].pop("geotestplace", None)
    apps.clear_cache()


@pytest.fixture
def place_model(db):
    """The table lives in the test's transaction and goes with its rollback."""
    yield make_place_model()
    forget_place_model()


@pytest.fixture
def committed_place_model(transactional_db):
    """The table is committed, so other connections (the fake's hook) see its rows."""
    model = make_place_model()
    yield model
    with connection.schema_editor() as editor:
        editor.delete_model(model)
    forget_place_model()


def run_task(place, *, address=None):
    return tasks.geocode_address.apply(
        args=["geocoding.GeoTestPlace", place.pk, "address", "lat", "lon"],
        kwargs={"address": address, "precision_field": "precision"},
    ).get()


def test_the_task_writes_the_point_of_the_current_address(yandex, place_model):
    place = place_model.objects.create(address="Санкт-Петербург, Невский проспект, 28")
    assert run_task(place, address=place.address) == "updated"
    place.refresh_from_db()
    assert (place.lat, place.lon) == (Decimal("59.934280"), Decimal("30.335099"))
    assert place.precision == Precision.EXACT
    assert run_task(place, address=place.address) == "unchanged"
    assert len(yandex.requests) == 1  # the second run read the cache


def test_the_task_never_puts_an_old_address_point_on_a_new_address(yandex, place_model):
    place = place_model.objects.create(address="Москва, Тверская, 7")
    queued_for = place.address
    place_model.objects.filter(pk=place.pk).update(address="Санкт-Петербург, Невский, 28")
    assert run_task(place, address=queued_for) == "stale"
    place.refresh_from_db()
    assert place.lat is None
    assert place.lon is None
    assert not yandex.requests


def test_an_address_changed_during_the_request_keeps_no_old_point(
    geo_redis, settings, committed_place_model
):
    place = committed_place_model.objects.create(address="Москва, Тверская, 7")

    def someone_edits_the_address(request):
        committed_place_model.objects.filter(pk=place.pk).update(address="Казань, Баумана, 1")
        connection.close()

    with FakeYandexGeocoder(api_key="good-key") as fake:
        settings.GEOCODER = "yandex"
        settings.YANDEX_GEOCODER_API_KEY = "good-key"
        settings.YANDEX_GEOCODER_URL = fake.url
        fake.on_request = someone_edits_the_address
        assert run_task(place, address=place.address) == "stale"
    place.refresh_from_db()
    assert place.address == "Казань, Баумана, 1"
    assert place.lat is None
    assert len(fake.requests) == 1


def test_not_found_leaves_the_point_alone(yandex, place_model):
    place = place_model.objects.create(
        address="Нигдеград", lat=Decimal("55.1"), lon=Decimal("37.1")
    )
    yandex.mode = yandex.NOTHING_FOUND
    assert run_task(place) == "not_found"
    place.refresh_from_db()
    assert place.lat == Decimal("55.1")


def test_an_emptied_address_clears_the_point(yandex, place_model):
    place = place_model.objects.create(address="", lat=Decimal("55.1"), lon=Decimal("37.1"))
    assert run_task(place, address="") == "cleared"
    place.refresh_from_db()
    assert place.lat is None
    assert run_task(type("Gone", (), {"pk": place.pk + 1000})) == "missing"


def test_the_task_retries_a_rate_limit_without_hammering(yandex, place_model):
    place = place_model.objects.create(address="Невский 28")
    yandex.mode = yandex.RATE_LIMITED
    assert run_task(place) == "gave_up"  # eager retries, all refused by the block
    assert len(yandex.requests) == 1
    place.refresh_from_db()
    assert place.lat is None


def test_the_task_retries_while_the_geocoder_is_down(yandex, place_model):
    place = place_model.objects.create(address="Невский 28")
    yandex.mode = yandex.SERVER_ERROR
    assert run_task(place) == "gave_up"
    assert len(yandex.requests) == tasks.MAX_RETRIES + 1


def test_the_task_gives_up_at_once_on_a_rejected_key_or_no_configuration(
    yandex, place_model, settings
):
    place = place_model.objects.create(address="Невский 28")
    yandex.mode = yandex.FORBIDDEN
    assert run_task(place) == "gave_up"
    assert len(yandex.requests) == 1
    settings.GEOCODER = ""
    assert run_task(place) == "gave_up"
    assert len(yandex.requests) == 1


def test_retry_delays_grow_and_respect_the_providers_hint():
    assert 30 <= tasks.retry_delay(0) <= 45
    assert 240 <= tasks.retry_delay(3) <= 360
    assert tasks.retry_delay(0, 600) == 600
    assert tasks.retry_delay(20) <= tasks.MAX_DELAY * 1.5


def test_geocoding_later_queues_the_task_with_the_address_of_now(db, place_model):
    place = place_model.objects.create(address="Невский 28")
    service.geocode_record_later(place, address_field="address", lat_field="lat", lon_field="lon")
    message = OutboxMessage.objects.get()
    assert message.task_name == "geocoding.geocode_address"
    assert message.args == ["geocoding.GeoTestPlace", place.pk, "address", "lat", "lon"]
    assert message.kwargs == {"address": "Невский 28", "precision_field": None}


# --- Map link and embedded map --------------------------------------------------------------


def test_map_links_put_lon_first_for_yandex_and_lat_first_for_osm():
    yandex = maps.map_link(59.93428, 30.335099, provider="yandex")
    assert yandex == "https://yandex.ru/maps/?pt=30.335099%2C59.934280&z=17&l=map"
    osm = maps.map_link(59.93428, 30.335099, provider="nominatim")
    assert osm.startswith("https://www.openstreetmap.org/?mlat=59.934280&mlon=30.335099")


MAP = "{% load geocoding_maps %}{% point_map lat lon precision=precision online=online %}"


def render_map(**context) -> str:
    context = {"lat": 59.93428, "lon": 30.335099, "precision": "", "online": None, **context}
    with translation.override("en"):
        return Template(MAP).render(Context(context))


def test_the_card_shows_a_link_and_no_frame_offline(settings):
    settings.GEOCODER_MAP_EMBED = False
    html = render_map()
    assert "Open on the map" in html
    assert "59.934280, 30.335099" in html
    assert "<iframe" not in html


def test_no_frame_when_online_but_the_csp_forbids_it(settings):
    settings.GEOCODER_MAP_EMBED = True
    html = render_map(precision="street")
    assert "<iframe" not in html  # the shipped CSP allows frames from our origin only
    assert "Approximate location" in html


def test_a_frame_when_online_and_the_csp_allows_the_map(settings):
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "frame-src": ["'self'", "https://yandex.ru"]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    settings.GEOCODER = "yandex"
    html = render_map(online=True)
    assert '<iframe class="geo-map-embed' in html
    assert "https://yandex.ru/map-widget/v1/?ll=30.335099%2C59.934280" in html


def test_a_record_without_a_point_says_so():
    html = render_map(lat=None, lon=None)
    assert "Not located on the map yet." in html
    assert "href" not in html


# --- Admin ----------------------------------------------------------------------------------


def test_admin_lists_and_searches_the_cache_read_only(admin_user, logged_in):
    client_ = logged_in(admin_user)
    GeocodeResult.objects.create(provider="yandex", address_key="a" * 64, query="Невский 28")
    GeocodeResult.objects.create(provider="yandex", address_key="b" * 64, query="Тверская 7")
    url = reverse("admin:geocoding_geocoderesult_changelist")
    html = client_.get(url, {"q": "Невский"}).content.decode()
    assert "Невский 28" in html
    assert "Тверская 7" not in html
    assert client_.get(reverse("admin:geocoding_geocoderesult_add")).status_code == 403


def test_a_batch_geocodes_each_record_and_retries_the_rest_when_the_provider_is_busy(
    yandex, place_model
):
    places = [place_model.objects.create(address=f"Невский проспект, {n}") for n in (1, 2, 3)]
    pks = [p.pk for p in places]
    outcome = tasks.geocode_many.apply(
        args=["geocoding.GeoTestPlace", pks, "address", "lat", "lon"],
        kwargs={"precision_field": "precision"},
    ).get()
    assert outcome == {"updated": 3}
    assert not place_model.objects.filter(lat__isnull=True).exists()
    for n, place in enumerate(places, start=1):  # new addresses: no answer in the cache
        place_model.objects.filter(pk=place.pk).update(
            address=f"Литейный проспект, {n}", lat=None, lon=None
        )

    asked = []

    def busy_after_the_first(request):
        asked.append(request)
        if len(asked) > 1:
            yandex.mode = yandex.RATE_LIMITED

    yandex.on_request = busy_after_the_first
    retried = tasks.geocode_many.apply(
        args=["geocoding.GeoTestPlace", pks, "address", "lat", "lon"]
    ).get()
    # The first record was placed; the two left were retried (eagerly here, later with
    # backoff on a worker) and given up once the retries ran out: never a wrong point.
    assert retried == {"gave_up": 2}
    assert list(place_model.objects.order_by("pk").values_list("lat", flat=True)) == [
        Decimal("59.934280"),
        None,
        None,
    ]
    assert len(yandex.requests) == 5  # three, then one found and one refused; then no more


def test_geocode_records_later_queues_batches(db):
    from crm.outlets.models import Outlet

    queued = service.geocode_records_later(
        Outlet,
        list(range(1, service.BATCH_SIZE + 2)),
        address_field="address",
        lat_field="latitude",
        lon_field="longitude",
    )
    assert queued == 2
    messages = OutboxMessage.objects.filter(task_name=service.MANY_TASK_NAME).order_by("pk")
    assert [len(m.args[1]) for m in messages] == [service.BATCH_SIZE, 1]
    assert {m.queue for m in messages} == {"long"}


def test_a_geocoder_point_under_an_approval_rule_is_requested_not_written(yandex):
    """Geocoder results pass through the one entry for changes (source: system)."""
    from crm.approvals.models import ApprovalRule, ApprovalStep, ChangeRequest
    from crm.outlets.models import Outlet
    from tests.security.conftest import build_world

    world = build_world()
    outlet = world["outlets"]["mine"]
    Outlet.objects.filter(pk=outlet.pk).update(address="Санкт-Петербург, Невский проспект, 28")
    rule = ApprovalRule.objects.create(
        name="Точка на карте",
        content_type=ContentType.objects.get_for_model(Outlet),
        fields=["latitude", "longitude"],
        sources=["system"],
    )
    ApprovalStep.objects.create(rule=rule, user=world["regional"])
    outcome = tasks.geocode_address.apply(
        args=["outlets.Outlet", outlet.pk, "address", "latitude", "longitude"],
        kwargs={"precision_field": "geo_precision"},
    ).get()
    assert outcome == "requested"
    outlet.refresh_from_db()
    assert outlet.latitude is None
    request = ChangeRequest.objects.get()
    assert request.source == "system"
    assert sorted(request.items.values_list("field", flat=True)) == ["latitude", "longitude"]
