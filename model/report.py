"""Write the solution workbook (and the Summary as JSON), readable at a glance and atomically."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .atomic import atomic_save
from .charts import add_charts
from .results import Solution
from .terms import COST_COMPONENTS, COST_LABELS

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")

SUMMARY_TEXT: dict[str, tuple[str, str]] = {
    "status": ("", "optimal, infeasible, unbounded, time_limit or error"),
    "message": ("", "What the solver's status means, in plain words"),
    "objective_usd": ("USD", "Objective: total_cost_usd + risk_weight x risk_usd"),
    "total_cost_usd": ("USD", "Discounted total cost (sum of the components below)"),
    "risk_usd": ("USD", "Risk: t handled x risk score x value at risk, discounted"),
    "risk_weight": ("-", "Weight of risk in the objective"),
    **{f"{c}_usd": ("USD", f"{COST_LABELS[c]}, discounted") for c in COST_COMPONENTS},
    "demand_t": ("t", "Magnet demand over the horizon"),
    "served_t": ("t", "Demand served"),
    "unmet_t": ("t", "Demand not served (priced at the unmet penalty)"),
    "explanation": ("", "Why demand is unmet, or why there is no plan, in plain words"),
    "input_file": ("", "Input workbook"),
    "input_sha256": ("", "SHA-256 of the input workbook's bytes"),
    "read_s": ("s", "Reading and validating the workbook"),
    "build_s": ("s", "Deriving the network and building the Pyomo model"),
    "handoff_s": ("s", "Compiling the model and passing it to HiGHS"),
    "solve_s": ("s", "HiGHS run time"),
    "extract_s": ("s", "Reading the solution back"),
    "report_s": ("s", "Building the result tables"),
}

SHEET_TEXT = {
    "Summary": "Status, objective, cost components (discounted USD), KPIs and provenance.",
    "Costs": "Cost per component and year, in that year's USD and discounted to first_year.",
    "Flows": "Every non-zero flow: from, to, commodity, item, year, tonnes and its cost.",
    "Sites": "Throughput, capacity, utilisation and the value of 1 more kg of capacity.",
    "Demand": "Demand, served, unmet and the marginal cost of 1 more kg, per segment and year.",
    "Shares": "t of each element handled per stage, country and year, and the country's share.",
    "Unused": "Output made but neither used nor sold, and swarf not recycled.",
    "Marginals": "Value of 1 more kg of an element at each processing site (balance duals).",
    "ElementBalance": "Each element's supply routes and uses per year, in t of metal "
    "equivalent (oxide x oxide_to_metal).",
    "Charts": "Supply by country per stage, cost by component, unmet demand, Dy/Tb routes.",
    "ChartData": "The small tables the charts draw from.",
    "Risk": "Risk by country, stage and year: t handled x risk score x value at risk.",
    "Policies": "Per policy and year: achieved, limit, binding, shadow price, violation.",
    "Contracts": "Per contract and year: take, limits, take-or-pay shortfall and payment.",
    "Stocks": "End-of-year stock levels, bounds and holding cost.",
    "Compliance": "Magnets received by segments requiring compliant chains; the compliant part.",
    "Ranging": "How far each used source's cost and each binding capacity can move before "
    "the plan changes (HiGHS ranging; 100% rule across a source's arcs).",
    "Explanations": "For each segment and year with unmet demand: the binding limits upstream "
    "of it, ranked by what 1 more kg of each would save.",
}


def number_format(column: str) -> str | None:
    """Excel number format from a column name's unit suffix."""
    if column == "year":
        return "0"
    if column in ("share", "utilisation", "discount_factor") or column.startswith("restricted_"):
        return "0.0%" if column != "discount_factor" else "0.0000"
    if column.endswith("_usd_per_kg"):
        return "#,##0.00"
    if column.endswith("_usd"):
        return "#,##0"
    if column == "t" or column.endswith("_t"):
        return "#,##0.0"
    if column.endswith("_s"):
        return "0.000"
    return None


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_solution(solution: Solution, path: str | Path) -> Path:
    """Write Summary, ReadMe and every table to `path` (whole or not at all)."""
    book = Workbook()
    ws = book.active
    ws.title = "Summary"
    ws.append(["item", "value", "unit", "description"])
    for key, value in solution.summary.items():
        unit, text = SUMMARY_TEXT.get(key, ("", ""))
        if key.startswith("restricted_share_"):
            unit, text = "share", f"Share handled in restricted countries: {key[17:]}"
        ws.append([key, _clean(value), unit, text])
        fmt = number_format(key)
        if fmt and isinstance(value, int | float):
            ws.cell(ws.max_row, 2).number_format = fmt
    _style(ws, widths={"A": 34, "B": 24, "C": 8, "D": 70})
    for name, frame in solution.tables.items():
        write_table(book.create_sheet(name), frame)
    if solution.tables:
        add_charts(book, solution.tables, solution.heavy)
    readme = book.create_sheet("ReadMe", 1)
    readme.append(["sheet", "what it holds"])
    for name in book.sheetnames:
        if name != "ReadMe":
            readme.append([name, SHEET_TEXT.get(name, "")])
    _style(readme, widths={"A": 14, "B": 100})
    return atomic_save(book, Path(path))


