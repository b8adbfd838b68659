"""Native Excel charts for the solution workbook: supply by country per stage, cost breakdown,
unmet demand and the heavy-element balance. Chart data goes to a ChartData sheet as small
year-by-series tables; the charts on a Charts sheet point at them."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

SUPPLY_STAGES = ("mine", "separation", "metal", "magnet", "recycling")
SOURCES = {
    "separated_t": "separated",
    "recycled_t": "recycled",
    "bought_oxide_t": "bought as oxide",
    "bought_metal_t": "bought as metal",
    "in_bought_magnets_t": "in bought magnets",
}
CHART_W, CHART_H = 17.0, 8.5  # cm
ROW_STEP = 18  # chart rows on the Charts sheet


def _pivot(frame: pd.DataFrame, columns: str, values: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame()
    table = frame.pivot_table(index="year", columns=columns, values=values, aggfunc="sum")
    return table.fillna(0.0).sort_index()


def add_charts(book: Workbook, tables: dict[str, pd.DataFrame], heavy: list[str]) -> None:
    """Add ChartData and Charts sheets built from the solution tables."""
    data_ws = book.create_sheet("ChartData")
    charts_ws = book.create_sheet("Charts", 1)
    charts_ws["A1"] = "Charts of the plan (data in the ChartData sheet)"
    charts_ws["A1"].font = Font(bold=True, size=14)
    plans: list[tuple[str, str, pd.DataFrame, bool]] = []
    shares = tables.get("Shares", pd.DataFrame())
    for stage in SUPPLY_STAGES:
        rows = shares[shares["stage"] == stage] if not shares.empty else shares
        plans.append(
            (
                f"Supply by country: {stage} (t of tracked elements)",
                "t",
                _pivot(rows, "country", "t"),
                True,
            )
        )
    costs = tables.get("Costs", pd.DataFrame())
    plans.append(
        (
            "Cost by component (USD of each year)",
            "USD",
            _pivot(costs, "component", "cost_usd"),
            True,
        )
    )
    demand = tables.get("Demand", pd.DataFrame())
    plans.append(
        ("Unmet demand by segment (t of magnets)", "t", _pivot(demand, "segment", "unmet_t"), False)
    )
    balance = tables.get("ElementBalance", pd.DataFrame())
    for element in heavy:
        rows = balance[balance["element"] == element] if not balance.empty else balance
        if rows.empty:
            continue
        table = rows.set_index("year")[list(SOURCES)].rename(columns=SOURCES)
        plans.append((f"{element} supply by route (t metal equivalent)", "t", table, True))

    row = 1
    for position, (title, unit, table, stacked) in enumerate(plans):
        if table.empty or not len(table.columns):
            continue
        first = row
        data_ws.cell(row, 1, title).font = Font(bold=True)
        row += 1
        data_ws.cell(row, 1, "year").font = Font(bold=True)
        for col, name in enumerate(table.columns, start=2):
            data_ws.cell(row, col, str(name)).font = Font(bold=True)
        for year, values in table.iterrows():
            row += 1
            data_ws.cell(row, 1, int(year))
            for col, value in enumerate(values, start=2):
                data_ws.cell(row, col, float(value)).number_format = "#,##0"
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.y_axis.title = unit
        chart.x_axis.title = "year"
        if stacked:
            chart.grouping = "stacked"
            chart.overlap = 100
        chart.width, chart.height = CHART_W, CHART_H
        chart.add_data(
            Reference(
                data_ws, min_col=2, max_col=1 + len(table.columns), min_row=first + 1, max_row=row
            ),
            titles_from_data=True,
        )
        chart.set_categories(Reference(data_ws, min_col=1, min_row=first + 2, max_row=row))
        anchor_col = "A" if position % 2 == 0 else "L"
        charts_ws.add_chart(chart, f"{anchor_col}{3 + (position // 2) * ROW_STEP}")
        row += 2
