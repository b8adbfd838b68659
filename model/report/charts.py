"""Native Excel charts for the solution workbook: supply by country per stage, cost breakdown,
unmet demand and the heavy-element balance. Chart data goes to a ChartData sheet as small
year-by-series tables; the charts on a Charts sheet point at them.

Every country has one colour in every chart (report.colours); money is in M or bn USD with
the unit in the title; year labels sit below the plot, clear of negative bars; the charts lie
on a grid of two per row that prints two rows to a landscape A4 page without cutting one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from model.report.colours import component_colour, country_colour, series_colours
from model.report.money import decimals_for, excel_number, money_scale
from model.report.xlsx import Book, clean, fit_width
from model.stages import SUPPLY_STAGES

CHART_SHEETS = ("Charts", "ChartData")
SOURCES = {
    "separated_t": "separated",
    "recycled_t": "recycled",
    "bought_oxide_t": "bought as oxide",
    "bought_metal_t": "bought as metal",
    "in_bought_magnets_t": "in bought magnets",
}
CHART_SIZE = {"width": 640, "height": 340}
ROW_STEP = 19  # rows (20 px each) between chart tops: the chart and a gap
COLUMN_STEP = 11  # columns (64 px each) between the two charts of a row
FIRST_ROW = 2
CHART_ROWS_PER_PAGE = 2


@dataclass
class ChartPlan:
    """One chart: its title (with the unit), axis unit, year-by-series table, whether stacked,
    a colour per series and the number format of its values."""

    title: str
    unit: str
    table: pd.DataFrame
    stacked: bool
    colours: dict[str, str] = field(default_factory=dict)
    number_format: str = "#,##0"
    category: str = "year"  # what the table's index (the x axis) holds


def year_pivot(frame: pd.DataFrame, columns: str, values: str) -> pd.DataFrame:
    """`values` summed per year (rows) and `columns` (columns), 0 where there is none."""
    if frame.empty:
        return pd.DataFrame()
    table = frame.pivot_table(index="year", columns=columns, values=values, aggfunc="sum")
    return table.fillna(0.0).sort_index()


def chart_plans(tables: dict[str, pd.DataFrame], heavy: list[str]) -> list[ChartPlan]:
    """Every chart of a solution, in the order they are laid out."""
    plans: list[ChartPlan] = []
    shares = tables.get("Shares", pd.DataFrame())
    for stage in SUPPLY_STAGES:
        rows = shares[shares["stage"] == stage] if not shares.empty else shares
        table = year_pivot(rows, "country", "t")
        colours = {str(c): country_colour(str(c)) for c in table.columns}
        title = f"Supply by country: {stage} (t of tracked elements)"
        plans.append(ChartPlan(title, "t", table, True, colours))
    costs = tables.get("Costs", pd.DataFrame())
    table = year_pivot(costs, "component", "cost_usd")
    if not table.empty:
        order = list(dict.fromkeys(costs["component"]))
        table = table[[c for c in order if c in table.columns]]
        table = table.loc[:, (table.abs() > 0.5).any()]  # components that cost nothing
        divisor, unit = money_scale(table.sum(axis=1).tolist() + table.stack().tolist())
        table = table / divisor
        colours = {str(c): component_colour(str(c)) for c in table.columns}
        title = f"Cost by component ({unit} of each year)"
        number = excel_number(decimals_for(1.0, table.stack().tolist()))
        plans.append(ChartPlan(title, unit, table, True, colours, number))
    demand = tables.get("Demand", pd.DataFrame())
    table = year_pivot(demand, "segment", "unmet_t")
    if not table.empty and (table > 0).any().any():
        table = table.loc[:, (table > 0).any()]
        title = "Unmet demand by segment (t of magnets)"
        plans.append(ChartPlan(title, "t", table, True, series_colours(list(table.columns))))
    emissions = year_pivot(tables.get("Emissions", pd.DataFrame()), "stage", "co2e_t")
    if not emissions.empty:
        title = "Emissions by stage (t CO2e)"
        colours = series_colours(list(emissions.columns))
        plans.append(ChartPlan(title, "t CO2e", emissions, True, colours))
    balance = tables.get("ElementBalance", pd.DataFrame())
    route_colours = series_colours(list(SOURCES.values()))
    for element in heavy:
        rows = balance[balance["element"] == element] if not balance.empty else balance
        if rows.empty:
            continue
        table = rows.set_index("year")[list(SOURCES)].rename(columns=SOURCES)
        title = f"{element} supply by route (t metal equivalent)"
        plans.append(ChartPlan(title, "t", table, True, route_colours))
    plans += _scenario_plans(tables.get("Scenarios", pd.DataFrame()))
    return [p for p in plans if not p.table.empty and len(p.table.columns)]


def _scenario_plans(scenarios: pd.DataFrame) -> list[ChartPlan]:
    """Cost per scenario under the robust plan and under the plan for the workbook as it is
    (a robust plan's solution, studies.robust)."""
    columns = {"objective_usd": "robust plan", "nominal_plan_objective_usd": "nominal plan"}
    if scenarios.empty or not set(columns) <= set(scenarios.columns):
        return []
    table = scenarios.set_index("scenario")[list(columns)].rename(columns=columns)
    divisor, unit = money_scale(table.stack().tolist())
    table = table / divisor
    colours = series_colours(list(table.columns))
    number = excel_number(decimals_for(1.0, table.stack().tolist()))
    title = f"Cost per scenario ({unit}, discounted)"
    return [ChartPlan(title, unit, table, False, colours, number, "scenario")]


def chart_anchor(position: int) -> tuple[int, int]:
    """(row, column) of the top-left cell of the chart at `position` on the grid."""
    return FIRST_ROW + (position // 2) * ROW_STEP, 0 if position % 2 == 0 else COLUMN_STEP


def add_charts(book: Book, charts_ws, tables: dict[str, pd.DataFrame], heavy: list[str]) -> None:
    """Fill the Charts sheet and write the ChartData sheet the charts read from."""
    data_ws = book.sheet(CHART_SHEETS[1])
    charts_ws.write(0, 0, "Charts of the plan (data in the ChartData sheet)", book.title)
    plans = chart_plans(tables, heavy)
    row = 0
    for position, plan in enumerate(plans):
        table = plan.table
        data_ws.write(row, 0, plan.title, book.bold)
        row += 1
        data_ws.write(row, 0, plan.category, book.bold)
        for col, name in enumerate(table.columns, start=1):
            data_ws.write(row, col, str(name), book.bold)
        header = row
        fmt = book.fmt(plan.number_format)
        for key, values in table.iterrows():
            row += 1
            if plan.category == "year":
                data_ws.write_number(row, 0, int(key))
            else:
                data_ws.write_string(row, 0, str(key))
            for col, value in enumerate(values, start=1):
                data_ws.write_number(row, col, clean(float(value)) or 0.0, fmt)
        kind = {"type": "column", "subtype": "stacked"} if plan.stacked else {"type": "column"}
        chart = book.workbook.add_chart(kind)
        for col, name in enumerate(table.columns, start=1):
            colour = plan.colours.get(str(name))
            chart.add_series(
                {
                    "name": [CHART_SHEETS[1], header, col],
                    "categories": [CHART_SHEETS[1], header + 1, 0, row, 0],
                    "values": [CHART_SHEETS[1], header + 1, col, row, col],
                    "gap": 50,
                    **({"fill": {"color": colour}, "border": {"none": True}} if colour else {}),
                }
            )
        chart.set_title({"name": plan.title, "name_font": {"size": 11}})
        chart.set_x_axis({"name": plan.category, "label_position": "low", "num_font": {"size": 9}})
        chart.set_y_axis(
            {
                "name": plan.unit,
                "num_format": plan.number_format,
                "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
            }
        )
        chart.set_size(CHART_SIZE)
        chart.set_legend({"position": "right", "font": {"size": 9}})
        charts_ws.insert_chart(*chart_anchor(position), chart)
        row += 2
    data_ws.set_column(0, 0, 12)
    _print_grid(charts_ws, len(plans))
    fit_width(data_ws)


def _print_grid(ws, n_charts: int) -> None:
    """One landscape A4 page wide (fit_width) with a page break after every second row of
    charts, so no chart is cut at a page edge."""
    ws.set_column(0, 2 * COLUMN_STEP, 8.43)  # explicit widths: every client lays out 64 px
    fit_width(ws)
    rows_of_charts = (n_charts + 1) // 2
    breaks = [
        FIRST_ROW + k * CHART_ROWS_PER_PAGE * ROW_STEP - 1
        for k in range(1, (rows_of_charts + CHART_ROWS_PER_PAGE - 1) // CHART_ROWS_PER_PAGE)
    ]
    if breaks:
        ws.set_h_pagebreaks(breaks)
    last_row = FIRST_ROW + rows_of_charts * ROW_STEP
    ws.print_area(0, 0, max(last_row, 1), 2 * COLUMN_STEP - 2)
