"""The quarterly report as XLSX: the prefilled template of the due quarter, uploaded back;
every cell a number (0 allowed), every problem listed with its row and column and nothing
saved; then the same submission as the form (outliers confirmed, stale files refused), and
the last uploaded file as a prefill source of the form."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from crm.core import sanity
from dealers import services, uploads
from dealers.models import ReportUpload, SalesReport
from tests.dealers.conftest import close, dealer_lines, full_grid, report_url

pytestmark = pytest.mark.django_db

D = Decimal


def template_url(quarter) -> str:
    return reverse("dealers:salesreport_template", args=[quarter.year, quarter.number])


def upload_url(quarter) -> str:
    return reverse("dealers:salesreport_upload", args=[quarter.year, quarter.number])


def template(client, quarter):
    response = client.get(template_url(quarter))
    assert response.status_code == 200
    assert response["Content-Type"] == uploads.CONTENT_TYPE
    return load_workbook(io.BytesIO(response.content))


def columns(book) -> dict:
    """{key: column index} of the hidden key row ("q-<group>", "a-<group>")."""
    keys = next(book[uploads.SHEET].iter_rows(uploads.KEY_ROW, uploads.KEY_ROW, values_only=True))
    return {key: index for index, key in enumerate(keys, start=1) if key}


def fill(book, w, oils=(10, 5000), fluids=(0, 0)) -> None:
    """Alpha's only outlet row: oils and fluids."""
    sheet, keys = book[uploads.SHEET], columns(book)
    row = uploads.FIRST_ROW
    assert sheet.cell(row, 1).value == w["alpha_outlet"].pk
    for group, (quantity, amount) in ((w["oils"], oils), (w["fluids"], fluids)):
        sheet.cell(row, keys[f"q-{group.pk}"]).value = quantity
        sheet.cell(row, keys[f"a-{group.pk}"]).value = amount


