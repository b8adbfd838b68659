"""Write the solution workbook (and the Summary as JSON), readable at a glance and atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from model.lp.costs import COST_COMPONENTS
from model.report.charts import CHART_SHEETS, add_charts
from model.report.xlsx import Book, clean, number_format, open_book, write_table
from model.results.tables import Solution

SUMMARY_TEXT: dict[str, tuple[str, str]] = {
    "status": ("", "optimal, infeasible, unbounded, time_limit or error"),
    "message": ("", "What the solver's status means, in plain words"),
    "objective_usd": ("USD", "Objective: total_cost_usd + risk_weight x risk_usd"),
    "total_cost_usd": ("USD", "Discounted total cost (sum of the components below)"),
    "risk_usd": ("USD", "Risk: t handled x risk score x value at risk, discounted"),
    "risk_weight": ("-", "Weight of risk in the objective"),
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
    "solver_method": ("", "HiGHS's algorithm (Settings: solver_method)"),
    "simplex_iterations": ("-", "Simplex iterations HiGHS took"),
    "ipm_iterations": ("-", "Interior point iterations HiGHS took"),
    "crossover_iterations": ("-", "Crossover iterations (from the interior point to a basis)"),
    "extract_s": ("s", "Reading the solution back"),
    "report_s": ("s", "Building the result tables (for a lean solve, the network again too)"),
}


def summary_text(key: str) -> tuple[str, str]:
    """(unit, description) of a Summary figure; a cost component's come from its registry
    entry (lp.costs)."""
    if key in SUMMARY_TEXT:
        return SUMMARY_TEXT[key]
    component = COST_COMPONENTS.get(key.removesuffix("_usd"))
    if component is not None and key.endswith("_usd"):
        return component.unit, f"{component.label}, discounted"
    return "", ""


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


def write_solution(solution: Solution, path: str | Path) -> Path:
    """Write Summary, ReadMe, Charts and every table to `path` (whole or not at all).

    A table longer than a sheet holds goes to a CSV beside the workbook; the Summary lists it.
    """
    path = Path(path)
    names = ["Summary", "ReadMe"]
    if solution.tables:
        names.append(CHART_SHEETS[0])
    names += list(solution.tables)
    if solution.tables:
        names.append(CHART_SHEETS[1])
    with open_book(path) as book:
        summary_ws = book.sheet("Summary")
        readme = book.sheet("ReadMe")
        charts = book.sheet(CHART_SHEETS[0]) if solution.tables else None
        for name, frame in solution.tables.items():
            book.table(name, frame)
        if charts is not None:
            add_charts(book, charts, solution.tables, solution.heavy)
        summary = dict(solution.summary)
        for sheet, target in book.overflow:
            summary[f"{sheet}_csv"] = target.name
        _write_summary(book, summary_ws, summary)
        readme.write_row(0, 0, ["sheet", "what it holds"], book.header)
        for row, name in enumerate((n for n in names if n != "ReadMe"), start=1):
            readme.write_row(row, 0, [name, SHEET_TEXT.get(name, "")])
        readme.set_column(0, 0, 16)
        readme.set_column(1, 1, 100)
        readme.freeze_panes(1, 0)
        readme.autofilter(0, 0, len(names) - 1, 1)
    return path


def _write_summary(book: Book, ws, summary: dict) -> None:
    ws.write_row(0, 0, ["item", "value", "unit", "description"], book.header)
    for row, (key, value) in enumerate(summary.items(), start=1):
        unit, text = summary_text(key)
        if key.startswith("restricted_share_"):
            unit, text = "share", f"Share handled in restricted countries: {key[17:]}"
        elif key.startswith("top_country_share_"):
            unit, text = "share", f"Share of the largest single country: {key[18:]}"
        elif key.startswith("top_country_"):
            text = f"Largest single country: {key[12:]}"
        if key.endswith("_csv"):
            unit, text = "file", f"The {key[:-4]} table, too long for a sheet, is in this CSV file"
        ws.write(row, 0, key)
        value = clean(value)
        fmt = book.fmt(number_format(key))
        if value is None:
            pass
        elif isinstance(value, int | float) and not isinstance(value, bool) and fmt is not None:
            ws.write_number(row, 1, value, fmt)
        else:
            ws.write(row, 1, value if not isinstance(value, bool) else str(value))
        ws.write(row, 2, unit)
        ws.write(row, 3, text)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 8)
    ws.set_column(3, 3, 70)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(summary), 3)


def summary_json(solution: Solution) -> str:
    """The Summary as one JSON object (NaN becomes null)."""
    return json.dumps({k: clean(v) for k, v in solution.summary.items()}, indent=2)


def write_frontier(frontier, path: str | Path) -> Path:
    """ReadMe on the method, the Frontier table (one row per point) and a cost-vs-risk chart."""
    path = Path(path)
    table = frontier.table
    with open_book(path) as book:
        readme = book.sheet("ReadMe")
        readme.write(0, 0, "Cost-risk efficient frontier", book.title)
        lines = [*frontier.method.splitlines(), "", FRONTIER_COLUMNS]
        for row, line in enumerate(lines, start=1):
            readme.write(row, 0, line)
        readme.set_column(0, 0, 110)
        ws = book.sheet("Frontier")
        write_table(book, ws, table)
        columns = list(table.columns)
        if {"risk_usd", "total_cost_usd"} <= set(columns) and len(table):
            x, y = columns.index("risk_usd"), columns.index("total_cost_usd")
            chart = book.workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
            chart.add_series(
                {
                    "name": "cost-minimal plans",
                    "categories": ["Frontier", 1, x, len(table), x],
                    "values": ["Frontier", 1, y, len(table), y],
                    "marker": {"type": "circle"},
                }
            )
            chart.set_title({"name": "Cost-risk efficient frontier"})
            chart.set_x_axis({"name": "risk (USD, discounted)"})
            chart.set_y_axis({"name": "total cost (USD, discounted)"})
            chart.set_size({"width": 760, "height": 420})
            ws.insert_chart(len(table) + 3, 0, chart)
    return path


FRONTIER_COLUMNS = (
    "Columns: point, risk cap, status, total cost and risk (discounted USD), unmet demand (t), "
    "restricted countries' share per stage, heavy-element self-sufficiency (1 - restricted "
    "share of Dy/Tb at the magnet stage), recycled share of metal reaching magnet plants."
)


def write_table_book(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """A plain workbook of formatted tables, one sheet each."""
    path = Path(path)
    with open_book(path) as book:
        for name, frame in tables.items():
            book.table(name, frame)
    return path
