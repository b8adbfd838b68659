"""Native Excel charts for the solution workbook: supply by country per stage, cost breakdown,
unmet demand and the heavy-element balance. Chart data goes to a ChartData sheet as small
year-by-series tables; the charts on a Charts sheet point at them."""

from __future__ import annotations

import pandas as pd

from model.report.xlsx import Book, clean
from model.stages import SUPPLY_STAGES

CHART_SHEETS = ("Charts", "ChartData")
SOURCES = {
    "separated_t": "separated",
    "recycled_t": "recycled",
    "bought_oxide_t": "bought as oxide",
    "bought_metal_t": "bought as metal",
    "in_bought_magnets_t": "in bought magnets",
}
CHART_SIZE = {"width": 640, "height": 320}
ROW_STEP = 17  # rows between chart tops on the Charts sheet


def _pivot(frame: pd.DataFrame, columns: str, values: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame()
    table = frame.pivot_table(index="year", columns=columns, values=values, aggfunc="sum")
    return table.fillna(0.0).sort_index()


def chart_plans(
    tables: dict[str, pd.DataFrame], heavy: list[str]
) -> list[tuple[str, str, pd.DataFrame, bool]]:
    """(title, unit, year-by-series table, stacked) for every chart of a solution."""
    plans: list[tuple[str, str, pd.DataFrame, bool]] = []
    shares = tables.get("Shares", pd.DataFrame())
    for stage in SUPPLY_STAGES:
        rows = shares[shares["stage"] == stage] if not shares.empty else shares
        title = f"Supply by country: {stage} (t of tracked elements)"
        plans.append((title, "t", _pivot(rows, "country", "t"), True))
    costs = tables.get("Costs", pd.DataFrame())
    title = "Cost by component (USD of each year)"
    plans.append((title, "USD", _pivot(costs, "component", "cost_usd"), True))
    demand = tables.get("Demand", pd.DataFrame())
    title = "Unmet demand by segment (t of magnets)"
    plans.append((title, "t", _pivot(demand, "segment", "unmet_t"), False))
    emissions = tables.get("Emissions", pd.DataFrame())
    title = "Emissions by stage (t CO2e)"
    plans.append((title, "t CO2e", _pivot(emissions, "stage", "co2e_t"), True))
    balance = tables.get("ElementBalance", pd.DataFrame())
    for element in heavy:
        rows = balance[balance["element"] == element] if not balance.empty else balance
        if rows.empty:
            continue
        table = rows.set_index("year")[list(SOURCES)].rename(columns=SOURCES)
        plans.append((f"{element} supply by route (t metal equivalent)", "t", table, True))
    return [p for p in plans if not p[2].empty and len(p[2].columns)]


def add_charts(book: Book, charts_ws, tables: dict[str, pd.DataFrame], heavy: list[str]) -> None:
    """Fill the Charts sheet and write the ChartData sheet the charts read from."""
    data_ws = book.sheet(CHART_SHEETS[1])
    charts_ws.write(0, 0, "Charts of the plan (data in the ChartData sheet)", book.title)
    row = 0
    for position, (title, unit, table, stacked) in enumerate(chart_plans(tables, heavy)):
        top = row
        data_ws.write(row, 0, title, book.bold)
        row += 1
        data_ws.write(row, 0, "year", book.bold)
        for col, name in enumerate(table.columns, start=1):
            data_ws.write(row, col, str(name), book.bold)
        header = row
        for year, values in table.iterrows():
            row += 1
            data_ws.write_number(row, 0, int(year))
            for col, value in enumerate(values, start=1):
                data_ws.write_number(row, col, clean(float(value)) or 0.0, book.fmt("#,##0"))
        kind = {"type": "column", "subtype": "stacked"} if stacked else {"type": "column"}
        chart = book.workbook.add_chart(kind)
        for col, name in enumerate(table.columns, start=1):
            chart.add_series(
                {
                    "name": [CHART_SHEETS[1], header, col],
                    "categories": [CHART_SHEETS[1], header + 1, 0, row, 0],
                    "values": [CHART_SHEETS[1], header + 1, col, row, col],
                    **({"gap": 50} if stacked else {}),
                }
            )
            del name
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_x_axis({"name": "year"})
        chart.set_y_axis({"name": unit, "num_format": "#,##0"})
        chart.set_size(CHART_SIZE)
        chart.set_legend({"position": "right"})
        charts_ws.insert_chart(2 + (position // 2) * ROW_STEP, 0 if position % 2 == 0 else 10,
                               chart)  # fmt: skip
        row += 2
        del top
    data_ws.set_column(0, 0, 12)
