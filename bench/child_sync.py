"""Run the 1C sync's loader over recorded pages in a process of its own, so that its peak RSS
is its own (the bench's main process has held other scenarios' data by then), and print the
figures as JSON: ``python -m bench.child_sync <target key> <pages.jsonl> <page size>``.

The database is the one DATABASE_URL names (bench.run sets it). Runs the load twice: the
second run must change nothing.
"""

import json
import os
import sys
import time
from pathlib import Path

from bench.run import peak_rss_mb


def main() -> None:
    key, path, page = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from integrations.onec import sync
    from integrations.onec.client import Page

    def pages(timings):
        def read(start: int):
            with path.open(encoding="utf-8") as source:
                for index, line in enumerate(source):
                    skip = index * page
                    if skip + page <= start:
                        continue
                    began = time.perf_counter()
                    rows = json.loads(line)["value"]
                    timings.append(time.perf_counter() - began)
                    yield Page(skip=skip, rows=rows[max(start - skip, 0) :])

        return read

    plan = sync.plan_for(key)
    base = peak_rss_mb()
    parse: list[float] = []
    started = time.perf_counter()
    first = sync.run(plan, pages(parse))
    first_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    second = sync.run(plan, pages([]))
    second_ms = (time.perf_counter() - started) * 1000
    print(
        json.dumps(
            {
                "first_ms": first_ms,
                "fetch_ms": sum(parse) * 1000,
                "second_ms": second_ms,
                "status": first.status,
                "message": first.message,
                "inserted": first.inserted,
                "updated": first.updated,
                "rejected": first.rejected,
                "second_changed": second.inserted
                + second.updated
                + second.archived
                + second.proposed,
                "second_unchanged": second.unchanged,
                "peak_rss_mb": peak_rss_mb(),
                "rss_after_setup_mb": base,
            }
        )
    )


if __name__ == "__main__":
    main()
