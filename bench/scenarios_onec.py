"""The nightly 1C sync's loader, imported by bench.run: 300,000 counterparties (3,000 at the CI
scale) from recorded OData pages into the organisations table, then the same pages again.

The pages are recorded to a file first, as the fake 1C would answer them (JSON, 1,000 rows
each), and read back one at a time, so memory stays flat; reading and parsing them is the
"fetch" figure, reported apart. The loader (sync.run: validation, COPY into a staging table,
references, adoption, governed values, upsert, versions, cursor, one transaction per page) is
compared with the floor the issue names: a raw COPY of the same rows into a staging table plus
one INSERT … ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM, with the same driver, measured
in the same run and rolled back. Targets (issue #6): loader rows/s ≥ 0.5 × the raw rows/s, the
second run changes 0 rows, peak RSS ≤ 300 MB. The loaded rows are deleted afterwards.
"""

import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGE = 1000
FIRST_NUMBER = 9_000_000  # the recorded counterparties' numbers (INNs 779…, names "… 9…")
NAME_PREFIX = 'ООО "Контрагент 9'
RSS_LIMIT_MB = 300
TARGET_RATIO = 0.5


def _record(path: Path, count: int) -> None:
    from integrations.onec.fake import many_counterparties

    with path.open("w", encoding="utf-8") as out:
        for skip in range(0, count, PAGE):
            rows = many_counterparties(min(PAGE, count - skip), start=FIRST_NUMBER + skip)
            body = {"odata.metadata": "…/$metadata#Catalog_Контрагенты", "value": rows}
            out.write(json.dumps(body, ensure_ascii=False) + "\n")


def _raw_ms(path: Path) -> float:
    """COPY of the same rows into a staging table + one upsert into the organisations table,
    no Python between them, rolled back: the floor of any loader."""
    from django.db import connection, transaction

    from crm.clients.models import Organisation

    written = ["erp_key", "name", "legal_name", "inn", "kpp", "counterparty_type", "is_archived"]
    buffer = io.StringIO()
    with path.open(encoding="utf-8") as source:
        for line in source:
            for row in json.loads(line)["value"]:
                buffer.write(
                    "\t".join(
                        [
                            row["Ref_Key"],
                            row["Description"],
                            row["НаименованиеПолное"],
                            row["ИНН"],
                            row["КПП"],
                            "legal",
                            "t" if row["DeletionMark"] else "f",
                        ]
                    )
                    + "\n"
                )
    extra = [
        f
        for f in Organisation._meta.concrete_fields
        if not f.primary_key and not f.null and f.column not in written
    ]
    table = connection.ops.quote_name(Organisation._meta.db_table)
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in written[1:])
    with transaction.atomic(), connection.cursor() as cursor:
        buffer.seek(0)
        started = time.perf_counter()
        cursor.execute(
            "CREATE TEMP TABLE bench_onec_stage (erp_key text, name text, legal_name text, "
            "inn text, kpp text, counterparty_type text, is_archived boolean) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY bench_onec_stage FROM STDIN", buffer)
        cursor.execute(
            f"INSERT INTO {table} AS t ({', '.join(written + [f.column for f in extra])}) "
            f"SELECT {', '.join(written)}{''.join(', %s' for _f in extra)} FROM bench_onec_stage "
            "ON CONFLICT (erp_key) WHERE erp_key <> '' DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in written[1:])
            + f" WHERE {changed}",
            [f.get_db_prep_save(f.get_default(), connection) for f in extra],
        )
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


def run_child(key: str, path: Path, page: int) -> dict:
    """The loader in a process of its own (bench/child_sync.py): its figures and peak RSS."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.child_sync", key, str(path), str(page)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.child_sync failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _clean_up() -> None:
    from django.db import connection

    from crm.clients.models import Organisation

    Organisation.objects.filter(name__startswith=NAME_PREFIX, inn__startswith="779").delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM onec_syncedversion v WHERE v.entity = 'organisations' AND NOT EXISTS "
            "(SELECT 1 FROM clients_organisation o WHERE o.erp_key = v.ref_key)"
        )
        cursor.execute("VACUUM ANALYZE clients_organisation")
        cursor.execute("VACUUM ANALYZE onec_syncedversion")  # the deleted versions' bloat


def scenarios(runner, scale: str, smoke: bool) -> list:
    from crm.clients.models import Organisation

    count = 3_000 if smoke or scale != runner.TARGET_SCALE else 300_000
    _clean_up()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pages.jsonl"
        _record(path, count)
        raw_ms = _raw_ms(path)
        _clean_up()
        child = run_child("organisations", path, PAGE)
    first_ms, fetch_ms, second_ms = child["first_ms"], child["fetch_ms"], child["second_ms"]
    peak = child["peak_rss_mb"]
    loaded = Organisation.objects.filter(name__startswith=NAME_PREFIX, inn__startswith="779")
    loaded_count = loaded.count()
    _clean_up()
    load_ms = first_ms - fetch_ms
    rate = count / (load_ms / 1000)
    raw_rate = count / (raw_ms / 1000)
    changed = child["second_changed"]
    full = scale == runner.TARGET_SCALE and count == 300_000
    ok = (
        child["status"] == "done"
        and child["inserted"] == count
        and loaded_count == count
        and changed == 0
        and rate >= TARGET_RATIO * raw_rate
        and peak <= RSS_LIMIT_MB
    )
    result = runner.Result(
        scenario="onec_sync.counterparties",
        n=1,
        p50_ms=round(load_ms, 1),
        p95_ms=round(load_ms, 1),
        queries=0,
        query_ceiling=0,
        rows_per_s=round(rate, 1),
        peak_rss_mb=round(peak, 1),
        row_counts={
            "rows": count,
            "inserted": child["inserted"],
            "rejected": child["rejected"],
            "loaded": loaded_count,
            "second_run_changed": changed,
            "organisations": Organisation.objects.count(),
        },
        baseline_name="raw COPY into a staging table + one INSERT … ON CONFLICT DO UPDATE "
        "(psycopg2 copy_expert, same rows, rolled back)",
        baseline_ms=round(raw_ms, 1),
        ratio=round(rate / raw_rate, 2),
        target={
            "ratio_min": TARGET_RATIO,
            "peak_rss_mb": RSS_LIMIT_MB,
            "second_run_changed": 0,
            "text": "loader rows/s ≥ 0.5 × raw COPY + upsert rows/s at 300,000 counterparties; "
            "second run changes 0 rows; peak RSS ≤ 300 MB",
        },
        passed=full and ok,
        notes=(
            "p50_ms = the loader's time without reading and parsing the recorded pages (that is "
            "fetch_ms in extra); ratio = loader rows/s / raw rows/s (higher is better)"
        ),
        extra={
            "fetch_ms": round(fetch_ms, 1),
            "raw_rows_per_s": round(raw_rate, 1),
            "second_run_ms": round(second_ms, 1),
            "second_run_unchanged": child["second_unchanged"],
            "rss_after_setup_mb": round(child["rss_after_setup_mb"], 1),
            "peak_rss_source": "VmHWM of a process of its own (bench/child_sync.py)",
        },
    )
    print(
        f"{result.scenario:<36} {result.rows_per_s:>10} rows/s (raw {raw_rate:.0f}; ratio "
        f"{result.ratio}) second run {second_ms:.0f} ms, {changed} changed; peak {peak:.0f} MB",
        flush=True,
    )
    return [result]
