"""The two ways a solve runs: keeping the network, or lean (the network freed while HiGHS
solves and derived again for the reports)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
