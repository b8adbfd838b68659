"""The two ways a solve runs: keeping the network, or lean (the network freed while HiGHS
solves and derived again for the reports)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from model.api import load_workbook_data, solve_data

BASE_CASE = Path(__file__).resolve().parents[1] / "inputs" / "base_case.xlsx"


def test_a_lean_solve_reports_the_same_plan():
    kept = solve_data(load_workbook_data(BASE_CASE))
    lean = solve_data(load_workbook_data(BASE_CASE), lean_above=0)
    assert kept.result.ok and lean.result.ok
    assert lean.result.objective == kept.result.objective
    assert lean.network is not kept.network
    assert lean.result.cost_ranges == kept.result.cost_ranges
    assert set(lean.solution.tables) == set(kept.solution.tables)
    for name, table in kept.solution.tables.items():
        pd.testing.assert_frame_equal(lean.solution.tables[name], table, obj=name)
    timing = {k for k in kept.solution.summary if k.endswith("_s")}
    assert {k: v for k, v in lean.solution.summary.items() if k not in timing} == {
        k: v for k, v in kept.solution.summary.items() if k not in timing
    }


def test_sums_prepared_while_highs_solves_give_the_same_tables():
    from model.chain.network import build_network
    from model.lp.build import build_model
    from model.results.sums import PreparedSums
    from model.results.tables import extract
    from model.solver.session import open_session

    data = load_workbook_data(BASE_CASE)
    net = build_network(data)
    session = open_session(lambda: build_model(net), 60)
    result = session.solve(ranging=True)
    prepared = PreparedSums(net, session.column_of)
    assert len(prepared.index) > 1000
    one_by_one = extract(data, net, result)
    at_once = extract(data, net, result, prepared=prepared)
    for name, table in one_by_one.tables.items():
        pd.testing.assert_frame_equal(at_once.tables[name], table, obj=name, rtol=1e-9)
    for key, value in one_by_one.summary.items():
        if isinstance(value, float):
            assert at_once.summary[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert at_once.summary[key] == value, key


def test_work_in_a_child_process_returns_its_result_or_raises_its_error():
    from model.memory import in_child

    assert in_child(lambda: {"arrays": [1.5, 2.5]}) == {"arrays": [1.5, 2.5]}

    def broken():
        raise ValueError("no model")

    with pytest.raises(ValueError, match="no model"):
        in_child(broken)


def test_a_lean_solve_builds_its_model_in_a_child_and_says_how_big_it_was():
    lean = solve_data(load_workbook_data(BASE_CASE), lean_above=0)
    assert set(lean.result.memory) >= {"parent_at_build_mb", "child_private_mb"}
    pinned = json.loads((Path(__file__).parent / "regression" / "base_case.json").read_text())
    assert lean.solution.summary["columns"] == pinned["columns"]
    assert lean.solution.summary["objective_usd"] == pytest.approx(
        pinned["objective_usd"], rel=1e-9
    )


@pytest.mark.parametrize("in_child", [False, True])
def test_a_mip_keeps_its_gap_whether_built_here_or_in_a_child(in_child):
    import pyomo.environ as pyo

    from model.solver.session import open_session

    def make_model():
        m = pyo.ConcreteModel()
        m.Go = pyo.Var(within=pyo.Binary)
        m.Flow = pyo.Var(bounds=(0, 10))
        m.Capacity = pyo.Constraint(expr=m.Flow <= 10 * m.Go)
        m.Cost = pyo.Objective(expr=3 * m.Go - m.Flow)
        return m

    session = open_session(make_model, 60, mip_gap=0.37, in_child=in_child)
    gap = session.highs.getOptionValue("mip_rel_gap")  # (status, value) in some versions
    assert (gap[1] if isinstance(gap, tuple) else gap) == pytest.approx(0.37)
    assert session.solve().objective == pytest.approx(-7.0)
