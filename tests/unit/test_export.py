"""The export's periods, tables and files, without a database or a bot."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.export import (
    ANSWER_COLUMNS,
    DEAL_COLUMNS,
    PLAN_COLUMNS,
    TASK_COLUMNS,
    ExportPeriod,
    Kind,
    Table,
    export_bounds,
    local,
    plan_months,
)
from bot.i18n import CATALOGS, translator
from bot.reports.workbook import csv_bytes, csv_zip_bytes, xlsx_bytes
from tests.flows.harness import said

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
ALL_COLUMNS = DEAL_COLUMNS + TASK_COLUMNS + PLAN_COLUMNS + ANSWER_COLUMNS


def at_moscow_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=MOSCOW).astimezone(UTC)


@pytest.mark.parametrize(
    ("period", "first", "end"),
    [
        (ExportPeriod.THIS_MONTH, date(2026, 1, 1), date(2026, 2, 1)),
        (ExportPeriod.LAST_MONTH, date(2025, 12, 1), date(2026, 1, 1)),
        (ExportPeriod.QUARTER, date(2026, 1, 1), date(2026, 4, 1)),
        (ExportPeriod.YEAR, date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_periods_are_team_calendar_months(period, first, end):
    assert export_bounds(period, NOW, MOSCOW) == (
        at_moscow_midnight(first),
        at_moscow_midnight(end),
    )
    assert plan_months(export_bounds(period, NOW, MOSCOW), MOSCOW) == (first, end)


def test_all_time_has_no_bounds():
    assert export_bounds(ExportPeriod.ALL, NOW, MOSCOW) == (None, None)
    assert plan_months((None, None), MOSCOW) == (None, None)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_last_month_ends_where_this_month_starts(naive):
    now = naive.replace(tzinfo=UTC)
    last_start, last_end = export_bounds(ExportPeriod.LAST_MONTH, now, MOSCOW)
    this_start, this_end = export_bounds(ExportPeriod.THIS_MONTH, now, MOSCOW)
    assert last_start is not None and last_end is not None and this_end is not None
    assert last_start < last_end == this_start <= now < this_end


def test_a_spreadsheet_time_is_the_team_wall_clock_without_a_zone():
    assert local(datetime(2026, 11, 23, 7, 0, tzinfo=UTC), MOSCOW) == datetime(2026, 11, 23, 10)
    assert local(None, MOSCOW) is None


@pytest.mark.parametrize("catalog", [CATALOGS["ru"], CATALOGS["en"]], ids=["ru", "en"])
def test_every_column_sheet_and_value_label_has_a_text(catalog):
    keys = {f"export.col.{c.key}" for c in ALL_COLUMNS}
    keys |= {f"export.sheet.{name}" for name in ("deals", "tasks", "plans", "answers")}
    keys |= {f"export.period.{p.value}" for p in ExportPeriod}
    keys |= {f"{c.labels}{v}" for c in ALL_COLUMNS if c.kind is Kind.LABEL for v in _values(c)}
    assert sorted(k for k in keys if k not in catalog) == []


def _values(column):
    return {
        "export.status.": ("open", "won", "lost"),
        "export.task_status.": ("open", "done", "cancelled"),
        "export.bool.": ("yes", "no"),
        "export.group.": ("promoter", "passive", "detractor"),
        "channel.": ("calls", "referral"),
    }[column.labels]


FORMULA = Table(
    "plans", PLAN_COLUMNS, [(date(2026, 11, 1), '=HYPERLINK("x")\x07', 1.5, 1, None, 2)]
)


def test_a_text_that_looks_like_a_formula_stays_text_in_the_workbook():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([FORMULA], translator("en"))))
    cell = book["Plans"]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x")'  # the bell is dropped too
    assert book["Plans"]["C2"].value == 1.5 and book["Plans"]["A2"].number_format == "yyyy-mm"


def test_a_text_that_looks_like_a_formula_is_quoted_in_csv():
    rows = list(csv.reader(io.StringIO(csv_bytes(FORMULA, translator("en")).decode("utf-8-sig"))))
    assert rows[1][:3] == ["2026-11", '\'=HYPERLINK("x")\x07', "1.50"]


def test_an_empty_table_is_still_a_sheet_and_a_file_with_headings():
    empty = Table("deals", DEAL_COLUMNS, [])
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([empty], translator("ru"))))
    first = [said(f"export.col.{key}") for key in ("id", "title", "client")]
    assert [c.value for c in book[said("export.sheet.deals")][1]][:3] == first
    archive = zipfile.ZipFile(io.BytesIO(csv_zip_bytes([empty], translator("ru"))))
    assert archive.read("deals.csv").decode("utf-8-sig").startswith(",".join(first) + ",")


def test_columns_are_wide_enough_for_their_text_but_not_wider_than_a_screen():
    long = "Очень длинное название сделки " * 5
    rows = [(1, long, "Ромашка", *([None] * 13))]
    book = openpyxl.load_workbook(
        io.BytesIO(xlsx_bytes([Table("deals", DEAL_COLUMNS, rows)], translator("ru")))
    )
    widths = book[said("export.sheet.deals")].column_dimensions
    assert widths["B"].width == 50  # capped: a column never takes more than a screen
    assert widths["C"].width == 10  # "Ромашка" is under the 8-character minimum, plus padding
