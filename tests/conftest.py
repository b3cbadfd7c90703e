"""The cast of users and shared fixtures: real PostgreSQL, real Redis, headless Chromium."""

import io
import os

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser tests
# are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _fresh_process_cache():
    """Each test starts with an empty local-memory cache: list counts and estimates are kept
    per statement for a minute, and another test's rows can give the same statement. Nor
    does it find another test's compiled list statements."""
    from django.core.cache import cache

    from crm.core.generic import statements

    cache.clear()
    statements.forget()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, then a new connection to it. PostgreSQL keeps an index's
    expressions in each backend as they were when that backend first read them: migration
    0024 of clients replaced clients_norm_name() after earlier ones had read the indexes on
    it, so in the backend that ran the migrations the name search no longer matched its
    trigram indexes, and a test run whose tests all shared that backend planned sequential
    scans. Servers connect after ``migrate`` has exited, as the tests now do."""
    from django.db import connections

    with django_db_blocker.unblock():
        connections.close_all()
    return django_db_setup


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started with a stand-in MEDIA_URL: Django's test server
    cannot parse MEDIA_URL = None (our files have no public URL), and no view answers there."""
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    with override_settings(MEDIA_URL="/__no-public-media__/"):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def make_user(db):
    """Build a user: make_user(role="sales_manager", username="anna", ...)."""
    return UserFactory


@pytest.fixture
def sales_manager(make_user):
    return make_user(username="manager", role="sales_manager")


@pytest.fixture
def dealer_user(make_user):
    return make_user(username="dealer", role="dealer")


@pytest.fixture
def admin_user(make_user):
    """An administrator: Django admin access, with a TOTP device (a second factor is required)."""
    user = make_user(username="root", role="administrator", is_staff=True, is_superuser=True)
    add_totp_device(user)
    return user


def add_totp_device(user, *, confirmed=True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=confirmed)


def totp_token(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo data (seed_demo), seeded once for the module that asks for it and rolled back
    after its last test: each test's own transaction is a savepoint inside this one, as
    Django's TestCase.setUpTestData does. Seeding per test cost ~10 s each."""
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", quiet=True, stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, on a free port; stopped by PID afterwards."""
    from tests.services import PrivateRedis

    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def logged_in(client):
    """client.force_login that also passes the second factor where the user has one."""

    def login(user):
        client.force_login(user)
        device = user.totpdevice_set.filter(confirmed=True).first()
        if device is not None:
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return login
