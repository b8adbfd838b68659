"""Workbooks for sweeps and tornado charts: a tidy table and native Excel charts."""

from __future__ import annotations

from pathlib import Path

from model.report.xlsx import Book, open_book, write_table
from model.results.study_tables import SweepResult, Tornado

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


def _readme(book: Book, title: str, lines: list[str]) -> None:
    ws = book.sheet("ReadMe")
    ws.write(0, 0, title, book.title)
    for row, line in enumerate(lines, start=1):
        ws.write(row, 0, line)
    ws.set_column(0, 0, 110)


def write_sweep(sweep: SweepResult, path: str | Path) -> Path:
    """ReadMe, Charts (KPIs against the swept value with the most values) and the Sweep table."""
    path = Path(path)
    table = sweep.table
    columns = list(table.columns)
    swept = [c for c in sweep.changes if len(set(c.values)) > 1] or sweep.changes
    x_label = max(swept, key=lambda c: len(c.values)).label if swept else None
    lines = [f"Changes: {'; '.join(c.text for c in sweep.changes)}"]
    lines.append(f"{len(table)} points in {sweep.seconds:.1f} s.")
    if sweep.interrupted:
        lines.append("The sweep was interrupted: only the finished points are here.")
    lines += list(sweep.notes)
    lines.append("status is the solver's; a point that failed keeps its row with its message.")
    lines.append(
        "path: fast = pushed straight into the live model and read off with precomputed "
        "vectors; pushed = network derived again, numbers pushed; rebuilt = the change "
        "altered the model's structure, so it was rebuilt."
    )
    with open_book(path) as book:
        _readme(book, "mine2magnet sweep", lines)
        charts = book.sheet("Charts") if x_label in columns and len(table) > 1 else None
        write_table(book, book.sheet("Sweep"), table)
        if charts is None:
            return path
        x = columns.index(x_label)
        n = 0
        for title, keys in SWEEP_CHARTS:
            present = [k for k in keys if k in columns]
            if not present:
                continue
            chart = book.workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
            for key in present:
                y = columns.index(key)
                chart.add_series(
                    {
                        "name": ["Sweep", 0, y],
                        "categories": ["Sweep", 1, x, len(table), x],
                        "values": ["Sweep", 1, y, len(table), y],
                        "marker": {"type": "circle"},
                    }
                )
            chart.set_title({"name": title, "name_font": {"size": 11}})
            chart.set_x_axis({"name": x_label})
            chart.set_size({"width": 600, "height": 320})
            charts.insert_chart(1 + (n // 2) * 17, 0 if n % 2 == 0 else 10, chart)
            n += 1
    return path


def write_tornado(tornado: Tornado, path: str | Path) -> Path:
    """ReadMe, a tornado chart and the Tornado table ranked by swing."""
    path = Path(path)
    table = tornado.table
    moving = tornado.moving
    with open_book(path) as book:
        _readme(
            book,
            "mine2magnet tornado",
            [
                f"Each parameter moved down and up by {tornado.pct:g}% alone, all else as in the "
                "workbook; ranked by the larger absolute change of the objective.",
                f"Base objective: {tornado.base_objective_usd:,.0f} USD.",
                "effect: moves (charted), none (no change of the objective beyond rounding; "
                "listed, not charted) or failed (a point without a plan: see reason).",
                f"{len(moving)} parameters move the objective, {len(tornado.of('none'))} do "
                f"not, {len(tornado.of('failed'))} failed.",
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
        write_table(book, book.sheet("Tornado"), table)
        if chart_ws is None:
            return path
        columns = list(table.columns)
        chart = book.workbook.add_chart({"type": "bar"})
        for key, label in (("change_down_usd", f"-{tornado.pct:g}%"),
                           ("change_up_usd", f"+{tornado.pct:g}%")):  # fmt: skip
            col = columns.index(key)
            chart.add_series(
                {
                    "name": label,
                    "categories": ["Tornado", 1, 0, len(moving), 0],
                    "values": ["Tornado", 1, col, len(moving), col],
                    "overlap": 100,
                    "gap": 40,
                }
            )
        chart.set_title({"name": f"Objective change for -/+{tornado.pct:g}% (USD)"})
        chart.set_y_axis({"reverse": True})
        chart.set_x_axis({"name": "change of objective (USD)", "num_format": "#,##0"})
        chart.set_size({"width": 900, "height": max(320, 22 * len(moving))})
        chart_ws.insert_chart(0, 0, chart)
    return path
