"""Settings come from the environment and fail loudly on bad values; production is hardened."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/crm",
}


# What a developer's shell may export for a local run (another database, plain HTTP): the
# tests below check the settings' own defaults, so these are never inherited.
LOCAL_OVERRIDES = frozenset(
    {
        "DEBUG",
        "SECRET_KEY",
        "DATABASE_URL",
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
)


def inherited_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in LOCAL_OVERRIDES}


def run_python(code: str, **env_vars) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter with the settings' own defaults: the variables a
    developer's shell may export for a test run (another database, say) are left out."""
    env = inherited_env()
    env.update(env_vars)
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_error(**env_vars) -> str:
    result = run_python("import crm.settings", **env_vars)
    assert result.returncode != 0, "settings accepted a bad value"
    return result.stderr


@pytest.mark.parametrize(
    ("env_vars", "message"),
    [
        ({"DEBUG": "0"}, "SECRET_KEY must be set"),
        ({"DEBUG": "0", "SECRET_KEY": "short"}, "random string of 50+ characters"),
        ({"DATABASE_URL": "mysql://root@127.0.0.1/crm"}, "must point at PostgreSQL"),
        ({"SESSION_IDLE_TIMEOUT_MINUTES": "half an hour"}, "must be an integer"),
        ({"SESSION_IDLE_TIMEOUT_MINUTES": "0"}, "must be between 1 and 1440"),
        ({"REDIS_URL": "localhost:6379"}, "must start with redis://"),
        ({"CELERY_BROKER_VISIBILITY_TIMEOUT": "600"}, "longer than the longest task"),
        ({"DEBUG": "maybe"}, "DEBUG must be 1 or 0"),
    ],
)
def test_a_bad_value_stops_the_start_with_a_clear_message(env_vars, message):
    assert message in settings_error(**env_vars)


def test_defaults_serve_local_development():
    result = run_python(
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.DATABASES['default']['NAME'], s.TIME_ZONE, s.LANGUAGE_CODE, s.DEBUG)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["crm", "Europe/Moscow", "ru", "True"]


def test_check_deploy_is_clean_with_production_values():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **inherited_env(),
            **PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "crm.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_sets_secure_cookies_hsts_and_csp():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_SSL_REDIRECT, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])"
    )
    result = run_python(code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000", "True", "[\"'self'\"]"]


def test_every_setting_read_from_the_environment_is_in_env_example():
    import re

    source = (ROOT / "crm/settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'_bounded_int\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'_strict_bool\(\s*"([A-Z_]+)"', source))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - documented == set()


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
