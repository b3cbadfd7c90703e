"""Test settings: the real settings, with a Redis database of the tests' own and fast hashing."""

import os

from crm.settings import *  # noqa: F403

# Tasks queued by tests go to a Redis database that `make run`'s worker never reads.
CELERY_BROKER_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_URL = CELERY_BROKER_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_MEDIA_ROOT = MEDIA_ROOT = BASE_DIR / "var" / "test-private"  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
