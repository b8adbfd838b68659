"""The LP compiler reads every linear form Pyomo can hold, exactly as Pyomo's own
generate_standard_repn does, and refuses what an LP cannot express."""

from __future__ import annotations

import math

import numpy as np
import pyomo.core as pyo
import pytest
from pyomo.repn.standard_repn import generate_standard_repn

from model.api import load_workbook_data
from model.chain.network import build_network
from model.examples.tiny import tiny_tables
from model.lp.build import build_model
from model.solver.compile import (
    CodedIndices,
    ConstantConstraintError,
    NonlinearModelError,
    compile_lp,
)
from model.solver.session import LpSession
from model.workbook.writer import write_input_workbook

pytestmark = pytest.mark.build


def _mixed_model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=[1, 2, 3])
    m.x = pyo.Var(m.I, bounds=(0, 10))
    m.y = pyo.Var(domain=pyo.NonNegativeReals)
    m.z = pyo.Var(bounds=(-5, None))
    m.z.fix(2.0)
    m.p = pyo.Param(initialize=4.0, mutable=True)
    m.e = pyo.Expression(expr=2 * m.x[1] + m.y)
    m.c1 = pyo.Constraint(expr=m.x[1] + 2 * m.x[2] <= 5)
    m.c2 = pyo.Constraint(expr=m.y + 3 == m.x[1] + 1)  # variables on both sides
    m.c3 = pyo.Constraint(expr=pyo.inequality(1, m.x[2] + m.x[3] + 2, 4))
    m.c4 = pyo.Constraint(expr=m.x[1] + m.x[1] + m.y >= 1)  # repeated variable
    m.c5 = pyo.Constraint(expr=m.x[3] - m.x[3] + m.y <= 3)  # cancelling terms
    m.c6 = pyo.Constraint(expr=m.p * m.x[2] + 3 * m.e <= 7)  # Param coefficient, named expr
    m.c7 = pyo.Constraint(expr=m.z + m.y <= 9)  # a fixed variable
    m.c8 = pyo.Constraint(expr=sum(m.x[i] for i in m.I) - 0.5 * (m.y + m.x[1]) >= -1)
    m.obj = pyo.Objective(expr=2 * m.e + m.x[3] + 1.5, sense=pyo.maximize)
    return m


def _dense_rows(lp) -> np.ndarray:
    dense = np.zeros((len(lp.row_keys), len(lp.column_keys)))
    for r in range(len(lp.row_keys)):
        for p in range(lp.starts[r], lp.starts[r + 1]):
            dense[r, lp.indices[p]] = lp.values[p]
    return dense


def _key(var) -> tuple[str, tuple]:
    index = var.index()
    return var.parent_component().name, index if isinstance(index, tuple) else (index,)


def test_every_linear_form_matches_generate_standard_repn():
    m = _mixed_model()
    lp = compile_lp(m)
    position = {key: p for p, key in enumerate(lp.column_keys)}
    z = position[_key(m.z)]
    dense = _dense_rows(lp)
    for r, (name, _index) in enumerate(lp.row_keys):
        con = getattr(m, name)
        # the reference folds the fixed z into the constant; the compiler keeps it as a column
        # held at 2, so move that column's part into the bounds before comparing
        repn = generate_standard_repn(con.body, compute_values=True)
        expected = np.zeros(len(lp.column_keys))
        for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
            expected[position[_key(var)]] += coef
        row = dense[r].copy()
        moved = row[z] * 2.0
        row[z] = 0.0
        np.testing.assert_allclose(row, expected, atol=1e-12, err_msg=name)
        constant = float(repn.constant)
        lower = -math.inf if con.lower is None else pyo.value(con.lower)
        upper = math.inf if con.upper is None else pyo.value(con.upper)
        assert lp.row_lower[r] - moved == pytest.approx(lower - constant), name
        assert lp.row_upper[r] - moved == pytest.approx(upper - constant), name
    assert len(lp.row_keys) == 8
    # repeated and cancelling variables: x1 counted twice in c4, x3 gone from c5
    assert dense[lp.row_keys.index(("c4", (None,)))][position[_key(m.x[1])]] == 2.0
    c5 = lp.row_keys.index(("c5", (None,)))
    assert position[_key(m.x[3])] not in lp.indices[lp.starts[c5] : lp.starts[c5 + 1]]
    # the Param coefficient is read at its value
    assert dense[lp.row_keys.index(("c6", (None,)))][position[_key(m.x[2])]] == 4.0
    # the fixed variable is a column held at its value
    assert lp.col_lower[z] == lp.col_upper[z] == 2.0
    # maximise 2e + x3 + 1.5 becomes minimise -(4 x1 + 2 y + x3) - 1.5
    cost = lp.costs["obj"]
    assert cost[position[_key(m.x[1])]] == -4.0 and cost[position[_key(m.y)]] == -2.0
    assert cost[position[_key(m.x[3])]] == -1.0 and lp.offsets["obj"] == -1.5
    # CSR rows hold each column at most once
    for r in range(len(lp.row_keys)):
        cols = lp.indices[lp.starts[r] : lp.starts[r + 1]]
        assert len(cols) == len(set(cols.tolist()))


