"""Exports: a permission of their own, a daily row quota decided by one atomic statement, every
export logged (refused ones too), and cells a spreadsheet would run as formulas escaped."""

import csv
import io
import re
import threading

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from crm.clients.models import Organisation
from crm.core import exporting
from crm.core.models import ExportLog, ExportQuotaUsage, ExportStatus
from tests.factories import UserFactory

LIST = "clients:organisation_list"
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def exporter(quota=None, **fields):
    """An analyst (view and export of organisations, company-wide) with a daily quota."""
    return UserFactory(role="analyst", export_daily_rows=quota, **fields)


def make_orgs(count, prefix="Орг"):
    Organisation.objects.bulk_create(Organisation(name=f"{prefix}-{n:03d}") for n in range(count))


def export(client, file_format="csv", **params):
    return client.get(reverse(LIST), {"export": file_format, **params}, follow=False)


@pytest.mark.django_db
def test_an_export_over_the_quota_is_refused_in_russian_and_logged(logged_in):
    user = exporter(quota=5)
    make_orgs(6)
    client = logged_in(user)
    response = export(client)
    assert response.status_code == 302
    page = client.get(response["Location"])
    texts = [str(message) for message in page.context["messages"]]
    assert texts, "the refusal must be explained"
    assert any("6" in text and "5" in text for text in texts), texts
    assert all(CYRILLIC.search(text) for text in texts), (
        f"a Russian-speaking user gets an untranslated refusal: {texts}"
    )
    entry = ExportLog.objects.get(user=user)
    assert entry.status == ExportStatus.REFUSED
    assert entry.rows == 6
    assert exporting.quota_used_today(user) == 0


@pytest.mark.django_db
def test_an_export_exactly_at_the_quota_passes(logged_in):
    user = exporter(quota=5)
    make_orgs(5)
    client = logged_in(user)
    response = export(client)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.count("Орг-") == 5
    entry = ExportLog.objects.get(user=user)
    assert entry.status == ExportStatus.DONE
    assert entry.rows == 5
    assert entry.sha256
    assert exporting.quota_used_today(user) == 5
    # The quota is spent: one more row is refused.
    again = export(client, q="Орг-001")
    assert again.status_code == 302
    assert ExportLog.objects.filter(user=user, status=ExportStatus.REFUSED).count() == 1


@pytest.mark.django_db
def test_export_needs_its_own_permission(logged_in):
    manager = UserFactory(role="sales_manager")  # view and change, no export
    make_orgs(2)
    client = logged_in(manager)
    assert client.get(reverse(LIST)).status_code == 200
    assert export(client, "csv").status_code == 403
    assert export(client, "xlsx").status_code == 403
    assert not ExportLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_parallel_exports_cannot_both_slip_under_the_quota():
    user = exporter(quota=5)
    for _round in range(5):
        ExportQuotaUsage.objects.all().delete()
        barrier = threading.Barrier(2)
        outcomes = []

        def reserve(barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                exporting.quota_reserve(user, 3)
                outcomes.append("ok")
            except exporting.QuotaExceeded:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=reserve) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["ok", "refused"]
        assert exporting.quota_used_today(user) == 3


@pytest.mark.django_db(transaction=True)
def test_two_parallel_exports_through_the_list_view_one_refused_both_logged(live_server):
    import requests

    user = exporter(quota=5)
    Permission.objects.get(codename="export_organisation")  # the analyst has it by role
    make_orgs(3)
    sessions = []
    for _ in range(2):
        session = requests.Session()
        login = session.get(f"{live_server.url}/login/")
        token = (
            session.cookies.get("csrftoken")
            or re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
        )
        session.post(
            f"{live_server.url}/login/",
            {
                "username": user.username,
                "password": "correct-horse-battery-9",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{live_server.url}/login/"},
        )
        sessions.append(session)
    barrier = threading.Barrier(2)
    statuses = []

    def run(session):
        barrier.wait(timeout=10)
        response = session.get(
            f"{live_server.url}{reverse(LIST)}?export=csv", allow_redirects=False, timeout=30
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 302]
    logged = sorted(ExportLog.objects.filter(user=user).values_list("status", flat=True))
    assert logged == sorted([ExportStatus.DONE, ExportStatus.REFUSED])
    assert exporting.quota_used_today(user) == 3


DANGEROUS = ["=HYPERLINK(1)", "+7 cmd", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture
def dangerous_names(db):
    for n, start in enumerate(DANGEROUS):
        Organisation.objects.create(name=f"{start}-{n}")


def _risky(value):
    return isinstance(value, str) and value.startswith(tuple("=+-@\t\r"))


@pytest.mark.django_db
def test_csv_export_escapes_formula_cells(logged_in, dangerous_names):
    response = export(logged_in(exporter()), "csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert len(names) == len(DANGEROUS)
    assert not [name for name in names if _risky(name)], names
    assert all(name.startswith("'") for name in names)


@pytest.mark.django_db
def test_xlsx_export_escapes_formula_cells(logged_in, dangerous_names):
    response = export(logged_in(exporter()), "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert len(names) == len(DANGEROUS)
    assert not [name for name in names if _risky(name)], names
    assert all(row[0].data_type != "f" for row in sheet.iter_rows(min_row=2))
