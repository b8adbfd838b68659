"""Workbooks for sweeps and tornado charts: a tidy table and native Excel charts.

Charts read a ChartData sheet of the values as drawn: money in M or bn USD (the unit in the
title), every figure rounded to 6 significant digits of its series so a flat line stays flat
(1103.5 and 1103.50000000001 are one value), and the swept value on an axis named in words.
Points that failed keep their row in the table and are marked on every chart.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from model.report.colours import series_colours
from model.report.money import decimals_for, excel_number, money_scale
from model.report.solution import write_solution
from model.report.xlsx import Book, clean, fit_width, open_book, write_table
from model.results.study_tables import SweepResult, Tornado
from model.workbook.changes import Change

SWEEP_CHARTS = (
    ("Objective and total cost", "USD", ("objective_usd", "total_cost_usd")),
    ("Risk", "USD", ("risk_usd",)),
    ("Unmet demand", "t", ("unmet_t",)),
    (
        "Restricted countries' share per stage",
        "share",
        (
            "restricted_share_mine",
            "restricted_share_separation",
            "restricted_share_metal",
            "restricted_share_magnet",
        ),
    ),
    (
        "Heavy self-sufficiency and recycled share",
        "share",
        ("heavy_self_sufficiency", "recycled_share"),
    ),
)
TORNADO_TOP = 25  # parameters charted; every one is in the table
SIGNIFICANT = 6
UNIT_WORDS = (
    ("_usd_per_kg", "USD/kg"),
    ("_usd", "USD"),
    ("_t", "t"),
    ("_share", "share"),
    ("_pct", "%"),
)


def _readme(book: Book, title: str, lines: list[str]) -> None:
    ws = book.sheet("ReadMe")
    ws.write(0, 0, title, book.title)
    for row, line in enumerate(lines, start=1):
        ws.write(row, 0, line)
    ws.set_column(0, 0, 110)
    fit_width(ws, landscape=False)


def change_title(change: Change) -> str:
    """A change in words for an axis title, e.g. 'price (USD/kg) of MarketPrices
    china_market, oxide, Dy' or 'capacity (x factor) of Sites carina, 2030-2035'."""
    words, unit = change.column, ""
    for suffix, name in UNIT_WORDS:
        if words.endswith(suffix):
            words, unit = words.removesuffix(suffix), name
            break
    words = words.replace("_", " ")
    if change.op == "*=":
        what = f"{words} (x factor)"
    elif change.op == "+=":
        what = f"{words} (+ {unit})" if unit else f"{words} (added)"
    else:
        what = f"{words} ({unit})" if unit else words
    where = f"{change.sheet} {', '.join(change.keys)}"
    years = f", {change.years[0]}-{change.years[1]}" if change.years else ""
    return f"{what} of {where}{years}"


def _rounded(values: list[float | None]) -> list[float | None]:
    """Values rounded to SIGNIFICANT digits of the largest one (None stays None)."""
    largest = max((abs(v) for v in values if v is not None), default=0.0)
    if not largest:
        return values
    digits = SIGNIFICANT - 1 - math.floor(math.log10(largest))
    return [None if v is None else round(v, digits) for v in values]


def _number(value) -> float | None:
    value = clean(value)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def write_sweep(sweep: SweepResult, path: str | Path) -> Path:
    """ReadMe, Charts (KPIs against the swept value with the most values), the Sweep table and
    the ChartData the charts draw."""
    path = Path(path)
    table = sweep.table
    columns = list(table.columns)
    swept = [c for c in sweep.changes if len(set(c.values)) > 1] or sweep.changes
    x_change = max(swept, key=lambda c: len(c.values)) if swept else None
    x_label = x_change.label if x_change else None
    failed = (
        table["status"] != "optimal"
        if "status" in table and len(table)
        else pd.Series(False, index=table.index)
    )
    lines = [f"Changes: {'; '.join(c.text for c in sweep.changes)}"]
    lines.append(
        f"{len(table)} points in {sweep.seconds:.1f} s, {int(failed.sum())} without a plan."
    )
    if sweep.interrupted:
        lines.append("The sweep was interrupted: only the finished points are here.")
    lines += list(sweep.notes)
    lines.append(
        "status is the solver's; a point that failed keeps its row with its message and is "
        "marked with a red x on the charts."
    )
    lines.append(
        "path: fast = pushed straight into the live model and read off with precomputed "
        "vectors; pushed = network derived again, numbers pushed; rebuilt = the change "
        "altered the model's structure, so it was rebuilt."
    )
    lines.append("Charts: money in M or bn USD, figures rounded to 6 significant digits.")
    with open_book(path) as book:
        _readme(book, "mine2magnet sweep", lines)
        charts = book.sheet("Charts") if x_label in columns and len(table) > 1 else None
        sweep_ws = book.sheet("Sweep")
        write_table(book, sweep_ws, table)
        fit_width(sweep_ws, header_rows=1)
        if charts is None or x_change is None:
            return path
        lines_ok = table[x_label].is_unique  # one point per value: a line reads left to right
        _sweep_charts(book, charts, table, x_label, change_title(x_change), failed, lines_ok)
    return path


