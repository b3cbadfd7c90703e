"""Diagnose one list page on crm_bench: its SQL with EXPLAIN ANALYZE, and a cProfile.

    python -m bench.diagnose USERNAME PATH [--explain] [--profile N] [--top 30]

Reads only (the login writes a session row). Not part of `make bench`.
"""

import argparse
import cProfile
import io
import os
import pstats
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("username")
    parser.add_argument("path")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/crm_bench"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("SECURE_COOKIES", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.scenarios_clients import login
    from crm.accounts.models import User

    settings.ALLOWED_HOSTS = ["testserver"]
    client = login(Client(), User.objects.get(username=args.username))
    for _ in range(3):
        client.get(args.path)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(args.path)
        total = (time.perf_counter() - started) * 1000
    print(f"status {response.status_code}, {total:.1f} ms, {len(captured)} queries")
    for query in captured.captured_queries:
        print(f"-- {query['time']} s\n{query['sql'][:3000]}\n")
        sql = query["sql"].lstrip().upper()
        if args.explain and sql.startswith("SELECT") and "EXPLAIN" not in sql:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()) + "\n")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.profile):
            client.get(args.path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
