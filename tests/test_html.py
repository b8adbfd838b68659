"""The HTML report and the comparison, read from saved solution workbooks: what they draw,
how flows are aggregated, where sites go on the map, scenarios when a workbook has them, and
the `report`, `solve --report` and `compare` commands.

The base case is solved once for the module; L-sized networks are stood in for by hand-made
tables with more sites than a Sankey column shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import INPUTS, invoke
from openpyxl import load_workbook

from model.api import solve_data, solve_workbook
from model.report.compare import compare, write_comparison_workbook
from model.report.flows import ALL, MAX_LINES, MAX_NODES, flow_data
from model.report.geo import country_centre, place_sites
from model.report.html import report_html
from model.report.solution import write_solution
from model.report.solution_reader import SolutionBook, read_solution
from model.workbook.changes import apply_change, parse_change

pytestmark = pytest.mark.cli

SCENARIOS = [
    ("scenario", "probability", "total_cost_usd", "unmet_t", "china_share_magnet", "notes"),
    ("base", 0.5, 32.0e9, 1103.5, 0.66, "as planned"),
    ("export_ban", 0.3, 41.5e9, 5200.0, 0.12, "China stops magnet exports"),
    ("cheap_dy", 0.2, 30.1e9, 0.0, 0.70, None),
]


@pytest.fixture(scope="module")
def base_path(tmp_path_factory) -> Path:
    run = solve_workbook(INPUTS / "base_case.xlsx")
    return write_solution(run.solution, tmp_path_factory.mktemp("html") / "base_solution.xlsx")


@pytest.fixture(scope="module")
def base(base_path) -> SolutionBook:
    return read_solution(base_path)


@pytest.fixture(scope="module")
def variant_path(base_path) -> Path:
    """The base case without the Malaysian separator: another plan to compare."""
    from model.api import load_workbook_data

    data = load_workbook_data(INPUTS / "base_case.xlsx")
    apply_change(data, parse_change("Sites[lynas_my].capacity_t *= 0"))
    return write_solution(solve_data(data).solution, base_path.with_name("no_lynas.xlsx"))


def with_scenarios(path: Path, target: Path) -> Path:
    """A copy of a solution workbook with a hand-made Scenarios sheet."""
    book = load_workbook(path)
    ws = book.create_sheet("Scenarios")
    for row in SCENARIOS:
        ws.append(list(row))
    book.save(target)
    return target


# ---------------------------------------------------------------- reading solutions


def test_a_solution_workbook_reads_back_as_its_tables(base_path, base):
    run_summary = base.summary
    assert run_summary["status"] == "optimal"
    assert run_summary["total_cost_usd"] > 1e10
    flows = base.table("ElementFlows")
    assert set(flows["element"]) == {"NdPr", "Dy", "Tb"}
    assert (flows["metal_eq_t"] > 0).all()
    assert {"lat", "lon"} <= set(base.table("Sites").columns)
    assert base.table("Scenarios").empty  # absent sheets read as empty tables


def test_an_input_workbook_is_not_a_solution(tmp_path):
    from model.findings import InputError

    with pytest.raises(InputError, match="no Summary sheet"):
        read_solution(INPUTS / "tiny.xlsx")


# ---------------------------------------------------------------- the Sankey data


def test_sankey_carries_each_element_from_mines_to_segments(base):
    data = flow_data(base)
    assert data.elements == [ALL, "Dy", "NdPr", "Tb"]  # as the sheet sorts them
    assert data.years == list(range(2026, 2036))
    assert data.unit == "t metal equivalent"
    flows = base.table("ElementFlows")
    for element in ("Dy", "NdPr"):
        sankey = data.sankey[f"{element}|2030"]
        labels = sankey["node"]["label"]
        links = pd.DataFrame(sankey["link"])
        assert (links["source"] != links["target"]).all()
        # what leaves the mines is what the ElementFlows sheet says they shipped
        mine_names = set(base.table("Sites").query("stage == 'mine'")["name"])
        mines = [k for k, label in enumerate(labels) if label in mine_names]
        out_of_mines = links[links["source"].isin(mines)]["value"].sum()
        rows = flows[(flows["element"] == element) & (flows["year"] == 2030)]
        # (each link's value is rounded to 1 g: half a g per link either way)
        shipped = rows[rows["stage"] == "mine"]["metal_eq_t"].sum()
        assert out_of_mines == pytest.approx(shipped, abs=5e-4 * len(links))
        # and what reaches the segments is what they received
        segments = [k for k, c in enumerate(sankey["node"]["customdata"]) if c == "segment"]
        delivered = links[links["target"].isin(segments)]["value"].sum()
        assert delivered == pytest.approx(rows[rows["to_stage"] == "segment"]["metal_eq_t"].sum())
    # every market shows up once as a source (bought from) and once as a sink (sold to)
    labels = data.sankey[f"{ALL}|2030"]["node"]["label"]
    assert any(label.endswith("(bought from)") for label in labels)
    assert any(label.endswith("(sold to)") for label in labels)
    assert "swarf from magnet plants" in labels


def has_loop(links: list[tuple[int, int]]) -> bool:
    """Whether the directed links contain a cycle (Kahn's algorithm leaves nodes over)."""
    nodes = {n for link in links for n in link}
    incoming = dict.fromkeys(nodes, 0)
    for _, b in links:
        incoming[b] += 1
    ready = [n for n, k in incoming.items() if k == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for a, b in links:
            if a == node:
                incoming[b] -= 1
                if incoming[b] == 0:
                    ready.append(b)
    return seen < len(nodes)


def test_the_sankey_has_no_loops(base):
    assert has_loop([(0, 1), (1, 2), (2, 0)])  # the check itself can fail
    for sankey in flow_data(base).sankey.values():
        links = list(zip(sankey["link"]["source"], sankey["link"]["target"], strict=True))
        assert not has_loop(links)


def big_book(n_magnets: int = 40, n_countries: int = 14, segments: int = 15) -> SolutionBook:
    """An L-like solution: many magnet plants in many countries, many segments."""
    countries = "China US Japan Germany France UK Korea Vietnam Malaysia Australia Brazil "
    countries = (countries + "Canada Sweden Estonia").split()[:n_countries]
    sites = [("mine_0", "mine", "Australia"), ("sep_0", "separation", "Malaysia"),
             ("metal_0", "metal", "Vietnam")]  # fmt: skip
    sites += [(f"mag_{k}", "magnet", countries[k % n_countries]) for k in range(n_magnets)]
    site_rows = [
        {"site": s, "name": s, "stage": st, "country": c, "year": 2030, "throughput_t": 10.0}
        for s, st, c in sites
    ]
    flows = [("mine_0", "sep_0", "mine", "separation", 1000.0),
             ("sep_0", "metal_0", "separation", "metal", 900.0)]  # fmt: skip
    flows += [("metal_0", f"mag_{k}", "metal", "magnet", 20.0 + k) for k in range(n_magnets)]
    flows += [
        (f"mag_{k}", f"seg_{j}", "magnet", "segment", 1.0 + j)
        for k in range(n_magnets)
        for j in range(segments)
    ]
    element_flows = pd.DataFrame(
        [
            {"from": a, "to": b, "stage": s, "to_stage": ts, "commodity": "metal",
             "element": "NdPr", "year": 2030, "metal_eq_t": v}
            for a, b, s, ts, v in flows
        ]
    )  # fmt: skip
    plain = element_flows.rename(columns={"metal_eq_t": "t"}).assign(item="NdPr")
    plain["from_country"] = [dict((s, c) for s, _, c in sites)[a] for a in plain["from"]]
    summary = {"status": "optimal", "total_cost_usd": 1e9, "demand_t": 1.0, "unmet_t": 0.0}
    tables = {"ElementFlows": element_flows, "Flows": plain, "Sites": pd.DataFrame(site_rows)}
    return SolutionBook(Path("big_solution.xlsx"), summary, tables)


def test_a_large_network_is_aggregated_by_country_and_folded(base):
    book = big_book()
    data = flow_data(book)
    sankey = data.sankey[f"{ALL}|2030"]
    kinds = pd.Series(sankey["node"]["customdata"]).str.split(",").str[0]
    assert (kinds.value_counts() <= MAX_NODES).all()
    labels = sankey["node"]["label"]
    assert "other magnet (5 countries)" in labels  # 14 countries: 9 shown, 5 folded
    assert sum(bool(re.fullmatch(r"\w+ magnet \([23] sites\)", x)) for x in labels) == 9
    assert any(label.startswith("other segments (6)") for label in labels)
    assert any("one node per country" in n for n in data.notes)
    # nothing is lost by grouping
    assert sum(sankey["link"]["value"]) == pytest.approx(
        book.table("ElementFlows")["metal_eq_t"].sum()
    )
    # with more than MAX_LINES pairs of sites, the map joins countries
    many = big_book(n_magnets=MAX_LINES + 10)
    many_data = flow_data(many)
    assert any("country centres" in n for n in many_data.notes)
    hover = many_data.map_lines[f"{ALL}|2030"][-1]["text"]
    assert any(text.startswith("Vietnam → China:") for text in hover)
    assert not any("mag_" in text for text in hover)


def test_an_l_sized_report_is_quick(base):
    import time

    book = big_book(n_magnets=300, n_countries=14, segments=60)
    started = time.perf_counter()
    html = report_html(book)
    assert time.perf_counter() - started < 20  # generous: a shared 2-core machine
    assert "other segments" in html


# ---------------------------------------------------------------- the map


def test_sites_are_placed_at_their_lat_lon_or_near_their_country(tiny, solve_tables):
    tiny["Sites"][0]["lat"], tiny["Sites"][0]["lon"] = -30.9, 121.5  # a mine in Australia
    run = solve_tables(tiny)
    sites = run.solution.tables["Sites"].drop_duplicates("site").set_index("site")
    assert (sites.loc["mine_au", "lat"], sites.loc["mine_au", "lon"]) == (-30.9, 121.5)
    assert pd.isna(sites.loc["sep_us", "lat"])
    placed, unplaced = place_sites(
        [
            ("mine_au", "Australia", -30.9, 121.5),
            ("a", "USA", None, None),
            ("b", "USA", None, None),
            ("c", "Atlantis", None, None),
        ]
    )
    assert placed["mine_au"] == (-30.9, 121.5)
    assert placed["a"] == country_centre("US")
    assert placed["b"] != placed["a"]  # spread, not stacked
    assert abs(placed["b"][0] - placed["a"][0]) < 3 and abs(placed["b"][1] - placed["a"][1]) < 4
    assert unplaced == ["c"]


# ---------------------------------------------------------------- the page


def test_the_report_is_one_self_contained_page(base):
    html = report_html(base)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)  # nothing to fetch
    assert "window.PlotlyGeoAssets" in html and "world_110m" in html
    assert "* plotly.js v" in html  # the library itself is inside the page
    for heading in ("Flows from mine to magnet", "China's share of each stage",
                    "What the plan costs", "Supply risk", "Unmet demand"):  # fmt: skip
        assert heading in html, heading
    total = base.summary["total_cost_usd"]
    assert f"{total / 1e9:.1f} bn USD" in html  # the total cost card
    assert "Scenarios" not in html.split("</header>")[1].split("How this report")[0]


def test_scenarios_are_drawn_when_the_workbook_has_them(base_path, tmp_path):
    path = with_scenarios(base_path, tmp_path / "with_scenarios.xlsx")
    book = read_solution(path)
    html = report_html(book)
    ids = re.findall(r'\sid="([^"]+)"', html) + re.findall(r"\sid='([^']+)'", html)
    assert len(ids) == len(set(ids))  # each figure draws into its own box
    assert "<h2>Scenarios</h2>" in html
    assert "export_ban" in html and "p = 30%" in html
    expected = (0.5 * 32.0 + 0.3 * 41.5 + 0.2 * 30.1) / 1.0
    assert f"{expected:.1f} bn USD" in html  # the expected-cost card
    assert f"expected {expected:,.2f} bn USD" in html  # the dashed line on the chart


# ---------------------------------------------------------------- compare


def test_compare_shows_kpis_costs_shares_and_the_flows_that_changed(base_path, variant_path):
    books = [read_solution(base_path), read_solution(variant_path)]
    comparison = compare(books)
    assert comparison.names == ["base_solution", "no_lynas"]
    kpis = comparison.kpis.set_index("key")
    change = kpis.loc["total_cost_usd", "no_lynas - base_solution"]
    assert change == pytest.approx(
        books[1].summary["total_cost_usd"] - books[0].summary["total_cost_usd"]
    )
    assert change > 0  # losing a separator costs money
    assert 0 <= kpis.loc["china_share_separation", "no_lynas"] <= 1
    costs = comparison.costs.set_index("component")
    assert costs.loc["total_cost", "base_solution"] == pytest.approx(
        books[0].summary["total_cost_usd"]
    )
    flows = comparison.flows
    assert len(flows) and (flows["change_t"].abs().diff().dropna() <= 1e-9).all()
    lynas = flows[(flows["to"] == "lynas_my") | (flows["from"] == "lynas_my")]
    assert len(lynas) and (lynas["change_t"] < 0).all()  # its flows fell to nothing


def test_compare_workbook_and_page(base_path, variant_path, tmp_path):
    out = tmp_path / "cmp.xlsx"
    result = invoke("compare", base_path, variant_path, "-o", out)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["ReadMe", "Charts", "KPIs", "Costs", "Shares", "FlowChanges"]
    ws = book["KPIs"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["figure", "key", "unit", "base_solution", "no_lynas"]
    rows = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["restricted_share_magnet"][3].number_format == "0.0%"
    assert rows["total_cost_usd"][3].number_format.endswith('," M"')
    assert len(book["Charts"]._charts) == 1
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "Flows that changed most" in page and "no_lynas" in page


def test_one_workbook_with_scenarios_compares_them(base_path, tmp_path):
    path = with_scenarios(base_path, tmp_path / "scen.xlsx")
    out = tmp_path / "scen_cmp.xlsx"
    result = invoke("compare", path, "-o", out)
    assert result.exit_code == 0, result.output
    scenarios = pd.read_excel(out, sheet_name="Scenarios")
    assert list(scenarios["scenario"]) == ["base", "export_ban", "cheap_dy"]
    assert "p = 50%" in out.with_suffix(".html").read_text(encoding="utf-8")
    alone = invoke("compare", base_path, "-o", tmp_path / "x.xlsx")
    assert alone.exit_code == 2 and "nothing to compare" in alone.output


def test_comparison_workbook_through_the_api(base_path, tmp_path):
    book = read_solution(base_path)
    path = write_comparison_workbook(compare([book, book]), tmp_path / "same.xlsx")
    kpis = pd.read_excel(path, sheet_name="KPIs").set_index("key")
    assert kpis.loc["total_cost_usd"].iloc[-1] == 0  # a plan against itself changes nothing


# ---------------------------------------------------------------- commands


def test_report_command_writes_the_page_beside_the_solution(base_path, tmp_path):
    solution = tmp_path / "plan_solution.xlsx"
    solution.write_bytes(base_path.read_bytes())
    result = invoke("report", solution)
    assert result.exit_code == 0, result.output
    page = tmp_path / "plan_report.html"
    assert page.is_file() and page.stat().st_size > 1_000_000  # plotly.js is inside
    out = tmp_path / "elsewhere" / "r.html"
    assert invoke("report", solution, "-o", out).exit_code == 0 and out.is_file()


def test_report_of_an_input_workbook_or_a_missing_file_exits_2(tmp_path):
    result = invoke("report", INPUTS / "tiny.xlsx", "-o", tmp_path / "r.html")
    assert result.exit_code == 2 and "no Summary sheet" in result.output
    assert not (tmp_path / "r.html").exists()
    assert invoke("report", tmp_path / "missing.xlsx").exit_code == 2


def test_solve_with_report_writes_both(tiny, write_book, tmp_path):
    path = write_book(tiny, "tiny.xlsx")
    out = tmp_path / "tiny_solution.xlsx"
    result = invoke("solve", path, "-o", out, "--report")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "tiny_report.html").read_text(encoding="utf-8")
    assert "Flows from mine to magnet" in page
    assert "mine_au" in page or "Flows" in page


def test_a_solution_without_a_plan_reports_its_status_and_compares(base_path, tmp_path):
    from model.results.tables import Solution

    summary = {"status": "infeasible", "message": "No plan meets every rule.",
               "objective_usd": None, "explanation": "The rules cannot all hold."}  # fmt: skip
    none = write_solution(Solution(summary), tmp_path / "none_solution.xlsx")
    result = invoke("report", none)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "none_report.html").read_text(encoding="utf-8")
    assert "infeasible" in page and "The rules cannot all hold." in page
    assert "Flows from mine to magnet" not in page
    result = invoke("compare", base_path, none, "-o", tmp_path / "cmp.xlsx")
    assert result.exit_code == 0, result.output
    costs = pd.read_excel(tmp_path / "cmp.xlsx", sheet_name="Costs")
    assert costs["none_solution"].isna().all()


