"""The nightly 1C sales window and the churn, imported by bench.run (issue #8).

1. A window of 200,000 sell-in lines (50,000 documents of four rows; 4,000 lines at the CI
   scale) into a ledger of 1,000,000 lines (seeded once by COPY, source "bench"), loaded by the
   documents sync (sync.run with DocumentLoader: version skip, record_lines' checks and staged
   upsert, cursor) from recorded OData pages. Reading and parsing the pages is "fetch",
   reported apart. Baseline: a raw COPY of the same lines into a staging table and one
   INSERT … ON CONFLICT (source, external_id) DO UPDATE … WHERE … IS DISTINCT FROM, rolled back.
   Targets: loader rows/s ≥ 0.5 × raw rows/s, second run changes 0 rows, peak RSS ≤ 300 MB.
2. The churn over every organisation: churn.recompute against the two bare UPDATE statements it
   needs, each in a transaction rolled back. Target: ≤ 2 × the bare SQL.
The window's lines are deleted afterwards; the 1,000,000-line ledger stays for the next run.
"""

import io
import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.scenarios_onec import run_child

LEDGER = {"full": 1_000_000, "ci": 20_000}
WINDOW_DOCS = {"full": 50_000, "ci": 1_000}
ROWS_PER_DOC = 4
PAGE = 1000
RSS_LIMIT_MB = 300
TARGET_RATIO = 0.5
CHURN_RATIO = 2.0
BENCH_SOURCE_PREFIX = "BENCH-LEDGER-"


def _buyers_and_goods(limit: int = 20_000):
    from crm.catalog.models import Product
    from crm.clients.models import Organisation

    buyers = list(
        Organisation.objects.exclude(erp_key="").order_by("pk").values_list("pk", "erp_key")[:limit]
    )
    goods = list(
        Product.objects.exclude(external_code="").order_by("pk").values_list("pk", "external_code")
    )
    return buyers, goods


def _seed_ledger(size: int, buyers, goods) -> int:
    """A ledger of ``size`` lines (source website, external ids BENCH-LEDGER-n), once."""
    from django.db import transaction
    from django.utils import timezone

    from crm.core import bulk
    from crm.sales.models import SalesLine

    have = SalesLine.objects.filter(external_id__startswith=BENCH_SOURCE_PREFIX).count()
    if have >= size:
        return have
    rng = random.Random(1_000_000)
    start = timezone.localdate() - timedelta(days=720)

    def rows():
        for n in range(have, size):
            buyer = buyers[rng.randrange(len(buyers))][0]
            product = goods[rng.randrange(len(goods))][0]
            quantity = rng.randint(1, 20)
            day = start + timedelta(days=rng.randrange(720))
            yield [
                "sell_in",
                day,
                buyer,
                product,
                quantity,
                quantity * rng.randint(100, 9000),
                "website",
                "api",
                f"{BENCH_SOURCE_PREFIX}{n}",
                day,
                "",
                "",
                "",
                "",
            ]

    with transaction.atomic():
        bulk.copy_rows(
            "sales_salesline",
            [
                "flow",
                "date",
                "buyer_id",
                "product_id",
                "quantity",
                "amount",
                "source",
                "channel",
                "external_id",
                "recorded_at",
                "document_key",
                "document_number",
                "document_row",
                "batch",
            ],
            rows(),
        )
    return SalesLine.objects.filter(external_id__startswith=BENCH_SOURCE_PREFIX).count()


def _record(path: Path, docs: int, buyers, goods) -> None:
    """Recorded pages of sales documents dated in the window, as 1C answers them."""
    from integrations.onec.fake import days_ago

    rng = random.Random(200_000)
    with path.open("w", encoding="utf-8") as out:
        for skip in range(0, docs, PAGE):
            value = []
            for n in range(skip, min(skip + PAGE, docs)):
                rows = []
                for line in range(1, ROWS_PER_DOC + 1):
                    quantity = rng.randint(1, 20)
                    amount = float(quantity * rng.randint(100, 9000))
                    rows.append(
                        {
                            "LineNumber": str(line),
                            "Номенклатура_Key": goods[rng.randrange(len(goods))][1],
                            "Количество": float(quantity),
                            "Сумма": round(amount / 1.2, 2),
                            "СуммаСНДС": amount,
                        }
                    )
                value.append(
                    {
                        "Ref_Key": f"bench-doc-{n:08d}",
                        "DataVersion": "AAAAAAAAAAE=",
                        "DeletionMark": False,
                        "Number": f"БН-{n:08d}",
                        "Date": days_ago(rng.randrange(35)),
                        "Posted": True,
                        "Контрагент_Key": buyers[rng.randrange(len(buyers))][1],
                        "ФормаОплаты": "",
                        "СуммаДокумента": sum(r["СуммаСНДС"] for r in rows),
                        "Товары": rows,
                    }
                )
            out.write(json.dumps({"value": value}, ensure_ascii=False) + "\n")


