"""The nightly pull from the fake 1C: the first run loads everything, a second changes nothing,
a new DataVersion updates one row, a deletion mark archives, a record made in the CRM before
the first sync is adopted (never duplicated), a bad row is rejected with its reason while the
others load, governed and contested values go through the change-request service, a run that
finds another holding the lock is skipped, and an interrupted run is continued from its
cursor."""

import psycopg2
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from crm.approvals.models import ApprovalRule, ChangeRequest, Conflict, RequestState
from crm.catalog.models import Brand, Product, ProductGroup
from crm.clients.models import BankAccount, CounterpartyType, Organisation
from crm.core.choices import Source
from crm.refs.models import Bank, SalesChannel, UnitOfMeasure, Warehouse
from integrations.onec import sync
from integrations.onec.client import ODataClient, Page
from integrations.onec.fake import FakeOneC, many_counterparties, ref
from integrations.onec.models import Mapping, RunStatus, SyncedVersion, SyncRun

pytestmark = pytest.mark.django_db
ORGS = "Catalog_Контрагенты"


@pytest.fixture
def onec():
    with FakeOneC() as fake:
        yield fake, ODataClient(fake.url, fake.username, fake.password, retries=1)


def counts(run):
    return run.fetched, run.inserted, run.updated, run.unchanged, run.archived, run.rejected


def everything(client):
    sync.ensure_mappings()
    Mapping.objects.update(enabled=True)
    return sync.sync_all(client)


def test_first_run_loads_second_changes_nothing_then_one_update_and_one_archive(onec):
    fake, client = onec
    first = sync.sync_entity(client, "warehouses")
    assert first.status == RunStatus.DONE
    assert counts(first) == (2, 2, 0, 0, 0, 0)
    assert first.total == 2
    assert first.cursor == 2
    main = Warehouse.objects.get(external_code=ref("Catalog_Склады", "Основной склад"))
    assert main.name == "Основной склад"
    event = Warehouse.pgh_event_model.objects.filter(pgh_obj_id=main.pk).latest("pgh_id")
    assert event.pgh_context.metadata["source"] == Source.ERP
    second = sync.sync_entity(client, "warehouses")
    assert counts(second) == (2, 0, 0, 2, 0, 0)
    fake.update("Catalog_Склады", main.external_code, Description="Главный склад")
    third = sync.sync_entity(client, "warehouses")
    assert counts(third) == (2, 0, 1, 1, 0, 0)
    assert Warehouse.objects.get(pk=main.pk).name == "Главный склад"
    fake.mark_deleted("Catalog_Склады", main.external_code)
    fourth = sync.sync_entity(client, "warehouses")
    assert counts(fourth) == (2, 0, 0, 1, 1, 0)
    assert not Warehouse.objects.get(pk=main.pk).is_active
    assert Warehouse.objects.count() == 2


def test_the_whole_demo_base_loads_and_a_second_run_writes_nothing(onec):
    _fake, client = onec
    runs = everything(client)
    assert {run.status for run in runs.values()} == {RunStatus.DONE}
    assert sum(run.rejected for run in runs.values()) == 0, [r.errors for r in runs.values()]
    # Counterparties with requisites; the deletion-marked one arrives archived.
    north = Organisation.objects.get(erp_key=ref(ORGS, "Теплострой-Север"))
    assert (north.inn, north.kpp, north.name) == (
        "7816588132",
        "781601001",
        'ООО "Теплострой-Север"',
    )
    assert Organisation.objects.get(erp_key=ref(ORGS, "Ромашка")).is_archived
    person = Organisation.objects.get(erp_key=ref(ORGS, "Соколова"))
    assert person.counterparty_type == CounterpartyType.ENTREPRENEUR
    account = BankAccount.objects.get(organisation=north)
    assert (account.bik, account.account) == ("044030653", "40702810955000012345")
    assert account.bank_name == "СЕВЕРО-ЗАПАДНЫЙ БАНК ПАО СБЕРБАНК"
    # Products in their groups, with brand and unit; an article left empty takes the code.
    boiler = Product.objects.get(sku="7659669")
    assert boiler.group.name == "Отопление"
    assert boiler.brand.name == "Baxi"
    assert boiler.unit.code == "796"
    assert Product.objects.get(sku="00-00000031").name == "Монтаж котла"
    assert ProductGroup.objects.count() == 3
    assert Brand.objects.count() == 3
    assert SalesChannel.objects.filter(name="Опт").exists()
    before = {
        model: model.objects.count()
        for model in (Organisation, BankAccount, Product, ProductGroup, Bank, UnitOfMeasure)
    }
    again = everything(client)
    written = sum(r.inserted + r.updated + r.archived + r.proposed for r in again.values())
    assert written == 0
    assert before == {model: model.objects.count() for model in before}


