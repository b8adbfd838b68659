"""Linear terms (variable name, index, coefficient) as Pyomo expressions."""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from .terms import Term


def linear(m: pyo.ConcreteModel, terms: list[Term]):
    """sum(coef x var[index]) as one Pyomo LinearExpression (0 when there are no terms)."""
    if not terms:
        return 0.0
    variables = [getattr(m, v)[k] for v, k, _c in terms]
    return LinearExpression(
        constant=0.0, linear_coefs=[c for _v, _k, c in terms], linear_vars=variables
    )