def _raw_ms(path: Path, buyers, goods) -> float:
    """COPY of the same lines into a staging table + one upsert into the ledger, rolled back."""
    from django.db import connection, transaction

    buyer_of = {key: pk for pk, key in buyers}
    product_of = {key: pk for pk, key in goods}
    buffer = io.StringIO()
    with path.open(encoding="utf-8") as source:
        for line in source:
            for doc in json.loads(line)["value"]:
                for row in doc["Товары"]:
                    buffer.write(
                        "\t".join(
                            [
                                f"S:{doc['Ref_Key']}:{row['LineNumber']}",
                                doc["Date"][:10],
                                str(buyer_of[doc["Контрагент_Key"]]),
                                str(product_of[row["Номенклатура_Key"]]),
                                str(row["Количество"]),
                                str(row["СуммаСНДС"]),
                                doc["Ref_Key"],
                                doc["Number"],
                                row["LineNumber"],
                            ]
                        )
                        + "\n"
                    )
    columns = "external_id, date, buyer_id, product_id, quantity, amount, document_key, "
    columns += "document_number, document_row"
    changed = " OR ".join(
        f"t.{c} IS DISTINCT FROM EXCLUDED.{c}"
        for c in ("date", "buyer_id", "product_id", "quantity", "amount")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        buffer.seek(0)
        started = time.perf_counter()
        cursor.execute(
            "CREATE TEMP TABLE bench_sales_stage (external_id text, date date, buyer_id bigint, "
            "product_id bigint, quantity numeric, amount numeric, document_key text, "
            "document_number text, document_row text) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY bench_sales_stage FROM STDIN", buffer)
        cursor.execute(
            f"INSERT INTO sales_salesline AS t (flow, source, channel, recorded_at, batch, "
            f"{columns}) SELECT 'sell_in', 'erp', 'sync', now(), '', {columns} "
            "FROM bench_sales_stage ON CONFLICT (source, external_id) DO UPDATE SET "
            "date = EXCLUDED.date, buyer_id = EXCLUDED.buyer_id, product_id = EXCLUDED.product_id,"
            " quantity = EXCLUDED.quantity, amount = EXCLUDED.amount "
            f"WHERE {changed}"
        )
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


def _clean_up() -> None:
    from django.db import connection

    from crm.core.choices import Source
    from crm.sales.models import SalesLine
    from integrations.onec.models import SyncedVersion

    SalesLine.objects.filter(source=Source.ERP, document_key__startswith="bench-doc-").delete()
    SyncedVersion.objects.filter(
        entity="sales_documents", ref_key__startswith="bench-doc-"
    ).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sales_salesline")
        cursor.execute("VACUUM ANALYZE onec_syncedversion")


def _churn_ms(repeats: int = 3) -> tuple[float, float, int, float]:
    """Medians of (churn.recompute ms, the bare UPDATEs ms), organisations churned, and
    recompute with the managers' notifications (ms); every run in a transaction rolled back,
    ours and the bare SQL alternating so that neither gets the warmer cache."""
    import statistics

    from django.db import connection, transaction

    from crm.sales import churn

    since = churn.window_start()

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                churn._CHANGE.format(negation="NOT"),
                {"since": since, "old": "active", "new": "churned"},
            )
            cursor.execute(
                churn._CHANGE.format(negation=""),
                {"since": since, "old": "churned", "new": "active"},
            )

    def timed(work) -> tuple[float, object]:
        with transaction.atomic():
            started = time.perf_counter()
            outcome = work()
            elapsed = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        return elapsed, outcome

    ours, theirs, churned = [], [], 0
    for _round in range(repeats):
        theirs.append(timed(bare)[0])
        elapsed, result = timed(lambda: churn.recompute(notify_managers=False))
        ours.append(elapsed)
        churned = len(result.churned)
    told_ms = timed(churn.recompute)[0]
    return statistics.median(ours), statistics.median(theirs), churned, told_ms


