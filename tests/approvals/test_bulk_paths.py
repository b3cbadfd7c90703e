"""Fields under an approval rule stay under it in bulk: the import wizard and the bulk edit
request them (one change request per record) instead of writing them."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from crm.approvals.models import ApprovalRule, ApprovalStep, ChangeRequest, RequestState
from crm.clients.models import Organisation, OrganisationKind
from crm.core import records
from crm.core.choices import Channel
from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from crm.outlets.models import Outlet
from tests.imports.conftest import csv_bytes, upload
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    rule = ApprovalRule.objects.create(
        name="Адрес точки",
        content_type=ContentType.objects.get_for_model(Outlet),
        fields=["address"],
    )
    ApprovalStep.objects.create(rule=rule, user=world["regional"])
    return world


@pytest.fixture
def outlet_import(world):
    """The manager may import outlets; their organisation is a dealer with an outlet."""
    manager = world["manager"]
    manager.user_permissions.add(Permission.objects.get(codename="import_outlet"))
    dealer = world["mine"]
    Organisation.objects.filter(pk=dealer.pk).update(kind=OrganisationKind.DEALER)
    return manager, dealer, world["outlets"]["mine"]


def test_an_import_requests_governed_values_and_writes_the_rest(world, outlet_import):
    manager, dealer, outlet = outlet_import
    rows = [
        ["Дилер", "Торговая точка", "Адрес", "Часы работы"],
        [dealer.inn, outlet.name, "г. Москва, ул. Импортная, 1", "9-21"],
    ]
    job = services.import_upload(
        manager, spec=registry.get("outlets.outlet"), upload=upload("p.csv", csv_bytes(rows))
    )
    services.import_check(manager, job=job)
    assert job.status == ImportStatus.CHECKED, job.errors
    assert job.proposed_count == 1
    assert not ChangeRequest.objects.exists()  # the check writes nothing
    services.import_apply(manager, job=job)
    assert job.status == ImportStatus.DONE, job.errors
    outlet.refresh_from_db()
    assert outlet.opening_hours == "9-21"  # not governed: imported
    assert outlet.address != "г. Москва, ул. Импортная, 1"  # governed: requested
    request = ChangeRequest.objects.get()
    assert (request.channel, request.author, request.state) == (
        Channel.IMPORT,
        manager,
        RequestState.PENDING,
    )
    assert request.items.get().new_value == "г. Москва, ул. Импортная, 1"
    assert request.import_job_id == job.pk
    # The approver hears once about the import's requests, not once per record.
    [note] = world["regional"].notifications.filter(event_type="approvals.awaiting")
    assert str(job.pk) in note.title
    # Undoing the import restores the hours and withdraws the request nobody decided yet.
    services.import_undo(manager, job=job)
    outlet.refresh_from_db()
    assert outlet.opening_hours != "9-21"
    assert ChangeRequest.objects.get().state == RequestState.CANCELLED


def test_a_file_that_only_changes_governed_values_still_requests_them(outlet_import):
    """No row writes anything: each changed governed value is still requested, not lost with
    a chunk that had nothing to write."""
    manager, dealer, outlet = outlet_import
    rows = [
        ["Дилер", "Торговая точка", "Адрес"],
        [dealer.inn, outlet.name, "г. Москва, ул. Импортная, 2"],
    ]
    job = services.import_upload(
        manager, spec=registry.get("outlets.outlet"), upload=upload("p.csv", csv_bytes(rows))
    )
    services.import_check(manager, job=job)
    assert job.status == ImportStatus.CHECKED, job.errors
    assert job.proposed_count == 1
    services.import_apply(manager, job=job)
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created_count, job.updated_count) == (0, 0)
    request = ChangeRequest.objects.get()
    assert request.items.get().new_value == "г. Москва, ул. Импортная, 2"
    assert request.import_job_id == job.pk


def test_a_bulk_edit_requests_governed_values_per_record(world):
    manager = world["manager"]
    outlet = world["outlets"]["mine"]
    records.records_bulk_update(
        manager, Outlet, pks=[outlet.pk], data={"address": "ул. Массовая, 2", "notes": "ок"}
    )
    outlet.refresh_from_db()
    assert outlet.notes == "ок"
    assert outlet.address != "ул. Массовая, 2"
    assert ChangeRequest.objects.get().items.get().new_value == "ул. Массовая, 2"
