"""The quarterly report as an XLSX file: the prefilled template of a quarter (outlet × product
group, a quantity and an amount column per group) and reading a filled one back.

A file is read whole before anything is kept: every problem is listed with its row and column
(in the user's language) and nothing is saved while there is one. A good file is kept as the
dealer's last upload (a prefill source of the report form) and submitted through the same
``report_submit`` as the form, with the report version the template was made from, so a file
filled before someone else's submission is refused as stale.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.core.records import RecordError
from dealers import forms, services
from dealers.models import ReportUpload

SHEET, META = "report", "meta"
KEY_ROW, FIRST_ROW = 4, 5  # the hidden row of column keys; the first outlet's row
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadInvalid(RecordError):  # noqa: N818
    """The file cannot be taken; ``errors`` lists every problem, each naming row and column."""

    def __init__(self, errors: list[str]):
        super().__init__(_("The file was not accepted; nothing was saved."))
        self.errors = errors


@dataclass
class _Columns:
    """Where each (q or a, group id) sits in the file, and what the file header calls it."""

    index: dict[tuple[str, int], int] = field(default_factory=dict)


# --- the template -----------------------------------------------------------------------------


def template_filename(grid) -> str:
    return f"report-{grid.quarter.slug}-{grid.organisation.pk}.xlsx"


def template_build(grid) -> bytes:
    """The report template of ``grid``: its outlets and groups, prefilled as the form is."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    groups = [(cell.group_id, cell.group_name) for cell in grid.rows[0].cells]
    sheet["A1"] = _("Sales report for %(quarter)s: %(dealer)s") % {
        "quarter": grid.quarter.label,
        "dealer": grid.organisation.name,
    }
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _(
        "Fill in every cell with a number, 0 where there were no sales. Do not change column A, "
        "the rows or the headers."
    )
    header = [_("No."), _("Outlet")]
    keys = ["outlet", ""]
    for group_id, name in groups:
        header += [_("%(group)s: quantity, pcs") % {"group": name}]
        header += [_("%(group)s: amount, ₽") % {"group": name}]
        keys += [f"q-{group_id}", f"a-{group_id}"]
    sheet.append(header)
    sheet.append(keys)
    sheet.row_dimensions[KEY_ROW].hidden = True
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="E9ECEF")
    for row in grid.rows:
        outlet = row.outlet
        place = _("Without an outlet")
        if outlet is not None:
            place = f"{outlet.name}, {outlet.address}" if outlet.address else outlet.name
        values = [outlet.pk if outlet else 0, place]
        for cell in row.cells:
            values += [_number(cell.quantity), _number(cell.amount)]
        sheet.append(values)
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 40
    for index in range(3, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = f"C{FIRST_ROW}"
    meta = book.create_sheet(META)
    meta.append(["quarter", grid.quarter.slug])
    meta.append(["organisation", grid.organisation.pk])
    meta.append(["version", grid.version])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    for cell in meta["B"]:
        cell.protection = Protection(locked=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# --- reading a filled template ----------------------------------------------------------------


@dataclass
class ReadReport:
    """A file read without problems: its figures and the report version it was made from."""

    figures: dict
    version: int


def upload_read(grid, upload) -> ReadReport:
    """Read an uploaded template of ``grid``'s organisation and quarter; UploadInvalid lists
    every problem."""
    if upload.size > MAX_BYTES:
        raise UploadInvalid([_("The file is larger than 5 MB: is it the report template?")])
    try:
        book = load_workbook(upload, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise UploadInvalid(
            [
                _(
                    "This is not an XLSX workbook. Download the template, fill it in and save it "
                    "as .xlsx."
                )
            ]
        ) from None
    if SHEET not in book.sheetnames or META not in book.sheetnames:
        raise UploadInvalid(
            [_("This is not the report template: download the template of this quarter.")]
        )
    version = _check_meta(grid, book[META])
    sheet = book[SHEET]
    if sheet.max_row > MAX_ROWS:
        raise UploadInvalid([_("The file has too many rows: is it the report template?")])
    errors: list[str] = []
    columns = _columns(grid, sheet, errors)
    if errors:
        raise UploadInvalid(errors)
    figures = _rows(grid, sheet, columns, errors)
    if errors:
        raise UploadInvalid(errors)
    return ReadReport(figures, version)


def _check_meta(grid, meta) -> int:
    values = {row[0]: row[1] for row in meta.iter_rows(max_col=2, values_only=True) if row[0]}
    if str(values.get("quarter")) != grid.quarter.slug or str(values.get("organisation")) != str(
        grid.organisation.pk
    ):
        raise UploadInvalid(
            [
                _(
                    "This file is the template of another quarter or organisation: download "
                    "the template of %(quarter)s."
                )
                % {"quarter": grid.quarter.label}
            ]
        )
    try:
        return int(values.get("version") or 0)
    except (TypeError, ValueError):
        raise UploadInvalid(
            [_("The template was changed in a hidden part: download it again.")]
        ) from None


def _columns(grid, sheet, errors: list[str]) -> _Columns:
    """The column of each group's quantity and amount, from the hidden key row."""
    columns = _Columns()
    known = {cell.group_id: cell.group_name for cell in grid.rows[0].cells}
    for index, key in enumerate(next(sheet.iter_rows(KEY_ROW, KEY_ROW, values_only=True), ()), 1):
        prefix, _sep, group = str(key or "").partition("-")
        if prefix not in ("q", "a") or not group.isdigit():
            continue
        if int(group) not in known:
            errors.append(
                _(
                    "Column %(column)s: this product group is not in your report any more: "
                    "download the template again."
                )
                % {"column": get_column_letter(index)}
            )
            continue
        columns.index[(prefix, int(group))] = index
    for group_id, name in known.items():
        for prefix, what in (("q", _("quantity")), ("a", _("amount"))):
            if (prefix, group_id) not in columns.index:
                errors.append(
                    _("The column «%(group)s: %(what)s» is missing: download the template again.")
                    % {"group": name, "what": what}
                )
    return columns


def _rows(grid, sheet, columns: _Columns, errors: list[str]) -> dict:
    """Figures per (outlet, group) of every outlet row; problems into ``errors``."""
    expected = {(row.outlet.pk if row.outlet else 0): row for row in grid.rows}
    seen: set[int] = set()
    figures = {}
    for number, values in enumerate(
        sheet.iter_rows(min_row=FIRST_ROW, values_only=True), start=FIRST_ROW
    ):
        if all(value in (None, "") for value in values):
            continue
        outlet_id = _outlet_id(values[0] if values else None)
        if outlet_id is None or outlet_id not in expected:
            errors.append(
                _("Row %(row)s, column A: %(value)s is not one of the outlets of this report.")
                % {"row": number, "value": values[0] if values[0] not in (None, "") else "—"}
            )
            continue
        if outlet_id in seen:
            errors.append(_("Row %(row)s: this outlet is in the file twice.") % {"row": number})
            continue
        seen.add(outlet_id)
        for cell in expected[outlet_id].cells:
            pair = [
                _cell(values, prefix, columns.index[(prefix, cell.group_id)], number, label, errors)
                for prefix, label in (
                    ("q", _("%(group)s: quantity") % {"group": cell.group_name}),
                    ("a", _("%(group)s: amount") % {"group": cell.group_name}),
                )
            ]
            if None in pair:
                continue
            quantity, amount = pair
            if (quantity == 0) != (amount == 0):
                errors.append(
                    _(
                        "Row %(row)s, «%(group)s»: quantity and amount are either both 0 or both "
                        "above 0."
                    )
                    % {"row": number, "group": cell.group_name}
                )
                continue
            figures[cell.figure_key] = (quantity, amount)
    for outlet_id, row in expected.items():
        if outlet_id not in seen:
            name = row.outlet.name if row.outlet else _("Without an outlet")
            errors.append(
                _(
                    "The row of «%(outlet)s» (No. %(number)s) is missing: add it back from the "
                    "template."
                )
                % {"outlet": name, "number": outlet_id}
            )
    return figures


def _outlet_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value == int(value):
        return int(value)
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _cell(values, prefix: str, index: int, row: int, label: str, errors) -> Decimal | None:
    """One cell as a number (0 allowed, not negative), or None with its problem in errors."""
    value = values[index - 1] if index - 1 < len(values) else None
    where = {"row": row, "column": get_column_letter(index), "label": label}
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(
            _(
                "Row %(row)s, column %(column)s («%(label)s»): empty; enter a number, 0 if there "
                "were no sales."
            )
            % where
        )
        return None
    field = forms.quantity_field() if prefix == "q" else forms.amount_field()
    try:
        number = field.clean(str(value) if not isinstance(value, bool) else "x")
    except ValidationError as error:
        errors.append(
            _("Row %(row)s, column %(column)s («%(label)s»): %(problem)s")
            % {**where, "problem": " ".join(error.messages)}
        )
        return None
    if number < 0:
        errors.append(
            _("Row %(row)s, column %(column)s («%(label)s»): sales of a quarter are not negative.")
            % where
        )
        return None
    return number


# --- keeping and submitting ------------------------------------------------------------------


def upload_record(actor, *, organisation, quarter, filename: str, read: ReadReport) -> ReportUpload:
    """Keep a good file's figures as the dealer's last upload of the quarter."""
    with (
        transaction.atomic(),
        audit_context(source=Source.DEALER, channel=Channel.IMPORT, user=actor),
    ):
        return ReportUpload.objects.create(
            organisation=organisation,
            quarter_start=quarter.start,
            filename=filename[:255],
            figures={
                f"{outlet or 0}-{group}": [str(quantity), str(amount)]
                for (outlet, group), (quantity, amount) in read.figures.items()
            },
            version=read.version,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )


def upload_submit(actor, upload: ReportUpload):
    """Submit a kept upload as the quarter's report (``report_submit``, stale and closed
    quarters refused as for the form); marks the upload sent."""
    from crm.core.periods import Quarter

    with (
        transaction.atomic(),
        audit_context(source=Source.DEALER, channel=Channel.IMPORT, user=actor),
    ):
        report = services.report_submit(
            actor,
            organisation=upload.organisation,
            quarter=Quarter.of(upload.quarter_start),
            figures=upload.figure_map(),
            expected_version=upload.version,
        )
        upload.submitted = True
        upload.save(update_fields=["submitted"])
    return report
