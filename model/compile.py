"""Compile a linear Pyomo model into the arrays HiGHS takes, with numpy only.

Every active constraint `lower <= body <= upper` (or `lhs == rhs`, `lhs <= rhs`) becomes one
row `lower - constant <= a'x <= upper - constant`, every active objective one cost vector,
every variable that appears anywhere one column with its bounds. The matrix is kept row-wise
(CSR), which HiGHS accepts as it is.

The model stays the single definition of the LP: the compiler reads each constraint's own
expression tree. Sums of variables, monomials `c x v` and constants (Pyomo's
LinearExpression, SumExpression, MonomialTermExpression, named Expressions and a constant
times one of those) are read directly, which is what the model is made of; any other term
goes through Pyomo's `generate_standard_repn`, which also rejects non-linear terms. Repeated
variables in a row are added and exact zeros dropped in one vectorised pass at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import (
    LinearExpression,
    MonomialTermExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.numvalue import native_numeric_types
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)
from pyomo.repn.standard_repn import generate_standard_repn


class NonlinearModelError(ValueError):
    """The model has a term the LP hand-off cannot express."""


class ConstantConstraintError(ValueError):
    """A constraint with no variables that can never hold."""


@dataclass
class CompiledLp:
    """min c'x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper."""

    column_keys: list[tuple[str, tuple]]  # (component name, index) per column
    row_keys: list[tuple[str, tuple]]  # (component name, index) per row
    objective_names: list[str]
    costs: dict[str, np.ndarray]
    offsets: dict[str, float]
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    starts: np.ndarray  # CSR
    indices: np.ndarray
    values: np.ndarray

    @property
    def nonzeros(self) -> int:
        return len(self.values)


_SUMS = (LinearExpression, SumExpression)


class _Terms:
    """Collects `sign x expr` as (column, coefficient) pairs and a constant."""

    def __init__(self, column_of: dict[int, int]):
        self.column_of = column_of
        self.cols: list[int] = []
        self.coefs: list[float] = []

    def add(self, expr, sign: float) -> float:
        """Append the linear terms of sign x expr; return sign x its constant part."""
        cls = expr.__class__
        if cls in native_numeric_types:
            return sign * expr
        if cls in _SUMS:
            cols, coefs, column_of = self.cols, self.coefs, self.column_of
            constant = 0.0
            for arg in expr.args:
                kind = arg.__class__
                if kind is MonomialTermExpression:
                    coef, var = arg._args_
                    if coef.__class__ in native_numeric_types:
                        cols.append(column_of[id(var)])
                        coefs.append(sign * coef)
                        continue
                elif kind in native_numeric_types:
                    constant += sign * arg
                    continue
                elif arg.is_variable_type():
                    cols.append(column_of[id(arg)])
                    coefs.append(sign)
                    continue
                constant += self.add(arg, sign)
            return constant
        if cls is MonomialTermExpression:
            coef, var = expr._args_
            if coef.__class__ in native_numeric_types:
                self.cols.append(self.column_of[id(var)])
                self.coefs.append(sign * coef)
                return 0.0
        elif expr.is_variable_type():
            self.cols.append(self.column_of[id(expr)])
            self.coefs.append(sign)
            return 0.0
        elif expr.is_named_expression_type():
            return self.add(expr.expr, sign)
        elif cls is ProductExpression and expr.args[0].__class__ in native_numeric_types:
            return self.add(expr.args[1], sign * expr.args[0])
        return self._general(expr, sign)

    def _general(self, expr, sign: float) -> float:
        repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
        if repn.nonlinear_expr is not None or repn.quadratic_vars:
            raise NonlinearModelError(f"{expr} is not linear")
        for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
            self.cols.append(self.column_of[id(var)])
            self.coefs.append(sign * float(coef))
        return sign * float(repn.constant)


def _row(terms: _Terms, expr) -> tuple[float, float]:
    """Add a relational expression's terms as lhs - rhs; return the row's (lower, upper)."""
    cls = expr.__class__
    if cls is RangedExpression:
        lo, body, hi = expr.args
        constant = terms.add(body, 1.0)
        return _bound(lo, -math.inf) - constant, _bound(hi, math.inf) - constant
    if cls is EqualityExpression or cls is InequalityExpression:
        lhs, rhs = expr.args
        constant = terms.add(lhs, 1.0) + terms.add(rhs, -1.0)
        return (-constant if cls is EqualityExpression else -math.inf), -constant
    raise NonlinearModelError(f"{expr} is not a linear constraint")


