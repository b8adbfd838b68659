"""The one module that talks to the solver: Pyomo model in, plain result out.

Hand-off: compile.py reads the Pyomo model into sparse arrays (c, A row-wise, row and column
bounds), which go straight into a highspy `Highs` object with `passModel`. After the solve,
primal values (non-zero ones only: a missing index is 0) and row duals come back as plain
dicts keyed by (component name, index); no Pyomo object leaves this module.

Dual sign convention (HiGHS, minimisation): the dual of a row is d(objective)/d(row bound).
A `<=` capacity row that binds has a dual <= 0 (more capacity lowers cost); a demand
equality has a dual >= 0 (more demand raises cost).
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.metadata import version

import highspy
import numpy as np
import pyomo.core as pyo

from model import memory
from model.memory import collection_paused, heap_set_aside
from model.solver.compile import CompiledLp, ConstantConstraintError, compile_lp, take
from model.solver.threads import highs_threads

PLAIN_STATUS = {
    "Optimal": ("optimal", "The plan is optimal."),
    "Infeasible": (
        "infeasible",
        "No plan satisfies every hard constraint at once: some capacities, market caps, hard "
        "policies, stock floors or lanes contradict each other.",
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
    # constraints of an irreducible infeasible subset, as (component name, index), and the
    # variable bounds in it, as (variable name, index, "lower" | "upper" | "fixed")
    conflict: list[tuple[str, tuple]] = field(default_factory=list)
    conflict_bounds: list[tuple[str, tuple, str]] = field(default_factory=list)
    values: dict[str, dict[tuple, float]] = field(default_factory=dict)  # non-zero only
    duals: dict[str, dict[tuple, float]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    # cost ranging per (var name, index): (current coef, lowest, highest) keeping the basis;
    # bound ranging per (constraint name, index): (current bound, lowest, highest)
    cost_ranges: dict[tuple[str, tuple], tuple[float, float, float]] = field(default_factory=dict)
    bound_ranges: dict[tuple[str, tuple], tuple[float, float, float]] = field(default_factory=dict)
    primal: np.ndarray | None = None  # the column values, in the session's column order
    # the algorithm that ran (METHOD_LABEL, e.g. "dual simplex"), or for a MIP how its plan
    # and its duals were found
    method: str = ""
    mip_gap: float | None = None  # relative gap of a MIP solve
    # reduced costs d(objective)/d(column) of the columns of the components asked for
    # (LpSession.reduced_for), as {name: {index: value}}
    reduced: dict[str, dict[tuple, float]] = field(default_factory=dict)
    # a lean solve's memory figures (LpSession.memory), for benchmarks; not in the Summary
    memory: dict[str, float] = field(default_factory=dict)
    solver: str = field(default_factory=lambda: solver_name())

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


@cache
def solver_name() -> str:
    """'HiGHS <version>' of the installed highspy (read from its metadata: making a Highs
    object would print its banner)."""
    return f"HiGHS {version('highspy')}"


@cache
def _libc_fflush():
    """The C library's fflush, to empty C-level stdout buffers before fd 1 is restored."""
    try:
        return ctypes.CDLL(None).fflush
    except (OSError, AttributeError):
        return None


@contextmanager
def stdout_silenced() -> Iterator[None]:
    """Send whatever C or C++ code writes to file descriptor 1 to /dev/null meanwhile.

    HiGHS prints a banner on stdout when a Highs object is made (before any option can be
    set), which would corrupt output that scripts parse (`solve --json`)."""
    sys.stdout.flush()
    flush = _libc_fflush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        if flush is not None:
            flush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


# The algorithms a workbook can ask for (Settings: solver_method). `auto` takes dual simplex
# up to AUTO_HIPO_ABOVE_COLUMNS columns and HiPO above where this HiGHS has it, else dual
# simplex again. Measured per size (docs/performance.md): simplex is the fastest on base and
# M; on L (847k columns) simplex and HiPO take about the same time (64 and 67 s), HiPO with
# 24% more memory; on XL (3M columns) HiPO takes half simplex's time (362 s against 716 s);
# IPX is slower than simplex at every size. After an interior point, crossover finds a
# basis, so duals and ranging are as after simplex, and later re-solves of the session
# warm-start with simplex.
METHODS = ("auto", "simplex", "ipm", "hipo")
AUTO_HIPO_ABOVE_COLUMNS = 1_000_000
METHOD_LABEL = {
    "simplex": "dual simplex",
    "ipm": "interior point (IPX) + crossover",
    "hipo": "interior point (HiPO) + crossover",
}


