"""Hand-checkable explanations: why demand is unmet, and why no plan exists.

Figures come from the tiny chain (model/examples.py docstring, tests/test_hand.py): the
marginal cost of a kg of std magnet is 31.5032 USD, the unmet penalty 1000 USD/kg.
"""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo
import pytest
from click.testing import CliRunner
from conftest import flat
from openpyxl import load_workbook

import model.api
from model.api import load_workbook_data
from model.chain.network import build_network
from model.cli import app
from model.report.solution import write_solution
from model.results.explain import describe, describe_bound, sentences, unmet_reasons
from model.results.tables import extract
from model.solver.session import SolveResult, solve_model

pytestmark = pytest.mark.hand

MARGINAL_USD_PER_KG = 31.5032  # 10 + 0.30 x 40.75 + 0.02 x 463.83, see test_hand.py


# ---------------------------------------------------------------- helpers


def explanations_sheet(run, path: Path) -> list[dict]:
    """The Explanations sheet of the written solution workbook, as row dicts."""
    write_solution(run.solution, path)
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book["Explanations"].iter_rows(values_only=True))
    finally:
        book.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def tiny_net(tiny, write_book):
    data = load_workbook_data(write_book(tiny))
    return data, build_network(data)


def infeasible_xy() -> pyo.ConcreteModel:
    """x + y <= 5, x >= 4, y >= 3: no x, y >= 0 satisfies all three."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.NonNegativeReals)
    m.y = pyo.Var(domain=pyo.NonNegativeReals)
    m.z = pyo.Var(domain=pyo.NonNegativeReals)
    m.Spare = pyo.Constraint(expr=m.z <= 10)  # not part of the conflict
    m.Total = pyo.Constraint(expr=m.x + m.y <= 5)
    m.XMin = pyo.Constraint(expr=m.x >= 4)
    m.YMin = pyo.Constraint(expr=m.y >= 3)
    m.obj = pyo.Objective(expr=m.x + m.y + m.z)
    return m


def constraint(m: pyo.ConcreteModel, name: str, index: tuple):
    component = getattr(m, name)
    if index == (None,):
        return component
    return component[index if len(index) > 1 else index[0]]


def assert_irreducible(m: pyo.ConcreteModel, conflict: list[tuple[str, tuple]]) -> None:
    """The conflict's constraints alone are infeasible, and dropping any one of them is not."""
    members = {id(constraint(m, c, i)) for c, i in conflict}
    for con in m.component_data_objects(pyo.Constraint, active=True):
        if id(con) not in members:
            con.deactivate()
    assert solve_model(m).status == "infeasible"
    for c, i in conflict:
        con = constraint(m, c, i)
        con.deactivate()
        assert solve_model(m).status != "infeasible", f"{c}{i} is not needed for the conflict"
        con.activate()


def force_make(m: pyo.ConcreteModel) -> pyo.ConcreteModel:
    """The tiny model plus a hard rule to make 1500 t of magnets at a 1000 t plant."""
    m.Force = pyo.Constraint(expr=m.Make["magnet_us", "std", 2026] >= 1500)
    return m


# ---------------------------------------------------------------- unmet demand


def test_magnet_capacity_shortfall_is_explained(tiny, solve_tables, tmp_path):
    tiny["Sites"][3]["capacity_t"] = 60  # magnet_us
    run = solve_tables(tiny)
    value = 1000 - MARGINAL_USD_PER_KG  # 968.4968 USD per kg of magnet capacity
    text = run.solution.summary["explanation"]
    assert text.startswith("motors 2026: 40.0 t of 100 t unmet (40.0%).")
    assert "Stopped by magnet capacity of magnet_us (60 t, full; 1 more kg saves 968 USD)" in text
    assert "not in one element" in text
    table = run.solution.tables["Explanations"]
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["segment"], row["year"], row["limit"], row["site"]) == (
        "motors",
        2026,
        "magnet capacity",
        "magnet_us",
    )
    assert row["unmet_t"] == pytest.approx(40.0)
    assert row["limit_t"] == pytest.approx(60.0)
    assert row["used_t"] == pytest.approx(60.0)
    assert row["shadow_value_usd_per_kg"] == pytest.approx(value, rel=1e-5)
    sheet = explanations_sheet(run, tmp_path / "out.xlsx")
    assert len(sheet) == 1
    assert sheet[0]["segment"] == "motors" and sheet[0]["site"] == "magnet_us"
    assert sheet[0]["year"] == 2026
    assert sheet[0]["demand_t"] == pytest.approx(100.0)
    assert sheet[0]["unmet_t"] == pytest.approx(40.0)
    assert sheet[0]["shadow_value_usd_per_kg"] == pytest.approx(value, rel=1e-5)


