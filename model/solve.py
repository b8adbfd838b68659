"""The one module that talks to the solver: Pyomo model in, plain result out.

Hand-off: Pyomo's linear standard-form compiler turns the model into sparse arrays
(c, A, row bounds, column bounds), which go straight into a highspy `Highs` object with
`passModel`. After the solve, primal values and row duals come back as plain dicts keyed by
(component name, index); no Pyomo object leaves this module.

Dual sign convention (HiGHS, minimisation): the dual of a row is d(objective)/d(row bound).
A `<=` capacity row that binds has a dual <= 0 (more capacity lowers cost); a demand
equality has a dual >= 0 (more demand raises cost).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

PLAIN_STATUS = {
    "Optimal": ("optimal", "The plan is optimal."),
    "Infeasible": (
        "infeasible",
        "No plan satisfies every hard constraint at once: some capacities, hard policies or "
        "lanes contradict each other.",
    ),
    "Unbounded": (
        "unbounded",
        "The cost can fall without limit: some revenue (a market bid or an incentive) is not "
        "capped by any capacity.",
    ),
    "Primal infeasible or unbounded": (
        "infeasible",
        "The model is infeasible or unbounded: check hard constraints and uncapped incentives.",
    ),
    "Time limit reached": (
        "time_limit",
        "The solver stopped at the time limit before proving optimality; raise time_limit_s.",
    ),
}


@dataclass
class SolveResult:
    """What a solve gives back, in plain Python."""

    status: str
    message: str
    objective: float | None
    # constraints of an irreducible infeasible subset, as (component name, index)
    conflict: list[tuple[str, tuple]] = field(default_factory=list)
    values: dict[str, dict[tuple, float]] = field(default_factory=dict)
    duals: dict[str, dict[tuple, float]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    solver: str = f"HiGHS {highspy.Highs().version()}"

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


def _key(component_data) -> tuple:
    index = component_data.index()
    return index if isinstance(index, tuple) else (index,)


def solve_model(model: pyo.ConcreteModel, time_limit_s: float = 600.0) -> SolveResult:
    """Solve the LP with HiGHS; return status, objective (model units), primal values and duals."""
    t0 = time.perf_counter()
    try:
        info = LinearStandardFormCompiler().write(model, mixed_form=True)
    except InfeasibleConstraintException as exc:
        return SolveResult("infeasible", f"A constraint can never hold: {exc}", None)
    columns = info.columns
    n_cols, n_rows = len(columns), info.A.shape[0]
    lower = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    rhs = np.asarray(info.rhs, dtype=float)
    kinds = np.array([kind for _con, kind in info.rows], dtype=int)
    row_lower = np.where(kinds <= 0, rhs, -np.inf)
    row_upper = np.where(kinds >= 0, rhs, np.inf)
    cost = info.c.toarray().ravel() if n_cols else np.zeros(0)
    A = info.A.tocsc()
    for name, array in (("cost", cost), ("row bound", rhs), ("coefficient", A.data)):
        if np.isnan(array).any():
            return SolveResult(
                "error", f"The model has an undefined (NaN) {name}; no solve was attempted.", None
            )

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.offset_ = float(info.c_offset[0]) if len(info.c_offset) else 0.0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    highs.passModel(lp)
    t1 = time.perf_counter()
    highs.run()
    t2 = time.perf_counter()

    status_text = highs.modelStatusToString(highs.getModelStatus())
    status, message = PLAIN_STATUS.get(
        status_text, ("error", f"The solver stopped without a plan ({status_text}).")
    )
    result = SolveResult(
        status=status,
        message=message,
        objective=None,
        stats={"columns": n_cols, "rows": n_rows, "nonzeros": int(A.nnz)},
    )
    if status == "infeasible":
        result.conflict = _conflict(highs, info.rows)
    if status == "optimal":
        solution = highs.getSolution()
        result.objective = float(highs.getInfo().objective_function_value)
        primal = np.asarray(solution.col_value)
        for v, x in zip(columns, primal, strict=True):
            result.values.setdefault(v.parent_component().name, {})[_key(v)] = float(x)
        for var in model.component_objects(pyo.Var, active=True):
            result.values.setdefault(var.name, {})
        duals = np.asarray(solution.row_dual)
        for (con, _kind), y in zip(info.rows, duals, strict=True):
            result.duals.setdefault(con.parent_component().name, {})[_key(con)] = float(y)
    t3 = time.perf_counter()
    result.timings = {"handoff_s": t1 - t0, "solve_s": t2 - t1, "extract_s": t3 - t2}
    return result


def _conflict(highs: highspy.Highs, rows: list) -> list[tuple[str, tuple]]:
    """Names of the constraints in an irreducible infeasible subset (IIS), if HiGHS finds one."""
    strategies = (highspy.IisStrategy.kIisStrategyFromLp, highspy.IisStrategy.kIisStrategyFromRay)
    for strategy in strategies:
        highs.setOptionValue("iis_strategy", int(strategy))
        status, iis = highs.getIis()
        if status == highspy.HighsStatus.kOk and iis.valid_ and len(iis.row_index_):
            cons = [rows[r][0] for r in iis.row_index_]
            return [(con.parent_component().name, _key(con)) for con in cons]
    return []
