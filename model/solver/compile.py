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
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import mul

import numpy as np
import pyomo.core as pyo
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

from model.memory import collection_paused


class NonlinearModelError(ValueError):
    """The model has a term the LP hand-off cannot express."""


class ConstantConstraintError(ValueError):
    """A constraint with no variables that can never hold."""


class ColumnKeys(Sequence):
    """(component name, index) of each column, held per component: a component code and a
    slot per column, and each component's own index list (no tuple made per column)."""

    def __init__(self, names: list[str], indices: list[Sequence[tuple]], code, slot):
        self.names, self.indices = names, indices
        self.code, self.slot = code, slot  # numpy arrays, one entry per column

    def __len__(self) -> int:
        return len(self.code)

    def __getitem__(self, pos):
        if isinstance(pos, slice):
            return [self[p] for p in range(*pos.indices(len(self)))]
        c = self.code[pos]
        return self.names[c], self.indices[c][self.slot[pos]]

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    __hash__ = None

    def compact(self) -> None:
        """Hold each component's indices as small integer codes per position of the index
        (CodedIndices), not as tuples. The tuples came from the network and the model;
        kept, they would pin those objects' memory pages after the rest is freed, and a
        tuple per column is about 80 bytes where the codes take 4 per position. A tuple is
        made again for each column asked for (the non-zero ones, after a solve)."""
        self.indices = [CodedIndices.of(own) for own in self.indices]

    def take(self, positions: np.ndarray) -> list[tuple[str, tuple]]:
        """The keys of the columns at `positions`, made component by component."""
        out: list = [None] * len(positions)
        codes = self.code[positions]
        for c in np.unique(codes).tolist():
            where = np.flatnonzero(codes == c)
            name = self.names[c]
            own = take(self.indices[c], self.slot[positions[where]])
            for k, index in zip(where.tolist(), own, strict=True):
                out[k] = (name, index)
        return out

    def groups(self) -> list[tuple[str, Sequence[tuple], np.ndarray]]:
        """(component name, indices, column positions) per component with columns; the
        indices are a sequence whose tuples are made when read."""
        out = []
        for c, name in enumerate(self.names):
            positions = np.flatnonzero(self.code == c)
            if len(positions):
                out.append((name, _Picked(self.indices[c], self.slot[positions]), positions))
        return out


def take(own: Sequence[tuple], slots: np.ndarray) -> list[tuple]:
    """[own[s] for s in slots], position by position where `own` is coded."""
    if hasattr(own, "take"):
        return own.take(slots)
    return [own[s] for s in slots.tolist()]


class _Picked(Sequence):
    """own[slots[k]] for k in range(len(slots)), made when read."""

    def __init__(self, own: Sequence[tuple], slots: np.ndarray):
        self.own, self.slots = own, slots

    def __len__(self) -> int:
        return len(self.slots)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return self.take(np.arange(*k.indices(len(self))))
        return self.own[self.slots[k]]

    def __iter__(self):
        return iter(take(self.own, self.slots))

    def take(self, ks: np.ndarray) -> list[tuple]:
        return take(self.own, self.slots[ks])


class CodedIndices(Sequence):
    """A list of equally long index tuples held as one int32 code array per position and
    each position's distinct values (a categorical table): tuples are made when read."""

    def __init__(self, values: list[list], codes: list[np.ndarray], length: int):
        self.values, self.codes, self.length = values, codes, length

    @classmethod
    def of(cls, own: Sequence[tuple]) -> CodedIndices | Sequence[tuple]:
        """`own` coded; left as it is when its tuples differ in length (or it is empty)."""
        if isinstance(own, CodedIndices) or not own:
            return own
        width = len(own[0])
        if any(len(index) != width for index in own):
            return own
        values, codes = [], []
        for position in zip(*own, strict=True):
            lookup: dict = {}
            code = np.fromiter(
                (lookup.setdefault(v, len(lookup)) for v in position),
                dtype=np.int32,
                count=len(own),
            )
            values.append(list(lookup))
            codes.append(code)
        return cls(values, codes, len(own))

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, k):
        if isinstance(k, slice):
            return self.take(np.arange(*k.indices(self.length)))
        return tuple(v[c[k]] for v, c in zip(self.values, self.codes, strict=True))

    def take(self, slots: np.ndarray) -> list[tuple]:
        """The tuples at `slots`, made position by position."""
        parts = [
            [v[c] for c in codes[slots].tolist()]
            for v, codes in zip(self.values, self.codes, strict=True)
        ]
        return list(zip(*parts, strict=True))