def chosen_method(method: str, columns: int) -> str:
    """The algorithm `method` means for a model of `columns` columns."""
    if method == "auto":
        return "hipo" if columns > AUTO_HIPO_ABOVE_COLUMNS and hipo_available() else "simplex"
    if method not in METHOD_LABEL:
        raise ValueError(f"unknown solver method {method!r}; one of {', '.join(METHODS)}")
    return method


def use_method(highs: highspy.Highs, method: str) -> str:
    """Set HiGHS's options for `method` (simplex, ipm or hipo); the method set, which is ipm
    when HiPO is asked for but HiGHS has no HiPO (highspy-extras not installed, or not of
    highspy's version)."""
    if method == "hipo" and highs.setOptionValue("solver", "hipo") != highspy.HighsStatus.kOk:
        method = "ipm"
    if method == "ipm":
        highs.setOptionValue("solver", "ipx")
    if method == "simplex":
        highs.setOptionValue("solver", "simplex")
    else:
        highs.setOptionValue("run_crossover", "on")
    return method


@cache
def hipo_available() -> bool:
    """Whether this HiGHS can run HiPO (highspy-extras of highspy's version installed)."""
    return use_method(new_highs(), "hipo") == "hipo"


def new_highs(time_limit_s: float | None = None) -> highspy.Highs:
    """A silent Highs object: made with stdout silenced, logging off, optional time limit, and
    one thread in a study's worker process (solver.threads)."""
    with stdout_silenced():
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", float(time_limit_s))
    if (threads := highs_threads()) is not None:
        highs.setOptionValue("threads", threads)
    return highs


