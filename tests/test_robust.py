"""Scenario planning by hand: the two-stage stochastic LP, CVaR, EVPI and VSS.

The hand case is the tiny chain (tests/test_hand.py) for one year with its magnet plant cut to
60 t/yr and a project that adds magnet capacity at an annual charge of 600 USD per kg/yr of
capacity (capex 600,000 USD per t/yr over a life of 1 year at rate 0: CRF = 1). Serving a kg
of magnets costs MARGINAL = 31.50 USD/kg, leaving it unmet 1000 USD/kg, so a kg/yr of capacity
that serves otherwise unmet demand saves 968.50 USD. Scenarios: the workbook as it is (100 t)
and a surge (150 t). Each alone: 40 t/yr built for 100 t, 90 t/yr for 150 t.

With the surge at probability q, one more t/yr between 40 and 90 costs 600 and saves
q x 968.50 per kg: the robust plan builds 90 when q > 0.62, else 40. At q = 0.7:

    RP   = 0.3 c_n(90) + 0.7 c_s(90)        WS = 0.3 c_n(40) + 0.7 c_s(90)
    EVPI = RP - WS = 0.3 x 50 t x 600 USD/kg                                    =  9.0 M USD
    EEV  = 0.3 c_n(40) + 0.7 c_s(40)        (the nominal plan builds 40)
    VSS  = EEV - RP = 0.7 x 50 x (968.50 - 600) - 0.3 x 50 x 600 (x 1000 USD)   =  3.9 M USD
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import flat, invoke

from model.api import load_workbook_data, solve_data
from model.studies.robust import cvar, run_robust
from model.workbook.scenarios import scenarios_of

pytestmark = pytest.mark.hand

MARGINAL = 31.503164044033227
SAVING = 1000 - MARGINAL  # USD per kg of magnet capacity that serves unmet demand


def hand_case(tiny, surge: float = 0.7, **settings) -> dict:
    tiny["Sites"][3]["capacity_t"] = 60
    tiny["Projects"] = [
        {"project": "plus", "site": "magnet_us", "capex_usd_per_t": 600_000, "life_years": 1,
         "max_t": 200}
    ]  # fmt: skip
    tiny["Scenarios"] = [
        {"scenario": "surge", "probability": surge, "change": "Demand[motors].demand_t *= 1.5"}
    ]
    tiny["Settings"] += [{"setting": k, "value": v} for k, v in settings.items()]
    return tiny


def built(result) -> float:
    first = result.first_stage
    return float(first.loc[first["decision"] == "build", "robust_plan"].sum())


def test_cvar_of_a_discrete_distribution():
    # four equally likely costs 1, 2, 3, 10: the worst quarter is 10, the worst half 6.5, and
    # at alpha 0 CVaR is the mean 4
    costs, p = [1.0, 2.0, 3.0, 10.0], [0.25] * 4
    assert cvar(costs, p, 0.75) == pytest.approx(10.0)
    assert cvar(costs, p, 0.5) == pytest.approx(6.5)
    assert cvar(costs, p, 0.0) == pytest.approx(4.0)


def test_one_scenario_of_probability_one_is_the_plain_solve_of_its_change(tiny, write_book):
    tiny["Scenarios"] = [
        {"scenario": "dear_dy", "probability": 1.0,
         "change": "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg = 600"}
    ]  # fmt: skip
    data = load_workbook_data(write_book(tiny))
    result = run_robust(data)
    assert result.summary["status"] == "optimal"
    plain = solve_data(scenarios_of(data)[1].data(data)).solution.summary["objective_usd"]
    assert result.summary["objective_usd"] == pytest.approx(plain, rel=1e-9)
    row = result.scenarios.set_index("scenario").loc["dear_dy"]
    assert row["probability"] == 1.0 and row["objective_usd"] == pytest.approx(plain, rel=1e-9)
    assert result.scenarios.iloc[0]["probability"] == 0.0  # the workbook as it is: nothing left


def test_evpi_and_vss_by_hand(tiny, write_book):
    result = run_robust(load_workbook_data(write_book(hand_case(tiny))))
    s = result.summary
    assert built(result) == pytest.approx(90.0)
    assert s["evpi_usd"] == pytest.approx(0.3 * 50 * 600 * 1000, rel=1e-9)
    assert s["vss_usd"] == pytest.approx((0.7 * 50 * (SAVING - 600) - 0.3 * 50 * 600) * 1000)
    assert s["evpi_usd"] >= 0 and s["vss_usd"] >= 0
    rows = result.scenarios.set_index("scenario")
    # the nominal plan (40 t/yr) leaves 50 t of the surge unmet: it costs 50 x 968.50 k more
    # there; the robust plan pays for 50 t/yr more capacity in the nominal case
    assert rows.loc["surge", "saving_usd"] == pytest.approx(50 * (SAVING - 600) * 1000)
    assert rows.loc["nominal", "saving_usd"] == pytest.approx(-50 * 600 * 1000)
    text = " ".join(result.sentences)
    assert "builds 50 t/yr more of plus (first online 2026)" in text
    assert "costs 30 M USD more in the nominal case and saves 18 M USD in scenario surge" in text


def test_with_the_first_stage_fixed_each_scenario_costs_what_a_plain_solve_does(tiny, write_book):
    # the nominal plan's first stage (40 t/yr) fixed in the extensive form: each scenario's
    # cost equals a plain solve of that scenario with the project forced to 40 t/yr
    data = load_workbook_data(write_book(hand_case(tiny)))
    result = run_robust(data)
    for scenario in scenarios_of(data):
        case = scenario.data(data)
        case.tables["Projects"].loc[:, ["min_t", "max_t"]] = 40.0
        plain = solve_data(case).solution.summary["objective_usd"]
        evaluated = result.scenarios.set_index("scenario").loc[scenario.name]
        assert evaluated["nominal_plan_objective_usd"] == pytest.approx(plain, rel=1e-9)
        alone = solve_data(scenario.data(data)).solution.summary["objective_usd"]
        assert evaluated["planned_alone_objective_usd"] == pytest.approx(alone, rel=1e-9)


def test_cvar_at_alpha_zero_is_the_expected_cost(tiny, write_book):
    result = run_robust(load_workbook_data(write_book(hand_case(tiny, cvar_alpha=0.0))))
    s = result.summary
    assert s["cvar_usd"] == pytest.approx(s["expected_cost_usd"], rel=1e-12)
    expected = (result.scenarios["probability"] * result.scenarios["objective_usd"]).sum()
    assert s["expected_cost_usd"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("weight", "capacity"), [(0.0, 40.0), (0.5, 40.0), (1.0, 90.0)])
def test_the_cvar_weight_buys_protection_against_the_worst_case(tiny, write_book, weight, capacity):
    # surge at 0.3: by expected cost a t/yr above 40 costs 600 - 0.3 x 968.50 = 309.45 per kg.
    # At alpha 0.7 the worst 30% is the surge alone, whose cost falls by 968.50 - 600 = 368.50
    # per kg: E + w CVaR falls with more capacity when w > 309.45 / 368.50 = 0.84
    tables = hand_case(tiny, surge=0.3, cvar_alpha=0.7, cvar_weight=weight)
    result = run_robust(load_workbook_data(write_book(tables)))
    assert built(result) == pytest.approx(capacity)
    s = result.summary
    assert s["objective_usd"] == pytest.approx(s["expected_cost_usd"] + weight * s["cvar_usd"])


def test_robust_command_writes_its_workbook_and_json(tiny, write_book, tmp_path):
    path = write_book(hand_case(tiny), "hand.xlsx")
    command = [
        str(Path(sys.executable).parent / "mine2magnet"),
        "robust",
        path.name,
        "--json",
        "--report",
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["evpi_usd"] == pytest.approx(9e6, rel=1e-9)
    assert "Traceback" not in done.stderr
    assert summary["build_s"] > 0 and summary["handoff_s"] > 0  # read before the solve
    from openpyxl import load_workbook

    # the robust plan's workbook is a solution workbook (the plan in the nominal scenario)
    # with the scenario sheets, so `report` and `compare` read it
    book = load_workbook(tmp_path / "outputs" / "hand_robust.xlsx", read_only=True)
    sheets = set(book.sheetnames)
    assert {"Summary", "Flows", "Scenarios", "FirstStage", "ScenarioCosts", "Charts"} <= sheets
    header = [c.value for c in next(book["Scenarios"].iter_rows(max_row=1))]
    titles = [r[0] for r in book["ChartData"].iter_rows(values_only=True) if r[0]]
    book.close()
    for column in ("scenario", "probability", "total_cost_usd", "unmet_t", "china_share_magnet"):
        assert column in header
    assert any(str(t).startswith("Cost per scenario") for t in titles)
    html = (tmp_path / "outputs" / "hand_robust_report.html").read_text(encoding="utf-8")
    assert "Total cost per scenario" in html and "surge" in html


def test_cvar_frontier_command(tiny, write_book, tmp_path):
    path = write_book(hand_case(tiny, surge=0.3, cvar_alpha=0.7))
    result = invoke("frontier", path, "--cvar", "-n", "3", "-o", tmp_path / "f.xlsx")
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "f.xlsx", read_only=True)
    rows = list(book["Frontier"].iter_rows(values_only=True))
    book.close()
    header, rows = rows[0], rows[1:]
    expected = [r[header.index("expected_cost_usd")] for r in rows]
    tail = [r[header.index("cvar_usd")] for r in rows]
    # from the least expected cost to the least CVaR: expected cost rises as CVaR falls
    assert expected == sorted(expected) and tail == sorted(tail, reverse=True)
    assert tail[0] > tail[-1]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("rows", "cell", "words"),
    [
        ([{"scenario": "a", "probability": -0.1, "change": None}], "B2", "outside [0, 1]"),
        ([{"scenario": "a", "probability": 0.7, "change": None},
          {"scenario": "b", "probability": 0.6, "change": None}], "B3", "sum to 1.3"),
        ([{"scenario": "a", "probability": 0.5, "change": "Sites[nowhere].capacity_t = 1"}],
         "C2", "no Sites row has key nowhere"),
        ([{"scenario": "a", "probability": 0.5, "change": "Sites[sep_us].capacity_t = 1,2"}],
         "C2", "takes one value, not 2"),
        ([{"scenario": "a", "probability": 0.5, "change": None},
          {"scenario": "a", "probability": 0.4, "change": None}], "B3", "has probability 0.4"),
        ([{"scenario": "a", "probability": None, "change": None}], "B2", "has no probability"),
    ],
)  # fmt: skip
def test_bad_scenarios_are_named_at_their_cell(tiny, write_book, rows, cell, words):
    tiny["Scenarios"] = rows
    result = invoke("validate", write_book(tiny))
    assert result.exit_code == 1, result.output
    text = flat(result.stderr)
    assert f"ERROR Scenarios!{cell}:" in text and words in text


def test_robust_without_scenarios_is_an_input_error(tiny, write_book):
    result = invoke("robust", write_book(tiny))
    assert result.exit_code == 1
    assert "the workbook has no scenarios" in flat(result.stderr)


def test_a_scenario_that_makes_the_first_stage_infeasible_is_explained(tiny, write_book):
    # the scenario needs 50 t of Dy metal in stock at metal_us in 2026, with at most 1 t of
    # Dy oxide for sale: no plan meets it, and the explanation names the scenario and limit
    tiny["MarketPrices"][0]["max_t"] = 1
    tiny["Stocks"] = [{"site": "metal_us", "element": "Dy", "min_t": 0, "max_t": 60}]
    tiny["Scenarios"] = [
        {"scenario": "hoard", "probability": 0.5, "change": "Stocks[metal_us,Dy].min_t = 50"}
    ]
    result = invoke("robust", write_book(tiny))
    assert result.exit_code == 3, result.output
    text = flat(result.stderr)
    assert "in scenario hoard, the minimum stock of Dy at metal_us in 2026 (50 t)" in text


@pytest.mark.parametrize(
    ("change", "shared"),
    [
        ("MarketPrices[china_market,oxide,Dy]@2028-2035.max_t = 0", True),
        ("Demand[wind].demand_t *= 1.3", True),
        ("Sites[lynas_my].capacity_t *= 0.5", True),
        ("Tariffs[].tariff_pct *= 2", True),  # every tariff row (the sheet has no key)
        ("Settings[discount_rate].value = 0.03", True),
        ("Sites[carina].first_year += 2", False),  # its operating years decide arcs
        ("Recovery[lynas_my,Dy].recovery = 0.5", False),  # yields are coefficients
    ],
)
def test_a_scenario_that_moves_numbers_reuses_the_nominal_arcs(change, shared):
    # derived on the nominal network's arcs, a numbers-only scenario gives exactly the LP a
    # fresh derivation gives (same columns, rows, costs, bounds and coefficients)
    from conftest import INPUTS

    from model.chain.network import build_network, reprice
    from model.lp.build import build_model
    from model.solver.compile import compile_lp
    from model.workbook.changes import apply_change, parse_change

    data = load_workbook_data(INPUTS / "base_case.xlsx")
    template = build_network(data)
    case = data.copy()
    apply_change(case, parse_change(change))
    reused = reprice(template, case)
    assert (reused is not None) == shared
    if reused is None:
        return
    assert reused.flows is template.flows  # shared, not copied
    a, b = compile_lp(build_model(reused)), compile_lp(build_model(build_network(case)))
    assert list(a.column_keys) == list(b.column_keys) and a.row_keys == b.row_keys
    for name in ("col_lower", "col_upper", "row_lower", "row_upper", "indices", "values"):
        assert (getattr(a, name) == getattr(b, name)).all(), name
    assert (a.costs["Objective"] == b.costs["Objective"]).all()
