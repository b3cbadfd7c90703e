"""The XLSX upload in the cabinet: checked first (every bad row and column, nothing written),
then all rows or none; the same file again changes nothing; another's warehouse is unknown."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.core.imports.models import ImportJob, ImportStatus
from crm.stock.choices import StockSource
from crm.stock.models import StockBalance
from tests.stock.conftest import XLSX, quantities, snapshot, xlsx

pytestmark = pytest.mark.django_db


def upload(client, file):
    return client.post(reverse("dealers:stock_upload"), {"file": file})


def last_job(user) -> ImportJob:
    return ImportJob.objects.filter(user=user).latest("pk")


def confirm(client, job):
    return client.post(reverse("dealers:stock_upload_confirm", args=[job.pk]))


def good_rows(w):
    return [
        ("Основной", w["synthetic_oil"].sku, 25),
        ("основной", w["oil"].sku, "3,5"),  # any case; a decimal comma
        ("Казань", w["antifreeze"].sku, 0),
    ]


def test_a_good_file_is_checked_then_saved(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    before = snapshot()
    response = upload(client, xlsx(good_rows(w)))
    job = last_job(w["dealer"])
    assert response.status_code == 302
    assert response["Location"] == reverse("dealers:stock_upload_detail", args=[job.pk])
    assert job.status == ImportStatus.CHECKED
    assert (job.created_count, job.updated_count, job.unchanged_count) == (2, 1, 0)
    assert snapshot() == before  # the check writes nothing
    page = client.get(response["Location"])
    assert 'data-testid="upload-confirm"' in page.content.decode()

    assert confirm(client, job).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert quantities(w["alpha_oil"]) == [Decimal(25)]
    oil = StockBalance.objects.get(warehouse=w["alpha_main"], product=w["oil"])
    assert (oil.quantity, oil.source, oil.updated_by) == (
        Decimal("3.5"),
        StockSource.UPLOADED,
        w["dealer"],
    )
    updated = StockBalance.objects.get(pk=w["alpha_oil"].pk)
    assert (updated.source, updated.updated_by, updated.version) == (
        StockSource.UPLOADED,
        w["dealer"],
        2,
    )
    event = updated.events.order_by("-pgh_id").select_related("pgh_context").first()
    assert event.pgh_context.metadata["channel"] == "import"


def test_the_same_file_again_changes_nothing(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    content = xlsx(good_rows(w)).read()
    upload(client, SimpleUploadedFile("stock.xlsx", content, content_type=XLSX))
    confirm(client, last_job(w["dealer"]))
    before = snapshot()
    events = StockBalance.events.rel.related_model.objects.count()
    upload(client, SimpleUploadedFile("stock.xlsx", content, content_type=XLSX))
    job = last_job(w["dealer"])
    assert job.status == ImportStatus.CHECKED
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 3)
    page = client.get(reverse("dealers:stock_upload_detail", args=[job.pk]))
    assert 'data-testid="upload-nothing"' in page.content.decode()
    confirm(client, job)
    assert snapshot() == before
    assert StockBalance.events.rel.related_model.objects.count() == events


def test_a_bad_file_lists_every_bad_row_and_column_and_saves_nothing(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    rows = [
        ("Основной", w["synthetic_oil"].sku, 25),  # row 2: fine
        ("Зулу-склад", w["oil"].sku, 1),  # row 3: another dealer's warehouse
        ("Суб-склад", w["oil"].sku, 1),  # row 4: its sub-dealer's: not its own
        ("Основной", "NO-SUCH-SKU", 1),  # row 5: unknown article
        ("Основной", w["oil"].sku, -2),  # row 6: negative
        ("Казань", w["oil"].sku, "много"),  # row 7: not a number
        ("Основной", w["synthetic_oil"].sku, 3),  # row 8: the same balance as row 2
    ]
    before = snapshot()
    upload(client, xlsx(rows))
    job = last_job(w["dealer"])
    assert job.status == ImportStatus.FAILED
    found = {(error["row"], error["column"]) for error in job.errors}
    assert {
        (3, "Склад"),
        (4, "Склад"),
        (5, "Артикул"),
        (6, "Количество"),
        (7, "Количество"),
    } <= found
    assert any(error["row"] == 8 for error in job.errors)
    assert 2 not in {error["row"] for error in job.errors}
    page = client.get(reverse("dealers:stock_upload_detail", args=[job.pk]))
    assert 'data-testid="error-list"' in page.content.decode()
    assert 'data-testid="upload-confirm"' not in page.content.decode()
    assert confirm(client, job).status_code == 302  # refused: only a checked file imports
    assert snapshot() == before


def test_errors_are_in_the_users_language(stock_world, logged_in):
    w = stock_world
    w["dealer"].language = "en"
    w["dealer"].save(update_fields=["language"])
    client = logged_in(w["dealer"])
    upload(client, xlsx([("Основной", "NO-SUCH-SKU", 1)]))
    (error,) = last_job(w["dealer"]).errors
    assert "NO-SUCH-SKU" in error["message"]
    assert error["message"].startswith("No ")  # the English message (msgid)


def test_a_file_without_the_columns_is_refused_before_any_check(stock_world, logged_in):
    w = stock_world
    client = logged_in(w["dealer"])
    response = upload(client, xlsx([("a", "b")], header=("Что-то", "Другое")))
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.filter(user=w["dealer"]).exists()


def test_only_xlsx_files_of_at_most_20_mb_are_taken(stock_world, logged_in, settings):
    w = stock_world
    client = logged_in(w["dealer"])
    csv = SimpleUploadedFile("stock.csv", b"a;b;c\n", content_type="text/csv")
    assert upload(client, csv).status_code == 400
    big = SimpleUploadedFile("big.xlsx", b"PK" + b"0" * (20 * 1024 * 1024), content_type=XLSX)
    response = upload(client, big)
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.filter(user=w["dealer"]).exists()


def test_another_users_upload_does_not_exist(stock_world, logged_in):
    w = stock_world
    upload(logged_in(w["dealer"]), xlsx(good_rows(w)))
    job = last_job(w["dealer"])
    other = logged_in(w["zulu_dealer"])
    before = snapshot()
    assert other.get(reverse("dealers:stock_upload_detail", args=[job.pk])).status_code == 404
    assert confirm(other, job).status_code == 404
    assert snapshot() == before
