"""The workbooks as a planner reads and prints them: one colour per country in every chart,
money in M or bn USD with the unit in the title, a chart grid that prints without cutting a
chart, the Summary in sections with formats by unit, year-across views with totals, and
sweep and tornado charts with readable axes, folded parameters and failed points marked.

Read back with openpyxl in full mode (charts, page setup and formats are not loaded in
read-only mode). Study workbooks are written from small hand-made result tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import INPUTS
from openpyxl import load_workbook

from model.api import solve_workbook
from model.report.charts import CHART_ROWS_PER_PAGE, ROW_STEP, chart_anchor
from model.report.colours import COUNTRY_COLOURS, country_colour, series_colours
from model.report.money import money_scale, money_text
from model.report.solution import SECTIONS, summary_section, write_solution
from model.report.studies import change_title, write_sweep, write_tornado
from model.results.study_tables import SweepResult, Tornado
from model.workbook.changes import parse_change

pytestmark = pytest.mark.cli


def chart_title(chart) -> str:
    return "".join(run.t for para in chart.title.tx.rich.p for run in (para.r or []))


def axis_title(axis) -> str:
    return "".join(run.t for para in axis.title.tx.rich.p for run in (para.r or []))


def series_name(book, series) -> str:
    ref = series.tx.strRef.f
    sheet, cell = ref.split("!")
    return book[sheet.strip("'")][cell.replace("$", "")].value


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    run = solve_workbook(INPUTS / "base_case.xlsx")
    path = write_solution(run.solution, tmp_path_factory.mktemp("polish") / "base.xlsx")
    book = load_workbook(path)
    yield run.solution, book
    book.close()


# ---------------------------------------------------------------- colours and money


def test_colours_are_fixed_for_known_countries_and_stable_for_others():
    assert country_colour("China") == COUNTRY_COLOURS["China"]
    assert country_colour("Atlantis") == country_colour("Atlantis")  # hashed, not random
    assert country_colour("Atlantis").startswith("#") and len(country_colour("Atlantis")) == 7
    colours = series_colours(["industrial", "wind", "ev_traction", "defense", "consumer"])
    assert len(set(colours.values())) == 5  # distinct within a chart
    assert colours == series_colours(["consumer", "defense", "ev_traction", "industrial", "wind"])


def test_money_is_scaled_to_a_named_unit():
    assert money_scale([12_000_000_000, 5]) == (1e9, "bn USD")
    assert money_scale([-146_400_000]) == (1e6, "M USD")
    assert money_text(31_996_442_972) == "32.0 bn USD"
    assert money_text(None) == "-"


def test_a_country_has_one_colour_in_every_chart(base):
    _, book = base
    seen: dict[str, set[str]] = {}
    for chart in book["Charts"]._charts:
        if not chart_title(chart).startswith("Supply by country"):
            continue
        for series in chart.series:
            fill = str(series.graphicalProperties.solidFill.srgbClr)
            seen.setdefault(series_name(book, series), set()).add(fill)
    assert {"China", "US", "Australia"} <= set(seen)
    for country, fills in seen.items():
        assert fills == {country_colour(country).lstrip("#").upper()}, country
    assert sum(len(f) for f in seen.values()) == len(seen)


def test_cost_chart_is_in_bn_usd_with_year_labels_below_the_bars(base):
    _, book = base
    charts = {chart_title(c): c for c in book["Charts"]._charts}
    cost = next(c for t, c in charts.items() if t.startswith("Cost by component"))
    assert "(bn USD of each year)" in chart_title(cost)
    assert axis_title(cost.y_axis) == "bn USD"
    data = book["ChartData"]
    ref = cost.series[0].val.numRef.f.split("!")[1].replace("$", "").split(":")[0]
    assert 0.1 < abs(data[ref].value) < 100  # billions, not 2,153,435,702
    for chart in charts.values():
        assert chart.x_axis.tickLblPos == "low", chart_title(chart)


def test_charts_print_on_a_grid_without_a_page_break_through_a_chart(base):
    _, book = base
    ws = book["Charts"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0  # one page wide, as many pages down as needed
    breaks = [b.id for b in ws.row_breaks.brk]
    charts = ws._charts
    assert len(breaks) == (len(charts) + 3) // 4 - 1  # two rows of two charts a page
    for position, chart in enumerate(charts):
        top, bottom = chart.anchor._from.row, chart.anchor.to.row
        assert (top, chart.anchor._from.col) == chart_anchor(position)
        assert not any(top <= b < bottom for b in breaks), (position, top, bottom, breaks)
    assert breaks[0] == 2 + CHART_ROWS_PER_PAGE * ROW_STEP - 1


def test_every_table_sheet_prints_one_page_wide_with_its_header_repeated(base):
    _, book = base
    for name in ("Flows", "Sites", "Shares", "Marginals", "Costs"):
        ws = book[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToHeight == 0, name
        assert ws.print_title_rows == "$1:$1", name


# ---------------------------------------------------------------- Summary in sections


def test_summary_is_in_sections_with_formats_by_unit(base):
    solution, book = base
    rows = list(book["Summary"].iter_rows(values_only=False))
    assert [c.value for c in rows[0]] == ["item", "value", "unit", "description", "section"]
    sections = [r[4].value for r in rows[1:]]
    order = [s for i, s in enumerate(sections) if i == 0 or sections[i - 1] != s]
    assert order == list(SECTIONS)  # each section once, in order
    by_key = {r[0].value: r for r in rows[1:]}
    assert set(by_key) == set(solution.summary)  # one row per figure, none lost
    assert by_key["restricted_share_magnet"][1].number_format == "0.0%"
    assert by_key["heavy_self_sufficiency"][1].number_format == "0.0%"
    assert by_key["recycled_share"][2].value == "share"
    assert by_key["total_cost_usd"][1].number_format.endswith('," M"')
    assert by_key["total_cost_usd"][1].value == pytest.approx(solution.summary["total_cost_usd"])
    assert summary_section("solve_s") == "diagnostics"
    assert summary_section("input_sha256") == "diagnostics"
    assert summary_section("unmet_t") == "plan"
    assert summary_section("expected_cost_usd") == "cost"


# ---------------------------------------------------------------- year-across views


def view_blocks(ws) -> dict[str, dict[str, list]]:
    """{block title: {row label: [values..., total]}} of a view sheet."""
    blocks: dict[str, dict[str, list]] = {}
    current = None
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[0] is None:
            current = None
        elif current is None:
            current = blocks.setdefault(row[0], {})
        elif row[0] not in ("component", "segment"):
            current[row[0]] = [v for v in row[1:] if v is not None]
    return blocks


def test_cost_and_demand_views_have_totals_that_match_the_tables(base):
    solution, book = base
    names = book.sheetnames
    assert names.index("CostsByYear") == names.index("Costs") + 1
    assert names.index("DemandByYear") == names.index("Demand") + 1
    costs = view_blocks(book["CostsByYear"])
    discounted = next(v for k, v in costs.items() if "discounted" in k)
    assert discounted["total"][-1] * 1e6 == pytest.approx(solution.summary["total_cost_usd"])
    assert len(discounted["total"]) == 10 + 1  # ten years and the total
    spent = costs["M USD of each year"]
    assert spent["sales"][-1] < 0
    demand = view_blocks(book["DemandByYear"])
    assert demand["unmet (t)"]["total"][-1] == pytest.approx(solution.summary["unmet_t"])
    assert demand["demand (t)"]["total"][-1] == pytest.approx(solution.summary["demand_t"])
    # the long tables stay machine-readable
    assert [c.value for c in book["Costs"][1]][:3] == ["component", "description", "year"]


# ---------------------------------------------------------------- sweep and tornado


def test_change_titles_read_as_words():
    change = parse_change("MarketPrices[china_market,oxide,Dy].price_usd_per_kg = 200:1000:100")
    assert change_title(change) == "price (USD/kg) of MarketPrices china_market, oxide, Dy"
    change = parse_change("Demand[ev_traction]@2030-2035.demand_t *= 1.2")
    assert change_title(change) == "demand (x factor) of Demand ev_traction, 2030-2035"


def test_sweep_charts_scale_money_keep_flat_lines_flat_and_mark_failed_points(tmp_path):
    change = parse_change("Sites[carina].capacity_t = 0:4:1")
    label = change.label
    table = pd.DataFrame(
        {
            "point": [1, 2, 3, 4, 5],
            label: [0.0, 1.0, 2.0, 3.0, 4.0],
            "status": ["optimal", "optimal", "infeasible", "optimal", "optimal"],
            "objective_usd": [31_998_000_000, 31_990_000_000, None, 31_970_000_000, 31.96e9],
            "total_cost_usd": [31_998_000_000, 31_990_000_000, None, 31_970_000_000, 31.96e9],
            "unmet_t": [1103.5, 1103.50000000001, None, 1103.5, 1103.5],
        }
    )
    path = write_sweep(SweepResult(table, [change]), tmp_path / "sweep.xlsx")
    book = load_workbook(path)
    charts = {chart_title(c): c for c in book["Charts"]._charts}
    money = charts["Objective and total cost (bn USD)"]
    assert axis_title(money.x_axis) == "capacity (t) of Sites carina"
    data = book["ChartData"]
    values = [data.cell(r, 2).value for r in range(2, 7)]
    assert values[0] == pytest.approx(31.998) and values[2] is None
    unmet = charts["Unmet demand (t)"]
    assert unmet.y_axis.scaling.min == 0  # one value: drawn flat from zero, not as a step
    names = [series_name(book, s) for s in money.series]
    assert names[-1] == "failed (no plan)"
    marks = money.series[-1].yVal.numRef.f.split("!")[1].replace("$", "").split(":")[0]
    column = "".join(ch for ch in marks if ch.isalpha())
    marked = [data[f"{column}{r}"].value for r in range(2, 7)]
    assert [m is not None for m in marked] == [False, False, True, False, False]


def test_tornado_chart_shows_the_top_movers_in_money_units_with_labels_clear(tmp_path):
    rows = [
        {"parameter": f"Sites[s{k}].capacity_t", "change_down_usd": -k * 1e8,
         "change_up_usd": k * 5e7, "swing_usd": k * 1e8, "effect": "moves"}
        for k in range(40, 0, -1)
    ]  # fmt: skip
    rows += [
        {"parameter": f"Demand[d{k}].demand_t", "change_down_usd": 0.0, "change_up_usd": 0.0,
         "swing_usd": 0.0, "effect": "none"}
        for k in range(20)
    ]  # fmt: skip
    rows.append({"parameter": "Sites[x].capacity_t", "effect": "failed", "reason": "-20%: no plan"})
    tornado = Tornado(pd.DataFrame(rows), 3.2e10, 20.0)
    book = load_workbook(write_tornado(tornado, tmp_path / "tornado.xlsx"))
    (chart,) = book["Chart"]._charts
    title = chart_title(chart)
    assert "(bn USD)" in title and "top 25 of 40" in title
    assert "20 that move nothing" in title and "1 failed" in title
    assert chart.series[0].cat.strRef.f.endswith("$A$26")  # 25 categories
    # openpyxl names a bar chart's category axis x_axis, whichever way it is drawn
    assert chart.x_axis.tickLblPos == "low"
    assert axis_title(chart.y_axis) == "change of objective (bn USD)"
    assert len(book["Tornado"].conditional_formatting) == 1  # failed rows shaded
    assert book["Tornado"].max_row == 62


def test_study_workbooks_print_one_page_wide(tmp_path):
    change = parse_change("Sites[carina].capacity_t = 0,1")
    table = pd.DataFrame(
        {"point": [1, 2], change.label: [0.0, 1.0], "status": ["optimal"] * 2,
         "objective_usd": [1e9, 2e9], "restricted_share_mine": [0.156, 0.2]}
    )  # fmt: skip
    book = load_workbook(write_sweep(SweepResult(table, [change]), Path(tmp_path) / "s.xlsx"))
    for ws in book.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    share = next(c for c in book["Sweep"][1] if c.value == "restricted_share_mine")
    assert book["Sweep"].cell(2, share.column).number_format == "0.0%"  # not 0.156368197685
