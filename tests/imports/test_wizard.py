"""The wizard end to end: pages, field policy, scope, undo, idempotency and big files in
Celery."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.clients.models import Contact, Organisation
from crm.core.imports import registry, services
from crm.core.imports.models import ImportJob, ImportMapping, ImportStatus
from crm.core.models import OutboxMessage
from crm.core.records import RecordError, record_update
from crm.notifications.models import Notification
from tests.imports.conftest import INNS, csv_bytes, make_inns, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

ORGS = registry.get("clients.organisation")
CONTACTS = registry.get("clients.contact")


def imported(user, rows, *, spec=ORGS, name="f.csv", content=None):
    content = content if content is not None else csv_bytes(rows)
    job = services.import_upload(user, spec=spec, upload=upload(name, content))
    services.import_check(user, job=job)
    if job.status == ImportStatus.CHECKED:
        services.import_apply(user, job=job)
    return job


def test_the_wizard_pages_walk_from_upload_to_undo(logged_in, manager):
    client = logged_in(manager)
    start = client.get(reverse("core:import_upload") + "?model=clients.organisation")
    assert start.status_code == 200
    content = csv_bytes(
        [["Name", "INN", "Region", "Phone"], ["Ромашка", INNS[2], "77", "84951234567"]]
    )
    response = client.post(
        reverse("core:import_upload") + "?model=clients.organisation",
        {"file": upload("orgs.csv", content)},
    )
    job = ImportJob.objects.get(user=manager)
    assert response["Location"] == reverse("core:import_map", args=[job.pk])
    assert job.mapping == {"0": "name", "1": "inn", "2": "region", "3": "phone"}  # English headers
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Ромашка" in page.content.decode()
    response = client.post(
        response["Location"],
        {"col_0": "name", "col_1": "inn", "col_2": "region", "col_3": "phone", "save_as": "Мой"},
    )
    assert response["Location"] == reverse("core:import_detail", args=[job.pk])
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.created_count == 1
    assert ImportMapping.objects.get(user=manager, name="Мой").columns["INN"] == "inn"
    client.post(reverse("core:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Organisation.objects.filter(inn=INNS[2]).exists()
    assert client.get(reverse("core:import_list")).status_code == 200
    client.post(reverse("core:import_undo", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert not Organisation.objects.filter(inn=INNS[2]).exists()


def test_the_import_button_writes_the_row_count_as_numbers_are_written(logged_in, manager):
    """«Импортировать 12 000 строк», as the counts above it, not «12000»."""
    job = services.import_upload(
        manager, spec=ORGS, upload=upload("f.csv", csv_bytes([["ИНН"], [INNS[2]]]))
    )
    job.status, job.rows_total = ImportStatus.CHECKED, 12000
    job.save(update_fields=["status", "rows_total"])
    page = logged_in(manager).get(
        reverse("core:import_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert re.search(r"Импортировать 12\s000 строк<", page.content.decode())


def test_pages_need_the_import_permission_and_hide_other_peoples_imports(logged_in, world):
    colleague = world["colleague"]  # sales manager without the import permission
    client = logged_in(colleague)
    assert (
        client.get(reverse("core:import_upload") + "?model=clients.organisation").status_code == 403
    )
    job = imported(world["manager"], [["Наименование", "ИНН", "Регион"], ["Р", INNS[2], "77"]])
    assert client.get(reverse("core:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("core:import_undo", args=[job.pk])).status_code == 404


def test_an_xlsx_file_imports(manager):
    content = xlsx_bytes([["Наименование", "ИНН", "Регион"], ["Ромашка", int(INNS[2]), 77]])
    job = imported(manager, None, content=content, name="orgs.xlsx")
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    assert Organisation.objects.get(inn=INNS[2]).region.code == "77"


def test_a_rerun_writes_nothing_not_even_history(manager):
    rows = [["Наименование", "ИНН", "Регион"], ["Ромашка", INNS[2], "77"], ["Лютик", INNS[3], "77"]]
    imported(manager, rows)
    org = Organisation.objects.get(inn=INNS[2])
    events = org.events.count()
    again = imported(manager, rows)
    assert again.status == ImportStatus.DONE
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    org.refresh_from_db()
    assert org.version == 1
    assert org.events.count() == events
    assert again.row_changes.count() == 0


def test_updates_keep_prior_values_and_undo_restores_them(manager):
    imported(manager, [["Наименование", "ИНН", "Регион"], ["Ромашка", INNS[2], "77"]])
    job = imported(manager, [["Наименование", "ИНН"], ["Ромашка-Новая", INNS[2]]])
    org = Organisation.objects.get(inn=INNS[2])
    assert (org.name, org.version, job.updated_count) == ("Ромашка-Новая", 2, 1)
    services.import_undo(manager, job=job)
    org.refresh_from_db()
    assert org.name == "Ромашка"
    assert org.version == 3
    last = org.events.order_by("-pgh_id").first()
    assert last.pgh_context.metadata["channel"] == "import"


def test_undo_after_a_later_edit_is_refused_naming_the_row(manager):
    imported(
        manager,
        [["Наименование", "ИНН", "Регион"], ["Ромашка", INNS[2], "77"], ["Лютик", INNS[3], "77"]],
    )
    job = imported(manager, [["Наименование", "ИНН"], ["Лютик-2", INNS[3]], ["Ромашка-2", INNS[2]]])
    org = Organisation.objects.get(inn=INNS[2])
    record_update(manager, org, data={"notes": "позвонить"}, expected_version=org.version)
    with pytest.raises(RecordError) as refused:
        services.import_undo(manager, job=job)
    assert "3" in refused.value.message  # Ромашка-2 is row 3 of the second file
    assert "row 3" in refused.value.message or "строка 3" in refused.value.message
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Organisation.objects.get(inn=INNS[3]).name == "Лютик-2"  # nothing was undone


def test_a_row_outside_the_scope_rolls_the_whole_file_back(manager, world):
    foreign = world["foreign"]  # St Petersburg, another manager's: INN 7736050003
    before = Organisation.objects.count()
    job = imported(
        manager,
        [["Наименование", "ИНН", "Регион"], ["Новая", INNS[2], "77"], ["Взлом", foreign.inn, "78"]],
    )
    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["row"] == 3
    assert Organisation.objects.count() == before
    foreign.refresh_from_db()
    assert foreign.name != "Взлом"


def test_a_new_row_that_would_land_outside_the_scope_is_refused(manager, world):
    stranger = world["stranger"]
    before = Organisation.objects.count()
    job = imported(
        manager,
        [
            ["Наименование", "ИНН", "Регион", "Менеджер", "Подразделение"],
            ["Своя", INNS[3], "77", "", ""],
            ["Чужая", INNS[2], "78", stranger.username, "Регион Петербург"],
        ],
    )
    assert job.status == ImportStatus.FAILED, job.status
    assert [e["row"] for e in job.errors] == [3]
    assert Organisation.objects.count() == before


def test_a_read_only_field_cannot_be_mapped_or_changed(manager, world):
    FieldPolicy.objects.create(
        model="clients.organisation",
        field="notes",
        position=world["sales_position"],
        access=FieldAccess.READ_ONLY,
    )
    user = type(manager).objects.get(pk=manager.pk)
    assert "notes" not in ORGS.mappable_fields(user)
    job = services.import_upload(
        user,
        spec=ORGS,
        upload=upload(
            "f.csv", csv_bytes([["Наименование", "ИНН", "Заметки"], ["Р", INNS[2], "x"]])
        ),
    )
    assert "2" not in job.mapping.values()
    assert "notes" not in job.mapping.values()
    with pytest.raises(RecordError):
        services.import_set_mapping(user, job=job, mapping={"0": "name", "1": "inn", "2": "notes"})
    job.mapping = {"0": "name", "1": "inn", "2": "notes"}  # forged after the mapping step
    job.save()
    services.import_check(user, job=job)
    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["column"] == "Заметки"


def test_contacts_import_by_organisation_inn_and_email(manager, world):
    rows = [
        ["Организация", "Фамилия", "Имя", "E-mail", "Мобильный", "Согласие на рассылку"],
        [world["mine"].inn, "Петров", "Пётр", "Petrov@Example.com", "8 916 123 45 67", "да"],
        [world["mine"].inn, "Сидорова", "Анна", "", "+7 916 765 43 21", "нет"],
    ]
    job = imported(manager, rows, spec=CONTACTS)
    assert job.status == ImportStatus.DONE, job.errors
    petrov = Contact.objects.get(email="petrov@example.com")
    assert petrov.mailing_consent
    assert petrov.consent_changed_at
    assert petrov.mobile == "+79161234567"
    again = imported(manager, rows, spec=CONTACTS)
    assert again.unchanged_count == 2
    assert again.created_count == 0


def test_a_contact_for_an_organisation_out_of_scope_is_refused(manager, world):
    rows = [["Организация", "Фамилия"], [world["foreign"].inn, "Шпион"]]
    job = imported(manager, rows, spec=CONTACTS)
    assert job.status == ImportStatus.FAILED
    assert (job.errors[0]["row"], job.errors[0]["column"]) == (2, "Организация")


@override_settings()
def test_a_big_file_runs_in_celery_with_progress(logged_in, manager, monkeypatch):
    from crm.core.imports import tasks

    monkeypatch.setattr(services, "ASYNC_THRESHOLD", 50)
    inns = make_inns(120)
    rows = [["Наименование", "ИНН", "Регион"]] + [
        [f"Орг {i}", inn, "77"] for i, inn in enumerate(inns)
    ]
    job = services.import_upload(manager, spec=ORGS, upload=upload("big.csv", csv_bytes(rows)))
    services.import_check(manager, job=job)
    assert job.status == ImportStatus.CHECKING
    message = OutboxMessage.objects.get(task_name="core.import_check")
    assert message.queue == "long"
    client = logged_in(manager)
    progress = client.get(reverse("core:import_detail", args=[job.pk]))
    assert 'hx-trigger="every 2s"' in progress.content.decode()
    assert tasks.import_check.apply(kwargs=message.kwargs).get() == ImportStatus.CHECKED
    job.refresh_from_db()
    assert job.created_count == 120
    services.import_apply(manager, job=job)
    message = OutboxMessage.objects.get(task_name="core.import_apply")
    assert tasks.import_apply.apply(kwargs=message.kwargs).get() == ImportStatus.DONE
    assert tasks.import_apply.apply(kwargs=message.kwargs).get() == ImportStatus.DONE  # twice
    assert Organisation.objects.filter(inn__in=inns).count() == 120
    assert Notification.objects.filter(recipient=manager, event_type="import.finished").count() == 2
    done = client.get(reverse("core:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode()
