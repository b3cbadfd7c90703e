"""The nightly pull of dictionaries from the fake 1C: the first run loads everything, a second
changes nothing, a new DataVersion updates one row, a deletion mark archives, a record made in
the CRM before the first sync is adopted (never duplicated), a bad row is rejected with its
reason while the others load, and a run that finds another holding the lock is skipped."""

import psycopg2
import pytest
from django.db import connection

from crm.core.choices import Source
from crm.refs.models import Bank, UnitOfMeasure, Warehouse
from integrations.onec import sync
from integrations.onec.client import ODataClient
from integrations.onec.fake import FakeOneC, ref
from integrations.onec.models import RunStatus, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def onec():
    with FakeOneC() as fake:
        yield fake, ODataClient(fake.url, fake.username, fake.password, retries=1)


def counts(run):
    return run.fetched, run.inserted, run.updated, run.unchanged, run.archived, run.rejected


def test_first_run_loads_second_changes_nothing_then_one_update_and_one_archive(onec):
    fake, client = onec
    mapping = sync.DICTIONARIES["warehouses"]
    first = sync.sync_dictionary(client, mapping)
    assert first.status == RunStatus.DONE
    assert counts(first) == (2, 2, 0, 0, 0, 0)
    main = Warehouse.objects.get(external_code=ref("Catalog_Склады", "Основной склад"))
    assert main.name == "Основной склад"
    event = Warehouse.pgh_event_model.objects.filter(pgh_obj_id=main.pk).latest("pgh_id")
    assert event.pgh_context.metadata["source"] == Source.ERP
    second = sync.sync_dictionary(client, mapping)
    assert counts(second) == (2, 0, 0, 2, 0, 0)
    fake.update("Catalog_Склады", main.external_code, Description="Главный склад")
    third = sync.sync_dictionary(client, mapping)
    assert counts(third) == (2, 0, 1, 1, 0, 0)
    assert Warehouse.objects.get(pk=main.pk).name == "Главный склад"
    fake.mark_deleted("Catalog_Склады", main.external_code)
    fourth = sync.sync_dictionary(client, mapping)
    assert counts(fourth) == (2, 0, 0, 1, 1, 0)
    assert not Warehouse.objects.get(pk=main.pk).is_active
    assert Warehouse.objects.count() == 2


def test_a_record_made_in_the_crm_is_adopted_not_duplicated(onec):
    _fake, client = onec
    mine = UnitOfMeasure.objects.create(code="796", symbol="шт.", name="Штука")
    run = sync.sync_dictionary(client, sync.DICTIONARIES["units"])
    assert run.status == RunStatus.DONE
    assert UnitOfMeasure.objects.filter(code="796").count() == 1
    mine.refresh_from_db()
    assert mine.external_code == ref("Catalog_УпаковкиЕдиницыИзмерения", "шт")
    assert (mine.symbol, mine.name) == ("шт", "Штука")  # the ERP's values won
    assert (run.inserted, run.updated) == (2, 1)


def test_a_bad_row_is_rejected_with_its_reason_and_the_others_load(onec):
    fake, client = onec
    fake.add(
        "Catalog_КлассификаторБанков",
        {
            "Ref_Key": "11111111-1111-1111-1111-111111111111",
            "DataVersion": "AAAA",
            "DeletionMark": False,
            "Code": "123",
            "Description": "Банк с ошибкой",
            "КоррСчет": "",
        },
    )
    run = sync.sync_dictionary(client, sync.DICTIONARIES["banks"])
    assert run.status == RunStatus.DONE
    assert run.rejected == 1
    assert run.errors[0]["ref"] == "11111111-1111-1111-1111-111111111111"
    assert "bik" in run.errors[0]["reason"]
    assert Bank.objects.filter(name="Банк с ошибкой").count() == 0
    assert Bank.objects.count() == run.inserted > 0


def test_a_second_run_while_one_holds_the_lock_is_skipped(onec):
    _fake, client = onec
    mapping = sync.DICTIONARIES["warehouses"]
    settings = connection.settings_dict
    other = psycopg2.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [sync._lock_key(mapping.entity_set)])
        run = sync.sync_dictionary(client, mapping)
        assert run.status == RunStatus.SKIPPED
        assert not Warehouse.objects.exists()
    finally:
        other.close()
    assert SyncRun.objects.get(pk=run.pk).status == RunStatus.SKIPPED


def test_an_unreachable_1c_is_a_failed_run_with_its_reason(onec):
    fake, _client = onec
    client = ODataClient(fake.url, fake.username, "wrong", retries=1)
    run = sync.sync_dictionary(client, sync.DICTIONARIES["warehouses"])
    assert run.status == RunStatus.FAILED
    assert run.message
    assert not Warehouse.objects.exists()


def test_the_nightly_task_syncs_every_dictionary_and_reports_a_failure_once(settings):
    from crm.core.models import OutboxMessage
    from integrations.onec import tasks
    from tests.factories import UserFactory

    admin = UserFactory(username="admin-1c", role="administrator")
    with FakeOneC() as fake:
        settings.ONEC_URL, settings.ONEC_USER = fake.url, fake.username
        settings.ONEC_PASSWORD = fake.password
        outcome = tasks.sync_dictionaries.apply().get()
        assert outcome == dict.fromkeys(sync.DICTIONARIES, RunStatus.DONE)
        assert Warehouse.objects.count() == 2
        settings.ONEC_PASSWORD = "wrong"
        failed = tasks.sync_dictionaries.apply().get()
    assert set(failed.values()) == {RunStatus.FAILED}
    notes = admin.notifications.filter(event_type="onec.sync_failed")
    assert notes.count() == len(sync.DICTIONARIES)  # one per failed run, never repeated
    settings.ONEC_URL = ""
    assert tasks.sync_dictionaries.apply().get() == {"status": "not configured"}
    assert not OutboxMessage.objects.filter(task_name="onec.sync_dictionaries").exists()


def test_run_now_in_the_admin_queues_the_sync(admin_user, logged_in, settings):
    from crm.core.models import OutboxMessage

    client = logged_in(admin_user)
    settings.ONEC_URL = ""
    client.post("/admin/onec/syncrun/run-now/")
    assert not OutboxMessage.objects.filter(task_name="onec.sync_dictionaries").exists()
    settings.ONEC_URL = "http://127.0.0.1:9/base/odata/standard.odata"
    page = client.get("/admin/onec/syncrun/")
    assert "run-now" in page.content.decode()
    assert client.post("/admin/onec/syncrun/run-now/").status_code == 302
    assert OutboxMessage.objects.filter(task_name="onec.sync_dictionaries").count() == 1