def _bound(value, missing: float) -> float:
    return missing if value is None else float(pyo.value(value))


def _columns(model: pyo.ConcreteModel):
    """Every variable of the model: {id: position}, keys and bounds, in component order."""
    column_of: dict[int, int] = {}
    keys, lower, upper = [], [], []
    for component in model.component_objects(pyo.Var, active=True, descend_into=True):
        name = component.name
        for index, var in component.items():
            column_of[id(var)] = len(keys)
            keys.append((name, index if isinstance(index, tuple) else (index,)))
            lo, hi = (var.value, var.value) if var.fixed else var.bounds
            lower.append(-math.inf if lo is None else lo)
            upper.append(math.inf if hi is None else hi)
    return column_of, keys, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)


def compile_lp(model: pyo.ConcreteModel) -> CompiledLp:
    """Arrays of the model's active constraints and objectives (see the module docstring)."""
    with PauseGC():
        return _compile(model)


def _compile(model: pyo.ConcreteModel) -> CompiledLp:
    column_of, all_keys, all_lower, all_upper = _columns(model)
    terms = _Terms(column_of)
    row_keys, starts, lower, upper = [], [0], [], []
    for component in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        name = component.name
        for index, con in component.items():
            if not con.active:
                continue
            lo, hi = _row(terms, con.expr)
            row_keys.append((name, index if isinstance(index, tuple) else (index,)))
            starts.append(len(terms.cols))
            lower.append(lo)
            upper.append(hi)
    n_rows = len(row_keys)
    row_of_entry = np.repeat(np.arange(n_rows), np.diff(np.asarray(starts, dtype=np.int64)))
    cols = np.asarray(terms.cols, dtype=np.int64)
    values = np.asarray(terms.coefs, dtype=float)

    objective_names, objective_terms, offsets = [], [], {}
    for obj in model.component_data_objects(pyo.Objective, active=True, descend_into=True):
        sign = 1.0 if obj.sense == pyo.minimize else -1.0
        collected = _Terms(column_of)
        offset = collected.add(obj.expr, sign)
        name = obj.parent_component().name
        objective_names.append(name)
        objective_terms.append((name, collected))
        offsets[name] = offset

    # repeated (row, column) entries added and exact zeros dropped
    n_all = len(all_keys)
    flat, inverse = np.unique(row_of_entry * n_all + cols, return_inverse=True)
    summed = np.bincount(inverse, weights=values, minlength=len(flat))
    keep = summed != 0.0
    flat, summed = flat[keep], summed[keep]
    entry_rows, entry_cols = flat // n_all, flat % n_all
    lower_arr, upper_arr = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    row_nnz = np.bincount(entry_rows, minlength=n_rows)
    empty = np.flatnonzero(row_nnz == 0)
    for r in empty:
        if lower_arr[r] > 1e-9 or upper_arr[r] < -1e-9:
            name, index = row_keys[r]
            raise ConstantConstraintError(f"constraint {name}{list(index)} can never hold")
    if len(empty):
        kept_rows = row_nnz > 0
        row_keys = [k for k, kept in zip(row_keys, kept_rows, strict=True) if kept]
        lower_arr, upper_arr = lower_arr[kept_rows], upper_arr[kept_rows]
        row_nnz = row_nnz[kept_rows]

    # columns in the order they first appear (rows first, then objectives): neighbouring
    # columns share rows, which the simplex solver's factorisation works best with
    seen = np.concatenate(
        [cols, *(np.asarray(c.cols, dtype=np.int64) for _n, c in objective_terms)]
    )
    appearing, first = np.unique(seen, return_index=True)
    order = appearing[np.argsort(first, kind="stable")]
    n = len(order)
    new_position = np.full(n_all, -1, dtype=np.int64)
    new_position[order] = np.arange(n)
    costs = {}
    for name, collected in objective_terms:
        vector = np.zeros(n)
        positions = new_position[np.asarray(collected.cols, dtype=np.int64)]
        np.add.at(vector, positions, np.asarray(collected.coefs, dtype=float))
        costs[name] = vector
    return CompiledLp(
        column_keys=[all_keys[p] for p in order.tolist()],
        row_keys=row_keys,
        objective_names=objective_names,
        costs=costs,
        offsets=offsets,
        col_lower=all_lower[order],
        col_upper=all_upper[order],
        row_lower=lower_arr,
        row_upper=upper_arr,
        starts=np.concatenate([[0], np.cumsum(row_nnz)]).astype(np.int32),
        indices=new_position[entry_cols].astype(np.int32),
        values=summed,
    )
