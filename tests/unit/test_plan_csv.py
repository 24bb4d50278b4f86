"""Reading a plans table from Excel or Google Sheets: what is accepted, and every way a file
is refused whole, with the line a spreadsheet shows."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.plan_csv import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    CsvProblem,
    PlanCsvError,
    PlanLine,
    parse_plan_csv,
    read_plan_csv,
)
from bot.domain.plans import MAX_COUNT
from bot.i18n import CATALOGS

NOV = date(2026, 11, 1)


def problems(data: bytes) -> list[tuple[int, str, str]]:
    with pytest.raises(PlanCsvError) as caught:
        parse_plan_csv(data, NOV)
    return [(p.line, p.reason, p.value) for p in caught.value.problems]


def test_an_excel_file_with_a_bom_semicolons_and_every_column_is_read() -> None:
    data = (
        "\ufeffseller;revenue;won_deals;meetings;proposals;month\r\n"
        "@petr;1 500 000;5;20;8;2026-12\r\n"
        "Sergey Ivanov;150k;;;;\r\n"
    ).encode()
    assert parse_plan_csv(data, NOV) == [
        PlanLine(2, "@petr", date(2026, 12, 1), 1_500_000_00, 5, 20, 8),
        PlanLine(3, "Sergey Ivanov", NOV, 150_000_00),
    ]


def test_commas_quotes_russian_headers_and_the_windows_code_page_are_read() -> None:
    data = 'Менеджер,Выручка,Встречи,Месяц\n"Иванов Сергей","1 234,50",7,12.2026\n'.encode("cp1251")
    assert parse_plan_csv(data, NOV) == [
        PlanLine(2, "Иванов Сергей", date(2026, 12, 1), 1_234_50, None, 7, None)
    ]


def test_blank_rows_are_skipped_and_line_numbers_stay_those_of_the_file() -> None:
    data = b"seller,revenue\n\nAnna,100\n , \nBoris,x\n"
    assert problems(data) == [(5, "amount_format", "x")]
    lines, found = read_plan_csv(data, NOV)
    assert [line.line for line in lines] == [3]
    assert found == [CsvProblem(5, "amount_format", "x")]


def test_a_quoted_cell_over_two_lines_keeps_the_next_rows_line_number() -> None:
    data = b'seller,revenue\n"Anna\nPetrova",100\nBoris,-1\n'
    assert problems(data) == [(4, "amount_negative", "-1")]


def test_every_bad_row_is_reported_not_only_the_first() -> None:
    data = (
        "seller;revenue;won_deals;month\n"
        ";100;;\n"
        "Anna;;;\n"
        "Boris;200 млрд;-1;2026-13\n"
        "Vera;100;1.5;2026\n"
    ).encode()
    assert problems(data) == [
        (2, "seller_empty", ""),
        (3, "amount_empty", ""),
        (4, "amount_too_large", "200 млрд"),
        (4, "count", "-1"),
        (4, "month", "2026-13"),
        (5, "count", "1.5"),
        (5, "month", "2026"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [(0, "empty", "")]),
        (b"\n\n", [(0, "empty", "")]),
        (b"seller;revenue\n", [(0, "no_rows", "")]),
        (
            b"seller;amount\nA;1\n",
            [(1, "unknown_column", "amount"), (1, "missing_column", "revenue")],
        ),
        (
            b"revenue;revenue\n1;1\n",
            [(1, "repeated_column", "revenue"), (1, "missing_column", "seller")],
        ),
        (b"\xff\xfe\x98\x00", [(0, "encoding", "")]),
        (b'seller,revenue\n"Anna,100\n', [(2, "broken", "")]),
    ],
)
def test_a_file_that_is_not_a_plans_table_is_refused_with_the_reason(
    data: bytes, expected: list[tuple[int, str, str]]
) -> None:
    assert problems(data) == expected


def test_a_file_over_the_size_limit_is_refused_before_reading() -> None:
    data = b"seller;revenue\n" + b"Anna;1\n" * (MAX_CSV_BYTES // 7 + 1)
    assert problems(data) == [(0, "too_big", str(MAX_CSV_BYTES // 1024))]


def test_a_file_over_the_row_limit_is_refused() -> None:
    data = b"seller;revenue\n" + b"A;1\n" * (MAX_CSV_ROWS + 1)
    assert problems(data) == [(0, "too_many_rows", str(MAX_CSV_ROWS))]
    assert len(parse_plan_csv(b"seller;revenue\n" + b"A;1\n" * MAX_CSV_ROWS, NOV)) == MAX_CSV_ROWS


NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=30,
)
COUNTS = st.none() | st.integers(min_value=0, max_value=MAX_COUNT)
MONTHS = st.builds(date, st.integers(2000, 2100), st.integers(1, 12), st.just(1))


@given(
    rows=st.lists(
        st.tuples(NAMES, st.integers(0, 10**12), COUNTS, COUNTS, COUNTS, MONTHS),
        min_size=1,
        max_size=20,
    ),
    delimiter=st.sampled_from([",", ";"]),
    bom=st.booleans(),
)
def test_any_table_written_by_a_csv_writer_reads_back_as_written(
    rows: list[tuple[str, int, int | None, int | None, int | None, date]],
    delimiter: str,
    bom: bool,
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["seller", "revenue", "won_deals", "meetings", "proposals", "month"])
    for name, revenue, won, meetings, proposals, month in rows:
        rubles, kopecks = divmod(revenue, 100)
        amount = f"{rubles}.{kopecks:02d}" if delimiter == ";" else str(rubles)
        cells = [won, meetings, proposals]
        writer.writerow([name, amount, *("" if c is None else c for c in cells), f"{month:%Y-%m}"])
    data = (("\ufeff" if bom else "") + out.getvalue()).encode()
    lines = parse_plan_csv(data, NOV)
    expected = [
        PlanLine(i + 2, name.strip(), month, revenue if delimiter == ";" else revenue // 100 * 100)
        for i, (name, revenue, _, _, _, month) in enumerate(rows)
    ]
    assert [(x.line, x.seller, x.month, x.revenue) for x in lines] == [
        (x.line, x.seller, x.month, x.revenue) for x in expected
    ]
    assert [(x.won_deals, x.meetings, x.proposals) for x in lines] == [r[2:5] for r in rows]


@given(data=st.binary(max_size=2000))
def test_any_bytes_are_either_read_or_refused_as_the_users_error(data: bytes) -> None:
    lines: list[PlanLine] = []
    found: list[CsvProblem] = []
    try:
        lines = parse_plan_csv(data, NOV)
    except PlanCsvError as error:
        found = error.problems
    assert bool(lines) != bool(found)
    assert all(p.line >= 0 and p.reason for p in found)
    assert all(line.revenue >= 0 and line.seller for line in lines)


@given(text=st.text(max_size=300))
def test_any_text_with_a_header_never_crashes(text: str) -> None:
    lines: list[PlanLine] = []
    found: list[CsvProblem] = []
    try:
        lines = parse_plan_csv(f"seller;revenue;month\n{text}".encode(), NOV)
    except PlanCsvError as error:
        found = error.problems
    assert bool(lines) != bool(found)


def test_every_problem_the_reader_the_service_and_the_handler_report_has_a_text() -> None:
    root = Path(__file__).resolve().parents[2]
    files = ("bot/domain/plan_csv.py", "bot/services/plans.py", "handlers/plans/upload.py")
    source = "".join((root / name).read_text(encoding="utf-8") for name in files)
    reasons = set(re.findall(r'CsvProblem\([^,()]+, "(\w+)"', source))
    reasons |= {f"amount_{reason}" for reason in ("empty", "format", "negative", "too_large")}
    assert len(reasons) >= 22
    assert sorted(r for r in reasons if f"plan.csv.{r}" not in CATALOGS["ru"]) == []
