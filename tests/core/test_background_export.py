"""Exports above the threshold run as a Celery task: a progress page, then a file in Downloads
and a notification; the quota is charged once and the log gets the file's hash."""

import csv
import hashlib
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse

from crm.clients.models import Organisation
from crm.core.models import ExportLog, ExportQuotaUsage, ExportStatus, OutboxMessage
from crm.core.tasks import export_list
from crm.notifications.models import Download, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter(make_user):
    user = make_user(username="exporter", role="head_of_sales")
    user.user_permissions.add(Permission.objects.get(codename="export_organisation"))
    user.export_daily_rows = 1000
    user.save(update_fields=["export_daily_rows"])
    return user


@pytest.fixture
def organisations():
    return Organisation.objects.bulk_create(
        Organisation(name=f"Организация {n:02d}", legal_name="=HYPERLINK(1)" if n == 3 else "")
        for n in range(12)
    )


@override_settings(EXPORT_ASYNC_THRESHOLD=5)
def test_a_large_export_runs_in_the_background_and_lands_in_downloads(
    client, exporter, organisations
):
    client.force_login(exporter)
    url = reverse("clients:organisation_list")
    response = client.get(url, {"export": "csv", "columns": ["name", "legal_name"]})

    assert response.status_code == 302, response.content[:2000]
    entry = ExportLog.objects.get(user=exporter)
    assert response["Location"] == reverse("core:export_progress", args=[entry.pk])
    assert entry.status == ExportStatus.QUEUED
    assert entry.rows == 12
    message = OutboxMessage.objects.get(task_name="core.export_list")
    assert message.queue == "long"

    progress = client.get(response["Location"])
    assert progress.status_code == 200
    assert 'hx-trigger="every 2s"' in progress.content.decode()

    assert export_list.apply(kwargs=message.kwargs).get() == 12

    entry.refresh_from_db()
    download = Download.objects.get(owner=exporter)
    content = download.file.read()
    assert entry.status == ExportStatus.DONE
    assert entry.sha256 == hashlib.sha256(content).hexdigest()
    assert entry.rows_done == 12
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 13
    assert ["Организация 03", "'=HYPERLINK(1)"] in rows
    assert Notification.objects.filter(recipient=exporter, event_type="download.ready").exists()
    assert ExportQuotaUsage.objects.get(user=exporter).rows == 12
    done = client.get(reverse("core:export_progress", args=[entry.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode()

    # Delivered twice (acks_late): the finished export is not built again.
    assert export_list.apply(kwargs=message.kwargs).get() == 12
    assert Download.objects.filter(owner=exporter).count() == 1


def test_someone_elses_export_progress_is_not_found(client, exporter, make_user):
    entry = ExportLog.objects.create(
        user=exporter, model="clients.organisation", file_format="csv", rows=5, status="queued"
    )
    client.force_login(make_user(username="other", role="sales_manager"))
    assert client.get(reverse("core:export_progress", args=[entry.pk])).status_code == 404
