"""Throughput of the wizard on a 100,000-row file (run with IMPORT_BENCH=1; slow).

Prints rows/s for the check, the insert and the update, and the process's peak RSS.
"""

import os
import resource
import time

import pytest

from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from tests.imports.conftest import csv_bytes, make_inns, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("IMPORT_BENCH"), reason="set IMPORT_BENCH=1"),
]
ROWS = int(os.environ.get("IMPORT_BENCH_ROWS", "100000"))


def _file(inns, suffix=""):
    header = ["Наименование", "ИНН", "КПП", "Регион", "Телефон", "E-mail", "Юридический адрес"]
    rows = [header] + [
        [
            f"ООО Организация {i}{suffix}",
            inn,
            inn[:4] + "01001",
            "77",
            f"8 (495) {i % 1000:03d}-{i % 100:02d}-{i % 97:02d}",
            f"org{i}@example.com",
            f"г. Москва, ул. Тверская, д. {i % 300}{suffix}",
        ]
        for i, inn in enumerate(inns)
    ]
    return csv_bytes(rows, encoding="cp1251")


def _timed(user, content, monkeypatch):
    monkeypatch.setattr(services, "ASYNC_THRESHOLD", 10**9)  # inline: measure the engine
    job = services.import_upload(
        user, spec=registry.get("clients.organisation"), upload=upload("bench.csv", content)
    )
    started = time.perf_counter()
    services.import_check(user, job=job)
    checked = time.perf_counter()
    assert job.status == ImportStatus.CHECKED, job.errors[:3]
    services.import_apply(user, job=job)
    applied = time.perf_counter()
    assert job.status == ImportStatus.DONE, job.errors[:3]
    return job, checked - started, applied - checked


def test_bench_100k_insert_and_update(manager, monkeypatch, capsys):
    inns = make_inns(ROWS)
    content = _file(inns)
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    job, check_s, insert_s = _timed(manager, content, monkeypatch)
    prof.disable()
    if os.environ.get("IMPORT_PROFILE"):
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
    assert job.created_count == ROWS
    job2, check2_s, update_s = _timed(manager, _file(inns, " (новое)"), monkeypatch)
    assert job2.updated_count == ROWS
    job3, rerun_s, _apply = _timed(manager, content[:0] or _file(inns, " (новое)"), monkeypatch)
    assert job3.unchanged_count == ROWS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with capsys.disabled():
        print(
            f"\nfile {len(content) / 1e6:.1f} MB, {ROWS} rows\n"
            f"check (new rows) {ROWS / check_s:,.0f} rows/s; insert {ROWS / insert_s:,.0f} rows/s\n"
            f"check (updates) {ROWS / check2_s:,.0f} rows/s; update {ROWS / update_s:,.0f} rows/s\n"
            f"re-run check {ROWS / rerun_s:,.0f} rows/s\n"
            f"peak RSS {rss:,.0f} MB"
        )
