"""Reading an uploaded file safely: size, encoding, delimiter, binary junk, XLSX zip bombs and
formulas are checked before any row is read; rows then stream in chunks.

CSV: UTF-8 (with or without BOM) or cp1251, ``;``, ``,`` or tab. XLSX: the first sheet, read
with python-calamine after the zip was checked member by member through ``zipfile`` (which
enforces the declared sizes and CRCs, so calamine never meets a bomb).
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

MAX_BYTES = getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_ROWS = getattr(settings, "IMPORT_MAX_ROWS", 100_000)
# An XLSX of 20 MB unpacks to a few hundred MB of XML at most; beyond that it is a bomb.
MAX_UNPACKED = getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 400 * 1024 * 1024)
MAX_RATIO = 120  # unpacked / packed size of one member; spreadsheets compress 5-20 times
MAX_MEMBERS = 2000
MAX_COLUMNS = 200
MAX_CELL = 10_000  # characters in one cell
SAMPLE_ROWS = 5
CHUNK = 1 << 20


class FileError(Exception):
    """The file cannot be imported at all; ``message`` tells the user why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class FileInfo:
    """What the first look at a file found out."""

    kind: str  # csv | xlsx
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)
    rows: int = 0


def too_big_message():
    return _("The file is larger than %(limit)s MB. Split it into smaller files.") % {
        "limit": MAX_BYTES // (1024 * 1024)
    }


def too_many_rows_message(rows):
    return ngettext(
        "The file has more than %(limit)s row. Split it into smaller files.",
        "The file has more than %(limit)s rows. Split it into smaller files.",
        MAX_ROWS,
    ) % {"limit": f"{MAX_ROWS:,}".replace(",", "\u00a0"), "rows": rows}


def inspect(path: Path, file_name: str) -> FileInfo:
    """Check a stored upload and read its header, first rows and row count, or raise FileError."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise FileError(too_big_message())
    if size == 0:
        raise FileError(_("The file is empty."))
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(file_name).suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return _inspect_xlsx(path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise FileError(
                _("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload again.")
            )
        raise FileError(
            _(
                "The file is named .xlsx but is not an Excel workbook. Save it from Excel as "
                ".xlsx, or as CSV, and upload again."
            )
        )
    return _inspect_csv(path)


# --- CSV -------------------------------------------------------------------------------------


def _sniff_encoding(path: Path) -> str:
    """utf-8-sig with a BOM, utf-8 if the whole file decodes as UTF-8, else cp1251.

    One streaming pass that also refuses binary files (NUL bytes).
    """
    with path.open("rb") as handle:
        first = handle.read(CHUNK)
        bom = first.startswith(codecs.BOM_UTF8)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        chunk, offset = first, 0
        while chunk:
            if b"\x00" in chunk:
                raise FileError(
                    _(
                        "The file contains NUL bytes: it is a binary file, not a CSV table "
                        "(about byte %(offset)s). Save the table as CSV or XLSX and upload "
                        "again."
                    )
                    % {"offset": offset + chunk.index(b"\x00")}
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            offset += len(chunk)
            chunk = handle.read(CHUNK)
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if bom:
        if not utf8:
            raise FileError(_("The file starts as UTF-8 but has bytes that are not UTF-8."))
        return "utf-8-sig"
    if utf8:
        return "utf-8"
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            try:
                chunk.decode("cp1251")
            except UnicodeDecodeError:
                raise FileError(
                    _("The file's encoding is not recognised. Save it as UTF-8 or Windows-1251.")
                ) from None
    return "cp1251"


def _sniff_delimiter(line: str) -> str:
    counts = {d: _count_outside_quotes(line, d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _open_text(path: Path, encoding: str):
    return io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="")


def _inspect_csv(path: Path) -> FileInfo:
    encoding = _sniff_encoding(path)
    with _open_text(path, encoding) as text:
        first_line = text.readline(64 * 1024)
    delimiter = _sniff_delimiter(first_line)
    info = FileInfo(kind="csv", encoding=encoding, delimiter=delimiter)
    rows = iter_rows(path, info)
    try:
        info.headers = _headers(next(rows, None))
        for row in rows:
            if len(info.sample) < SAMPLE_ROWS:
                info.sample.append(row)
            info.rows += 1
            if info.rows > MAX_ROWS:
                raise FileError(too_many_rows_message(info.rows))
    except csv.Error as error:
        raise FileError(
            _("The file is not a readable CSV table: %(error)s") % {"error": error}
        ) from None
    return info


def _csv_rows(path: Path, info: FileInfo) -> Iterator[list[str]]:
    csv.field_size_limit(MAX_CELL * 4)
    with _open_text(path, info.encoding) as text:
        reader = csv.reader(text, delimiter=info.delimiter or ";")
        yield from reader


# --- XLSX ------------------------------------------------------------------------------------

FORMULA_RE = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*>(?:<v>[^<]*</v>)?<f[ >/]')
SHEET_RE = re.compile(rb"<sheet\b[^>]*?\br:id=\"([^\"]+)\"")


def _check_zip(path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileError(_("The file is not a valid XLSX workbook (a damaged archive).")) from None
    members = archive.infolist()
    bomb = FileError(
        _(
            "The workbook unpacks to far more data than a spreadsheet of this size holds and "
            "was refused (a possible zip bomb). Save it again from Excel or as CSV."
        )
    )
    if len(members) > MAX_MEMBERS:
        raise bomb
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > MAX_UNPACKED or (member.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise bomb
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise FileError(_("The file is a zip archive but not an XLSX workbook."))
    return archive


def _first_sheet_member(archive: zipfile.ZipFile) -> str:
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    match = SHEET_RE.search(workbook)
    if not match:
        raise FileError(_("The workbook has no sheets."))
    target = re.search(
        rb'<Relationship\b[^>]*?Id="' + re.escape(match[1]) + rb'"[^>]*?Target="([^"]+)"', rels
    ) or re.search(
        rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="' + re.escape(match[1]) + rb'"', rels
    )
    if not target:
        raise FileError(_("The workbook's first sheet cannot be found."))
    name = target[1].decode()
    return name.lstrip("/") if name.startswith("/") else "xl/" + name


def _scan_sheet(archive: zipfile.ZipFile, member: str) -> None:
    """Stream the sheet's XML through zipfile (bounded, CRC-checked) and refuse formulas."""
    tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                data = tail + chunk
                match = FORMULA_RE.search(data)
                if match:
                    raise FileError(
                        _(
                            "Row %(row)s, column %(column)s: the cell holds a formula. Formulas "
                            "are not imported: copy the sheet and paste it as values only, then "
                            "upload again."
                        )
                        % {"row": int(match[2]), "column": match[1].decode()}
                    )
                tail = data[-4096:]
    except (zipfile.BadZipFile, EOFError, OSError, KeyError):
        raise FileError(_("The file is not a valid XLSX workbook (a damaged archive).")) from None


