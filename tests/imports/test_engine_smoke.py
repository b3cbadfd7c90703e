"""First end-to-end import through the services: upload, check, import, re-run."""

import pytest

from crm.clients.models import Organisation
from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from tests.imports.conftest import INNS, csv_bytes, upload

pytestmark = pytest.mark.django_db


def run(user, name, content, model="clients.organisation"):
    spec = registry.get(model)
    job = services.import_upload(user, spec=spec, upload=upload(name, content))
    services.import_check(user, job=job)
    return job


def test_a_cp1251_semicolon_file_imports_and_a_rerun_changes_nothing(manager, world):
    rows = [
        ["Наименование", "ИНН", "КПП", "Регион", "Телефон"],
        ["Ромашка", INNS[2], "770201001", "77", "8 (495) 123-45-67"],
        ["Лютик", INNS[3], "", "Москва", "+7 916 000 11 22"],
    ]
    content = csv_bytes(rows, encoding="cp1251")
    job = run(manager, "клиенты.csv", content)
    assert job.encoding == "cp1251"
    assert job.delimiter == ";"
    assert job.status == ImportStatus.CHECKED, job.errors
    assert job.created_count == 2
    assert not Organisation.objects.filter(inn=INNS[2]).exists()
    services.import_apply(manager, job=job)
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    org = Organisation.objects.get(inn=INNS[2])
    assert org.phone == "+74951234567"
    assert org.region == world["regions"]["77"]
    assert org.owner == manager
    again = run(manager, "клиенты.csv", content)
    assert again.status == ImportStatus.CHECKED
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
