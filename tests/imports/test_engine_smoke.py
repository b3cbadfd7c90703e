"""First end-to-end import through the services: upload, check, import, re-run."""

import pytest
from django.db import connection

from crm.clients.models import Organisation
from crm.core.imports import engine, registry, services, tasks
from crm.core.imports.models import ImportStatus
from crm.core.models import OutboxMessage
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


def reltuples(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


def analysed_after_commit(model) -> None:
    """The ANALYZE the import queued (with its commit) for its table, run as the worker would."""
    queued = OutboxMessage.objects.filter(task_name="core.analyze_table").order_by("-pk")
    assert queued.exists()
    assert queued[0].kwargs == {"model": model._meta.label_lower}
    tasks.analyze_table.apply(kwargs=queued[0].kwargs).get()


def test_a_big_import_gives_the_planner_fresh_statistics(manager, world, monkeypatch):
    """Past ANALYZE_AFTER_ROWS written rows the table is analysed after the commit: the
    planner would otherwise count the new rows as none until autovacuum got there."""
    monkeypatch.setattr(engine, "ANALYZE_AFTER_ROWS", 2)
    rows = [
        ["Наименование", "ИНН", "Регион"],
        ["Ромашка", INNS[2], "77"],
        ["Лютик", INNS[3], "77"],
    ]
    before = reltuples(Organisation)
    job = run(manager, "клиенты.csv", csv_bytes(rows))
    assert reltuples(Organisation) == before  # a check writes nothing and analyses nothing
    assert not OutboxMessage.objects.filter(task_name="core.analyze_table").exists()
    services.import_apply(manager, job=job)
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    analysed_after_commit(Organisation)
    assert reltuples(Organisation) == Organisation.objects.count()


def test_undoing_a_big_import_gives_the_planner_fresh_statistics(manager, world, monkeypatch):
    """Undo deletes what the import created: the statistics forget those rows at once too."""
    monkeypatch.setattr(engine, "ANALYZE_AFTER_ROWS", 2)
    rows = [
        ["Наименование", "ИНН", "Регион"],
        ["Ромашка", INNS[2], "77"],
        ["Лютик", INNS[3], "77"],
    ]
    job = run(manager, "клиенты.csv", csv_bytes(rows))
    services.import_apply(manager, job=job)
    analysed_after_commit(Organisation)
    imported = Organisation.objects.count()
    assert reltuples(Organisation) == imported
    OutboxMessage.objects.all().delete()
    services.import_undo(manager, job=job)
    assert job.status == ImportStatus.UNDONE
    analysed_after_commit(Organisation)
    assert reltuples(Organisation) == Organisation.objects.count() == imported - 2


def test_a_length_limit_left_to_the_engine_is_checked_by_length():
    """A column whose only validator left is a length limit passes text within it at once
    and refuses longer text with the field's own message."""
    from django.core.exceptions import ValidationError
    from django.core.validators import MaxLengthValidator, validate_email

    field = Organisation._meta.get_field("kpp")
    column = engine.Column(0, "КПП", field, widget=None, validators=[MaxLengthValidator(5)])
    assert column.plain_limit == 5
    assert engine.Run.finish(None, column, "abcde") == "abcde"
    with pytest.raises(ValidationError) as refused:
        engine.Run.finish(None, column, "abcdef")
    assert "5" in refused.value.messages[0]
    assert refused.value.messages[0].count("6") == 1  # "... (it has 6)"

    other = engine.Column(0, "E-mail", field, None, [MaxLengthValidator(50), validate_email])
    assert other.plain_limit is None  # every validator runs
    with pytest.raises(ValidationError):
        engine.Run.finish(None, other, "not an address")


def test_the_import_checks_e_mails_as_django_does_with_compiled_patterns():
    """The engine swaps Django's EmailValidator (lazy patterns) for one with the same
    patterns compiled: the same addresses pass and fail, with the same message."""
    from django.core.exceptions import ValidationError
    from django.core.validators import EmailValidator, validate_email

    from crm.clients.models import Organisation
    from crm.core.imports import engine
    from crm.core.imports.widgets import TextWidget

    field = Organisation._meta.get_field("email")
    (checker,) = [
        v for v in engine._validators_left(field, TextWidget()) if isinstance(v, EmailValidator)
    ]
    assert type(checker) is not EmailValidator
    addresses = [
        "info@romashka.ru",
        "Иван@пример.рф",
        "a@localhost",
        "user@[127.0.0.1]",
        "user@[999.1.1.1]",
        "no-at-sign",
        "two@@signs.ru",
        "trailing@dot.",
        "x" * 321 + "@a.ru",
    ]
    for address in addresses:
        outcomes = []
        for check in (validate_email, checker):
            try:
                check(address)
                outcomes.append("ok")
            except ValidationError as error:
                outcomes.append(error.messages)
        assert outcomes[0] == outcomes[1], address
