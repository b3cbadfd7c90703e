"""The import check warns about new rows that look like organisations already in the CRM (same
INN with another KPP, phone, e-mail, a similar name), without stopping the import, and only
about organisations the user may see."""

import pytest
from django.utils import translation

from crm.clients.models import Contact, Organisation
from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from tests.imports.conftest import csv_bytes, make_inns, upload

pytestmark = pytest.mark.django_db

HEADER = ["Наименование", "ИНН", "КПП", "Телефон", "E-mail"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _check(user, rows):
    user.language = "en"  # the check writes its messages in the user's language
    user.save(update_fields=["language"])
    job = services.import_upload(
        user,
        spec=registry.get("clients.organisation"),
        upload=upload("dups.csv", csv_bytes([HEADER, *rows], encoding="cp1251")),
    )
    services.import_check(user, job=job)
    job.refresh_from_db()
    return job


def test_each_kind_of_likeness_is_warned_and_the_import_still_goes_through(manager):
    Organisation.objects.create(
        name="ООО «Ромашка»", inn="7707083893", kpp="773601001", owner=manager
    )
    Organisation.objects.create(name="Лютик", phone="+74951112233", owner=manager)
    Organisation.objects.create(name="Василёк", email="info@vasilek.example", owner=manager)
    holder = Organisation.objects.create(name="Одуванчик", owner=manager)
    Contact.objects.create(organisation=holder, last_name="Петров", mobile="+79161234567")
    fresh = make_inns(4, seed=99)
    job = _check(
        manager,
        [
            ["Ромашка, ООО", "7707083893", "773601002", "", ""],  # same INN, another KPP
            ["Лютик-2", fresh[0], "", "8 (495) 111-22-33", ""],
            ["Василёк-Трейд", fresh[1], "", "", "INFO@vasilek.example"],
            ["Совсем другое", fresh[2], "", "+7 916 123-45-67", ""],
            ["Ничего общего", fresh[3], "", "", ""],
        ],
    )
    assert job.status == ImportStatus.CHECKED, job.errors  # warnings never block
    by_row = {}
    for warning in job.warnings:
        by_row.setdefault(warning["row"], []).append(warning["message"])
    assert "same INN" in " ".join(by_row[2])
    assert "similar name" in " ".join(by_row[2])
    assert "same phone" in " ".join(by_row[3])
    assert "same e-mail" in " ".join(by_row[4])
    assert "same phone as a contact" in " ".join(by_row[5])
    assert 6 not in by_row
    services.import_apply(manager, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.created_count == 5


def test_likenesses_past_the_first_look_up_batch_are_found(manager):
    """Phones and e-mails are looked up LOOKUP_BATCH at a time: a match in a later batch is
    warned like one in the first."""
    from crm.clients.duplicates import LOOKUP_BATCH

    Organisation.objects.create(name="Лютик", phone="+74951112233", owner=manager)
    Organisation.objects.create(name="Василёк", email="info@vasilek.example", owner=manager)
    holder = Organisation.objects.create(name="Одуванчик", owner=manager)
    Contact.objects.create(organisation=holder, last_name="Петров", mobile="+79161234567")
    count = 2 * LOOKUP_BATCH + 5
    inns = make_inns(count, seed=97)
    rows = [
        [f"Новая {n}", inn, "", f"+7 903 {n:03d}-{n % 100:02d}-00", f"new{n}@example.com"]
        for n, inn in enumerate(inns)
    ]
    rows[-3][3] = "8 (495) 111-22-33"
    rows[-2][4] = "INFO@vasilek.example"
    rows[-1][3] = "+7 916 123-45-67"
    job = _check(manager, rows)
    by_row = {}
    for warning in job.warnings:
        by_row.setdefault(warning["row"], []).append(warning["message"])
    last = count + 1  # the header is row 1
    assert sorted(by_row) == [last - 2, last - 1, last]
    assert "same phone" in " ".join(by_row[last - 2])
    assert "same e-mail" in " ".join(by_row[last - 1])
    assert "same phone as a contact" in " ".join(by_row[last])


def test_organisations_out_of_scope_are_not_mentioned(manager, make_user):
    stranger = make_user(username="stranger2", role="sales_manager")
    Organisation.objects.create(name="Чужая", phone="+74957776655", owner=stranger)
    job = _check(manager, [["Своя", make_inns(1, seed=98)[0], "", "+7 495 777-66-55", ""]])
    assert job.warnings == []
    assert job.warning_count == 0


def test_new_contacts_with_a_known_phone_or_e_mail_are_warned(manager, world):
    other = Organisation.objects.create(name="Другая", inn=make_inns(1, seed=5)[0], owner=manager)
    Contact.objects.create(
        organisation=other, last_name="Петров", first_name="Пётр", mobile="+79161234567"
    )
    Contact.objects.create(organisation=other, last_name="Сидоров", email="sid@example.com")
    hidden = world["foreign"]  # St Petersburg: the manager cannot see its contacts
    Contact.objects.create(organisation=hidden, last_name="Чужой", email="alien@example.com")
    manager.language = "en"
    manager.save(update_fields=["language"])
    mine = world["mine"]
    rows = [
        ["Организация", "Фамилия", "Мобильный", "E-mail"],
        [mine.inn, "Петров", "8 916 123-45-67", ""],
        [mine.inn, "Сидоров", "", "SID@example.com"],
        [mine.inn, "Новиков", "", "alien@example.com"],
    ]
    job = services.import_upload(
        manager,
        spec=registry.get("clients.contact"),
        upload=upload("contacts.csv", csv_bytes(rows)),
    )
    services.import_check(manager, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.errors
    found = {(w["row"], w["column"]): w["message"] for w in job.warnings}
    assert "same phone" in found[(2, "Мобильный")]
    assert "Петров" in found[(2, "Мобильный")]
    assert "same e-mail" in found[(3, "E-mail")]
    assert not any(row == 4 for row, _column in found)  # a contact they cannot see: silent
