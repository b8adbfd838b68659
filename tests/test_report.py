"""Layer 7: the solution workbook of the base case, as a planner opens it in Excel.

The base case is solved once for the module through the CLI; the workbook is read back with
openpyxl in full mode (charts, panes and filters are not loaded in read-only mode).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.chart import BarChart

from model.cli import app

pytestmark = pytest.mark.cli

ROOT = Path(__file__).resolve().parents[1]
NOT_TABLES = {"Charts", "ChartData", "CostsByYear", "DemandByYear"}  # charts and views
THOUSANDS = "#,##0"


def chart_title(chart) -> str:
    """The plain text of a chart title read back from the file."""
    return "".join(run.t for para in chart.title.tx.rich.p for run in (para.r or []))


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("report") / "base_solution.xlsx"
    result = CliRunner().invoke(
        app, ["solve", str(ROOT / "inputs" / "base_case.xlsx"), "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), out


@pytest.fixture(scope="module")
def book(solved):
    wb = load_workbook(solved[1])
    yield wb
    wb.close()


def frame_rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# ---------------------------------------------------------------- sheets and ReadMe


def test_summary_first_and_readme_lists_every_other_sheet(book):
    assert book.sheetnames[:3] == ["Summary", "ReadMe", "Charts"]
    listed = frame_rows(book["ReadMe"])
    names = [r["sheet"] for r in listed]
    assert sorted(names) == sorted(n for n in book.sheetnames if n != "ReadMe")
    assert len(names) == len(set(names))
    for row in listed:
        assert row["what it holds"], f"ReadMe has no description for {row['sheet']}"
    for required in ("Flows", "Sites", "Demand", "Shares", "ElementBalance", "Explanations"):
        assert required in names


# ---------------------------------------------------------------- charts


def test_charts_sheet_has_native_charts_with_the_expected_titles(book):
    charts = book["Charts"]._charts
    assert len(charts) >= 8
    assert all(isinstance(c, BarChart) for c in charts)
    titles = [chart_title(c) for c in charts]
    for wanted in ("Supply by country", "Cost by component", "Unmet demand", "Dy supply by route"):
        assert any(t.startswith(wanted) for t in titles), (wanted, titles)
    assert sum(t.startswith("Supply by country") for t in titles) >= 4  # one per stage
    assert len(set(titles)) == len(titles)


def test_every_chart_draws_from_chart_data(book):
    data = book["ChartData"]
    for chart in book["Charts"]._charts:
        assert chart.series, chart_title(chart)
        for series in chart.series:
            ref = series.val.numRef.f
            assert ref.startswith("ChartData!") or ref.startswith("'ChartData'!"), ref
        # the first series' values are numbers in ChartData
        ref = chart.series[0].val.numRef.f.split("!")[1].replace("$", "")
        first = ref.split(":")[0]
        assert isinstance(data[first].value, int | float), (chart_title(chart), first)


def test_charts_do_not_overlap(book):
    anchors = [(c.anchor._from.col, c.anchor._from.row) for c in book["Charts"]._charts]
    assert len(set(anchors)) == len(anchors)


# ---------------------------------------------------------------- table sheets


def test_every_table_sheet_has_frozen_header_and_autofilter(book):
    filtered = [ws.title for ws in book.worksheets if ws.auto_filter.ref]
    assert {"Summary", "Flows", "Sites", "Demand", "Shares", "ElementBalance"} <= set(filtered)
    tables = [ws for ws in book.worksheets if ws.title not in NOT_TABLES]
    assert len(tables) >= 10
    for ws in tables:
        assert ws.freeze_panes == "A2", ws.title
        if ws.max_row == 1:
            continue  # a header-only table (nothing unused, say) needs no filter
        assert ws.auto_filter.ref, f"{ws.title} has no autofilter"
        top_left, bottom_right = ws.auto_filter.ref.split(":")
        assert top_left == "A1"
        assert bottom_right == f"{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", ws.title


def test_tonnes_and_usd_columns_have_thousands_separators(book):
    checked = 0
    for ws in book.worksheets:
        if ws.title in NOT_TABLES | {"Summary", "ReadMe"}:
            continue
        for pos, name in enumerate(header(ws), start=1):
            if not (name == "t" or name.endswith(("_t", "_usd", "_usd_per_kg"))):
                continue
            for row in range(2, min(ws.max_row, 30) + 1):
                cell = ws.cell(row, pos)
                if isinstance(cell.value, int | float):
                    assert THOUSANDS in cell.number_format, (ws.title, name, cell.number_format)
                    checked += 1
    assert checked > 500


def test_summary_figures_have_thousands_separators(book, solved):
    summary, _ = solved
    ws = book["Summary"]
    formats = {row[0].value: row[1].number_format for row in ws.iter_rows(min_row=2)}
    for key in ("objective_usd", "total_cost_usd", "demand_t", "served_t", "unmet_t"):
        assert THOUSANDS in formats[key], key
    values = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert values["objective_usd"] == pytest.approx(summary["objective_usd"])
    assert values["objective_usd"] > 1e9  # a 10-year national supply chain


def test_units_are_in_the_summary(book):
    rows = {r["item"]: r for r in frame_rows(book["Summary"])}
    assert rows["objective_usd"]["unit"] == "USD"
    assert rows["unmet_t"]["unit"] == "t"
    assert rows["explanation"]["description"]


# ---------------------------------------------------------------- element balance


def test_element_balance_has_a_row_per_element_and_year(book):
    balance = frame_rows(book["ElementBalance"])
    years = sorted({r["year"] for r in frame_rows(book["Demand"])})
    elements = sorted({r["element"] for r in frame_rows(book["Shares"])})
    assert years == list(range(2026, 2036))
    assert elements == ["Dy", "NdPr", "Tb"]
    keys = [(r["element"], r["year"]) for r in balance]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == [(e, t) for e in elements for t in years]
    for row in balance:
        for column, value in row.items():
            if column.endswith("_t"):
                assert value is not None and value >= -1e-6, (row["element"], column, value)


def test_element_balance_delivered_comes_from_plants_or_bought_magnets(book):
    # what reaches segments in magnets is at most what magnet plants used (swarf is lost or
    # recycled) plus what came in bought magnets, all in t of metal
    for row in frame_rows(book["ElementBalance"]):
        delivered = row["delivered_in_magnets_t"]
        assert delivered > 0, row
        assert delivered <= row["used_in_magnets_t"] + row["in_bought_magnets_t"] + 1e-6, row


def test_element_balance_keeps_a_year_when_no_plant_operates(tiny, solve_tables):
    tiny["Settings"][1]["value"] = 2027
    for site in tiny["Sites"]:
        if site["stage"] != "market":
            site["last_year"] = 2026
    tiny["Demand"].append({"segment": "motors", "year": 2027, "demand_t": 50})
    run = solve_tables(tiny)
    assert run.solution.summary["unmet_t"] == pytest.approx(50.0)
    balance = run.solution.tables["ElementBalance"]
    keys = sorted(zip(balance["element"], balance["year"], strict=True))
    assert keys == [("Dy", 2026), ("Dy", 2027), ("NdPr", 2026), ("NdPr", 2027)]


def test_text_that_looks_like_a_formula_or_link_stays_text(tmp_path):
    import pandas as pd

    from model.report.xlsx import open_book

    frame = pd.DataFrame(
        {"name": ["=SUM(A1:A9)", "https://example.com", "+1"], "t": [1.5, 2.0, 3.0]}
    )
    path = tmp_path / "text.xlsx"
    with open_book(path) as book:
        book.table("Names", frame)
    ws = load_workbook(path)["Names"]
    cells = [ws.cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in cells] == ["=SUM(A1:A9)", "https://example.com", "+1"]
    assert all(c.data_type == "s" for c in cells)
    assert not ws._hyperlinks
    assert ws.cell(row=2, column=2).value == 1.5
