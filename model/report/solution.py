"""Write the solution workbook (and the Summary as JSON), readable at a glance and atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from model.lp.costs import COST_COMPONENTS
from model.report.charts import CHART_SHEETS, add_charts
from model.report.money import EXCEL_MILLIONS, excel_scaled, money_scale
from model.report.views import VIEW_SHEETS, write_cost_view, write_demand_view
from model.report.xlsx import Book, clean, fit_width, number_format, open_book, write_table
from model.results.kpis import KPI_SPEC, TopCountry
from model.results.tables import Solution

KPI_NAMES = {
    name
    for kpi in KPI_SPEC
    for name in (
        (f"top_country_{kpi.stage}", f"top_country_share_{kpi.stage}")
        if isinstance(kpi, TopCountry)
        else (kpi.name,)
    )
}

SUMMARY_TEXT: dict[str, tuple[str, str]] = {
    "status": ("", "optimal, infeasible, unbounded, time_limit or error"),
    "message": ("", "What the solver's status means, in plain words"),
    "objective_usd": ("USD", "Objective: total_cost_usd + risk_weight x risk_usd"),
    "total_cost_usd": ("USD", "Discounted total cost (sum of the components below)"),
    "risk_usd": ("USD", "Risk: t handled x risk score x value at risk, discounted"),
    "risk_weight": ("-", "Weight of risk in the objective"),
    "emissions_t_co2e": ("t CO2e", "Emissions of the plan over the horizon (sites, transport)"),
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
    "mip_gap": ("share", "Relative gap of the go/no-go (MIP) solve: how far from proven best"),
    "plan": ("", "Which plan this workbook shows"),
    "robust_objective_usd": (
        "USD",
        "The robust plan's objective: expected cost + cvar_weight "
        "x CVaR over the scenarios (discounted)",
    ),
    "expected_cost_usd": ("USD", "Probability-weighted cost of the scenarios (discounted)"),
    "cvar_usd": ("USD", "Expected cost of the worst 1 - cvar_alpha of probability"),
    "evpi_usd": ("USD", "Expected value of perfect information: robust plan - wait and see"),
    "vss_usd": (
        "USD",
        "Value of the stochastic solution: the nominal plan's first stage "
        "evaluated in every scenario, minus the robust plan",
    ),
    "robust_plan": ("", "What the robust plan commits to and what it costs or saves"),
    "scenarios": ("-", "Scenarios, the workbook as it is (nominal) included"),
    "structures": ("-", "Distinct network structures among the scenarios"),
    "reveal_year": ("year", "Plans before this year are the same in every scenario"),
    "cvar_alpha": ("share", "CVaR's level"),
    "cvar_weight": ("-", "CVaR's weight in the objective"),
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
    "Summary": "In four sections: plan (status, demand served and why not), cost (objective "
    "and discounted components), supply security (the KPIs) and diagnostics.",
    "Costs": "Cost per component and year, in that year's USD and discounted to first_year.",
    "Flows": "Every non-zero flow: from, to, commodity, item, year, tonnes and its cost.",
    "ElementFlows": "What each flow carries of each element, in t of metal equivalent "
    "(oxide x oxide_to_metal): an element's path from mine to segment.",
    "Sites": "Throughput, capacity (projects built included: built_t), utilisation, the value "
    "of 1 more kg of capacity, and the site's lat/lon when the input gives them.",
    "Demand": "Demand, served, unmet and the marginal cost of 1 more kg, per segment and year.",
    "Shares": "t of each element handled per stage, country and year, and the country's share.",
    "Unused": "Output made but neither used nor sold, and swarf not recycled.",
    "Marginals": "Value of 1 more kg of an element at each processing site (balance duals).",
    "ElementBalance": "Each element's supply routes and uses per year, in t of metal "
    "equivalent (oxide x oxide_to_metal).",
    "Charts": "Supply by country per stage, cost by component, unmet demand, emissions by "
    "stage, Dy/Tb routes; one colour per country in every chart.",
    "CostsByYear": "View: cost by component across the years with totals, in M USD as spent "
    "and discounted (the Costs sheet holds the exact figures).",
    "DemandByYear": "View: demand, served and unmet t by segment across the years, with "
    "totals (the Demand sheet holds one row per segment and year).",
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
    "Projects": "Per project: capacity built (t/yr), when it comes online, capex and the "
    "value of 1 more t/yr of it.",
    "Scenarios": "Per scenario (robust plans): probability, cost, unmet demand and China's "
    "magnet share under the robust plan, and under the plan for the workbook as it is.",
    "FirstStage": "What the robust plan commits to before the scenario is known (capacity "
    "built, stocks), against the plan for the workbook as it is.",
    "ScenarioCosts": "Each scenario's cost per component and year (robust plan).",
    "Emissions": "t CO2e per site (stage, country) and year; transport between regions apart.",
}


def write_solution(solution: Solution, path: str | Path) -> Path:
    """Write Summary, ReadMe, Charts and every table to `path` (whole or not at all).

    A table longer than a sheet holds goes to a CSV beside the workbook; the Summary lists it.
    """
    path = Path(path)
    names = ["Summary", "ReadMe"]
    if solution.tables:
        names.append(CHART_SHEETS[0])
    for name in solution.tables:
        names.append(name)
        if name in VIEW_SHEETS:
            names.append(VIEW_SHEETS[name])
    if solution.tables:
        names.append(CHART_SHEETS[1])
    with open_book(path) as book:
        summary_ws = book.sheet("Summary")
        readme = book.sheet("ReadMe")
        charts = book.sheet(CHART_SHEETS[0]) if solution.tables else None
        for name, frame in solution.tables.items():
            book.table(name, frame)
            if name == "Costs":
                first = int(frame["year"].min()) if len(frame) else None
                write_cost_view(book, frame, first)
            elif name == "Demand":
                write_demand_view(book, frame)
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
        fit_width(readme, landscape=False, header_rows=1)
    return path


SECTIONS = ("plan", "cost", "supply security", "diagnostics")
PLAN_KEYS = ("status", "message", "explanation", "demand_t", "served_t", "unmet_t")
SECTION_FILL = "#DDEBF7"


def summary_section(key: str) -> str:
    """The Summary section a figure belongs to: plan (status, demand served and why not),
    cost (objective, components, risk), supply security (the KPIs) or diagnostics
    (provenance, model size, timings)."""
    if key in PLAN_KEYS:
        return "plan"
    if key in KPI_NAMES or key.startswith(("restricted_share_", "top_country_")):
        return "supply security"
    if key == "emissions_t_co2e":
        return "supply security"
    if key.endswith("_usd") or key == "risk_weight":
        return "cost"
    if key.endswith(("_share", "_sufficiency")):
        return "supply security"
    return "diagnostics"


def _summary_row(key: str) -> tuple[str, str]:
    """(unit, description) of a Summary key, KPIs and overflow files included."""
    unit, text = summary_text(key)
    if key.startswith("restricted_share_"):
        unit, text = "share", f"Share handled in restricted countries: {key[17:]}"
    elif key.startswith("top_country_share_"):
        unit, text = "share", f"Share of the largest single country: {key[18:]}"
    elif key.startswith("top_country_"):
        text = f"Largest single country: {key[12:]}"
    elif key == "heavy_self_sufficiency":
        unit = "share"
        text = "Share of the heavy elements (Dy, Tb) in magnets from unrestricted countries"
    elif key == "recycled_share":
        unit, text = "share", "Share of the metal reaching magnet plants that is recycled"
    elif key in ("columns", "rows", "nonzeros"):
        unit, text = "-", f"Size of the linear program: {key}"
    elif key.endswith("_version") or key == "solver":
        text = text or f"Version of {key.removesuffix('_version')}"
    if key.endswith("_csv"):
        unit, text = "file", f"The {key[:-4]} table, too long for a sheet, is in this CSV file"
    return unit, text


def summary_format(key: str, unit: str) -> str | None:
    """Number format of a Summary value by its unit: percent for shares, M USD for money,
    t with one decimal, seconds with two."""
    if unit == "share" or key.endswith(("_share", "_sufficiency")):
        return "0.0%"
    if unit == "USD" or key.endswith("_usd"):
        return EXCEL_MILLIONS
    if unit == "s" or key.endswith("_s"):
        return "0.00"
    if unit.startswith("t"):
        return "#,##0.0"
    if key in ("columns", "rows", "nonzeros", "simplex_iterations"):
        return "#,##0"
    return number_format(key)


def _write_summary(book: Book, ws, summary: dict) -> None:
    """One row per figure (item, value, unit, description, section), in four sections:
    plan, cost, supply security and diagnostics; each section opens with a shaded row."""
    ws.write_row(0, 0, ["item", "value", "unit", "description", "section"], book.header)
    keys = sorted(summary, key=lambda k: SECTIONS.index(summary_section(k)))  # stable
    first_of: dict[str, str] = {}
    for key in keys:
        first_of.setdefault(summary_section(key), key)
    opening = set(first_of.values())
    band = book.workbook.add_format({"bold": True, "bg_color": SECTION_FILL, "top": 1})
    for row, key in enumerate(keys, start=1):
        unit, text = _summary_row(key)
        section = summary_section(key)
        value = clean(summary[key])
        number = summary_format(key, unit)
        if key in opening:
            fmt = book.workbook.add_format(
                {"bg_color": SECTION_FILL, "top": 1, **({"num_format": number} if number else {})}
            )
            plain = book.workbook.add_format({"bg_color": SECTION_FILL, "top": 1})
        else:
            fmt, plain = book.fmt(number), None
        ws.write_string(row, 0, key, band if key in opening else None)
        if value is None:
            ws.write_blank(row, 1, None, plain)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(row, 1, value, fmt)
        else:
            ws.write_string(row, 1, str(value), plain)
        ws.write_string(row, 2, unit, plain)
        ws.write_string(row, 3, text, plain)
        ws.write_string(row, 4, section, band if key in opening else None)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 8)
    ws.set_column(3, 3, 70)
    ws.set_column(4, 4, 16)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(summary), 4)
    fit_width(ws, landscape=True, header_rows=1)


def summary_json(summary: dict[str, Any]) -> str:
    """A Summary as one JSON object (NaN becomes null)."""
    return json.dumps({k: clean(v) for k, v in summary.items()}, indent=2)


def write_frontier(frontier, path: str | Path) -> Path:
    """ReadMe on the method, the Frontier table (one row per point) and a cost-vs-risk chart."""
    path = Path(path)
    table = frontier.table
    with open_book(path) as book:
        readme = book.sheet("ReadMe")
        readme.write(0, 0, frontier.title, book.title)
        lines = [*frontier.method.splitlines(), "", FRONTIER_COLUMNS]
        for row, line in enumerate(lines, start=1):
            readme.write(row, 0, line)
        readme.set_column(0, 0, 110)
        fit_width(readme, landscape=False)
        ws = book.sheet("Frontier")
        write_table(book, ws, table)
        fit_width(ws, header_rows=1)
        columns = list(table.columns)
        if set(frontier.axes) <= set(columns) and len(table):
            x, y = (columns.index(name) for name in frontier.axes)
            chart = book.workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
            chart.add_series(
                {
                    "name": "cost-minimal plans",
                    "categories": ["Frontier", 1, x, len(table), x],
                    "values": ["Frontier", 1, y, len(table), y],
                    "marker": {"type": "circle"},
                }
            )
            chart.set_title({"name": frontier.title})
            x_scale, x_unit = money_scale(_numbers(table[frontier.axes[0]]))
            y_scale, y_unit = money_scale(_numbers(table[frontier.axes[1]]))
            chart.set_x_axis(
                {
                    "name": f"{frontier.titles[0]} ({x_unit}, discounted)",
                    "num_format": excel_scaled(x_scale),
                }
            )
            chart.set_y_axis(
                {
                    "name": f"{frontier.titles[1]} ({y_unit}, discounted)",
                    "num_format": excel_scaled(y_scale),
                }
            )
            chart.set_size({"width": 760, "height": 420})
            ws.insert_chart(len(table) + 3, 0, chart)
    return path


def _numbers(column: pd.Series) -> list[float]:
    return [float(v) for v in pd.to_numeric(column, errors="coerce").dropna()]


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