def scenarios(runner, scale: str, smoke: bool) -> list:
    from crm.clients.models import Organisation
    from crm.sales.models import SalesLine

    key = "full" if scale == runner.TARGET_SCALE and not smoke else "ci"
    buyers, goods = _buyers_and_goods()
    ledger_lines = _seed_ledger(LEDGER[key], buyers, goods)
    docs = WINDOW_DOCS[key]
    lines = docs * ROWS_PER_DOC
    _clean_up()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pages.jsonl"
        _record(path, docs, buyers, goods)
        raw_ms = _raw_ms(path, buyers, goods)
        child = run_child("sales_documents", path, PAGE)
    first_ms, fetch_ms, second_ms = child["first_ms"], child["fetch_ms"], child["second_ms"]
    peak = child["peak_rss_mb"]
    loaded = SalesLine.objects.filter(document_key__startswith="bench-doc-").count()
    churn_ms, bare_ms, churned, told_ms = _churn_ms()
    _clean_up()
    load_ms = first_ms - fetch_ms
    rate, raw_rate = lines / (load_ms / 1000), lines / (raw_ms / 1000)
    changed = child["second_changed"]
    full = key == "full"
    window = runner.Result(
        scenario="onec_sync.sales_window",
        n=1,
        p50_ms=round(load_ms, 1),
        p95_ms=round(load_ms, 1),
        queries=0,
        query_ceiling=0,
        rows_per_s=round(rate, 1),
        peak_rss_mb=round(peak, 1),
        row_counts={
            "window_lines": lines,
            "documents": docs,
            "inserted": child["inserted"],
            "rejected": child["rejected"],
            "loaded": loaded,
            "ledger_lines_before": ledger_lines,
            "second_run_changed": changed,
        },
        baseline_name="raw COPY into a staging table + one INSERT … ON CONFLICT (source, "
        "external_id) DO UPDATE into the ledger (psycopg2 copy_expert, same lines, rolled back)",
        baseline_ms=round(raw_ms, 1),
        ratio=round(rate / raw_rate, 2),
        target={
            "ratio_min": TARGET_RATIO,
            "peak_rss_mb": RSS_LIMIT_MB,
            "second_run_changed": 0,
            "text": "loader rows/s ≥ 0.5 × raw COPY + upsert at a 200,000-line window into a "
            "1,000,000-line ledger; second run changes 0 rows; peak RSS ≤ 300 MB",
        },
        passed=full
        and child["inserted"] == lines
        and changed == 0
        and rate >= TARGET_RATIO * raw_rate
        and peak <= RSS_LIMIT_MB,
        notes="p50_ms = the loader's time without reading and parsing the recorded pages "
        "(fetch_ms in extra); ratio = loader rows/s / raw rows/s (higher is better)",
        extra={
            "fetch_ms": round(fetch_ms, 1),
            "raw_rows_per_s": round(raw_rate, 1),
            "second_run_ms": round(second_ms, 1),
            "rss_after_setup_mb": round(child["rss_after_setup_mb"], 1),
            "peak_rss_source": "VmHWM of a process of its own (bench/child_sync.py)",
        },
    )
    organisations = Organisation.objects.count()
    churn_result = runner.Result(
        scenario="sales.churn_recompute",
        n=1,
        p50_ms=round(churn_ms, 1),
        p95_ms=round(churn_ms, 1),
        queries=0,
        query_ceiling=0,
        rows_per_s=None,
        peak_rss_mb=round(runner.peak_rss_mb(), 1),
        row_counts={"organisations": organisations, "churned": churned},
        baseline_name="the two bare UPDATE … WHERE [NOT] EXISTS statements (rolled back)",
        baseline_ms=round(bare_ms, 1),
        ratio=round(churn_ms / bare_ms, 2) if bare_ms else 0.0,
        target={"ratio_max": CHURN_RATIO, "text": "≤ 2 × the bare SQL over 300,000 clients"},
        passed=full and organisations >= 300_000 and churn_ms <= CHURN_RATIO * bare_ms,
        notes="churn.recompute without the managers' notifications (sent after the update, one "
        "per manager; with them: with_notifications_ms in extra), in a transaction rolled back",
        extra={"with_notifications_ms": round(told_ms, 1)},
    )
    for result in (window, churn_result):
        print(
            f"{result.scenario:<36} {result.p50_ms:>10} ms  ratio {result.ratio}  "
            f"{result.row_counts}",
            flush=True,
        )
    return [window, churn_result]