class LpSession:
    """A Pyomo model compiled once into a live HiGHS model that can be re-solved.

    Objectives: every active Objective of the model becomes one cost vector
    (`objective_names`); the first is used unless `use_objective` picks another.
    Rows can be re-bounded by (constraint name, index) between solves; HiGHS warm-starts.
    """

    def __init__(
        self,
        model: pyo.ConcreteModel,
        time_limit_s: float = 600.0,
        release_model: bool = False,
        mip_gap: float = 1e-4,
        method: str = "auto",
    ):
        """Compile `model` and pass it to HiGHS. With `release_model` the model's constraints
        and objectives are freed as they are compiled (the model is spent afterwards).
        `method` (METHODS) is the algorithm of the first solve; re-solves use simplex. A model
        with integer variables is solved as a MIP to the relative gap `mip_gap`."""
        t0 = time.perf_counter()
        self.memory: dict[str, float] = {}
        if isinstance(model, Compiled):  # compiled in a child process (open_session)
            self.var_names, lp_arrays = model.var_names, model.lp
        else:  # the model itself is not kept, so its memory can go once it is compiled
            self.var_names, lp_arrays = _compiled_arrays(model, release_model)
        self.error: SolveResult | None = None
        self.stats: dict[str, int] = {}  # columns, rows and nonzeros once compiled
        if isinstance(lp_arrays, ConstantConstraintError):
            message = f"A constraint can never hold: {lp_arrays}"
            self.error = SolveResult("infeasible", message, None)
            return
        self.column_keys = lp_arrays.column_keys
        self.row_keys = lp_arrays.row_keys
        self.row_of = {key: r for r, key in enumerate(self.row_keys)}
        n_cols, n_rows = len(self.column_keys), len(self.row_keys)
        self.objective_names = lp_arrays.objective_names
        self.costs = lp_arrays.costs
        self.offsets = lp_arrays.offsets
        self.stats = {"columns": n_cols, "rows": n_rows, "nonzeros": lp_arrays.nonzeros}
        arrays = (
            ("cost", np.concatenate([np.zeros(0), *self.costs.values()])),
            ("row bound", np.concatenate([lp_arrays.row_lower, lp_arrays.row_upper])),
            ("coefficient", lp_arrays.values),
        )
        for name, array in arrays:
            if np.isnan(array).any():
                self.error = SolveResult(
                    "error",
                    f"The model has an undefined (NaN) {name}; no solve was attempted.",
                    None,
                )
                return
        self.col_lower, self.col_upper = lp_arrays.col_lower, lp_arrays.col_upper
        self.reduced_for: set[str] = set()  # variable components whose reduced costs to report
        self.highs = new_highs(time_limit_s)
        first = self.objective_names[0] if self.objective_names else None
        self.objective_in_use = first
        row_lower, row_upper = lp_arrays.row_lower, lp_arrays.row_upper
        self._bounds = dict(enumerate(zip(row_lower.tolist(), row_upper.tolist(), strict=True)))
        # the numpy arrays go to HiGHS as buffers, with no element-by-element conversion
        passed = self.highs.passModel(
            n_cols,
            n_rows,
            lp_arrays.nonzeros,
            int(highspy.MatrixFormat.kRowwise),
            int(highspy.ObjSense.kMinimize),
            self.offsets[first] if first else 0.0,
            self.costs[first] if first else np.zeros(n_cols),
            lp_arrays.col_lower,
            lp_arrays.col_upper,
            row_lower,
            row_upper,
            lp_arrays.starts,
            lp_arrays.indices,
            lp_arrays.values,
            lp_arrays.integer,
        )
        self.integers = np.flatnonzero(lp_arrays.integer).astype(np.int32)
        if len(self.integers):
            self.highs.setOptionValue("mip_rel_gap", float(mip_gap))
        if passed == highspy.HighsStatus.kError:
            self.error = SolveResult("error", "HiGHS refused the model's arrays.", None)
        self.method = use_method(self.highs, chosen_method(method, n_cols))
        self.handoff_s = time.perf_counter() - t0

    def detach_keys(self) -> None:
        """Hold the column keys as codes (ColumnKeys.compact) and copy the row keys, so that
        the network and model they were read from can be freed whole while HiGHS solves."""
        self.column_keys.compact()
        self.row_keys = [(name, (*index,)) for name, index in self.row_keys]
        self.row_of = {key: r for r, key in enumerate(self.row_keys)}
        self.__dict__.pop("row_groups", None)
        self.__dict__.pop("column_groups", None)
        self.__dict__.pop("column_of", None)

    @cached_property
    def column_groups(self) -> list[tuple[str, list[tuple], np.ndarray]]:
        """(component name, indices, column positions) per variable component."""
        return self.column_keys.groups()

    @cached_property
    def column_of(self) -> dict[str, dict[tuple, int]]:
        """{variable component name: {index: column position}}."""
        groups = self.column_groups
        return {name: dict(zip(keys, pos.tolist(), strict=True)) for name, keys, pos in groups}

    def vector(self, terms: Iterable[tuple[str, tuple, float]]) -> np.ndarray:
        """Column vector of sum(coef x var[index]); variables not in the LP are skipped."""
        cols, coefs = [], []
        name, lookup = None, {}
        for v, k, c in terms:
            if v != name:
                name, lookup = v, self.column_of.get(v, {})
            pos = lookup.get(k)
            if pos is not None:
                cols.append(pos)
                coefs.append(c)
        out = np.zeros(len(self.column_keys))
        if cols:
            np.add.at(out, np.asarray(cols), np.asarray(coefs))
        return out

    @cached_property
    def row_groups(self) -> list[tuple[str, list[tuple], np.ndarray]]:
        """(component name, indices, row positions) per constraint component."""
        return _groups(self.row_keys)

    def set_costs(self, cost: np.ndarray, name: str = "Objective") -> None:
        """Make `cost` the named objective's cost vector, passing HiGHS only the entries that
        differ (when that objective is in use)."""
        current = self.costs[name]
        changed = np.flatnonzero(np.abs(cost - current) > 1e-12 * (1 + np.abs(current)))
        if len(changed) and name == self.objective_in_use:
            self.highs.changeColsCost(len(changed), changed.astype(np.int32), cost[changed])
        self.costs[name] = cost

    def set_column_bounds(self, bounds: dict[tuple[str, tuple], tuple[float, float]]) -> None:
        """Bound the named columns (variable name, index) -> (lower, upper), e.g. to fix a
        first-stage plan; `restore_column_bounds` gives them back their own. Names not in
        the LP are skipped."""
        found = [
            (self.column_of[name][index], lo, hi)
            for (name, index), (lo, hi) in bounds.items()
            if index in self.column_of.get(name, {})
        ]
        if found:
            pos, lower, upper = (np.asarray(v) for v in zip(*found, strict=True))
            self.highs.changeColsBounds(len(pos), pos.astype(np.int32), lower, upper)

    def restore_column_bounds(self) -> None:
        """Every column's bounds back to the model's own."""
        n = len(self.col_lower)
        self.highs.changeColsBounds(n, np.arange(n, dtype=np.int32), self.col_lower, self.col_upper)

    def write_model(self, path: str) -> None:
        """Write the LP as HiGHS holds it (MPS by the file's suffix), e.g. for HiGHS alone."""
        self.highs.writeModel(str(path))

    def use_objective(self, name: str) -> None:
        """Minimise the named objective from now on."""
        cost = self.costs[name]
        self.objective_in_use = name
        self.highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        self.highs.changeObjectiveOffset(self.offsets[name])

    def set_row_bounds(self, component: str, index: tuple, lower: float, upper: float) -> None:
        """Change the bounds of one constraint row (use +-inf for no bound)."""
        row = self.row_of[component, index]
        self.highs.changeRowBounds(row, lower, upper)
        self._bounds[row] = (lower, upper)

    def apply_row_bounds(self, bounds: dict[tuple[str, tuple], tuple[float, float]]) -> None:
        """Set each named row's (lower, upper) where it differs; rows not in the LP are
        skipped (a constraint with no variables was never passed on)."""
        for key, (lower, upper) in bounds.items():
            row = self.row_of.get(key)
            if row is not None and self._bounds[row] != (lower, upper):
                self.highs.changeRowBounds(row, lower, upper)
                self._bounds[row] = (lower, upper)

    def column_values(self, vector: np.ndarray) -> float:
        """cost-vector . current primal solution (e.g. an inactive objective's value)."""
        return float(vector @ _floats(self.highs.getSolution().col_value))

    def solve(
        self,
        ranging: bool = False,
        values: bool = True,
        while_solving: Callable[[], None] | None = None,
    ) -> SolveResult:
        """Run HiGHS (warm-started after the first run) and return a plain result; with
        `ranging`, also the intervals of costs and row bounds over which the basis stays.

        `while_solving` is Python work that does not touch this model: it runs while HiGHS
        solves in a thread of its own (HiGHS releases the GIL), on the machine's other core."""
        if self.error is not None:
            return self.error
        t1 = time.perf_counter()
        if while_solving is None:
            self.highs.run()
        else:
            solver = threading.Thread(target=self.highs.run)
            solver.start()
            try:
                while_solving()
            finally:
                solver.join()
        t2 = time.perf_counter()
        status_text = self.highs.modelStatusToString(self.highs.getModelStatus())
        status, message = PLAIN_STATUS.get(
            status_text, ("error", f"The solver stopped without a plan ({status_text}).")
        )
        info = self.highs.getInfo()
        stats = {**self.stats, "simplex_iterations": int(info.simplex_iteration_count)}
        if self.method != "simplex":
            stats["ipm_iterations"] = int(info.ipm_iteration_count)
            stats["crossover_iterations"] = int(info.crossover_iteration_count)
        result = SolveResult(status=status, message=message, objective=None, stats=stats)
        result.method = METHOD_LABEL[self.method]
        if self.method != "simplex":  # a basis exists now: re-solves warm-start with simplex
            self.method = use_method(self.highs, "simplex")
        if status == "infeasible":
            result.conflict, result.conflict_bounds = _conflict(
                self.highs, self.row_keys, self.column_keys, self.col_lower, self.col_upper
            )
        if status == "optimal":
            result.objective = float(info.objective_function_value)
            if len(self.integers):
                result.mip_gap = float(info.mip_gap)
                result.method = (
                    "MIP (branch and bound); duals and ranging from the LP with the "
                    "go/no-go decisions fixed"
                )
                if values:
                    self._solve_with_decisions_fixed()
            solution = self.highs.getSolution()
            primal = _floats(solution.col_value)
            result.primal = primal
            if not values:  # the caller reads `primal` itself (fast sweep points)
                t3 = time.perf_counter()
                result.timings = {"handoff_s": 0.0, "solve_s": t2 - t1, "extract_s": t3 - t2}
                return result
            duals = _floats(solution.row_dual)
            reduced = _floats(solution.col_dual) if self.reduced_for else None
            del solution  # HiGHS's copy of the four solution vectors
            result.values = _by_component(self.column_groups, primal, nonzero_only=True)
            for name in self.var_names:
                result.values.setdefault(name, {})
            result.duals = _by_component(self.row_groups, duals)
            if reduced is not None:
                wanted = [g for g in self.column_groups if g[0] in self.reduced_for]
                result.reduced = _by_component(wanted, reduced)
            if ranging:
                self._ranging(result, primal, duals)
            if len(self.integers):
                self._restore_decisions()
        t3 = time.perf_counter()
        result.timings = {"handoff_s": self.handoff_s, "solve_s": t2 - t1, "extract_s": t3 - t2}
        self.handoff_s = 0.0
        return result

    def _solve_with_decisions_fixed(self) -> None:
        """After a MIP solve: fix every integer column at its (rounded) value, make it
        continuous and solve that LP, whose duals and ranging price the plan's continuous
        decisions given the go/no-go ones (`_restore_decisions` undoes it)."""
        chosen = np.round(_floats(self.highs.getSolution().col_value)[self.integers])
        n, idx = len(self.integers), self.integers
        self.highs.changeColsIntegrality(n, idx, np.zeros(n, dtype=np.int32))
        self.highs.changeColsBounds(n, idx, chosen, chosen)
        self.highs.run()

    def _restore_decisions(self) -> None:
        """Integer columns back to integer with their own bounds, for the next solve."""
        n, idx = len(self.integers), self.integers
        self.highs.changeColsBounds(n, idx, self.col_lower[idx], self.col_upper[idx])
        self.highs.changeColsIntegrality(n, idx, np.ones(n, dtype=np.int32))

    def _ranging(self, result: SolveResult, primal: np.ndarray, duals: np.ndarray) -> None:
        """Cost ranging of columns with a positive value, bound ranging of rows with a dual."""
        status, ranging = self.highs.getRanging()
        if status != highspy.HighsStatus.kOk or not ranging.valid:
            return
        # only the entries reported are turned into Python numbers (the arrays are per column)
        cost = self.costs.get(self.objective_in_use, np.zeros(len(primal)))
        used = np.flatnonzero(primal > 1e-9)
        up = _floats(ranging.col_cost_up.value_)[used]
        down = _floats(ranging.col_cost_dn.value_)[used]
        row_up = _floats(ranging.row_bound_up.value_)
        row_down = _floats(ranging.row_bound_dn.value_)
        del ranging  # its per-column records are the large part
        keys = self.column_keys.take(used)
        figures = zip(keys, cost[used].tolist(), down.tolist(), up.tolist(), strict=True)
        for key, c, lo, hi in figures:
            result.cost_ranges[key] = (c, lo, hi)
        for row in np.flatnonzero(np.abs(duals) > 1e-9):
            lower, upper = self._bounds[row]
            bound = upper if math.isfinite(upper) else lower
            result.bound_ranges[self.row_keys[row]] = (
                float(bound),
                float(row_down[row]),
                float(row_up[row]),
            )