def _sweep_charts(book: Book, charts, table: pd.DataFrame, x_label: str, x_title: str,
                  failed: pd.Series, lines: bool) -> None:  # fmt: skip
    """One scatter per KPI group against the swept value; joined by lines when only that
    value varies (with other changes varying too, points of one x would zigzag)."""
    data = book.sheet("ChartData")
    xs = [_number(v) for v in table[x_label]]
    n = len(xs)
    data_col = 0
    position = 0
    for title, unit, keys in SWEEP_CHARTS:
        present = [k for k in keys if k in table.columns]
        if not present:
            continue
        series = {k: [_number(v) for v in table[k]] for k in present}
        number = "0.0%" if unit == "share" else "#,##0.0"
        shown_unit = unit  # money in M or bn USD as its size asks
        if unit == "USD":
            divisor, shown_unit = money_scale(v for s in series.values() for v in s if v)
            series = {k: [None if v is None else v / divisor for v in s] for k, s in series.items()}
            number = excel_number(decimals_for(1.0, (v for s in series.values() for v in s)))
        series = {k: _rounded(s) for k, s in series.items()}
        # the data block: x, each series, and the failed points' marks at the axis floor
        floor = min([0.0, *(v for s in series.values() for v in s if v is not None)])
        marks = [floor if bad else None for bad in failed.tolist()]
        block = [x_label, *present, "failed (no plan)"]
        data.write_row(0, data_col, block, book.bold)
        for k, row_values in enumerate(zip(xs, *series.values(), marks, strict=True), start=1):
            for c, value in enumerate(row_values):
                if value is not None:
                    data.write_number(k, data_col + c, value)
        subtype = "straight_with_markers" if lines else "marker_only"
        chart = book.workbook.add_chart({"type": "scatter", "subtype": subtype})
        colours = series_colours(present)
        for c, key in enumerate(present, start=1):
            chart.add_series(
                {
                    "name": ["ChartData", 0, data_col + c],
                    "categories": ["ChartData", 1, data_col, n, data_col],
                    "values": ["ChartData", 1, data_col + c, n, data_col + c],
                    "marker": {
                        "type": "circle",
                        "size": 5,
                        "fill": {"color": colours[key]},
                        "border": {"color": colours[key]},
                    },
                    **({"line": {"color": colours[key], "width": 1.75}} if lines else {}),
                }
            )
        if any(m is not None for m in marks):
            c = len(present) + 1
            chart.add_series(
                {
                    "name": ["ChartData", 0, data_col + c],
                    "categories": ["ChartData", 1, data_col, n, data_col],
                    "values": ["ChartData", 1, data_col + c, n, data_col + c],
                    "marker": {"type": "x", "size": 9, "border": {"color": "#C62828"}},
                    "line": {"none": True},
                }
            )
        chart.set_title({"name": f"{title} ({shown_unit})", "name_font": {"size": 11}})
        chart.set_x_axis(
            {"name": x_title, "name_font": {"size": 9}, "major_gridlines": {"visible": False}}
        )
        y_axis = {"num_format": number, "name": shown_unit, "name_font": {"size": 9}}
        flat = [v for s in series.values() for v in s if v is not None]
        if flat and max(flat) == min(flat):  # one value: a flat line from zero, not a step
            top = max(flat)
            y_axis.update({"min": min(0.0, top), "max": max(0.0, top) * 1.2 or 1.0})
        chart.set_y_axis(y_axis)
        chart.set_legend({"position": "bottom", "font": {"size": 9}})
        chart.set_size({"width": 600, "height": 340})
        charts.insert_chart(1 + (position // 2) * 19, 0 if position % 2 == 0 else 10, chart)
        position += 1
        data_col += len(block) + 1
    charts.set_column(0, 20, 8.43)
    fit_width(charts)
    rows = (position + 1) // 2
    charts.set_h_pagebreaks([1 + 2 * k * 19 - 1 for k in range(1, (rows + 1) // 2)])
    fit_width(data)


def write_tornado(tornado: Tornado, path: str | Path) -> Path:
    """ReadMe, a tornado chart of the parameters that move the objective (the largest
    TORNADO_TOP), and the Tornado table ranked by swing with failed points shaded."""
    path = Path(path)
    table = tornado.table
    moving = tornado.moving
    shown = moving.head(TORNADO_TOP)
    n_none, n_failed = len(tornado.of("none")), len(tornado.of("failed"))
    with open_book(path) as book:
        _readme(
            book,
            "mine2magnet tornado",
            [
                f"Each parameter moved down and up by {tornado.pct:g}% alone, all else as in the "
                "workbook; ranked by the larger absolute change of the objective.",
                f"Base objective: {tornado.base_objective_usd:,.0f} USD.",
                "effect: moves (charted), none (no change of the objective beyond rounding; "
                "listed, not charted) or failed (a point without a plan: see reason; shaded "
                "red in the table).",
                f"{len(moving)} parameters move the objective, {n_none} do not, "
                f"{n_failed} failed."
                + (
                    f" The chart shows the {len(shown)} largest."
                    if len(shown) < len(moving)
                    else ""
                ),
                *(
                    [
                        "The run was interrupted: parameters whose points never ran say "
                        f"'not run' ({len(tornado.of('not run'))})."
                    ]
                    if tornado.interrupted
                    else []
                ),
            ],
        )
        chart_ws = book.sheet("Chart") if len(moving) else None
        ws = book.sheet("Tornado")
        write_table(book, ws, table)
        fit_width(ws, header_rows=1)
        if len(table) and "effect" in table:
            col = list(table.columns).index("effect")
            letter = chr(ord("A") + col) if col < 26 else None
            if letter:
                ws.conditional_format(
                    1, 0, len(table), len(table.columns) - 1,
                    {"type": "formula", "criteria": f'=${letter}2="failed"',
                     "format": book.workbook.add_format({"bg_color": "#F8D7DA"})},
                )  # fmt: skip
        if chart_ws is None:
            return path
        _tornado_chart(book, chart_ws, tornado, shown, len(moving), n_none, n_failed)
    return path


def _tornado_chart(book: Book, ws, tornado: Tornado, shown: pd.DataFrame, n_moving: int,
                   n_none: int, n_failed: int) -> None:  # fmt: skip
    down = [_number(v) or 0.0 for v in shown["change_down_usd"]]
    up = [_number(v) or 0.0 for v in shown["change_up_usd"]]
    divisor, unit = money_scale(down + up)
    down, up = _rounded([v / divisor for v in down]), _rounded([v / divisor for v in up])
    number = excel_number(decimals_for(1.0, down + up))
    data = book.sheet("ChartData")
    data.write_row(0, 0, ["parameter", f"-{tornado.pct:g}%", f"+{tornado.pct:g}%"], book.bold)
    for k, (name, lo, hi) in enumerate(zip(shown["parameter"], down, up, strict=True), start=1):
        data.write_string(k, 0, str(name))
        data.write_number(k, 1, lo or 0.0)
        data.write_number(k, 2, hi or 0.0)
    data.set_column(0, 0, 40)
    n = len(shown)
    chart = book.workbook.add_chart({"type": "bar"})
    for col, colour in ((1, "#1565C0"), (2, "#EF6C00")):
        chart.add_series(
            {
                "name": ["ChartData", 0, col],
                "categories": ["ChartData", 1, 0, n, 0],
                "values": ["ChartData", 1, col, n, col],
                "overlap": 100,
                "gap": 40,
                "fill": {"color": colour},
                "border": {"none": True},
            }
        )
    folded = []
    if n_none:
        folded.append(f"{n_none} that move nothing")
    if n_failed:
        folded.append(f"{n_failed} failed")
    if n < n_moving:
        folded.insert(0, f"{n_moving - n} smaller")
    note = f"; not shown: {', '.join(folded)} (see Tornado)" if folded else ""
    title = f"Objective change for -/+{tornado.pct:g}% ({unit}): top {n} of {n_moving}{note}"
    chart.set_title({"name": title, "name_font": {"size": 11}})
    # labels at the low end: left of every bar, clear of bars that reach left of zero
    chart.set_y_axis(
        {"reverse": True, "label_position": "low", "crossing": "max", "num_font": {"size": 9}}
    )
    chart.set_x_axis(
        {
            "name": f"change of objective ({unit})",
            "num_format": number,
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        }
    )
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": max(320, 60 + 24 * n)})
    ws.insert_chart(0, 0, chart)
    ws.set_column(0, 15, 8.43)
    fit_width(ws)


def write_robust(robust, path: str | Path) -> Path:
    """The robust plan's workbook: a solution workbook of the plan in the nominal scenario
    (report/solution.write_solution: every sheet, so `report` and `compare` read it) with
    the Scenarios, FirstStage and ScenarioCosts sheets, the robust figures in the Summary
    and a chart of the cost per scenario under the robust and the nominal plan."""
    return write_solution(robust.solution, path)
