"""Settings: solver_method. Every algorithm gives the same plan, duals and ranging (crossover
after an interior point), the Summary says which ran, and auto picks by size."""

from __future__ import annotations

import pytest

from model.api import load_workbook_data, solve_data
from model.solver.session import (
    AUTO_HIPO_ABOVE_COLUMNS,
    METHOD_LABEL,
    chosen_method,
    hipo_available,
)
from model.workbook.changes import parse_change

pytestmark = pytest.mark.hand


def _with_method(tiny, method: str) -> dict:
    out = dict(tiny)
    out["Settings"] = [*tiny["Settings"], {"setting": "solver_method", "value": method}]
    return out


@pytest.mark.parametrize("method", ["simplex", "ipm", "hipo"])
def test_every_method_gives_the_same_plan_duals_and_ranging(tiny, solve_tables, method):
    reference = solve_tables(tiny, "simplex.xlsx")
    run = solve_tables(_with_method(tiny, method), f"{method}.xlsx")
    assert run.result.ok
    assert run.result.objective == pytest.approx(reference.result.objective, rel=1e-9)
    assert run.result.duals["Demand_Balance"] == pytest.approx(
        reference.result.duals["Demand_Balance"], rel=1e-6
    )
    assert set(run.result.cost_ranges) == set(reference.result.cost_ranges)
    if method == "hipo" and not hipo_available():
        method = "ipm"  # HiPO needs highspy-extras of highspy's version
    expected = METHOD_LABEL[method]
    assert run.solution.summary["solver_method"] == expected
    if method != "simplex":
        assert run.solution.summary["ipm_iterations"] > 0


def test_auto_is_simplex_for_small_models_and_the_measured_choice_above(tiny, solve_tables):
    assert chosen_method("auto", AUTO_HIPO_ABOVE_COLUMNS) == "simplex"
    large = "hipo" if hipo_available() else "simplex"  # IPX is slower than simplex here
    assert chosen_method("auto", 900_000) == "simplex"  # L: simplex and HiPO about level
    assert chosen_method("auto", AUTO_HIPO_ABOVE_COLUMNS + 1) == large
    assert chosen_method("ipm", 10) == "ipm"
    assert solve_tables(tiny).solution.summary["solver_method"] == METHOD_LABEL["simplex"]


def test_a_sweep_after_an_interior_point_re_solves_warm(tiny, write_book):
    from model.studies.sweep import run_sweep

    data = load_workbook_data(write_book(_with_method(tiny, "ipm")))
    change = parse_change("Demand[motors].demand_t = 60:100:20")
    table = run_sweep(data, [change]).table
    plain = run_sweep(load_workbook_data(write_book(tiny, "plain.xlsx")), [change]).table
    assert table["objective_usd"].to_numpy() == pytest.approx(plain["objective_usd"].to_numpy())


def test_an_unknown_method_is_an_input_error(tiny, write_book):
    from model.findings import InputError

    with pytest.raises(InputError) as caught:
        load_workbook_data(write_book(_with_method(tiny, "barrier")))
    assert "not one of auto, simplex, ipm, hipo" in str(caught.value.findings[0].message)


def test_the_method_is_case_blind(tiny, write_book):
    data = load_workbook_data(write_book(_with_method(tiny, "IPM")))
    assert data.settings["solver_method"] == "ipm"
    assert solve_data(data).solution.summary["solver_method"] == METHOD_LABEL["ipm"]
