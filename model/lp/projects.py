"""Capacity projects as decisions (chain.projects has the data):

    Build[p, y] >= 0       t/yr of project p's capacity online from year y (y in its years)
    Choose[p, y] in {0,1}  go/no-go projects: p comes online in year y

    continuous:  Project_Max[p]:  sum_y Build[p, y] <= max_t
                 Project_Min[p]:  sum_y Build[p, y] >= min_t        (when min_t > 0)
    go_no_go:    Project_Size_Max[p, y]: Build[p, y] <= max_t x Choose[p, y]
                 Project_Size_Min[p, y]: Build[p, y] >= min_t x Choose[p, y]
                 Project_Once[p]:        sum_y Choose[p, y] <= 1

The capacity rows take the built capacity (lp.build: Capacity[i, t] counts Build[p, y] of
the site's projects whose capacity is there in t); its annualised capex and fixed costs are
cost components (lp.costs: capex, fixed_om).
"""

from __future__ import annotations

import pyomo.core as pyo

from model.chain.network import Network
from model.lp.linexpr import total
from model.lp.names import (
    BUILD,
    CHOOSE,
    PROJECT_MAX,
    PROJECT_MIN,
    PROJECT_ONCE,
    PROJECT_SIZE_MAX,
    PROJECT_SIZE_MIN,
)


def add_project_variables(m: pyo.ConcreteModel, net: Network) -> None:
    """Build[p, y] for every project and online year; Choose[p, y] for go/no-go projects."""
    builds = [(p.project, y) for p in net.projects for y in p.online_years]
    chosen = [(p.project, y) for p in net.projects if p.go_no_go for y in p.online_years]
    m.BUILDS = pyo.Set(initialize=builds, dimen=2, ordered=True)
    m.CHOICES = pyo.Set(initialize=chosen, dimen=2, ordered=True)
    m.add_component(
        BUILD, pyo.Var(m.BUILDS, domain=pyo.NonNegativeReals, doc="t/yr online from year y")
    )
    m.add_component(CHOOSE, pyo.Var(m.CHOICES, domain=pyo.Binary, doc="built in year y"))


def add_projects(m: pyo.ConcreteModel, net: Network) -> None:
    """The size rules of every project (module docstring)."""
    build, choose = m.component(BUILD), m.component(CHOOSE)
    by_name = {p.project: p for p in net.projects}
    continuous = [p.project for p in net.projects if not p.go_no_go]
    go_no_go = [p.project for p in net.projects if p.go_no_go]

    def keys(name: str) -> list[tuple[str, int]]:
        return [(name, y) for y in by_name[name].online_years]

    m.add_component(
        PROJECT_MAX,
        pyo.Constraint(continuous, rule=lambda m, p: total(m, BUILD, keys(p)) <= by_name[p].max_t),
    )
    m.add_component(
        PROJECT_MIN,
        pyo.Constraint(
            [p for p in continuous if by_name[p].min_t > 0],
            rule=lambda m, p: total(m, BUILD, keys(p)) >= by_name[p].min_t,
        ),
    )
    m.add_component(
        PROJECT_SIZE_MAX,
        pyo.Constraint(
            m.CHOICES, rule=lambda m, p, y: build[p, y] <= by_name[p].max_t * choose[p, y]
        ),
    )
    m.SIZED_CHOICES = pyo.Set(
        initialize=[k for k in m.CHOICES if by_name[k[0]].min_t > 0], dimen=2, ordered=True
    )
    m.add_component(
        PROJECT_SIZE_MIN,
        pyo.Constraint(
            m.SIZED_CHOICES,
            rule=lambda m, p, y: build[p, y] >= by_name[p].min_t * choose[p, y],
        ),
    )
    m.add_component(
        PROJECT_ONCE,
        pyo.Constraint(go_no_go, rule=lambda m, p: total(m, CHOOSE, keys(p)) <= 1),
    )