def test_an_organisation_made_in_the_crm_is_matched_by_inn_and_kpp(onec):
    _fake, client = onec
    mine = Organisation.objects.create(name="Теплострой", inn="7816588132", kpp="781601001")
    other_branch = Organisation.objects.create(
        name="Теплострой, филиал", inn="7816588132", kpp="781602001"
    )
    run = sync.sync_entity(client, "organisations")
    assert run.status == RunStatus.DONE
    mine.refresh_from_db()
    assert mine.erp_key == ref(ORGS, "Теплострой-Север")
    assert mine.name == 'ООО "Теплострой-Север"'  # the ERP is the master of requisites
    assert Organisation.objects.filter(inn="7816588132").count() == 2
    other_branch.refresh_from_db()
    assert other_branch.erp_key == ""  # another KPP is another subdivision
    assert run.inserted == 4
    assert run.updated == 1


def test_a_record_made_in_the_crm_is_adopted_not_duplicated(onec):
    _fake, client = onec
    mine = UnitOfMeasure.objects.create(code="796", symbol="шт.", name="Штука")
    run = sync.sync_entity(client, "units")
    assert run.status == RunStatus.DONE
    assert UnitOfMeasure.objects.filter(code="796").count() == 1
    mine.refresh_from_db()
    assert mine.external_code == ref("Catalog_УпаковкиЕдиницыИзмерения", "шт")
    assert (mine.symbol, mine.name) == ("шт", "Штука")
    assert (run.inserted, run.updated) == (2, 1)


def test_a_bad_row_is_rejected_with_its_reason_and_the_others_load(onec):
    fake, client = onec
    fake.add(
        "Catalog_КлассификаторБанков",
        {
            "Ref_Key": "11111111-1111-1111-1111-111111111111",
            "DataVersion": "AAAA",
            "DeletionMark": False,
            "IsFolder": False,
            "Code": "123",
            "Description": "Банк с ошибкой",
            "КоррСчет": "",
        },
    )
    fake.add(ORGS, {**many_counterparties(1)[0], "ИНН": "7707083894"})  # a wrong check digit
    bank_run = sync.sync_entity(client, "banks")
    assert bank_run.status == RunStatus.DONE
    assert bank_run.rejected == 1
    assert bank_run.errors[0]["ref"] == "11111111-1111-1111-1111-111111111111"
    assert str(Bank._meta.get_field("bik").verbose_name) in bank_run.errors[0]["reason"]
    assert Bank.objects.filter(name="Банк с ошибкой").count() == 0
    assert Bank.objects.count() == bank_run.inserted > 0
    org_run = sync.sync_entity(client, "organisations")
    assert org_run.rejected == 1
    assert str(Organisation._meta.get_field("inn").verbose_name) in org_run.errors[0]["reason"]
    assert not Organisation.objects.filter(inn="7707083894").exists()


def test_a_product_whose_group_is_not_loaded_is_rejected_and_retried(onec):
    _fake, client = onec
    sync.sync_entity(client, "units")
    sync.sync_entity(client, "brands")
    early = sync.sync_entity(client, "products")  # before its groups
    assert early.rejected == 4
    assert str(Product._meta.get_field("group").verbose_name) in early.errors[0]["reason"]
    assert not Product.objects.exists()
    sync.sync_entity(client, "product_groups")
    later = sync.sync_entity(client, "products")
    assert later.inserted == 4
    assert later.rejected == 0


def test_an_article_another_product_has_is_rejected_not_a_crash(onec):
    _fake, client = onec
    for key in ("units", "brands", "product_groups"):
        sync.sync_entity(client, key)
    group = ProductGroup.objects.first()
    unit = UnitOfMeasure.objects.first()
    Product.objects.create(
        sku="7659669", name="Чужой", group=group, unit=unit, external_code="from-elsewhere"
    )
    run = sync.sync_entity(client, "products")
    assert run.status == RunStatus.DONE
    assert run.rejected == 1
    assert str(Product._meta.get_field("sku").verbose_name) in run.errors[0]["reason"]
    assert run.inserted == 3


