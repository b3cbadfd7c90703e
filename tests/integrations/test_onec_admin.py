"""The 1C sync in the admin: an administrator places each target in this base, checks the
mapping against the fake 1C's $metadata, runs the sync and watches its runs."""

import pytest

from crm.core.models import OutboxMessage
from integrations.onec import sync
from integrations.onec.fake import FakeOneC
from integrations.onec.models import Mapping, RunStatus, SyncedVersion, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_1c(settings):
    with FakeOneC() as fake:
        settings.ONEC_URL, settings.ONEC_USER = fake.url, fake.username
        settings.ONEC_PASSWORD = fake.password
        yield fake


def test_the_mapping_lists_every_target_and_edits_one_field_per_box(admin_user, logged_in):
    client = logged_in(admin_user)
    page = client.get("/admin/onec/mapping/")
    assert page.status_code == 200
    assert Mapping.objects.count() == len(sync.targets.TARGETS)
    mapping = Mapping.objects.get(key="organisations")
    form = client.get(f"/admin/onec/mapping/{mapping.pk}/change/").content.decode()
    assert 'name="property_inn"' in form
    assert "ИНН" in form  # the УТ 11 default, shown beside the box
    SyncedVersion.objects.create(entity="organisations", ref_key="x", data_version="1")
    answer = client.post(
        f"/admin/onec/mapping/{mapping.pk}/change/",
        {
            "entity_set": "Catalog_Контрагенты",
            "filter": "IsFolder eq false",
            "enabled": "on",
            "order": "12",
            "page_size": "500",
            "property_name": "Description",
            "property_legal_name": "НаименованиеПолное",
            "property_inn": "ИНН",
            "property_kpp": "КПП",
            "property_counterparty_type": "ЮрФизЛицо",
        },
    )
    assert answer.status_code == 302
    mapping.refresh_from_db()
    assert mapping.properties["counterparty_type"] == "ЮрФизЛицо"
    assert mapping.page_size == 500
    # Versions read with the old mapping are forgotten: the next run reads every row again.
    assert not SyncedVersion.objects.filter(entity="organisations").exists()


def test_check_against_metadata_reports_what_the_base_lacks(admin_user, logged_in, fake_1c):
    client = logged_in(admin_user)
    sync.ensure_mappings()
    orgs = Mapping.objects.get(key="organisations")
    orgs.properties = {**orgs.properties, "inn": "ИННКонтрагента"}
    orgs.save()
    Mapping.objects.filter(key="warehouses").update(entity_set="Catalog_СкладыИМагазины")
    answer = client.post(
        "/admin/onec/mapping/",
        {
            "action": "check_mapping",
            "_selected_action": list(Mapping.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert answer.status_code == 200
    orgs.refresh_from_db()
    assert "ИННКонтрагента" in orgs.check_report
    assert "Catalog_СкладыИМагазины" in Mapping.objects.get(key="warehouses").check_report
    assert Mapping.objects.get(key="products").check_report == ""
    assert Mapping.objects.filter(checked_at__isnull=True).count() == 0
    text = answer.content.decode()
    assert "ИННКонтрагента" in text


def test_run_now_queues_the_sync_and_the_runs_show_their_progress(admin_user, logged_in, settings):
    client = logged_in(admin_user)
    settings.ONEC_URL = ""
    client.post("/admin/onec/syncrun/run-now/")
    assert not OutboxMessage.objects.filter(task_name="onec.sync").exists()
    settings.ONEC_URL = "http://127.0.0.1:9/base/odata/standard.odata"
    page = client.get("/admin/onec/syncrun/")
    assert "run-now" in page.content.decode()
    assert client.post("/admin/onec/syncrun/run-now/").status_code == 302
    assert OutboxMessage.objects.filter(task_name="onec.sync", kwargs={}).count() == 1
    sync.ensure_mappings()
    products = Mapping.objects.get(key="products")
    client.post("/admin/onec/mapping/", {"action": "run_now", "_selected_action": [products.pk]})
    queued = OutboxMessage.objects.filter(task_name="onec.sync").latest("pk")
    assert queued.kwargs == {"keys": ["products"]}
    SyncRun.objects.create(
        entity="organisations", entity_set="Catalog_Контрагенты", total=300, cursor=120
    )
    listing = client.get("/admin/onec/syncrun/").content.decode()
    assert '<progress value="120" max="300">' in listing
    assert str(RunStatus.RUNNING.label) in listing
