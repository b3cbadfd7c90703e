"""Exports of lists: the daily row quota, the export log, and CSV / XLSX writers.

Protection against copying the client base: export is a permission of its own; each user has a
daily row quota raised by one atomic statement in PostgreSQL (two parallel exports cannot both
slip under it); every export, refused ones included, is logged with its filter, rows and the
file's SHA-256.
"""

import csv
import hashlib
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.exports import escape_cell
from crm.core.models import ExportLog, ExportQuotaUsage, ExportStatus


class QuotaExceeded(Exception):  # noqa: N818 (reads as what happened)
    """The export would pass the user's daily quota; ``message`` says by how much."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def daily_quota(user) -> int:
    if user.export_daily_rows is not None:
        return user.export_daily_rows
    return settings.EXPORT_DAILY_ROWS


def quota_used_today(user) -> int:
    usage = ExportQuotaUsage.objects.filter(user=user, day=timezone.localdate()).first()
    return usage.rows if usage else 0


_RESERVE_SQL = f"""
INSERT INTO {ExportQuotaUsage._meta.db_table} AS q (user_id, day, rows)
VALUES (%(user)s, %(day)s, %(rows)s)
ON CONFLICT (user_id, day) DO UPDATE SET rows = q.rows + EXCLUDED.rows
WHERE q.rows + EXCLUDED.rows <= %(quota)s
RETURNING q.rows
"""  # noqa: S608 (table name from the model, values bound)


def quota_reserve(user, rows: int) -> None:
    """Count ``rows`` against today's quota, or raise QuotaExceeded and count nothing.

    One INSERT … ON CONFLICT DO UPDATE … WHERE: the row lock serialises parallel exports of
    the same user, and the WHERE refuses the one that would pass the quota.
    """
    quota = daily_quota(user)
    if rows > quota:
        raise QuotaExceeded(_over_quota_message(user, rows, quota))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _RESERVE_SQL,
            {"user": user.pk, "day": timezone.localdate(), "rows": rows, "quota": quota},
        )
        if cursor.fetchone() is None:
            raise QuotaExceeded(_over_quota_message(user, rows, quota))


def _over_quota_message(user, rows: int, quota: int) -> str:
    used = quota_used_today(user)
    return _(
        "This export has %(rows)s rows, but your daily export limit is %(quota)s rows and "
        "%(used)s are already used today. Narrow the filter or ask an administrator to raise "
        "your limit."
    ) % {"rows": rows, "quota": quota, "used": used}


def log_export(user, *, model, query: str, file_format: str, rows: int, status) -> ExportLog:
    return ExportLog.objects.create(
        user=user,
        model=model._meta.label_lower,
        query=query,
        file_format=file_format,
        rows=rows,
        status=status,
    )


def log_finish(entry: ExportLog, *, sha256: str, rows: int | None = None) -> None:
    entry.sha256 = sha256
    entry.status = ExportStatus.DONE
    entry.finished_at = timezone.now()
    fields = ["sha256", "status", "finished_at"]
    if rows is not None:
        entry.rows = rows
        fields.append("rows")
    entry.save(update_fields=fields)


class _Echo:
    def write(self, value):
        return value


def csv_chunks(header: list[str], rows: Iterable[list], digest) -> Iterator[bytes]:
    """CSV for Excel (UTF-8 with BOM, semicolons), escaped cell by cell, fed to ``digest``."""
    writer = csv.writer(_Echo(), delimiter=";")
    buffer: list[str] = ["\ufeff", writer.writerow(header)]
    for row in rows:
        buffer.append(writer.writerow([escape_cell(cell) for cell in row]))
        if len(buffer) >= 500:
            chunk = "".join(buffer).encode()
            digest.update(chunk)
            yield chunk
            buffer = []
    chunk = "".join(buffer).encode()
    digest.update(chunk)
    yield chunk


def write_xlsx(target, header: list[str], rows: Iterable[list], *, title: str, progress=None):
    """Write an XLSX workbook in constant memory; cells are written as text, escaped."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "in_memory": False}
    )
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, header, bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count, 0, [_xlsx_cell(cell) for cell in row])
        if progress is not None and count % 1000 == 0:
            progress(count)
    workbook.close()
    return count


def _xlsx_cell(value):
    if isinstance(value, str):
        return escape_cell(value)
    return value


def sha256_of_handle(handle) -> str:
    """SHA-256 of an open file from its start; leaves it rewound for whoever sends it."""
    handle.seek(0)
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    handle.seek(0)
    return digest.hexdigest()
