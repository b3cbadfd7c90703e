"""Check that PostgreSQL and Redis answer; create the database if it is missing.

Prints one clear message with how to start a service that does not answer, and exits 1.
Reads DATABASE_URL and REDIS_URL like the app (defaults: local services).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import environ  # noqa: E402
import psycopg2  # noqa: E402
import redis  # noqa: E402
from psycopg2 import sql  # noqa: E402

HOW_TO_START = (
    "Start it with your system packages (e.g. `sudo systemctl start postgresql redis-server`, "
    "or `pg_ctlcluster 15 main start` and `redis-server --daemonize yes`), "
    "or with Docker: `docker compose up -d db redis`."
)


def main() -> int:
    env = environ.Env()
    if (ROOT / ".env").is_file():
        env.read_env(ROOT / ".env")
    db = env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/crm")
    redis_url = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"],
        "connect_timeout": 3,
    }
    try:
        conn = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.OperationalError as exc:
        print(f"PostgreSQL at {params['host']}:{params['port']} does not answer: {exc}".strip())
        print(HOW_TO_START)
        return 1
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"Created database {db['NAME']}.")
    conn.close()
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        print(f"Redis at {redis_url} does not answer: {exc}")
        print(HOW_TO_START)
        return 1
    print(f"PostgreSQL ({db['NAME']}) and Redis answer.")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    sys.exit(main())
