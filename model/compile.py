"""Compile a linear Pyomo model into the arrays HiGHS takes, with numpy only.

Every active constraint becomes one row `lower <= a'x <= upper` (its constant moved into the
bounds), every active objective one cost vector, every variable that appears anywhere one
column with its bounds. The matrix is kept row-wise (CSR), which HiGHS accepts as it is.
Pyomo's `generate_standard_repn` reads each expression, so the model stays the single
definition of the LP; no scipy import is needed on the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo
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


def _data_with_keys(model: pyo.ConcreteModel, kind):
    """((component name, index tuple), data) for every active data object of a kind."""
    for component in model.component_objects(kind, active=True, descend_into=True):
        name = component.name
        for index, data in component.items():
            if kind is pyo.Constraint and not data.active:
                continue
            yield (name, index if isinstance(index, tuple) else (index,)), data


def compile_lp(model: pyo.ConcreteModel) -> CompiledLp:
    """Arrays of the model's active constraints and objectives (see the module docstring)."""
    column_of: dict[int, int] = {}
    columns: list = []

    def column(var) -> int:
        pos = column_of.get(id(var))
        if pos is None:
            pos = column_of[id(var)] = len(columns)
            columns.append(var)
        return pos

    row_keys, starts, indices, values, lower, upper = [], [0], [], [], [], []
    for key, con in _data_with_keys(model, pyo.Constraint):
        repn = generate_standard_repn(con.body, compute_values=True, quadratic=False)
        if repn.nonlinear_expr is not None:
            raise NonlinearModelError(f"constraint {con.name} is not linear")
        constant = float(repn.constant)
        lo = -math.inf if con.lower is None else float(pyo.value(con.lower)) - constant
        hi = math.inf if con.upper is None else float(pyo.value(con.upper)) - constant
        if not repn.linear_vars:
            if lo > 1e-9 or hi < -1e-9:
                raise ConstantConstraintError(f"constraint {con.name} can never hold")
            continue
        row_keys.append(key)
        indices.extend(column(v) for v in repn.linear_vars)
        values.extend(repn.linear_coefs)
        starts.append(len(indices))
        lower.append(lo)
        upper.append(hi)

    objective_names, objective_terms, offsets = [], [], {}
    for obj in model.component_data_objects(pyo.Objective, active=True, descend_into=True):
        repn = generate_standard_repn(obj.expr, compute_values=True, quadratic=False)
        if repn.nonlinear_expr is not None:
            raise NonlinearModelError(f"objective {obj.name} is not linear")
        sign = 1.0 if obj.sense == pyo.minimize else -1.0
        name = obj.parent_component().name
        objective_names.append(name)
        objective_terms.append(
            (name, [column(v) for v in repn.linear_vars], [sign * c for c in repn.linear_coefs])
        )
        offsets[name] = sign * float(repn.constant)
    n = len(columns)
    key_of = {id(v): key for key, v in _data_with_keys(model, pyo.Var)}
    column_keys = [key_of[id(v)] for v in columns]
    costs = {}
    for name, cols, coefs in objective_terms:
        vector = np.zeros(n)
        np.add.at(vector, np.asarray(cols, dtype=np.int64), np.asarray(coefs, dtype=float))
        costs[name] = vector
    return CompiledLp(
        column_keys=column_keys,
        row_keys=row_keys,
        objective_names=objective_names,
        costs=costs,
        offsets=offsets,
        col_lower=np.array([-math.inf if v.lb is None else v.lb for v in columns], dtype=float),
        col_upper=np.array([math.inf if v.ub is None else v.ub for v in columns], dtype=float),
        row_lower=np.asarray(lower, dtype=float),
        row_upper=np.asarray(upper, dtype=float),
        starts=np.asarray(starts, dtype=np.int32),
        indices=np.asarray(indices, dtype=np.int32),
        values=np.asarray(values, dtype=float),
    )
