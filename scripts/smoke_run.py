"""Smoke test of `make run`: demo data loaded twice, the processes started, every demo user
logs in over HTTP (with the TOTP step where the role needs it), every process stopped.

Runs on its own database (crm_smoke) and a free port, so it never touches a running demo.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg2
import requests
from django_otp.oath import totp
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
DB_NAME = "crm_smoke"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database() -> None:
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME))
        )
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
    conn.close()


def row_counts() -> dict[str, int]:
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=DB_NAME)
    counts = {}
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT LIKE '%event' AND tablename NOT IN ('django_session', "
            "'django_celery_beat_periodictasks', 'pghistory_context') ORDER BY tablename"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]
    conn.close()
    return counts


def manage(*args, env) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_for(url: str, *, timeout: float, want_json_ok: bool = False) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200 and (
                not want_json_ok or response.json().get("status") == "ok"
            ):
                return
            last = f"{response.status_code} {response.text[:300]}"
        except requests.RequestException as exc:
            last = str(exc)
        time.sleep(1)
    sys.exit(f"{url} did not become ready in {timeout}s: {last}")


def wait_for_1c(url: str, timeout: float = 60) -> None:
    auth = ("Администратор".encode(), "пароль".encode())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, auth=auth, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit(f"the fake 1C did not answer at {url}")


def csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        sys.exit("no CSRF token on the page")
    return match.group(1)


def log_in(base: str, entry: dict) -> None:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10)
    response = session.post(
        f"{base}/login/",
        data={
            "username": entry["username"],
            "password": entry["password"],
            "csrfmiddlewaretoken": csrf(page.text),
        },
        headers={"Referer": f"{base}/login/"},
        timeout=10,
    )
    if entry["totp_secret_hex"]:
        if "/login/2fa/" not in response.url:
            sys.exit(f"{entry['username']}: expected the second-factor page, got {response.url}")
        code = f"{totp(bytes.fromhex(entry['totp_secret_hex'])):06d}"
        response = session.post(
            response.url,
            data={"token": code, "csrfmiddlewaretoken": csrf(response.text)},
            headers={"Referer": response.url},
            timeout=10,
        )
    home = session.get(f"{base}/", timeout=10, allow_redirects=False)
    if home.status_code == 302 and entry["role"] in ("dealer", "sub_dealer"):
        # dealers' and sub-dealers' users work in the cabinet: / sends them there
        if not home.headers.get("Location", "").endswith("/cabinet/"):
            sys.exit(f"{entry['username']}: home page sent them to {home.headers['Location']}")
        home = session.get(f"{base}/cabinet/", timeout=10, allow_redirects=False)
    if home.status_code != 200:
        sys.exit(f"{entry['username']}: home page answered {home.status_code} after login")
    print(f"  logged in: {entry['username']} ({entry['role']})")


def stop(process: subprocess.Popen) -> None:
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    _gone, alive = psutil.wait_procs(children, timeout=15)
    for leftover in alive:
        leftover.kill()
    if alive:
        sys.exit(f"processes left running after stop: {[p.pid for p in alive]}")
    print(f"  stopped {len(children) + 1} processes")


def main() -> None:
    port, onec_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "WORKER_CONCURRENCY": "1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "DEBUG": "1",
        "ONEC_FAKE_PORT": str(onec_port),
    }
    recreate_database()
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    manage("seed_demo", "--quiet", env=env)
    first = row_counts()
    manage("seed_demo", "--quiet", env=env)
    second = row_counts()
    changed = {t: (first[t], second.get(t)) for t in first if first[t] != second.get(t)}
    if changed:
        sys.exit(f"seed_demo is not idempotent, row counts changed: {changed}")
    print(f"  seed_demo twice: {sum(second.values())} rows in {len(second)} tables, unchanged")
    users = json.loads(manage("demo_users", "--json", env=env))
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/honcho"), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", timeout=60)
        wait_for(f"{base}/readyz", timeout=90, want_json_ok=True)
        print("  web, worker and beat are up (/readyz ok)")
        metadata = f"http://127.0.0.1:{onec_port}/base/odata/standard.odata/$metadata"
        wait_for_1c(metadata)
        print("  the demo's fake 1C answers $metadata")
        for entry in users:
            log_in(base, entry)
    finally:
        stop(process)
    print(f"smoke of make run: OK ({len(users)} demo users logged in)")


if __name__ == "__main__":
    main()