def _floats(values: list[float]) -> np.ndarray:
    """A list of floats from highspy as an array (fromiter: about 2.5x faster than asarray)."""
    return np.fromiter(values, dtype=float, count=len(values))


def _groups(keys_in_order: list[tuple[str, tuple]]) -> list[tuple[str, list[tuple], np.ndarray]]:
    grouped: dict[str, tuple[list[tuple], list[int]]] = {}
    for pos, (name, key) in enumerate(keys_in_order):
        keys, positions = grouped.setdefault(name, ([], []))
        keys.append(key)
        positions.append(pos)
    return [(name, keys, np.asarray(p)) for name, (keys, p) in grouped.items()]


def _by_component(
    groups, vector: np.ndarray, nonzero_only: bool = False
) -> dict[str, dict[tuple, float]]:
    """Values of a column or row vector as {component name: {index: value}}; with
    `nonzero_only` the zeros are left out (a missing index reads as 0), and only their
    keys are read."""
    out = {}
    for name, keys, positions in groups:
        part = vector[positions]
        if nonzero_only:
            chosen = np.flatnonzero(part)
            out[name] = dict(zip(take(keys, chosen), part[chosen].tolist(), strict=True))
        else:
            out[name] = dict(zip(keys, part.tolist(), strict=True))
    return out


