"""The engine writes each chunk on a thread of its own while it reads the next (WriteBehind):
files of many chunks, a chunk the database refuses, and a batch in flight when the pass ends.
Chunks are two rows here, so a seven-row file has four of them."""

import time

import pytest
from django.db import DataError, connection, transaction

from crm.clients.models import Organisation
from crm.core import bulk
from crm.core.imports import engine, registry, services
from crm.core.imports.models import ImportStatus
from tests.imports.conftest import csv_bytes, make_inns, upload
from tests.imports.test_wizard import imported

pytestmark = pytest.mark.django_db

HEADER = ["Наименование", "ИНН", "Регион"]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_ROWS", 2)


def names(inns):
    return dict(Organisation.objects.filter(inn__in=inns).values_list("inn", "name"))


def test_every_chunk_is_written_with_its_history_and_undone(manager):
    inns = make_inns(7, seed=41)
    job = imported(manager, [HEADER] + [[f"Фирма {i}", inn, "77"] for i, inn in enumerate(inns)])
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    assert job.created_count == 7
    assert names(inns) == {inn: f"Фирма {i}" for i, inn in enumerate(inns)}
    for org in Organisation.objects.filter(inn__in=inns):
        event = org.events.get()  # the insert, with the import's context
        assert event.pgh_context.metadata["channel"] == "import"
        assert event.pgh_context.metadata["import_job"] == job.pk
    assert job.row_changes.count() == 7

    again = imported(manager, [HEADER] + [[f"Фирма {i}", inn, "77"] for i, inn in enumerate(inns)])
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 7)

    changed = imported(
        manager, [HEADER] + [[f"Новая {i}", inn, "77"] for i, inn in enumerate(inns)]
    )
    assert changed.status == ImportStatus.DONE, changed.errors
    assert changed.updated_count == 7
    assert set(Organisation.objects.filter(inn__in=inns).values_list("version", flat=True)) == {2}
    services.import_undo(manager, job=changed)
    assert names(inns) == {inn: f"Фирма {i}" for i, inn in enumerate(inns)}


@pytest.fixture
def refuse_name():
    """A trigger that refuses one name, as a constraint the engine cannot foresee would; made
    in the test's transaction, so it goes with it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_name() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.name = 'Сбой' THEN
                    RAISE EXCEPTION 'the name % is refused', NEW.name
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_refuse_name BEFORE INSERT OR UPDATE ON clients_organisation
                FOR EACH ROW EXECUTE FUNCTION test_refuse_name();
            """
        )


def test_a_chunk_the_database_refuses_names_its_rows_and_nothing_is_written(manager, refuse_name):
    inns = make_inns(7, seed=42)
    rows = [[f"Фирма {i}", inn, "77"] for i, inn in enumerate(inns)]
    rows[3][0] = "Сбой"  # file row 5 (the header is row 1): the second chunk, rows 4 and 5
    before = Organisation.objects.count()
    job = imported(manager, [HEADER, *rows])
    assert job.status == ImportStatus.FAILED
    # A chunk is written in parts (WRITE_PARTS): a two-row chunk, one row each
    assert [e["row"] for e in job.errors] == [5]
    assert " 5 (" in job.errors[0]["message"]  # "row 5 (...)", not "rows 5–5"
    assert "5–5" not in job.errors[0]["message"]
    assert Organisation.objects.count() == before  # the chunks before and after: rolled back
    assert not job.row_changes.exists()


def _temp_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE test_behind (n int) ON COMMIT DROP")


def test_a_refused_chunk_leaves_the_transaction_usable():
    outcome = []
    with transaction.atomic():
        _temp_table()  # before the pass: a refused batch rolls back to where the pass began
        with engine.WriteBehind() as writer:
            writer.submit(
                [engine._execute(_INSERT, [1]), _fail],
                lambda results, error: outcome.append((results, error)),
            )
            writer.settle()
            [(results, error)] = outcome
            assert results is None
            assert isinstance(error, DataError)  # the driver's error, as Django's
            with connection.cursor() as cursor:  # the batch's insert went back with the pass
                cursor.execute("SELECT count(*) FROM test_behind")
                assert cursor.fetchone() == (0,)


def test_batches_queue_in_order_and_a_refused_one_stops_the_rest():
    """Batches run one after another while the pass goes on; a refused one rolls back the
    pass's writes, those queued after it do not run, and the transaction stays usable."""
    outcome = []
    with transaction.atomic():
        _temp_table()
        with engine.WriteBehind() as writer:
            for steps in (
                [engine._fetch("SELECT pg_sleep(0.2)", []), engine._execute(_INSERT, [1])],
                [
                    engine._execute(_INSERT, [2]),
                    engine._fetch("SELECT array_agg(n) FROM test_behind", []),
                ],
                [engine._execute(_INSERT, [3]), _fail],
                [engine._execute(_INSERT, [4])],
            ):
                writer.submit(steps, lambda results, error: outcome.append((results, error)))
            assert len(writer.pending) == 4  # none waited for another
            writer.settle()
            assert outcome[0] == ([[("",)], None], None)
            assert outcome[1] == ([None, [([1, 2],)]], None)  # the first batch ran before it
            assert outcome[2][0] is None
            assert isinstance(outcome[2][1], DataError)
            assert len(outcome) == 3  # the fourth was not run
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM test_behind")
                assert cursor.fetchone() == (0,)  # back to where the pass began


_INSERT = "INSERT INTO test_behind VALUES (%s)"


def _fail(cursor):
    cursor.execute("SELECT 1 / 0")