def test_non_linear_terms_are_refused():
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var()
    m.c = pyo.Constraint(expr=m.x * m.y <= 1)
    with pytest.raises(NonlinearModelError):
        compile_lp(m)


def test_a_constraint_whose_terms_cancel_is_checked_as_a_constant():
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.ok = pyo.Constraint(expr=m.x - m.x <= 1)
    m.ok_lp = compile_lp(m)
    assert m.ok_lp.row_keys == []
    m.bad = pyo.Constraint(expr=m.x - m.x >= 1)
    with pytest.raises(ConstantConstraintError, match="bad"):
        compile_lp(m)


@pytest.mark.parametrize("in_child", [False, True])
def test_a_model_that_cannot_hold_opens_a_session_that_says_so(in_child):
    from model.solver.session import open_session

    def make_model():
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 1))
        m.bad = pyo.Constraint(expr=m.x - m.x >= 1)
        m.cost = pyo.Objective(expr=m.x)
        return m

    session = open_session(make_model, 60, in_child=in_child)
    assert session.stats == {}  # nothing was compiled, and callers may still read it
    result = session.solve()
    assert result.status == "infeasible" and "can never hold" in result.message


def test_released_model_gives_the_same_arrays(tmp_path):
    book = tmp_path / "tiny.xlsx"
    write_input_workbook(tiny_tables(), book)
    net = build_network(load_workbook_data(book))
    kept = compile_lp(build_model(net))
    spent_model = build_model(net)
    released = compile_lp(spent_model, release=True)
    assert not list(spent_model.component_objects(pyo.Constraint))
    assert released.row_keys == kept.row_keys
    assert released.column_keys == kept.column_keys
    for field in ("starts", "indices", "values", "row_lower", "row_upper", "col_upper"):
        np.testing.assert_array_equal(getattr(released, field), getattr(kept, field))
    np.testing.assert_array_equal(released.costs["Objective"], kept.costs["Objective"])


def test_detached_keys_are_equal_copies(tmp_path):
    """A lean solve frees the network and model under the session: its keys must stay equal
    while no longer being the network's own tuples (the column keys are held as codes)."""
    book = tmp_path / "tiny.xlsx"
    write_input_workbook(tiny_tables(), book)
    net = build_network(load_workbook_data(book))
    session = LpSession(build_model(net))
    columns, rows = list(session.column_keys), list(session.row_keys)
    session.detach_keys()
    assert all(isinstance(own, CodedIndices) for own in session.column_keys.indices)
    assert list(session.column_keys) == columns and session.row_keys == rows
    picked = np.array([5, 0, len(columns) - 1, 3])
    assert session.column_keys.take(picked) == [columns[k] for k in picked]
    flows = {id(f) for f in net.flows}
    assert not any(id(index) in flows for _name, index in session.column_keys)
    assert session.row_of == {key: r for r, key in enumerate(rows)}
