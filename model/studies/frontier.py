"""The cost-risk efficient frontier by the epsilon-constraint method.

Why epsilon-constraint rather than a sweep of risk_weight: the LP's frontier is piecewise
linear, so a weight sweep only ever lands on its corners (many weights give the same plan and
points bunch up), and which weights reach which corners is unknown in advance. Capping risk
at evenly spaced levels between the two extremes spaces the points evenly in risk, finds the
points between corners too, and makes each point the cheapest plan at its risk level, so cost
never falls as risk falls.

    point 0:      minimise TotalCost                     -> risk_max, Unmet0[s,t]
    last point:   minimise TotalRisk, then TotalCost with TotalRisk <= risk_min
    between:      minimise TotalCost  s.t.  TotalRisk <= eps_k,
                  eps_k = risk_max - k/(N-1) x (risk_max - risk_min)
    every point after the first keeps the service of the cheapest plan:
                  Unmet[s,t] <= Unmet0[s,t]  (Service_Level), since leaving demand unmet
                  would otherwise be the "safest" plan of all.

The model is compiled once; each point only re-bounds the Risk_Cap row and swaps the cost
vector in the live HiGHS model (warm start).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from model.chain.network import Network, build_network
from model.lp.frontier import build_frontier_model
from model.lp.names import MIN_RISK, OBJECTIVE, RISK_CAP, SERVICE_LEVEL, UNMET
from model.results.kpis import HEADLINE
from model.results.study_tables import Frontier
from model.results.tables import extract
from model.solver.session import LpSession, open_session
from model.studies.progress import Ticker
from model.units import KUSD
from model.workbook.data import ChainData


def efficient_frontier(
    data: ChainData, points: int = 7, progress: Callable[[int, int], None] | None = None
) -> Frontier:
    """Solve `points` cost-minimal plans at evenly spaced risk caps (see the module docstring);
    `progress(done, total)` is called after each solve (points + 1 of them)."""
    points = max(2, int(points))
    tick = Ticker(points + 1, progress)

    net = build_network(data)

    session = open_session(
        lambda: build_frontier_model(net),
        data.settings["time_limit_s"],
        method=data.settings.get("solver_method", "auto"),
    )
    if session.error is not None:
        raise RuntimeError(session.error.message)
    weight = net.risk_weight
    cost_vector = session.costs[OBJECTIVE] - weight * session.costs[MIN_RISK]
    risk_vector = session.costs[MIN_RISK]
    session.costs["Cost"] = cost_vector
    session.offsets["Cost"] = session.offsets[OBJECTIVE] - weight * session.offsets[MIN_RISK]

    def run(objective: str, cap: float) -> dict[str, Any]:
        session.use_objective(objective)
        session.set_row_bounds(RISK_CAP, (None,), -math.inf, cap)
        result = session.solve()
        tick()
        return {"result": result, "risk": _dot(session, risk_vector, MIN_RISK)}

    rows = []
    first = run("Cost", math.inf)
    if not first["result"].ok:
        raise RuntimeError(first["result"].message)
    risk_max = first["risk"]
    unmet = first["result"].values[UNMET]
    for key in net.demand_t:
        session.set_row_bounds(SERVICE_LEVEL, key, -math.inf, unmet.get(key, 0.0) + 1e-6)
    lowest = run(MIN_RISK, math.inf)
    risk_min = lowest["risk"] if lowest["result"].ok else risk_max
    for k, cap in enumerate(even_caps(risk_max, risk_min, points)):
        point = first if k == 0 else run("Cost", cap)
        rows.append(_row(k, cap, point["result"], data, net))
    return Frontier(pd.DataFrame(rows), method=__doc__.split("\n\n")[1], network=net)


def even_caps(high: float, low: float, points: int) -> list[float]:
    """`points` caps evenly spaced from `high` down to `low` (the last a hair above `low`, so
    the cheapest plan at the lowest level stays feasible)."""
    caps = [high - k / (points - 1) * (high - low) for k in range(points)]
    caps[-1] = low + 1e-9 * max(1.0, abs(low))
    return caps


def _dot(session: LpSession, vector: np.ndarray, name: str) -> float:
    return session.column_values(vector) + session.offsets[name]


def _row(k: int, cap: float, result, data: ChainData, net: Network) -> dict[str, Any]:
    row: dict[str, Any] = {"point": k, "risk_cap_usd": cap * KUSD, "status": result.status}
    if not result.ok:
        return row
    summary = extract(data, net, result).summary
    for key in HEADLINE:
        if key != "objective_usd":
            row[key] = summary.get(key)
    return row