@dataclass
class CompiledLp:
    """min c'x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper."""

    column_keys: ColumnKeys  # (component name, index) per column
    row_keys: list[tuple[str, tuple]]  # (component name, index) per row
    objective_names: list[str]
    costs: dict[str, np.ndarray]
    offsets: dict[str, float]
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # 1 for an integer (binary) column, else 0
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

    def __init__(self, var_classes: set[type]):
        self.var_classes = var_classes  # the classes of the model's variables
        self.ids = array("q")  # id() of each term's variable; 8 bytes a term
        self.coefs = array("d")

    def add(self, expr, sign: float) -> float:
        """Append the linear terms of sign x expr; return sign x its constant part."""
        cls = expr.__class__
        if cls in native_numeric_types:
            return sign * expr
        if cls in _SUMS:
            args = expr.args
            if self._plain(args, sign):
                return 0.0
            constant = 0.0
            for arg in args:
                constant += self.add(arg, sign)
            return constant
        if cls is MonomialTermExpression:
            coef, var = expr._args_
            if coef.__class__ in native_numeric_types:
                self.ids.append(id(var))
                self.coefs.append(sign * coef)
                return 0.0
        elif expr.is_variable_type():
            self.ids.append(id(expr))
            self.coefs.append(sign)
            return 0.0
        elif expr.is_named_expression_type():
            return self.add(expr.expr, sign)
        elif cls is ProductExpression and expr.args[0].__class__ in native_numeric_types:
            return self.add(expr.args[1], sign * expr.args[0])
        return self._general(expr, sign)

    def _plain(self, args, sign: float) -> bool:
        """Append a sum made only of variables and monomials with numeric coefficients (what
        the model's expressions are) with C-level loops; False if it has anything else."""
        kinds = set(map(type, args))
        if kinds - self.var_classes:
            if kinds - self.var_classes != {MonomialTermExpression}:
                return False
            pairs = [a._args_ if a.__class__ is MonomialTermExpression else (1, a) for a in args]
            coefs, variables = zip(*pairs, strict=True)
            if set(map(type, coefs)) - native_numeric_types:
                return False
            if set(map(type, variables)) - self.var_classes:
                return False
            self.coefs.extend(coefs if sign == 1.0 else map(mul, repeat(sign), coefs))
        else:
            variables = args
            self.coefs.extend(repeat(sign, len(args)))
        self.ids.extend(map(id, variables))
        return True

    def _general(self, expr, sign: float) -> float:
        repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
        if repn.nonlinear_expr is not None or repn.quadratic_vars:
            raise NonlinearModelError(f"{expr} is not linear")
        for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
            self.ids.append(id(var))
            self.coefs.append(sign * float(coef))
        return sign * float(repn.constant)


