"""Malformed files: a clear message naming the row and column (or the file's problem), zero
rows written, no server error."""

import io
import os
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.clients.models import Organisation
from crm.core.imports import registry, services, widgets
from crm.core.imports.models import ImportJob, ImportStatus
from crm.core.records import RecordError
from tests.imports.conftest import BAD_INN, INNS, csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

ORGS = registry.get("clients.organisation")
HEADER = ["Наименование", "ИНН", "КПП", "Регион"]


def check(user, rows=None, *, content=None, name="file.csv", **options):
    content = content if content is not None else csv_bytes(rows, **options)
    job = services.import_upload(user, spec=ORGS, upload=upload(name, content))
    services.import_check(user, job=job)
    return job


def assert_nothing_written(before):
    assert Organisation.objects.count() == before


def only_error(job):
    assert job.status == ImportStatus.FAILED, job.status
    return job.errors


def test_cp1251_with_semicolons_and_a_bom_file_both_read(manager):
    cp = check(manager, [HEADER, ["Ромашка", INNS[2], "", "77"]], encoding="cp1251")
    bom = check(manager, [HEADER, ["Ромашка", INNS[2], "", "77"]], bom=True, delimiter=",")
    assert (cp.encoding, cp.delimiter, cp.status) == ("cp1251", ";", ImportStatus.CHECKED)
    assert (bom.encoding, bom.delimiter, bom.status) == ("utf-8-sig", ",", ImportStatus.CHECKED)
    assert bom.headers[0] == "Наименование"  # the BOM is not part of the first header


def test_a_wrong_inn_checksum_names_row_and_column_and_writes_nothing(manager):
    before = Organisation.objects.count()
    job = check(manager, [HEADER, ["Ромашка", INNS[2], "", "77"], ["Лютик", BAD_INN, "", "77"]])
    errors = only_error(job)
    assert errors == [
        {
            "row": 3,
            "column": "ИНН",
            "message": "Контрольные цифры ИНН не совпадают: проверьте, нет ли опечатки.",
        }
    ] or (errors[0]["row"], errors[0]["column"]) == (3, "ИНН")
    assert_nothing_written(before)


def test_missing_required_values_are_named(manager):
    job = check(manager, [HEADER, ["", INNS[2], "", "77"]])
    errors = only_error(job)
    assert (errors[0]["row"], errors[0]["column"]) == (2, "Наименование")


def test_duplicates_inside_the_file_name_both_rows(manager):
    before = Organisation.objects.count()
    job = check(
        manager,
        [
            HEADER,
            ["Ромашка", INNS[2], "", "77"],
            ["Лютик", "", "", "77"],
            ["Ромашка-2", INNS[2], "", "77"],
        ],
    )
    errors = only_error(job)
    rows = {(e["row"], e["column"]) for e in errors}
    assert (3, "ИНН") in rows  # no key at all
    duplicate = next(e for e in errors if e["row"] == 4)
    assert "2" in duplicate["message"]
    assert duplicate["column"].startswith("ИНН")
    assert_nothing_written(before)


def test_a_formula_in_a_text_cell_is_refused(manager):
    job = check(manager, [HEADER, ['=HYPERLINK("http://x","y")', INNS[2], "", "77"]])
    errors = only_error(job)
    assert (errors[0]["row"], errors[0]["column"]) == (2, "Наименование")
    assert "=" in errors[0]["message"]


def test_a_formula_cell_in_an_xlsx_is_refused_naming_the_cell(manager):
    with pytest.raises(RecordError) as refused:
        check(manager, content=xlsx_bytes([HEADER, ["Ромашка", "=1+1", "", "77"]]), name="f.xlsx")
    assert "2" in refused.value.message
    assert "B" in refused.value.message
    assert not ImportJob.objects.exists()


def test_a_renamed_non_xlsx_is_refused(manager):
    with pytest.raises(RecordError) as refused:
        check(manager, content=csv_bytes([HEADER]), name="table.xlsx")
    assert "xlsx" in refused.value.message.lower()


def test_nul_bytes_are_refused(manager):
    with pytest.raises(RecordError) as refused:
        check(manager, content=b"name;inn\r\nabc\x00def;1\r\n")
    assert "NUL" in refused.value.message


def test_a_zip_bomb_is_refused_before_it_is_opened(manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(RecordError) as refused:
        check(manager, content=buffer.getvalue(), name="bomb.xlsx")
    assert "zip" in refused.value.message.lower()


def test_a_20_mb_junk_file_and_a_larger_one_are_refused(manager):
    junk = os.urandom(20 * 1024 * 1024 - 10)
    with pytest.raises(RecordError):
        check(manager, content=junk, name="junk.csv")
    with pytest.raises(RecordError) as refused:
        check(manager, content=b"a;b\r\n" * (4 * 1024 * 1024 + 10), name="big.csv")
    assert "20" in refused.value.message


def test_more_than_100000_rows_are_refused(manager, settings):
    content = b"name;inn\r\n" + b"x;1\r\n" * 100_001
    with pytest.raises(RecordError) as refused:
        check(manager, content=content)
    assert "100" in refused.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1 234,56", "1234.56"), ("1\u00a0234,56", "1234.56"), ("1234.5", "1234.5"), ("-7", "-7")],
)
def test_russian_numbers_are_read(text, expected):
    assert str(widgets.parse_number(text)) == expected


@pytest.mark.parametrize("text", ["12,34,56", "1.234.567,8", "abc", "1,2.3"])
def test_ambiguous_numbers_are_refused(text):
    with pytest.raises(ValidationError) as refused:
        widgets.parse_number(text)
    assert "1 234,56" in str(refused.value.messages[0])


@pytest.mark.parametrize("text", ["31.02.2026", "2026-13-01", "32.01.2026", "вчера"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValidationError) as refused:
        widgets.parse_date(text)
    assert text[:5] in refused.value.messages[0]


def test_dates_in_both_notations_are_read():
    assert str(widgets.parse_date("31.12.2026")) == "2026-12-31"
    assert str(widgets.parse_date("2026-12-31")) == "2026-12-31"


def test_numbers_and_dates_in_a_file_name_row_and_column(make_user):
    """End to end through a spec of the tests' own (organisations and contacts have no number
    or date fields; products and outlets will)."""
    from crm.clients.models import Interaction
    from crm.core.imports.registry import ImportSpec, NaturalKey
    from crm.core.imports.resources import SpecResource

    class InteractionResource(SpecResource):
        class Meta:
            model = Interaction
            fields = ("subject", "next_step", "next_step_date")

    spec = registry.register(
        ImportSpec(
            model=Interaction,
            resource_class=InteractionResource,
            keys=(NaturalKey("subject", ("subject",)),),
        )
    )
    try:
        manager = make_user(username="su", is_superuser=True)
        content = csv_bytes(
            [["subject", "next_step", "next_step_date"], ["Звонок", "Перезвонить", "31.02.2026"]]
        )
        job = services.import_upload(manager, spec=spec, upload=upload("i.csv", content))
        services.import_check(manager, job=job)
        assert job.status == ImportStatus.FAILED
        assert (job.errors[0]["row"], job.errors[0]["column"]) == (2, "next_step_date")
        assert "31.02.2026" in job.errors[0]["message"]
    finally:
        registry.unregister(spec.label)


def test_a_bad_upload_through_the_page_is_a_form_error_not_a_500(logged_in, manager):
    client = logged_in(manager)
    url = reverse("core:import_upload") + "?model=clients.organisation"
    response = client.post(url, {"file": upload("x.xlsx", b"not a workbook")})
    assert response.status_code == 400
    assert "xlsx" in response.content.decode().lower()
