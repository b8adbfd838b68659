"""Year-across views of the long tables, with totals, for reading and printing: CostsByYear
(component x year in M USD, as spent and discounted) and DemandByYear (segment x year:
demand, served, unmet, in t). They are extra sheets beside the machine-readable Costs and
Demand tables, which stay one row per key with their header in row 1."""

from __future__ import annotations

import pandas as pd

from model.report.xlsx import Book, clean, fit_width

VIEW_SHEETS = {"Costs": "CostsByYear", "Demand": "DemandByYear"}
MILLION = 1e6


def _block(book: Book, ws, row: int, title: str, table: pd.DataFrame, number: str) -> int:
    """A titled block: header (label, years..., total), one row per label, a total row.
    Returns the first free row after it."""
    years = [int(y) for y in table.columns]
    bold_num = book.workbook.add_format({"bold": True, "num_format": number, "top": 1})
    bold_label = book.workbook.add_format({"bold": True, "top": 1})
    fmt = book.fmt(number)
    ws.write(row, 0, title, book.bold)
    row += 1
    ws.write_row(row, 0, [table.index.name or "", *years, "total"], book.header)
    for label, values in table.iterrows():
        row += 1
        ws.write_string(row, 0, str(label))
        for col, value in enumerate(values, start=1):
            ws.write_number(row, col, clean(float(value)) or 0.0, fmt)
        ws.write_number(row, len(years) + 1, clean(float(values.sum())) or 0.0, fmt)
    row += 1
    ws.write_string(row, 0, "total", bold_label)
    totals = table.sum(axis=0)
    for col, value in enumerate(totals, start=1):
        ws.write_number(row, col, clean(float(value)) or 0.0, bold_num)
    ws.write_number(row, len(years) + 1, clean(float(totals.sum())) or 0.0, bold_num)
    return row + 2


def _pivot(frame: pd.DataFrame, index: str, values: str, scale: float = 1.0) -> pd.DataFrame:
    order = list(dict.fromkeys(frame[index]))
    table = frame.pivot_table(index=index, columns="year", values=values, aggfunc="sum")
    table = table.reindex(order).fillna(0.0) / scale
    table.index.name = index
    return table


def _start(book: Book, name: str, title: str, note: str, width: int):
    ws = book.sheet(name)
    ws.write(0, 0, title, book.title)
    ws.write(1, 0, note)
    ws.set_column(0, 0, 22)
    ws.set_column(1, width, 11)
    ws.freeze_panes(5, 1)
    return ws


def write_cost_view(book: Book, costs: pd.DataFrame, first_year: int | None) -> None:
    """CostsByYear: each component per year in M USD as spent, then discounted, with totals."""
    years = sorted(set(costs["year"])) if len(costs) else []
    ws = _start(
        book,
        VIEW_SHEETS["Costs"],
        "Cost by component and year (M USD)",
        "From the Costs sheet (exact USD, one row per component and year). The discounted "
        "total is the Summary's total_cost_usd.",
        len(years) + 1,
    )
    if costs.empty:
        return
    row = _block(
        book,
        ws,
        3,
        "M USD of each year",
        _pivot(costs, "component", "cost_usd", MILLION),
        "#,##0.0",
    )
    base = f" to {first_year}" if first_year else ""
    _block(
        book,
        ws,
        row,
        f"M USD, discounted{base}",
        _pivot(costs, "component", "discounted_cost_usd", MILLION),
        "#,##0.0",
    )
    fit_width(ws, landscape=True)


def write_demand_view(book: Book, demand: pd.DataFrame) -> None:
    """DemandByYear: demand, served and unmet t per segment and year, with totals."""
    years = sorted(set(demand["year"])) if len(demand) else []
    ws = _start(
        book,
        VIEW_SHEETS["Demand"],
        "Demand by segment and year (t of magnets)",
        "From the Demand sheet (one row per segment and year).",
        len(years) + 1,
    )
    if demand.empty:
        return
    row = 3
    for column, title in (
        ("demand_t", "demand (t)"),
        ("served_t", "served (t)"),
        ("unmet_t", "unmet (t)"),
    ):
        row = _block(book, ws, row, title, _pivot(demand, "segment", column), "#,##0")
    fit_width(ws, landscape=True)