def _row(terms: _Terms, expr) -> tuple[float, float]:
    """Add a relational expression's terms; return the row's (lower, upper).

    The row is oriented as Pyomo's own `body` is, so duals keep Pyomo's signs: `a <= b` and
    `a == b` are a against the bound b when b has no variables, b against the bound a when a
    has none, and a - b against 0 otherwise."""
    cls = expr.__class__
    if cls is RangedExpression:
        lo, body, hi = expr.args
        constant = terms.add(body, 1.0)
        return _bound(lo, -math.inf) - constant, _bound(hi, math.inf) - constant
    if cls is EqualityExpression or cls is InequalityExpression:
        lhs, rhs = expr.args
        equality = cls is EqualityExpression
        if _is_constant(rhs):
            constant, lower, upper = terms.add(lhs, 1.0), _bound(rhs, 0), _bound(rhs, 0)
            lower = lower if equality else -math.inf
        elif _is_constant(lhs):
            constant, lower, upper = terms.add(rhs, 1.0), _bound(lhs, 0), _bound(lhs, 0)
            upper = upper if equality else math.inf
        else:
            constant = terms.add(lhs, 1.0) + terms.add(rhs, -1.0)
            lower, upper = (0.0 if equality else -math.inf), 0.0
        return lower - constant, upper - constant
    raise NonlinearModelError(f"{expr} is not a linear constraint")


def _is_constant(expr) -> bool:
    return expr.__class__ in native_numeric_types or not expr.is_potentially_variable()


def _bound(value, missing: float) -> float:
    return missing if value is None else float(pyo.value(value))


def _columns(model: pyo.ConcreteModel):
    """Every variable of the model, in component order: id(), ColumnKeys, lower and upper
    bound, whether integer, and the set of the variables' classes."""
    ids = array("q")
    names, indices, code, slot = [], [], array("h"), array("l")
    lower, upper = [], []
    integer = array("b")
    var_classes: set[type] = set()
    for component in model.component_objects(pyo.Var, active=True, descend_into=True):
        items = list(component.items())
        if not items:
            continue
        own, variables = zip(*items, strict=True)
        ids.extend(map(id, variables))
        code.extend(repeat(len(names), len(own)))
        slot.extend(range(len(own)))
        names.append(component.name)
        indices.append([_index_tuple(i) for i in own])
        for var in variables:
            lo, hi = (var.value, var.value) if var.fixed else var.bounds
            lower.append(-math.inf if lo is None else lo)
            upper.append(math.inf if hi is None else hi)
        # a component has one domain: its first variable says whether it is integer
        integer.extend(repeat(int(variables[0].is_integer()), len(variables)))
        var_classes.update(map(type, variables))
    keys = ColumnKeys(
        names, indices, np.frombuffer(code, dtype=np.int16), np.frombuffer(slot, dtype=np.int64)
    )
    return (
        np.frombuffer(ids, dtype=np.int64),
        keys,
        np.asarray(lower, dtype=float),
        np.asarray(upper, dtype=float),
        np.frombuffer(integer, dtype=np.int8),
        var_classes,
    )


def _index_tuple(index) -> tuple:
    """A component's index as a tuple (a scalar or one-set index becomes a 1-tuple)."""
    return index if isinstance(index, tuple) else (index,)


def _locator(variable_ids: np.ndarray):
    """A function: id() of each term's variable -> its column position in _columns' order,
    found by a sorted search (no per-term dictionary)."""
    order = np.argsort(variable_ids)
    sorted_ids = variable_ids[order]

    def positions(term_ids: np.ndarray) -> np.ndarray:
        found = np.searchsorted(sorted_ids, term_ids)
        found[found == len(sorted_ids)] = 0
        if len(term_ids) and not np.array_equal(sorted_ids[found], term_ids):
            raise NonlinearModelError("the model uses a variable that is not one of its own")
        return order[found]

    return positions


def _first_appearance(sequences: list[np.ndarray], n_all: int) -> np.ndarray:
    """Positions of the columns that appear in `sequences`, in the order they first appear.

    Neighbouring columns then share rows, which the simplex solver's factorisation works best
    with. Writing each position's index back to front leaves the first occurrence in place."""
    first = np.full(n_all, np.iinfo(np.int64).max, dtype=np.int64)
    start = sum(len(s) for s in sequences)
    for sequence in reversed(sequences):
        start -= len(sequence)
        first[sequence[::-1]] = np.arange(start + len(sequence) - 1, start - 1, -1)
    appearing = np.flatnonzero(first != np.iinfo(np.int64).max)
    return appearing[np.argsort(first[appearing], kind="stable")]


