"""Fast, atomic .xlsx output with XlsxWriter: formatted tables, number formats by unit,
frozen headers, filters, and CSV overflow for tables longer than a sheet can hold.

The workbook is written to a temporary file beside the target and renamed over it only when
complete, so a reader never sees half a file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from model.files import written_whole
from model.memory import collection_paused

EXCEL_MAX_ROWS = 1_048_576
PORTRAIT_CHARS = 130  # up to this many characters wide a table prints upright (>= 75% size)
HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "align": "center"}


def number_format(column: str) -> str | None:
    """Excel number format from a column name's unit suffix."""
    if column == "year":
        return "0"
    if column == "discount_factor":
        return "0.0000"
    if (
        column in ("utilisation", "achieved", "limit")
        or column.endswith(("share", "sufficiency"))
        or "_share_" in column  # restricted_share_mine, top_country_share_magnet...
    ):
        return "0.0%"
    if column.endswith("_usd_per_kg"):
        return "#,##0.00"
    if column.endswith("_usd"):
        return "#,##0"
    if column == "t" or column.endswith("_t"):
        return "#,##0.0"
    if column.endswith("_s"):
        return "0.000"
    return None


def clean(value: Any) -> Any:
    """A value XlsxWriter can store: NaN/inf and None become blank, numpy scalars plain."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


class Book:
    """An XlsxWriter workbook with cached formats and table helpers."""

    def __init__(self, workbook: xlsxwriter.Workbook, path: Path):
        self.workbook = workbook
        self.path = path
        self._formats: dict[str | None, Any] = {}
        self.header = workbook.add_format(HEADER)
        self.bold = workbook.add_format({"bold": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.overflow: list[tuple[str, Path]] = []

    def fmt(self, number: str | None):
        if number not in self._formats:
            self._formats[number] = (
                self.workbook.add_format({"num_format": number}) if number else None
            )
        return self._formats[number]

    def sheet(self, name: str):
        return self.workbook.add_worksheet(name)

    def table(self, name: str, frame: pd.DataFrame, csv_stem: str | None = None):
        """Write `frame` as a formatted table on a new sheet; a table too long for a sheet
        goes whole to `<csv_stem>_<name>.csv` beside the workbook and the sheet says so."""
        ws = self.sheet(name)
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            target = self.path.with_name(f"{csv_stem or self.path.stem}_{name}.csv")
            frame.to_csv(target, index=False)
            self.overflow.append((name, target))
            ws.write(0, 0, f"{len(frame):,} rows are more than a sheet holds: see {target.name}")
            return ws
        width = write_table(self, ws, frame)
        fit_width(ws, landscape=width > PORTRAIT_CHARS, header_rows=1)
        return ws


def fit_width(ws, landscape: bool = True, header_rows: int = 0) -> None:
    """Print a sheet one page wide on A4 (as many pages down as it needs), the header rows
    repeated on every page and the sheet's name and page number in the footer."""
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.fit_to_pages(1, 0)
    if header_rows:
        ws.repeat_rows(0, header_rows - 1)
    ws.set_footer("&L&A&RPage &P of &N")


def write_table(book: Book, ws, frame: pd.DataFrame, first_row: int = 0) -> int:
    """Header, formatted columns, widths, filter and frozen header; returns the table's
    width in characters (to choose the page orientation)."""
    columns = list(frame.columns)
    total = 0
    for col, name in enumerate(columns):
        ws.write(first_row, col, name, book.header)
        values = [clean(v) for v in frame[name].tolist()]
        fmt = book.fmt(number_format(name))
        for row, value in enumerate(values, start=first_row + 1):
            if value is None:
                continue
            kind = value.__class__
            if kind is str:  # text is text: no formula, number or link guessing
                ws.write_string(row, col, value)
            elif fmt is not None and (kind is float or kind is int):
                ws.write_number(row, col, value, fmt)
            else:
                ws.write(row, col, value)
        sample = values[:100]
        width = max([len(name), *(len(str(v)) for v in sample if v is not None)])
        ws.set_column(col, col, min(max(10, width + 2), 40))
        total += min(max(10, width + 2), 40)
    if columns:
        ws.freeze_panes(first_row + 1, 0)
        ws.autofilter(first_row, 0, first_row + max(len(frame), 1), len(columns) - 1)
    return total


@contextmanager
def open_book(path: str | Path) -> Iterator[Book]:
    """A Book written to a temporary file and moved onto `path` when the block ends cleanly.

    The garbage collector is paused meanwhile: XlsxWriter keeps an object per cell, none of
    them garbage, and rescanning them as they pile up costs a third of a long write."""
    path = Path(path)
    with written_whole(path, ".xlsx.part") as temp, collection_paused():
        workbook = xlsxwriter.Workbook(temp, {"nan_inf_to_errors": True, "strings_to_urls": False})
        try:
            yield Book(workbook, path)
        except BaseException:
            with suppress(Exception):  # the original error is the one to raise
                workbook.close()
            raise
        workbook.close()
