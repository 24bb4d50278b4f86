"""Tables as an XLSX workbook or a ZIP of CSV files, in bytes; run off the event loop.

XLSX: openpyxl's write-only mode streams rows to the file instead of keeping a cell object
per value, a bold frozen header row with a filter, money as numbers with two decimals and
times as real spreadsheet dates. CSV: UTF-8 with a byte order mark, so Excel opens Cyrillic
as it is, comma-separated, one file per table.

A text that starts like a formula is kept as text: a deal called "=HYPERLINK(…)" must not
become a live formula in the head's spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.domain.export import Cell, Column, Kind, Table

Label = Callable[[str], str]

NUMBER_FORMATS = {
    Kind.MONEY: "#,##0.00",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.MONTH: "yyyy-mm",
}
FIXED_WIDTHS = {Kind.MONEY: 15, Kind.DATETIME: 17, Kind.MONTH: 10, Kind.INT: 9}
MIN_WIDTH, MAX_WIDTH = 8, 50
WIDTH_SAMPLE = 500  # rows looked at to size a text column
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HEADER_FONT = Font(bold=True)


def sheet_name(table: Table, label: Label) -> str:
    return _SHEET_FORBIDDEN.sub(" ", label(f"export.sheet.{table.key}"))[:31]


def headers(table: Table, label: Label) -> list[str]:
    return [label(f"export.col.{c.key}") for c in table.columns]


def shown(column: Column, value: Cell, label: Label) -> Cell:
    """The value as the reader sees it: a LABEL column's key becomes its text."""
    if column.kind is Kind.LABEL and value is not None:
        return label(f"{column.labels}{value}")
    return value


def xlsx_bytes(tables: Sequence[Table], label: Label) -> bytes:
    """One sheet per table."""
    book = Workbook(write_only=True)
    for table in tables:
        _write_sheet(book.create_sheet(sheet_name(table, label)), table, label)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_sheet(sheet: WriteOnlyWorksheet, table: Table, label: Label) -> None:
    names = headers(table, label)
    # Widths, the frozen row and the filter go in before the first row is written.
    for i, width in enumerate(_widths(table, names, label), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(table.rows) + 1}"
    sheet.append([_header(sheet, name) for name in names])
    for row in table.rows:
        sheet.append(
            [_cell(sheet, c, shown(c, v, label)) for c, v in zip(table.columns, row, strict=True)]
        )


def _header(sheet: WriteOnlyWorksheet, name: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=name)
    cell.font = HEADER_FONT
    return cell


def _cell(sheet: WriteOnlyWorksheet, column: Column, value: Cell) -> object:
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not text.startswith("="):
            return text  # a plain value: no cell object per text, which costs time
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula; never here
        return cell
    number_format = NUMBER_FORMATS.get(column.kind)
    if number_format is None or value is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _widths(table: Table, names: list[str], label: Label) -> list[float]:
    widths: list[float] = []
    for i, (column, name) in enumerate(zip(table.columns, names, strict=True)):
        fixed = FIXED_WIDTHS.get(column.kind)
        if fixed is None:
            sample = (shown(column, r[i], label) for r in table.rows[:WIDTH_SAMPLE])
            fixed = max((len(str(v)) for v in sample if v is not None), default=0)
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, fixed, len(name)) + 2))
    return widths


def csv_zip_bytes(tables: Sequence[Table], label: Label) -> bytes:
    """A ZIP holding `<table>.csv` for each table."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{table.key}.csv", csv_bytes(table, label))
    return out.getvalue()


def csv_bytes(table: Table, label: Label) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers(table, label))
    for row in table.rows:
        writer.writerow(
            [_csv_value(c, shown(c, v, label)) for c, v in zip(table.columns, row, strict=True)]
        )
    return text.getvalue().encode("utf-8-sig")


def _csv_value(column: Column, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m") if column.kind is Kind.MONTH else value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text by spreadsheets, as OWASP advises for CSV
    return str(value)