def test_a_table_too_long_for_a_sheet_is_read_from_its_csv(base_path, tmp_path):
    book = load_workbook(base_path)
    summary = book["Summary"]
    summary.append(["Flows_csv", "plan_Flows.csv", "file", "", "diagnostics"])
    summary.append(["Risk_csv", "../outside.csv", "file", "", "diagnostics"])
    book.save(tmp_path / "plan.xlsx")
    pd.DataFrame({"from": ["a"], "to": ["b"], "t": [7.0]}).to_csv(tmp_path / "plan_Flows.csv")
    (tmp_path.parent / "outside.csv").write_text("country\nnowhere\n")
    read = read_solution(tmp_path / "plan.xlsx")
    assert list(read.table("Flows")["t"]) == [7.0]  # from the CSV beside the workbook
    assert "nowhere" not in set(read.table("Risk").get("country", []))  # not from elsewhere


def test_compare_costs_are_the_components_of_the_costs_sheet(base_path, variant_path):
    """A robust plan's Summary holds robust_objective_usd, expected_cost_usd and the like:
    figures about the plan, not cost components; the components add up to the total."""
    books = [read_solution(base_path), read_solution(variant_path)]
    books[1].summary["robust_objective_usd"] = 1e9
    books[1].summary["nominal_cost_usd"] = 2e9
    costs = compare(books).costs.set_index("component")
    assert "robust_objective" not in costs.index and "nominal_cost" not in costs.index
    for name, book in zip(["base_solution", "no_lynas"], books, strict=True):
        parts = costs.drop(index="total_cost")[name].sum()
        assert parts == pytest.approx(book.summary["total_cost_usd"], rel=1e-9)


@pytest.mark.parametrize("command", ["report", "compare"])
def test_report_and_compare_never_write_over_an_input(base_path, variant_path, command):
    before = base_path.read_bytes()
    args = [base_path] if command == "report" else [base_path, variant_path]
    result = invoke(command, *args, "-o", base_path)
    assert result.exit_code == 1, result.output
    assert "inputs are never overwritten" in " ".join(result.stderr.split())
    assert base_path.read_bytes() == before
