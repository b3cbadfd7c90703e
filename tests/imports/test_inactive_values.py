"""Dictionary values switched off (is_active = False) in an import, as in a form: a record
keeps the value it has, but no row gives one to a record that does not have it."""

import pytest

from crm.clients.models import Organisation
from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from crm.core.records import RecordError
from crm.refs.models import ClientType
from tests.imports.conftest import INNS, csv_bytes, upload

pytestmark = pytest.mark.django_db

HEADER = ["Наименование", "ИНН", "Регион", "Тип клиента"]


def check(user, rows):
    spec = registry.get("clients.organisation")
    job = services.import_upload(user, spec=spec, upload=upload("клиенты.csv", csv_bytes(rows)))
    assert job.mapping[str(HEADER.index("Тип клиента"))] == "client_type"  # by its header
    services.import_check(user, job=job)
    job.refresh_from_db()
    return job


@pytest.fixture
def types(db):
    return {
        "retail": ClientType.objects.create(name="Розница"),
        "old": ClientType.objects.create(name="Оптовик-архив", is_active=False),
    }


def test_a_new_record_is_refused_a_switched_off_value_naming_row_and_column(manager, types):
    job = check(
        manager,
        [HEADER, ["Ромашка", INNS[2], "77", "Розница"], ["Лютик", INNS[3], "77", "Оптовик-архив"]],
    )
    assert job.error_count == 1, job.errors
    error = job.errors[0]
    assert error["row"] == 3
    assert error["column"] == "Тип клиента"
    assert "Оптовик-архив" in error["message"]
    with pytest.raises(RecordError):
        services.import_apply(manager, job=job)
    assert not Organisation.objects.filter(inn__in=INNS[2:4]).exists()


def test_a_record_keeps_its_switched_off_value_but_gets_no_new_one(manager, world, types):
    org = Organisation.objects.create(
        name="Ромашка",
        inn=INNS[2],
        region=world["regions"]["77"],
        owner=manager,
        client_type=types["old"],
    )
    keep = check(manager, [HEADER, ["Ромашка", INNS[2], "77", "Оптовик-архив"]])
    assert keep.error_count == 0, keep.errors
    assert keep.unchanged_count == 1

    org.client_type = types["retail"]
    org.save()
    back = check(manager, [HEADER, ["Ромашка", INNS[2], "77", "Оптовик-архив"]])
    assert back.error_count == 1, back.errors
    assert back.errors[0]["column"] == "Тип клиента"
    with pytest.raises(RecordError):
        services.import_apply(manager, job=back)
    org.refresh_from_db()
    assert org.client_type == types["retail"]


def test_a_name_shared_with_a_switched_off_value_means_the_one_in_use(manager, types):
    twin = ClientType.objects.create(name="Розница", is_active=False)
    job = check(manager, [HEADER, ["Ромашка", INNS[2], "77", "Розница"]])
    assert job.error_count == 0, job.errors
    services.import_apply(manager, job=job)
    assert job.status == ImportStatus.DONE, job.errors
    org = Organisation.objects.get(inn=INNS[2])
    assert org.client_type == types["retail"] != twin