def test_governed_values_from_the_erp_become_change_requests(onec):
    fake, client = onec
    sync.sync_entity(client, "organisations")
    north = Organisation.objects.get(erp_key=ref(ORGS, "Теплострой-Север"))
    ApprovalRule.objects.create(
        name="Юридическое наименование",
        content_type=ContentType.objects.get_for_model(Organisation),
        fields=["legal_name"],
        sources=[Source.ERP],
    )
    fake.update(ORGS, north.erp_key, НаименованиеПолное='ООО "Теплострой-Север-Запад"')
    run = sync.sync_entity(client, "organisations")
    assert run.proposed == 1
    assert run.updated == 0
    north.refresh_from_db()
    assert north.legal_name.endswith('"Теплострой-Север"')  # not yet: waits for approval
    request = ChangeRequest.objects.get(object_id=north.pk)
    assert request.source == Source.ERP
    assert request.state == RequestState.PENDING
    assert request.items.get().new_value == 'ООО "Теплострой-Север-Запад"'
    quiet = sync.sync_entity(client, "organisations")  # the same version: no second request
    assert quiet.proposed == 0
    assert ChangeRequest.objects.filter(object_id=north.pk).count() == 1


def test_an_erp_value_against_a_pending_manual_request_becomes_a_conflict(onec):
    from crm.approvals.services import change_request_submit
    from crm.core.choices import Channel
    from tests.factories import UserFactory

    fake, client = onec
    sync.sync_entity(client, "organisations")
    north = Organisation.objects.get(erp_key=ref(ORGS, "Теплострой-Север"))
    rule = ApprovalRule.objects.create(
        name="Наименование",
        content_type=ContentType.objects.get_for_model(Organisation),
        fields=["name"],
        sources=[Source.STAFF],
    )
    assert rule.applies_to(Source.STAFF)
    assert not rule.applies_to(Source.ERP)
    UserFactory(username="boss", role="administrator")
    manager = UserFactory(username="mgr", role="administrator")
    submitted = change_request_submit(
        manager,
        source=Source.STAFF,
        channel=Channel.WEB,
        record=north,
        changes={"name": "Теплострой (СПб)"},
    )
    assert submitted.request is not None
    fake.update(ORGS, north.erp_key, Description="Теплострой-Север ООО")
    run = sync.sync_entity(client, "organisations")
    assert run.proposed == 1
    conflict = Conflict.objects.get(object_id=north.pk, field="name")
    values = set(conflict.entries.values_list("value", flat=True))
    assert values == {"Теплострой-Север ООО", "Теплострой (СПб)"}
    north.refresh_from_db()
    assert north.name == 'ООО "Теплострой-Север"'  # neither value wins until a steward picks


def test_a_second_run_while_one_holds_the_lock_is_skipped(onec):
    _fake, client = onec
    settings = connection.settings_dict
    other = psycopg2.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [sync._lock_key("warehouses")])
        run = sync.sync_entity(client, "warehouses")
        assert run.status == RunStatus.SKIPPED
        assert not Warehouse.objects.exists()
    finally:
        other.close()
    assert SyncRun.objects.get(pk=run.pk).status == RunStatus.SKIPPED
    assert sync.sync_entity(client, "warehouses").status == RunStatus.DONE


def test_a_wrong_password_fails_the_run_clearly_and_writes_nothing(onec):
    fake, _client = onec
    client = ODataClient(fake.url, fake.username, "wrong", retries=1)
    run = sync.sync_entity(client, "organisations")
    assert run.status == RunStatus.FAILED
    assert "401" in run.message or "password" in run.message.lower()
    assert not Organisation.objects.exists()
    assert not SyncedVersion.objects.exists()


def test_a_failed_run_is_continued_from_its_cursor(onec):
    fake, client = onec
    fake.entity_sets[ORGS] = many_counterparties(250)
    sync.ensure_mappings()
    Mapping.objects.filter(key="organisations").update(page_size=50)
    plan = sync.plan_for("organisations")
    served = []

    def pages_then_failure(start):
        for page in client.pages(
            ORGS, select=plan.select(), filter=plan.filter, page_size=50, start_skip=start
        ):
            served.append(page.skip)
            yield page
            if len(served) == 2:
                fake.fail_next(status=500, count=1)  # the third page's request fails

    first = sync.run(plan, pages_then_failure)
    assert first.status == RunStatus.FAILED
    assert first.cursor == 100
    assert Organisation.objects.count() == 100
    before = fake.request_count
    second = sync.sync_entity(client, "organisations")
    assert second.status == RunStatus.DONE
    assert second.resumed_from_id == first.pk
    queries = [r.query for r in fake.requests[before:] if "$skip=" in r.query]
    assert "$skip=50" in queries[0]  # one page before the cursor, not from the start
    assert second.fetched == 200
    assert second.unchanged == 50
    assert second.inserted == 150
    assert Organisation.objects.count() == 250
    assert Organisation.objects.values("erp_key").distinct().count() == 250
    third = sync.sync_entity(client, "organisations")
    assert third.resumed_from_id is None
    assert third.fetched == 250


