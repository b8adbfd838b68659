"""Workbooks for sweeps and tornado charts: a tidy table and native Excel charts."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.styles import Font

from .atomic import atomic_save
from .report import write_table
from .sweep import SweepResult
from .tornado import Tornado

SWEEP_CHARTS = (
    ("Objective and total cost (USD)", ("objective_usd", "total_cost_usd")),
    ("Risk (USD)", ("risk_usd",)),
    ("Unmet demand (t)", ("unmet_t",)),
    (
        "Restricted countries' share per stage",
        (
            "restricted_share_mine",
            "restricted_share_separation",
            "restricted_share_metal",
            "restricted_share_magnet",
        ),
    ),
    ("Heavy self-sufficiency and recycled share", ("heavy_self_sufficiency", "recycled_share")),
)


def _readme(book: Workbook, title: str, lines: list[str]) -> None:
    ws = book.create_sheet("ReadMe", 0)
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    for line in lines:
        ws.append([line])
    ws.column_dimensions["A"].width = 110


def write_sweep(sweep: SweepResult, path: str | Path) -> Path:
    """Sweep sheet (one row per point) and line charts of the KPIs against the first swept
    value (the one with the most values)."""
    book = Workbook()
    ws = book.active
    ws.title = "Sweep"
    table = sweep.table
    write_table(ws, table)
    swept = [c for c in sweep.changes if len(set(c.values)) > 1] or sweep.changes
    x_label = max(swept, key=lambda c: len(c.values)).label if swept else None
    columns = list(table.columns)
    if x_label in columns and len(table) > 1:
        charts = book.create_sheet("Charts", 0)
        x_ref = Reference(ws, min_col=columns.index(x_label) + 1, min_row=2, max_row=len(table) + 1)
        for n, (title, keys) in enumerate(SWEEP_CHARTS):
            present = [k for k in keys if k in columns]
            if not present:
                continue
            chart = ScatterChart()
            chart.title = title
            chart.style = 13
            chart.x_axis.title = x_label
            chart.width, chart.height = 16, 8
            for key in present:
                col = columns.index(key) + 1
                y_ref = Reference(ws, min_col=col, min_row=1, max_row=len(table) + 1)
                series = Series(y_ref, x_ref, title_from_data=True)
                series.marker.symbol = "circle"
                chart.series.append(series)
            charts.add_chart(chart, f"{'A' if n % 2 == 0 else 'K'}{1 + (n // 2) * 17}")
    lines = [f"Changes: {'; '.join(c.text for c in sweep.changes)}"]
    lines.append(f"{len(table)} points in {sweep.seconds:.1f} s.")
    if sweep.interrupted:
        lines.append("The sweep was interrupted: only the finished points are here.")
    lines.append("status is the solver's; a point that failed keeps its row with its message.")
    lines.append("rebuilt = the change altered the model's structure, so it was rebuilt.")
    _readme(book, "mine2magnet sweep", lines)
    return atomic_save(book, Path(path))


def write_tornado(tornado: Tornado, path: str | Path) -> Path:
    """Tornado sheet ranked by swing, with a horizontal bar chart of the changes."""
    book = Workbook()
    ws = book.active
    ws.title = "Tornado"
    table = tornado.table
    write_table(ws, table)
    if len(table):
        columns = list(table.columns)
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.overlap = 100
        chart.title = f"Objective change for -/+{tornado.pct:g}% (USD)"
        chart.y_axis.title = "change of objective (USD)"
        chart.width, chart.height = 22, max(8, 0.5 * len(table))
        for key in ("change_down_usd", "change_up_usd"):
            col = columns.index(key) + 1
            chart.add_data(
                Reference(ws, min_col=col, min_row=1, max_row=len(table) + 1),
                titles_from_data=True,
            )
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(table) + 1))
        chart.x_axis.scaling.orientation = "maxMin"  # largest swing on top
        book.create_sheet("Chart", 1).add_chart(chart, "A1")
    _readme(
        book,
        "mine2magnet tornado",
        [
            f"Each parameter moved down and up by {tornado.pct:g}% alone, all else as in the "
            "workbook; ranked by the larger absolute change of the objective.",
            f"Base objective: {tornado.base_objective_usd:,.0f} USD.",
        ],
    )
    return atomic_save(book, Path(path))