def test_market_cap_on_dy_is_explained(tiny, solve_tables):
    # The ore route is closed, NdPr oxide is bought at 50 USD/kg and Dy oxide is capped at 1 t:
    # 1 t Dy oxide = 0.871 t Dy metal = 0.871 / 0.02 = 43.55 t magnets, 56.45 t unmet.
    tiny["MarketPrices"][0]["max_t"] = 1
    tiny["MarketPrices"].append(
        {"site": "market_cn", "commodity": "oxide", "item": "NdPr", "price_usd_per_kg": 50}
    )
    tiny["Lanes"] = [{"from_site": "mine_au", "to_site": "sep_us", "allowed": "no"}]
    run = solve_tables(tiny)
    # One more kg of Dy oxide makes 1 / k kg of magnet (k = 0.02 / 0.871 kg oxide per kg),
    # each saving the 1000 penalty less its cost: magnet 10, NdPr (0.30 / 0.85) x (50 + 1
    # transport + 3 metal), Dy k x (400 + 1 + 3).
    k = 0.02 / 0.871
    cost = 10 + 0.30 / 0.85 * 54 + k * 404
    value = (1000 - cost) / k  # 41,880 USD per kg of Dy oxide
    text = run.solution.summary["explanation"]
    assert text.startswith("motors 2026: 56.5 t of 100 t unmet (56.5%).")
    assert "market cap of market_cn on oxide Dy (1 t, full; 1 more kg saves 41,880 USD)" in text
    assert "The shortfall is in Dy." in text
    row = run.solution.tables["Explanations"].iloc[0]
    assert row["limit"] == "market cap"
    assert row["element"] == "Dy"
    assert row["unmet_t"] == pytest.approx(100 - 0.871 / 0.02)
    assert row["used_t"] == pytest.approx(1.0)
    assert row["shadow_value_usd_per_kg"] == pytest.approx(value, rel=1e-6)


def test_segment_whose_grade_nobody_makes(tiny, solve_tables):
    tiny["Elements"].append({"element": "Tb", "class": "heavy", "oxide_to_metal": 0.85})
    tiny["Grades"].append({"grade": "hd", "element": "Tb", "kg_per_kg": 0.01})
    tiny["Segments"].append({"segment": "drones", "region": "US", "grades": "hd"})
    tiny["Demand"].append({"segment": "drones", "year": 2026, "demand_t": 10})
    run = solve_tables(tiny)
    text = run.solution.summary["explanation"]
    assert text == (
        "drones 2026: 10.0 t of 10 t unmet (100.0%). No magnet plant or market can supply its "
        "grades (hd) that year."
    )
    row = run.solution.tables["Explanations"].iloc[0]
    assert (row["segment"], row["limit"], row["item"]) == ("drones", "no supply route", "hd")


def test_demand_cheaper_to_leave_unmet(tiny, solve_tables):
    # a penalty of 20 USD/kg is below the 31.50 USD/kg it costs to make a magnet
    tiny["Segments"][0]["unmet_penalty_usd_per_kg"] = 20
    run = solve_tables(tiny)
    assert run.solution.summary["unmet_t"] == pytest.approx(100.0)
    text = run.solution.summary["explanation"]
    assert text == (
        "motors 2026: 100.0 t of 100 t unmet (100.0%). Serving it would cost more than its "
        "unmet penalty."
    )


def test_all_demand_served_says_so(tiny, solve_tables):
    run = solve_tables(tiny)
    assert run.solution.summary["explanation"] == "All demand is served."
    assert run.solution.tables["Explanations"].empty


