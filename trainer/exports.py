"""Tables as files to take to a meeting: XLSX (openpyxl write-only, streamed) and CSV.

A report is a `Table`: a title, header row and an iterable of rows, so one function builds the rows
and both formats serve them. Write-only workbooks keep one row in memory at a time; the file is spooled
to a temporary file (an XLSX is a zip, so it cannot be sent before it is finished) and streamed from there
in blocks. CSV carries a BOM so Excel opens the Chinese correctly. Cells that start with `=`, `+`, `-`,
`@` are prefixed with an apostrophe so a name typed as a formula is never run by the spreadsheet.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BLOCK = 64 * 1024


@dataclass
class Table:
    title: str  # sheet name (at most 31 characters in XLSX)
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: dict[int, int] = field(default_factory=dict)  # column index → width in characters
    #: how CSV writes floats (XLSX keeps them as numbers): two decimals suit scores; statistics such as a
    #: p-value or a coefficient of variation need significant digits instead (".6g")
    float_format: str = ".2f"


def safe_cell(value: object) -> object:
    """Numbers and dates stay typed; text that a spreadsheet would read as a formula is defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | date | datetime):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip() or "Sheet"
    return cleaned[:31]


def write_xlsx(tables: Sequence[Table], target) -> None:
    """Write `tables` as sheets of one workbook into the binary file `target`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title))
        for column, width in table.widths.items():
            sheet.column_dimensions[_column_letter(column)].width = width
        header = []
        for name in table.header:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_value(v) for v in row])
    book.save(target)


def _xlsx_value(value: object) -> object:
    value = safe_cell(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _stream_file(handle) -> Iterator[bytes]:
    try:
        handle.seek(0)
        while block := handle.read(BLOCK):
            yield block
    finally:
        handle.close()


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(tables: Sequence[Table], filename: str) -> Response:
    """The workbook, written to a spooled temporary file and streamed from it."""
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the stream
    write_xlsx(tables, handle)
    size = handle.tell()
    response = Response(_stream_file(handle),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        direct_passthrough=True)
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["Content-Length"] = str(size)
    return response


def write_csv(table: Table, target) -> None:
    """Write `table` as UTF-8 CSV with a BOM into the binary file `target`."""
    out = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_csv_value(v, table.float_format) for v in row])
    out.detach()  # leave `target` open for the response


def stacked(tables: Sequence[Table]) -> Table:
    """Several tables as one, for CSV (which holds one table per file, where XLSX has a sheet each): every
    later table follows an empty row, its header as a plain row. Title and float format are the first's."""
    first, *rest = tables

    def rows() -> Iterator[Sequence[object]]:
        yield from first.rows
        for table in rest:
            yield []
            yield list(table.header)
            yield from table.rows

    return Table(first.title, first.header, rows(), dict(first.widths), first.float_format)


def _csv_value(value: object, float_format: str = ".2f") -> object:
    value = safe_cell(value)
    if isinstance(value, float):
        return format(value, float_format)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def csv_response(table: Table, filename: str) -> Response:
    """One table as CSV; written while the request's database session is open, then streamed."""
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the stream
    write_csv(table, handle)
    size = handle.tell()
    response = Response(_stream_file(handle), mimetype="text/csv", direct_passthrough=True)
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["Content-Length"] = str(size)
    return response


def table_response(tables: Sequence[Table], filename_stem: str, fmt: str) -> Response:
    """`fmt` "xlsx" (all tables as sheets) or "csv" (the first table)."""
    if fmt == "csv":
        return csv_response(tables[0], f"{filename_stem}.csv")
    return xlsx_response(tables, f"{filename_stem}.xlsx")
