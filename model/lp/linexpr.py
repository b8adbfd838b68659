"""Linear terms (variable name, index, coefficient) as Pyomo expressions.

The expressions are Pyomo LinearExpressions whose arguments are the variables themselves (for
a coefficient of 1) or monomials `coef x var`, built in one pass over the terms: no
intermediate sums are created, which is what keeps building a large model fast.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from model.lp.terms import Term


def variables(m: pyo.ConcreteModel, name: str) -> dict:
    """index -> variable of the model's Var component `name` (a dict made once per model)."""
    cache = m.__dict__.setdefault("_variables_by_name", {})
    found = cache.get(name)
    if found is None:
        found = cache[name] = dict(getattr(m, name).items())
    return found


def forget_variables(m: pyo.ConcreteModel) -> None:
    """Drop the lookups `variables` made (they are only needed while building)."""
    m.__dict__.pop("_variables_by_name", None)


def linear(m: pyo.ConcreteModel, terms: Iterable[Term]):
    """sum(coef x var[index]) as one Pyomo LinearExpression (0 when there are no terms).

    `terms` may be a generator: it is read once, and nothing but the expression is kept."""
    args = []
    append = args.append
    name, lookup = None, {}
    for v, k, c in terms:
        if v != name:
            name, lookup = v, variables(m, v)
        append(lookup[k] if c == 1.0 else MonomialTermExpression((c, lookup[k])))
    return LinearExpression(args) if args else 0.0


def total(m: pyo.ConcreteModel, name: str, keys) -> LinearExpression | float:
    """sum(var[k] for k in keys) for the Var component `name` (0 when there are no keys)."""
    lookup = variables(m, name)
    args = [lookup[k] for k in keys]
    return LinearExpression(args) if args else 0.0