@dataclass
class Compiled:
    """A model compiled in a child process: what LpSession needs of it, and the child's
    build time and memory."""

    var_names: list[str]
    lp: CompiledLp | ConstantConstraintError
    build_s: float
    compile_s: float
    private_mb: float  # the child's own memory at its largest sample (after the build)


def _compiled_arrays(
    model: pyo.ConcreteModel, release: bool
) -> tuple[list[str], CompiledLp | ConstantConstraintError]:
    """The names of every variable component (each gets an entry in the values even when
    none of its variables made it into the LP) and the LP's arrays, or the constraint that
    can never hold."""
    names = [v.name for v in model.component_objects(pyo.Var, active=True)]
    try:
        return names, compile_lp(model, release=release)
    except ConstantConstraintError as exc:
        return names, exc


def _compile_here(make_model: Callable[[], pyo.ConcreteModel]) -> Compiled:
    """Build and compile the model (in a child: open_session's `in_child`), keys compacted."""
    started = time.perf_counter()
    with collection_paused():
        model = make_model()
        built = time.perf_counter()
        private = memory.private_mb()
        var_names, lp = _compiled_arrays(model, release=True)
        if not isinstance(lp, ConstantConstraintError):
            lp.column_keys.compact()
        private = max(private, memory.private_mb())
    return Compiled(var_names, lp, built - started, time.perf_counter() - built, private)