def _inspect_xlsx(path: Path) -> FileInfo:
    with _check_zip(path) as archive:
        try:
            member = _first_sheet_member(archive)
        except KeyError:
            raise FileError(_("The file is a zip archive but not an XLSX workbook.")) from None
        _scan_sheet(archive, member)
    info = FileInfo(kind="xlsx")
    rows = iter_rows(path, info)
    info.headers = _headers(next(rows, None))
    for row in rows:
        if len(info.sample) < SAMPLE_ROWS:
            info.sample.append(row)
        info.rows += 1
        if info.rows > MAX_ROWS:
            raise FileError(too_many_rows_message(info.rows))
    return info


def _xlsx_rows(path: Path) -> Iterator[list]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as error:
        raise FileError(
            _("The workbook cannot be read: %(error)s") % {"error": str(error)[:200]}
        ) from None
    try:
        yield from sheet.iter_rows()
    finally:
        workbook.close()


# --- both --------------------------------------------------------------------------------------


def iter_rows(path: Path, info: FileInfo) -> Iterator[list]:
    """Every row of the table, header included, as lists of cell values (str, or typed XLSX
    values: int, float, bool, date, datetime)."""
    rows = _xlsx_rows(path) if info.kind == "xlsx" else _csv_rows(path, info)
    for row in rows:
        if len(row) > MAX_COLUMNS:
            raise FileError(
                _("The table has more than %(limit)s columns.") % {"limit": MAX_COLUMNS}
            )
        yield row


def cell_text(value) -> str:
    """A cell as text, the way people typed it (an XLSX 7707083893.0 is "7707083893")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _headers(row) -> list[str]:
    if not row or not any(cell_text(c) for c in row):
        raise FileError(_("The first row must hold the column names; it is empty."))
    headers = [cell_text(c)[:200] for c in row]
    while headers and not headers[-1]:
        headers.pop()
    return headers