def as_file(book, name="report.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=uploads.CONTENT_TYPE)


def post_file(client, quarter, file, **extra):
    return client.post(upload_url(quarter), {"file": file, **extra})


def written() -> tuple:
    return (
        list(SalesReport.objects.values_list("pk", "version")),
        ReportUpload.objects.count(),
        dealer_lines(),
    )


def test_the_template_lists_the_outlets_and_groups_prefilled_from_drafts(cabinet_world, logged_in):
    from tests.dealers.conftest import draft

    w = cabinet_world
    draft(w, w["synthetic_oil"], 3, 1200)
    book = template(logged_in(w["dealer"]), w["quarter"])
    sheet, keys = book[uploads.SHEET], columns(book)
    assert set(keys) == {
        "outlet",
        f"q-{w['oils'].pk}",
        f"a-{w['oils'].pk}",
        f"q-{w['fluids'].pk}",
        f"a-{w['fluids'].pk}",
    }
    row = uploads.FIRST_ROW
    assert sheet.cell(row, 1).value == w["alpha_outlet"].pk
    assert sheet.cell(row, keys[f"q-{w['oils'].pk}"]).value == 3
    assert sheet.cell(row, keys[f"a-{w['oils'].pk}"]).value == 1200
    assert sheet.cell(row, keys[f"q-{w['fluids'].pk}"]).value is None  # the dealer fills it
    meta = {r[0]: r[1] for r in book[uploads.META].iter_rows(values_only=True)}
    assert meta == {"quarter": w["quarter"].slug, "organisation": w["alpha"].pk, "version": 0}


def test_an_uploaded_report_is_submitted_like_the_form(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    assert client.get(upload_url(w["quarter"])).status_code == 200
    book = template(client, w["quarter"])
    fill(book, w, oils=(10, "5 000,50"), fluids=(0, 0))
    response = post_file(client, w["quarter"], as_file(book))
    assert response.status_code == 302
    report = SalesReport.objects.get(organisation=w["alpha"])
    figures = {
        (c.outlet_id, c.product_group_id): (c.quantity, c.amount) for c in report.cells.all()
    }
    outlet = w["alpha_outlet"].pk
    assert figures == {
        (outlet, w["oils"].pk): (D(10), D("5000.50")),
        (outlet, w["fluids"].pk): (D(0), D(0)),
    }
    assert list(dealer_lines().values()) == [(D(10), D("5000.50"))]
    upload = ReportUpload.objects.get()
    assert (upload.submitted, upload.filename, upload.uploaded_by) == (
        True,
        "report.xlsx",
        w["dealer"],
    )


def test_empty_and_bad_cells_are_listed_by_row_and_column_and_nothing_is_saved(
    cabinet_world, logged_in
):
    w = cabinet_world
    client = logged_in(w["dealer"])
    book = template(client, w["quarter"])
    fill(book, w, oils=(None, "много"), fluids=(-1, 0))
    before = written()
    response = post_file(client, w["quarter"], as_file(book))
    assert response.status_code == 200
    errors = response.context["errors"]
    keys = columns(book)
    letters = {key: "ABCDEFGHIJ"[index - 1] for key, index in keys.items() if key != "outlet"}
    row = str(uploads.FIRST_ROW)
    for key in (f"q-{w['oils'].pk}", f"a-{w['oils'].pk}", f"q-{w['fluids'].pk}"):
        assert any(f" {row}, " in error and f" {letters[key]} " in error for error in errors), key
    assert len(errors) == 3
    assert 'data-testid="upload-errors"' in response.content.decode()
    assert written() == before


def test_zeros_are_numbers_too(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    book = template(client, w["quarter"])
    fill(book, w, oils=(0, 0), fluids=("0", "0,00"))
    assert post_file(client, w["quarter"], as_file(book)).status_code == 302
    assert SalesReport.objects.filter(organisation=w["alpha"]).exists()


def test_a_missing_row_or_column_is_named_and_nothing_is_saved(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    book = template(client, w["quarter"])
    fill(book, w)
    book[uploads.SHEET].delete_cols(columns(book)[f"a-{w['fluids'].pk}"])
    book[uploads.SHEET].delete_rows(uploads.FIRST_ROW)
    before = written()
    response = post_file(client, w["quarter"], as_file(book))
    assert response.status_code == 200
    assert len(response.context["errors"]) == 1  # the column first: rows are read after
    assert written() == before
    book = template(client, w["quarter"])
    book[uploads.SHEET].delete_rows(uploads.FIRST_ROW)
    response = post_file(client, w["quarter"], as_file(book))
    assert str(w["alpha_outlet"].pk) in response.context["errors"][0]
    assert written() == before


def test_a_row_of_another_dealers_outlet_is_refused(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    book = template(client, w["quarter"])
    fill(book, w)
    book[uploads.SHEET].cell(uploads.FIRST_ROW + 1, 1).value = w["zulu_outlet"].pk
    book[uploads.SHEET].cell(uploads.FIRST_ROW + 1, 3).value = 1
    before = written()
    response = post_file(client, w["quarter"], as_file(book))
    assert response.status_code == 200
    assert any(str(w["zulu_outlet"].pk) in error for error in response.context["errors"])
    assert written() == before


def test_a_file_that_is_not_a_workbook_or_not_this_quarters_template_is_refused(
    cabinet_world, logged_in
):
    w = cabinet_world
    client = logged_in(w["dealer"])
    before = written()
    junk = SimpleUploadedFile("report.xlsx", b"not a workbook")
    assert len(post_file(client, w["quarter"], junk).context["errors"]) == 1
    previous = w["quarter"].previous()
    book = template(client, previous)
    response = post_file(client, w["quarter"], as_file(book))
    assert w["quarter"].label in response.context["errors"][0]  # "download this quarter's"
    assert written() == before


def test_a_file_filled_before_someone_elses_submission_is_refused_and_kept_for_the_form(
    cabinet_world, logged_in
):
    w = cabinet_world
    client = logged_in(w["dealer"])
    book = template(client, w["quarter"])  # version 0
    assert client.post(report_url(w["quarter"]), full_grid(w)).status_code == 302
    fill(book, w, oils=(20, 9000))
    before_report = list(SalesReport.objects.values_list("pk", "version"))
    before_lines = dealer_lines()
    response = post_file(client, w["quarter"], as_file(book))
    assert response.status_code == 409
    assert 'data-testid="stale-warning"' in response.content.decode()
    assert list(SalesReport.objects.values_list("pk", "version")) == before_report
    assert dealer_lines() == before_lines
    upload = ReportUpload.objects.get()
    assert upload.submitted is False
    form = client.get(report_url(w["quarter"]))
    oils = f"{w['alpha_outlet'].pk}-{w['oils'].pk}"
    assert D(form.context["form"][f"q-{oils}"].value()) == D(20)
    assert form.context["grid"].upload == upload
    assert client.post(report_url(w["quarter"]), full_grid(w, oils=("20", "9000"), version=1))[
        "Location"
    ].startswith(reverse("dealers:home"))
    form = client.get(report_url(w["quarter"]))
    assert form.context["grid"].upload is None  # the report sent after the file wins


def test_outliers_are_flagged_and_sent_only_when_confirmed(cabinet_world, logged_in):
    w = cabinet_world
    previous = w["quarter"].previous()
    services.report_submit(
        w["dealer"],
        organisation=w["alpha"],
        quarter=previous,
        figures={
            (w["alpha_outlet"].pk, w["oils"].pk): (D(10), D(5000)),
            (w["alpha_outlet"].pk, w["fluids"].pk): (D(0), D(0)),
        },
        expected_version=0,
    )
    client = logged_in(w["dealer"])
    book = template(client, w["quarter"])
    fill(book, w, oils=(10, 500000))
    response = post_file(client, w["quarter"], as_file(book))
    assert response.status_code == 200
    warnings = response.context["value_warnings"]
    assert len(warnings) == 1
    assert not SalesReport.objects.filter(quarter_start=w["quarter"].start).exists()
    upload = ReportUpload.objects.get()
    unconfirmed = client.post(upload_url(w["quarter"]), {"upload": upload.pk})
    assert unconfirmed.status_code == 200
    assert not SalesReport.objects.filter(quarter_start=w["quarter"].start).exists()
    confirmed = client.post(
        upload_url(w["quarter"]),
        {"upload": upload.pk, sanity.CONFIRM_FIELD: sanity.digest(warnings)},
    )
    assert confirmed.status_code == 302
    report = SalesReport.objects.get(quarter_start=w["quarter"].start)
    assert report.cells.get(product_group=w["oils"]).amount == D(500000)


def test_another_dealers_upload_cannot_be_confirmed(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["zulu_dealer"])
    book = template(client, w["quarter"])
    sheet, row = book[uploads.SHEET], uploads.FIRST_ROW
    for column in range(3, sheet.max_column + 1):
        sheet.cell(row, column).value = 0
    post_file(client, w["quarter"], as_file(book))
    zulu_upload = ReportUpload.objects.get()
    before = written()
    response = logged_in(w["dealer"]).post(upload_url(w["quarter"]), {"upload": zulu_upload.pk})
    assert response.status_code == 404
    assert written() == before


def test_a_closed_quarter_takes_no_upload(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    book = template(client, w["quarter"])
    fill(book, w)
    close(w["quarter"])
    before = written()
    assert client.get(upload_url(w["quarter"])).status_code == 404
    assert client.get(template_url(w["quarter"])).status_code == 404
    assert post_file(client, w["quarter"], as_file(book)).status_code == 404
    assert written() == before


def test_sub_dealers_have_no_report_to_upload(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["subdealer"])
    assert client.get(template_url(w["quarter"])).status_code == 404
    assert client.get(upload_url(w["quarter"])).status_code == 404