def _merge_entries(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_all: int):
    """(rows, cols, values) sorted by row then column, repeated entries added, zeros dropped."""
    key = rows * n_all + cols
    order = np.argsort(key, kind="stable")
    key, values = key[order], values[order]
    del order
    if len(key) > 1 and (key[1:] == key[:-1]).any():
        starts = np.empty(len(key), dtype=bool)
        starts[0] = True
        np.not_equal(key[1:], key[:-1], out=starts[1:])
        values = np.add.reduceat(values, np.flatnonzero(starts))
        key = key[starts]
    keep = values != 0.0
    key, values = key[keep], values[keep]
    return key // n_all, key % n_all, values


def compile_lp(model: pyo.ConcreteModel, release: bool = False) -> CompiledLp:
    """Arrays of the model's active constraints and objectives (see the module docstring).

    With `release`, each constraint and objective component is deleted from the model as soon
    as it is read, so its expressions' memory is free before the arrays are complete; the
    model is then spent and must not be used again.
    """
    with collection_paused():
        return _compile(model, release)


def _compile(model: pyo.ConcreteModel, release: bool) -> CompiledLp:
    variable_ids, all_keys, all_lower, all_upper, all_integer, var_classes = _columns(model)
    terms = _Terms(var_classes)
    row_keys, starts, lower, upper = [], [0], [], []
    for component in list(model.component_objects(pyo.Constraint, active=True)):
        name = component.name
        for index, con in component.items():
            if not con.active:
                continue
            lo, hi = _row(terms, con.expr)
            row_keys.append((name, _index_tuple(index)))
            starts.append(len(terms.ids))
            lower.append(lo)
            upper.append(hi)
        if release:
            component.parent_block().del_component(component)
    n_rows = len(row_keys)
    row_of_entry = np.repeat(np.arange(n_rows), np.diff(np.asarray(starts, dtype=np.int64)))
    locate = _locator(variable_ids)
    cols = locate(np.frombuffer(terms.ids, dtype=np.int64))
    values = np.frombuffer(terms.coefs, dtype=float)

    objective_names, objective_terms, offsets = [], [], {}
    for component in list(model.component_objects(pyo.Objective, active=True)):
        for obj in component.values():
            if not obj.active:
                continue
            sign = 1.0 if obj.sense == pyo.minimize else -1.0
            collected = _Terms(var_classes)
            offsets[component.name] = collected.add(obj.expr, sign)
            objective_names.append(component.name)
            objective_terms.append(
                (
                    component.name,
                    locate(np.frombuffer(collected.ids, dtype=np.int64)),
                    np.frombuffer(collected.coefs, dtype=float),
                )
            )
        if release:
            component.parent_block().del_component(component)
    if release:
        for component in list(model.component_objects(pyo.Expression)):
            component.parent_block().del_component(component)

    n_all = len(all_keys)
    order = _first_appearance([cols, *(positions for _n, positions, _c in objective_terms)], n_all)
    entry_rows, entry_cols, summed = _merge_entries(row_of_entry, cols, values, n_all)
    del row_of_entry, cols, values, terms
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

    n = len(order)
    new_position = np.full(n_all, -1, dtype=np.int64)
    new_position[order] = np.arange(n)
    costs = {}
    for name, positions, coefs in objective_terms:
        vector = np.zeros(n)
        np.add.at(vector, new_position[positions], coefs)
        costs[name] = vector
    return CompiledLp(
        column_keys=ColumnKeys(
            all_keys.names, all_keys.indices, all_keys.code[order], all_keys.slot[order]
        ),
        row_keys=row_keys,
        objective_names=objective_names,
        costs=costs,
        offsets=offsets,
        col_lower=all_lower[order],
        col_upper=all_upper[order],
        integer=all_integer[order].astype(np.int32),
        row_lower=lower_arr,
        row_upper=upper_arr,
        starts=np.concatenate([[0], np.cumsum(row_nnz)]).astype(np.int32),
        indices=new_position[entry_cols].astype(np.int32),
        values=summed,
    )