def open_session(
    make_model: Callable[[], pyo.ConcreteModel],
    time_limit_s: float,
    collect: bool = True,
    mip_gap: float = 1e-4,
    method: str = "auto",
    in_child: bool = False,
) -> LpSession:
    """Build a model and hand it to a live HiGHS model. Each constraint is freed as it is
    compiled; with `collect` the rest of the model is gone before anything is solved.

    Everything alive before the build is set aside from the garbage collector
    (memory.heap_set_aside), so the one collection that frees the model (Pyomo models hold
    reference cycles) walks the model's own objects only. `session.build_s` and
    `session.handoff_s` time the two steps. With collect=False the spent model is left for
    the caller to collect (memory.collect_young, while HiGHS solves).

    With `in_child` the model is built and compiled in a forked child process
    (memory.in_child) and only the arrays and the (coded) keys come back: the millions of
    objects of the model never live in this process, so its heap stays compact for HiGHS.
    `session.memory` then holds this process's size when the child started and the child's
    own memory at its largest, so the two can be added up for the machine's peak.
    """
    if in_child:
        before = memory.rss_mb()
        started = time.perf_counter()
        compiled = memory.in_child(lambda: _compile_here(make_model))
        received = time.perf_counter()
        session = LpSession(compiled, time_limit_s=time_limit_s, mip_gap=mip_gap, method=method)
        session.build_s = compiled.build_s
        # the compile, the arrays' way back from the child, and the hand-over to HiGHS
        session.handoff_s = time.perf_counter() - started - compiled.build_s
        session.memory = {"parent_at_build_mb": before, "child_private_mb": compiled.private_mb}
        session.memory["transfer_s"] = received - started - compiled.build_s - compiled.compile_s
        return session
    started = time.perf_counter()
    with heap_set_aside(), collection_paused():  # the model is collected once, not per build
        model = make_model()
        built = time.perf_counter()
        session = LpSession(
            model, time_limit_s=time_limit_s, release_model=True, mip_gap=mip_gap, method=method
        )
        del model
        if collect:
            memory.collect()
    session.build_s = built - started
    session.handoff_s = time.perf_counter() - built
    return session


def solve_model(
    model: pyo.ConcreteModel, time_limit_s: float = 600.0, ranging: bool = False
) -> SolveResult:
    """Solve the LP once with HiGHS: status, objective (model units), primal values and duals."""
    return LpSession(model, time_limit_s).solve(ranging=ranging)


inf = math.inf
IIS_BOUND = {2: ("lower",), 3: ("upper",), 4: ("lower", "upper")}  # HiGHS IisBoundStatus


def _conflict(
    highs: highspy.Highs, row_keys: list, column_keys, col_lower, col_upper
) -> tuple[list[tuple[str, tuple]], list[tuple[str, tuple, str]]]:
    """The rows of an irreducible infeasible subset (IIS) as (component name, index), and the
    column bounds in it that come from data, as (variable name, index, "lower" | "upper"):
    a lower bound other than 0 (a stock floor) or a finite upper bound (a stock ceiling, an
    arc closed by a rule); every variable's lower bound of 0 goes without saying."""
    irreducible = int(highspy.IisStrategy.kIisStrategyIrreducible)
    strategies = (highspy.IisStrategy.kIisStrategyFromLp, highspy.IisStrategy.kIisStrategyFromRay)
    for strategy in strategies:
        highs.setOptionValue("iis_strategy", int(strategy) | irreducible)
        status, iis = highs.getIis()
        if status != highspy.HighsStatus.kOk or not iis.valid_:
            continue
        rows = [row_keys[r] for r in iis.row_index_]
        bounds = [
            (*column_keys[c], which)
            for c, kind in zip(iis.col_index_, getattr(iis, "col_bound_", ()), strict=False)
            for which in IIS_BOUND.get(int(kind), ())
            if (which == "lower" and col_lower[c] != 0) or (which == "upper" and col_upper[c] < inf)
        ]
        if rows or bounds:
            return rows, bounds
    return [], []
