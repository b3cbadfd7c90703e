"""`make run` explains in one message when PostgreSQL or Redis does not answer."""

import os
import subprocess
import sys

from django.conf import settings

from tests.services import free_port


def check_services(**env_vars) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/check_services.py"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env_vars},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_dead_redis_is_named_with_how_to_start_it():
    result = check_services(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert result.returncode == 1
    assert "Redis at" in result.stdout
    assert "docker compose up -d db redis" in result.stdout


def test_a_dead_postgresql_is_named_with_how_to_start_it():
    result = check_services(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/crm")
    assert result.returncode == 1
    assert "PostgreSQL at 127.0.0.1" in result.stdout
    assert "systemctl start postgresql" in result.stdout


def test_a_missing_database_is_created():
    name = "crm_check_services_test"
    result = check_services(DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}")
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "answer" in result.stdout
    finally:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.close()