def test_a_batch_in_flight_is_finished_before_the_block_ends():
    outcome = []
    writer = engine.WriteBehind()

    def failing_pass():
        with transaction.atomic(), writer:
            writer.submit(
                [engine._fetch("SELECT pg_sleep(0.2), 1", [])],
                lambda results, error: outcome.append(results),
            )
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        failing_pass()
    assert writer.pending == []
    assert writer.pool is None
    assert outcome == []  # the pass failed: the batch's outcome is not wanted
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)

    with transaction.atomic(), engine.WriteBehind() as writer:
        writer.submit(
            [engine._fetch("SELECT pg_sleep(0.1), 2", [])],
            lambda results, error: outcome.append(results),
        )
    assert outcome == [[[("", 2)]]]  # a pass that ends normally gets it


def test_a_query_of_the_pass_waits_for_the_batch_in_flight():
    """Any statement through Django's connection inside the block settles the batch first,
    so it reads what the batch wrote, however late the batch is."""
    outcome = []
    with transaction.atomic(), engine.WriteBehind() as writer:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE test_behind (n int) ON COMMIT DROP")
        writer.submit(
            [
                engine._fetch("SELECT pg_sleep(0.3)", []),
                engine._execute("INSERT INTO test_behind VALUES (1)", []),
            ],
            lambda results, error: outcome.append(error),
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM test_behind")
            assert cursor.fetchone() == (1,)
        assert outcome == [None]  # settled by the query, before it ran


def test_rows_after_a_refused_chunk_are_still_checked(manager, refuse_name):
    """Nothing is written after a refused chunk, but the rest of the file is still checked:
    the user sees every bad row at once."""
    import random

    from crm.clients import requisites

    inns = make_inns(7, seed=45)
    rows = [[f"Фирма {i}", inn, "77"] for i, inn in enumerate(inns)]
    rows[3][0] = "Сбой"  # file row 5: refused by the database
    rows[6][1] = requisites.make_inn_person(random.Random(45), "77")  # row 8: 12 digits
    job = imported(manager, [HEADER, *rows])
    assert job.status == ImportStatus.FAILED
    assert [e["row"] for e in job.errors] == [5, 8]


@pytest.fixture
def dangling_holding():
    """A trigger that points one row at a holding group that does not exist, as a reference
    deleted by someone else mid-import would; made in the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_dangling_holding() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.name = 'Сирота' THEN
                    NEW.holding_id := 987654321;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_dangling_holding BEFORE INSERT ON clients_organisation
                FOR EACH ROW EXECUTE FUNCTION test_dangling_holding();
            """
        )


def test_a_broken_reference_is_found_by_the_check_and_names_its_chunk(manager, dangling_holding):
    """Foreign keys are checked as each chunk is written: the dry run, which is rolled back
    and never commits, finds what the commit would refuse."""
    inns = make_inns(5, seed=43)
    rows = [[f"Фирма {i}", inn, "77"] for i, inn in enumerate(inns)]
    rows[2][0] = "Сирота"  # file row 4: the second chunk, rows 4 and 5
    before = Organisation.objects.count()
    job = services.import_upload(
        manager,
        spec=registry.get("clients.organisation"),
        upload=upload("f.csv", csv_bytes([HEADER, *rows])),
    )
    services.import_check(manager, job=job)
    assert job.status == ImportStatus.FAILED
    assert [e["row"] for e in job.errors] == [4]
    assert " 4 (" in job.errors[0]["message"]  # its part of the chunk: one row
    assert "4–4" not in job.errors[0]["message"]
    assert Organisation.objects.count() == before


def test_the_callers_transaction_keeps_its_deferred_foreign_keys(manager):
    """The import checks its foreign keys at once and gives a caller's transaction back with
    them deferred again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE test_parent (id int PRIMARY KEY) ON COMMIT DROP;"
            "CREATE TEMP TABLE test_child (parent int REFERENCES test_parent "
            "DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP"
        )
    job = imported(manager, [HEADER, ["Фирма", make_inns(1, seed=44)[0], "77"]])
    assert job.status == ImportStatus.DONE, job.errors
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO test_child VALUES (42)")  # checked at the commit, not now
        transaction.set_rollback(True)


def test_no_constraint_is_deferrable_but_initially_immediate():
    """The import restores constraint modes with ``SET CONSTRAINTS ALL DEFERRED``, which is
    exact only while every deferrable constraint is initially deferred."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE condeferrable AND NOT condeferred"
        )
        assert cursor.fetchall() == []


def test_a_callback_that_queries_waits_for_a_copy_in_flight():
    """A batch's ``after`` may query (an import's after_write queues geocoding): it runs only
    once every queued batch is done. A statement sent while another batch's COPY streams its
    rows would break the protocol and abort the transaction."""
    outcome = []

    def slow_rows():
        time.sleep(0.3)  # the COPY has begun; its rows come late
        yield ["1"]

    def after(results, error):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM test_behind")
            outcome.append(cursor.fetchone())

    with transaction.atomic():
        _temp_table()
        with engine.WriteBehind() as writer:
            writer.submit([engine._fetch("SELECT 1", [])], after)
            writer.submit(
                [engine._copy(bulk.copy_sql("test_behind", ["n"]), slow_rows())],
                lambda results, error: outcome.append(error),
            )
            writer.settle()
    assert outcome == [(1,), None]  # the copied row was there when the callback looked


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 9, 17, 1999, 2000])
def test_a_chunk_is_written_in_parts_that_cover_it_once_the_first_small(count):
    from itertools import pairwise

    from crm.core.imports.engine import WRITE_PARTS, _parts

    parts = _parts(count)
    assert parts[0][0] == 0
    assert parts[-1][1] == count
    assert all(a[1] == b[0] for a, b in pairwise(parts))
    assert all(start < end for start, end in parts)
    assert len(parts) <= WRITE_PARTS
    if count >= 2 * WRITE_PARTS:
        assert parts[0][1] - parts[0][0] < parts[1][1] - parts[1][0]