def write_table(ws, frame: pd.DataFrame) -> None:
    """A formatted table: styled header, number formats by unit, widths, filter, frozen header."""
    columns = list(frame.columns)
    ws.append(columns)
    for row in frame.itertuples(index=False, name=None):
        ws.append([_clean(v) for v in row])
    for pos, column in enumerate(columns, start=1):
        fmt = number_format(column)
        letter = get_column_letter(pos)
        if fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        width = (
            max(len(column), *(len(str(v)) for v in frame[column].head(100)))
            if len(frame)
            else len(column)
        )
        ws.column_dimensions[letter].width = min(max(10, width + 2), 40)
    _style(ws)


def _style(ws, widths: dict[str, float] | None = None) -> None:
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    for letter, width in (widths or {}).items():
        ws.column_dimensions[letter].width = width


def summary_json(solution: Solution) -> str:
    """The Summary as one JSON object (NaN becomes null)."""
    return json.dumps({k: _clean(v) for k, v in solution.summary.items()}, indent=2)


def write_frontier(frontier, path: str | Path) -> Path:
    """Frontier sheet (one row per point), a cost-vs-risk chart and a ReadMe on the method."""
    from openpyxl.chart import Reference, ScatterChart, Series

    book = Workbook()
    ws = book.active
    ws.title = "Frontier"
    write_table(ws, frontier.table)
    table = frontier.table
    if {"risk_usd", "total_cost_usd"} <= set(table.columns) and len(table):
        x_col = list(table.columns).index("risk_usd") + 1
        y_col = list(table.columns).index("total_cost_usd") + 1
        chart = ScatterChart()
        chart.title = "Cost-risk efficient frontier"
        chart.style = 13
        chart.x_axis.title = "risk (USD, discounted)"
        chart.y_axis.title = "total cost (USD, discounted)"
        xs = Reference(ws, min_col=x_col, min_row=2, max_row=len(table) + 1)
        ys = Reference(ws, min_col=y_col, min_row=1, max_row=len(table) + 1)
        series = Series(ys, xs, title_from_data=True)
        series.marker.symbol = "circle"
        chart.series.append(series)
        chart.width, chart.height = 20, 11
        ws.add_chart(chart, f"A{len(table) + 4}")
    readme = book.create_sheet("ReadMe", 0)
    readme.append(["Cost-risk efficient frontier"])
    readme["A1"].font = Font(bold=True, size=14)
    for line in frontier.method.splitlines():
        readme.append([line])
    readme.append([])
    readme.append(
        [
            "Columns: point, risk cap, status, total cost and risk (discounted USD), "
            "unmet demand (t), restricted countries' share per stage, heavy-element "
            "self-sufficiency (1 - restricted share of Dy/Tb at the magnet stage), "
            "recycled share of metal reaching magnet plants."
        ]
    )
    readme.column_dimensions["A"].width = 110
    return atomic_save(book, Path(path))


def write_table_book(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """A plain workbook of formatted tables, one sheet each."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        write_table(book.create_sheet(name), frame)
    return atomic_save(book, Path(path))
