"""Linear terms (variable name, index, coefficient) as Pyomo expressions."""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from .terms import Term


def gather(terms: list[Term]) -> list[Term]:
    """The same sum with one term per variable (coefficients of repeated variables added)."""
    total: dict[tuple[str, tuple], float] = {}
    for v, k, c in terms:
        total[v, k] = total.get((v, k), 0.0) + c
    return [(v, k, c) for (v, k), c in total.items() if c]


def linear(m: pyo.ConcreteModel, terms: list[Term]):
    """sum(coef x var[index]) as one Pyomo LinearExpression (0 when there are no terms)."""
    if not terms:
        return 0.0
    components = {}
    variables = []
    for v, k, _c in terms:
        component = components.get(v)
        if component is None:
            component = components[v] = getattr(m, v)
        variables.append(component[k])
    return LinearExpression(
        constant=0.0, linear_coefs=[c for _v, _k, c in terms], linear_vars=variables
    )
