"""The model the cost-risk frontier solves: the sourcing LP with a risk cap and a service
floor whose bounds the frontier moves point by point (studies.frontier).

    Risk_Cap:          TotalRisk <= eps            (eps set per point; starts open)
    Service_Level[s,t]: Unmet[s,t] <= Unmet0[s,t]  (the cheapest plan's unmet; starts open)
    objectives: Objective (cost + weight x risk) and MinRisk (TotalRisk), MinRisk active
"""

from __future__ import annotations

import pyomo.core as pyo

from model.chain.network import Network
from model.lp.build import build_model
from model.lp.names import RISK_CAP, SERVICE_LEVEL

OPEN = 1e20  # a bound no plan reaches: the rows start open and each point sets them


def build_frontier_model(net: Network) -> pyo.ConcreteModel:
    """build_model with MinRisk active, Risk_Cap and Service_Level rows (module docstring)."""
    m = build_model(net, risk_objective=True)
    m.MinRisk.activate()
    m.add_component(RISK_CAP, pyo.Constraint(expr=m.TotalRisk <= OPEN))
    m.add_component(
        SERVICE_LEVEL, pyo.Constraint(m.DEMAND, rule=lambda m, s, t: m.Unmet[s, t] <= OPEN)
    )
    return m