def test_cli_prints_the_explanation(tiny, write_book, tmp_path):
    tiny["Sites"][3]["capacity_t"] = 60
    result = CliRunner().invoke(app, ["solve", str(write_book(tiny)), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "Stopped by magnet capacity of magnet_us" in flat(result.output)


# ---------------------------------------------------------------- infeasible


def test_infeasible_model_gives_the_conflicting_constraints():
    m = infeasible_xy()
    result = solve_model(m)
    assert result.status == "infeasible"
    assert not result.ok
    assert result.objective is None
    assert sorted(result.conflict) == [("Total", (None,)), ("XMin", (None,)), ("YMin", (None,))]
    assert_irreducible(m, result.conflict)


def test_infeasible_sentence_says_the_constraints_cannot_hold_together(tiny_net):
    _data, net = tiny_net
    result = solve_model(infeasible_xy())
    (text,) = sentences(net, result, unmet_reasons(net, result))
    assert text.startswith(result.message)
    assert "cannot all hold together" in text
    for name in ("Total", "XMin", "YMin"):
        assert name in text


def test_infeasible_sentence_describes_model_constraints_in_words(tiny_net):
    _data, net = tiny_net
    conflict = [("Capacity", ("magnet_us", 2026)), ("Demand_Balance", ("motors", 2026))]
    result = SolveResult("infeasible", "No plan.", None, conflict=conflict)
    assert sentences(net, result, unmet_reasons(net, result)) == [
        "No plan. These cannot all hold together: the magnet capacity of magnet_us in 2026 "
        "(1,000 t); the demand of motors in 2026 (100 t)."
    ]


def test_describe_names_each_kind_of_constraint(tiny_net):
    _data, net = tiny_net
    assert describe(net, "Capacity", ("sep_us", 2026)) == (
        "the separation capacity of sep_us in 2026 (1,000 t)"
    )
    assert describe(net, "Element_Balance", ("sep_us", "Dy", 2026)) == (
        "the balance of Dy at sep_us in 2026"
    )
    assert describe(net, "Grade_Balance", ("magnet_us", "std", 2026)) == (
        "the balance of grade std magnets at magnet_us in 2026"
    )
    assert describe(net, "Market_Item_Cap", ("market_cn", "oxide", "Dy", 2026)) == (
        "the cap on oxide Dy bought from market_cn in 2026 (0 t)"
    )


def test_long_conflict_is_cut_after_eight(tiny_net):
    _data, net = tiny_net
    conflict = [("Capacity", ("magnet_us", 2026))] * 11
    result = SolveResult("infeasible", "No plan.", None, conflict=conflict)
    (text,) = sentences(net, result, unmet_reasons(net, result))
    assert text.count("the magnet capacity of magnet_us") == 8
    assert text.endswith(" and 3 more.")


def test_infeasible_without_conflict_gives_the_message(tiny_net):
    _data, net = tiny_net
    result = SolveResult("infeasible", "No plan satisfies every hard constraint.", None)
    assert sentences(net, result, unmet_reasons(net, result)) == [
        "No plan satisfies every hard constraint."
    ]


def test_infeasible_tiny_model_names_the_magnet_capacity(tiny_net):
    data, net = tiny_net
    m = force_make(model.api.build_model(net))
    result = solve_model(m)
    assert result.status == "infeasible"
    assert ("Capacity", ("magnet_us", 2026)) in result.conflict
    assert ("Force", (None,)) in result.conflict
    summary = extract(data, net, result).summary
    assert summary["status"] == "infeasible"
    assert "cannot all hold together" in summary["explanation"]
    assert "the magnet capacity of magnet_us in 2026 (1,000 t)" in summary["explanation"]


def test_conflict_of_the_tiny_model_is_irreducible(tiny_net):
    _data, net = tiny_net
    m = force_make(model.api.build_model(net))
    result = solve_model(m)
    assert result.status == "infeasible"
    assert_irreducible(m, result.conflict)


def test_cli_reports_no_plan_with_the_conflict(tiny, write_book, tmp_path, monkeypatch):
    build = model.api.build_model
    monkeypatch.setattr(model.api, "build_model", lambda net: force_make(build(net)))
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(app, ["solve", str(write_book(tiny)), "-o", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 3, result.output
    text = flat(result.output)
    assert "infeasible" in text
    assert "cannot all hold together" in text
    assert "the magnet capacity of magnet_us in 2026 (1,000 t)" in text
    book = load_workbook(out, read_only=True)
    try:
        summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    finally:
        book.close()
    assert summary["status"] == "infeasible"
    assert "cannot all hold together" in summary["explanation"]


def test_an_impossible_stock_floor_is_named_with_its_figure(tiny, solve_tables):
    # 50 t of Dy metal must be in stock at metal_us by the end of 2026, but at most 1 t of Dy
    # oxide can be bought and the ore gives at most 1000 x 0.0045 x 0.9 = 4.05 t: the floor
    # (a bound of the Stock variable, not a row) is part of the conflict and is named
    tiny["MarketPrices"][0]["max_t"] = 1
    tiny["Stocks"] = [{"site": "metal_us", "element": "Dy", "min_t": 50, "max_t": 60}]
    run = solve_tables(tiny)
    assert run.result.status == "infeasible"
    assert ("Stock", ("metal_us", "Dy", 2026), "lower") in run.result.conflict_bounds
    text = run.solution.summary["explanation"]
    assert "the minimum stock of Dy at metal_us in 2026 (50 t)" in text
    assert "the cap on oxide Dy bought from market_cn in 2026 (1 t)" in text


def test_describe_names_rules_and_bounds(tiny_net):
    _data, net = tiny_net
    assert describe(net, "Policy", ("cap_cn", "", 2026)) == "policy cap_cn in 2026"
    assert describe(net, "Policy", ("cap_all", "China", 2026)) == (
        "policy cap_all for China in 2026"
    )
    assert describe_bound(
        net, "Flow", ("market_cn", "defense", "magnet", "std", 2026), "upper"
    ) == (
        "the compliant-chain rule that closes magnet std from market_cn to defense in 2026 "
        "(market_cn is in a restricted country)"
    )


def test_limits_of_equal_value_are_listed_in_site_order():
    """The base case's 2026 industrial shortfall is stopped by four magnet plants whose
    capacity is worth the same; the sites upstream are a set, so without an order the
    explanation changed from run to run with Python's string hashing."""
    run = model.api.solve_data(
        load_workbook_data(Path(__file__).resolve().parents[1] / "inputs" / "base_case.xlsx")
    )
    reasons = run.solution.tables["Explanations"]
    ties = 0
    for _, group in reasons.groupby(["segment", "year", "shadow_value_usd_per_kg"]):
        sites = [s for s in group["site"] if s]
        assert sites == sorted(sites)
        ties += len(sites) > 1
    assert ties >= 1  # the base case has ties to order