def test_the_nightly_task_syncs_every_target_and_reports_a_failure_once(settings):
    from crm.core.models import OutboxMessage
    from integrations.onec import tasks
    from tests.factories import UserFactory

    admin = UserFactory(username="admin-1c", role="administrator")
    with FakeOneC() as fake:
        settings.ONEC_URL, settings.ONEC_USER = fake.url, fake.username
        settings.ONEC_PASSWORD = fake.password
        outcome = tasks.sync_1c.apply().get()
        assert set(outcome.values()) == {RunStatus.DONE}
        assert set(outcome) == set(sync.enabled_keys())
        assert Organisation.objects.count() == 5
        settings.ONEC_PASSWORD = "wrong"
        failed = tasks.sync_1c.apply(kwargs={"keys": ["warehouses", "units"]}).get()
    assert failed == dict.fromkeys(["warehouses", "units"], RunStatus.FAILED)
    notes = admin.notifications.filter(event_type="onec.sync_failed")
    assert notes.count() == 2  # one per failed run, never repeated
    settings.ONEC_URL = ""
    assert tasks.sync_1c.apply().get() == {"status": "not configured"}
    assert not OutboxMessage.objects.filter(task_name="onec.sync").exists()


def test_recorded_pages_load_like_live_ones():
    """The bench feeds recorded pages through sync.run; the result is the live one's."""
    rows = many_counterparties(120)
    plan = sync.plan_for("organisations")

    def recorded(start):
        for skip in range(start, len(rows), 50):
            yield Page(skip=skip, rows=rows[skip : skip + 50])

    run = sync.run(plan, recorded)
    assert run.status == RunStatus.DONE
    assert run.inserted == 120
    assert run.cursor == 120
    assert sync.run(plan, recorded).unchanged == 120


def test_a_field_left_unmapped_is_not_read_and_a_mapped_one_is(onec):
    from crm.clients.models import HoldingGroup
    from tests.factories import RegionFactory

    _fake, client = onec
    mine = HoldingGroup.objects.create(name="Холдинг из CRM")
    north = Organisation.objects.create(
        name="Теплострой", inn="7816588132", kpp="781601001", holding=mine
    )
    spb = RegionFactory(name="Санкт-Петербург", code="78")
    spb.external_code = ref("Catalog_БизнесРегионы", "Северо-Запад")
    spb.save()
    run = sync.sync_entity(client, "organisations")  # region and holding: not read by default
    assert run.status == RunStatus.DONE
    north.refresh_from_db()
    assert (north.holding_id, north.region_id) == (mine.pk, None)
    mapping = Mapping.objects.get(key="organisations")
    mapping.properties = {**mapping.properties, "region": "БизнесРегион_Key"}
    mapping.save()
    SyncedVersion.objects.filter(entity="organisations").delete()  # as saving in the admin does
    again = sync.sync_entity(client, "organisations")
    assert again.updated == 1  # only the one whose business region we know
    north.refresh_from_db()
    assert (north.holding_id, north.region_id) == (mine.pk, spb.pk)
    urals = Organisation.objects.get(erp_key=ref(ORGS, "Уралснаб"))
    assert urals.region_id is None
    assert any(e.get("warning") and e["ref"] == urals.erp_key for e in again.errors)


def test_series_and_holdings_load_when_switched_on(onec):
    from crm.catalog.models import Series
    from crm.clients.models import HoldingGroup

    _fake, client = onec
    runs = everything(client)
    assert runs["series"].inserted == 3
    assert set(Series.objects.filter(brand__name="Baxi").values_list("name", flat=True)) == {
        "ECO Four",
        "Luna",
    }
    assert HoldingGroup.objects.filter(name="Уральский холдинг").exists()
