"""Background exports: rebuild the list as its user, write the file, leave it in Downloads."""

import hashlib
import tempfile

from django.core.files import File
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from crm.core import exporting
from crm.core.models import ExportLog, ExportStatus
from crm.notifications.services import download_create


def _request_as(user, query: str):
    request = RequestFactory().get("/", QueryDict(query))
    request.user = user
    request.htmx = False
    return request


def run_export(log_id: int, view: str, query: str) -> int:
    entry = ExportLog.objects.select_related("user").get(pk=log_id)
    if entry.status == ExportStatus.DONE:
        return entry.rows
    user = entry.user
    view_class = import_string(view)
    instance = view_class()
    instance.setup(_request_as(user, query))
    with translation.override(user.language):
        table = instance.build_table(instance.saved_views())
        queryset, _filterset, _problems = instance.filtered(table)
        objects = table.narrow(queryset).iterator(chunk_size=2000)
        filename = instance.export_filename(entry.file_format)

        def progress(count):
            ExportLog.objects.filter(pk=entry.pk).update(rows_done=count)

        with tempfile.TemporaryFile() as handle:
            if entry.file_format == "xlsx":
                written = exporting.write_xlsx(
                    handle,
                    table.header(),
                    table.export_rows(objects),
                    title=str(instance.opts.verbose_name_plural),
                    progress=progress,
                )
            else:
                written = _write_csv(handle, table, objects, progress)
            sha256 = exporting.sha256_of_handle(handle)
            download_create(
                user,
                title=_("Export: %(what)s, %(rows)s rows")
                % {"what": instance.opts.verbose_name_plural, "rows": written},
                filename=filename,
                content=File(handle, name=filename),
            )
    exporting.log_finish(entry, sha256=sha256, rows=written)
    ExportLog.objects.filter(pk=entry.pk).update(rows_done=written)
    return written


def _write_csv(handle, table, objects, progress) -> int:
    count = 0

    def counted():
        nonlocal count
        for row in table.export_rows(objects):
            count += 1
            if count % 1000 == 0:
                progress(count)
            yield row

    for chunk in exporting.csv_chunks(table.header(), counted(), hashlib.sha256()):
        handle.write(chunk)
    return count
