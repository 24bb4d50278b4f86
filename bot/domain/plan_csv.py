"""Reading a plans table a head exported from Excel or Google Sheets: all rows or nothing.

The file is read whole and checked whole: any bad row makes the import fail with every
problem found (line numbers as a spreadsheet shows them), so nothing is half-imported.
Who `seller` names is decided by the service, which knows the team.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from bot.domain.errors import DomainError
from bot.domain.money import AmountError, parse_amount
from bot.domain.plans import MAX_REVENUE, CountError, parse_count

MAX_CSV_BYTES = 256 * 1024
MAX_CSV_ROWS = 1000
# A cell is short by nature; a longer one is a wrong file, and csv's own limit is 128 KB.
_MAX_CELL = 200

# Column names in either language, as a head would title them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "seller": ("seller", "менеджер", "продавец", "сотрудник"),
    "revenue": ("revenue", "выручка", "план", "plan"),
    "won_deals": ("won_deals", "won", "сделки", "сделок"),
    "meetings": ("meetings", "встречи", "встреч"),
    "proposals": ("proposals", "кп", "предложения"),
    "month": ("month", "месяц"),
}
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_MONTH_RE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})|(?P<m2>\d{1,2})\.(?P<y2>\d{4})")
COUNT_COLUMNS = ("won_deals", "meetings", "proposals")


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One row of the file: a seller as written, and the plan for them."""

    line: int
    seller: str
    month: date
    revenue: int
    won_deals: int | None = None
    meetings: int | None = None
    proposals: int | None = None


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """What is wrong where: `reason` names a text (plan.csv.<reason>); line 0 is the file."""

    line: int
    reason: str
    value: str = ""


class PlanCsvError(DomainError):
    """The file cannot be imported; `problems` says why, in file order."""

    key = "error.plan_csv"
    counted: ClassVar[dict[str, str]] = {}

    def __init__(self, problems: list[CsvProblem]) -> None:
        super().__init__()
        self.problems = sorted(problems, key=lambda p: p.line)


def parse_plan_csv(data: bytes, default_month: date) -> list[PlanLine]:
    """Every row of the file as a plan line, or PlanCsvError listing what is wrong."""
    lines, problems = read_plan_csv(data, default_month)
    if problems:
        raise PlanCsvError(problems)
    return lines


def read_plan_csv(data: bytes, default_month: date) -> tuple[list[PlanLine], list[CsvProblem]]:
    """The good rows and the problems of the bad ones (so that the caller can add its own
    checks of the good rows and report everything at once). A file that cannot be read as
    a table at all raises PlanCsvError."""
    if len(data) > MAX_CSV_BYTES:
        raise PlanCsvError([CsvProblem(0, "too_big", str(MAX_CSV_BYTES // 1024))])
    rows = _rows(_decode(data))
    if not rows:
        raise PlanCsvError([CsvProblem(0, "empty")])
    (_, header), body = rows[0], rows[1:]
    columns = _columns(header)
    if not body:
        raise PlanCsvError([CsvProblem(0, "no_rows")])
    if len(body) > MAX_CSV_ROWS:
        raise PlanCsvError([CsvProblem(0, "too_many_rows", str(MAX_CSV_ROWS))])
    lines: list[PlanLine] = []
    problems: list[CsvProblem] = []
    for number, cells in body:
        record = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        try:
            lines.append(_line(number, record, default_month))
        except PlanCsvError as error:
            problems += error.problems
    return lines, problems


def _decode(data: bytes) -> str:
    # Excel writes UTF-8 with a BOM, or the Windows code page when saved as plain "CSV".
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise PlanCsvError([CsvProblem(0, "encoding")]) from None


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on; `;` or `,`, whichever the header uses."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((start, cells))
            start = reader.line_num + 1
            if len(rows) > MAX_CSV_ROWS + 1:
                break
    except csv.Error:
        raise PlanCsvError([CsvProblem(reader.line_num, "broken")]) from None
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems: list[CsvProblem] = []
    for index, title in enumerate(header):
        key = " ".join(title.split()).lower()
        name = _ALIASES.get(key)
        if name is None:
            problems.append(CsvProblem(1, "unknown_column", title.strip()[:_MAX_CELL]))
        elif name in columns:
            problems.append(CsvProblem(1, "repeated_column", title.strip()))
        else:
            columns[name] = index
    problems += [
        CsvProblem(1, "missing_column", c) for c in ("seller", "revenue") if c not in columns
    ]
    if problems:
        raise PlanCsvError(problems)
    return columns


def _line(number: int, record: dict[str, str], default_month: date) -> PlanLine:
    problems: list[CsvProblem] = []
    seller = record["seller"]
    if not seller:
        problems.append(CsvProblem(number, "seller_empty"))
    elif len(seller) > _MAX_CELL:
        problems.append(CsvProblem(number, "seller_unknown", seller[:_MAX_CELL] + "…"))
    revenue = _revenue(number, record["revenue"], problems)
    counts = {name: _count(number, record.get(name, ""), problems) for name in COUNT_COLUMNS}
    month = _month(number, record.get("month", ""), default_month, problems)
    if problems:
        raise PlanCsvError(problems)
    return PlanLine(number, seller, month, revenue, **counts)


def _revenue(number: int, raw: str, problems: list[CsvProblem]) -> int:
    try:
        revenue = parse_amount(raw)
    except AmountError as error:
        problems.append(CsvProblem(number, f"amount_{error.reason}", raw[:_MAX_CELL]))
        return 0
    if revenue > MAX_REVENUE:
        problems.append(CsvProblem(number, "amount_too_large", raw))
    return revenue


def _count(number: int, raw: str, problems: list[CsvProblem]) -> int | None:
    if not raw:
        return None
    try:
        return parse_count(raw)
    except CountError:
        problems.append(CsvProblem(number, "count", raw[:_MAX_CELL]))
        return None


def _month(number: int, raw: str, default: date, problems: list[CsvProblem]) -> date:
    if not raw:
        return default
    match = _MONTH_RE.fullmatch(raw)
    if match is not None:
        year, month = int(match["y"] or match["y2"]), int(match["m"] or match["m2"])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    problems.append(CsvProblem(number, "month", raw[:_MAX_CELL]))
    return default
