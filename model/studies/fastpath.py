"""Sweep points in milliseconds: common what-ifs turned straight into changes of the live
HiGHS model's costs and row bounds, and the headline figures read off the solution with
precomputed vectors, without deriving the network again.

Handled here (everything else goes the general way, persistent.Resolver.solve):

    MarketPrices[p,c,x].price_usd_per_kg   c_f += d_t (landed(new) - landed(old)) on every arc
                                           f out of p carrying (c, x) in year t
                                           (chain.network.Network.landed_price: price + duty)
    Sites[i].cost_usd_per_kg               c += d_t (new - old) x Throughput[i, t] terms
    Settings[risk_weight].value            c = c_cost + risk_weight x c_risk
    Demand[s].demand_t                     Demand_Balance[s, t] bounds = new demand
    Sites[i].capacity_t, Capacity[i,t].capacity_t
                                           Capacity[i, t] upper bound = new capacity

A point falls back to the general way when its change would alter the LP's structure (a
capacity reaching 0, a price or demand row that does not exist), when a new ask falls below
the same market's bid, or when a value leaves the column's bounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from model.chain.network import Network
from model.lp.costs import discounted_risk_terms
from model.lp.names import CAPACITY, DEMAND_BALANCE, FLOW, OBJECTIVE, UNMET
from model.lp.terms import throughput_terms
from model.memory import collect_young
from model.results.kpis import KpiVectors
from model.solver.session import LpSession, SolveResult
from model.studies.persistent import row_bounds
from model.units import KUSD
from model.workbook.changes import Change
from model.workbook.schema import SHEETS_BY_NAME

SUPPORTED = {
    ("MarketPrices", "price_usd_per_kg"),
    ("Sites", "cost_usd_per_kg"),
    ("Sites", "capacity_t"),
    (CAPACITY, "capacity_t"),
    ("Demand", "demand_t"),
    ("Settings", "value"),
}


def supported(change: Change) -> bool:
    if (change.sheet, change.column) not in SUPPORTED:
        return False
    return change.sheet != "Settings" or change.keys == ("risk_weight",)


def _combine(old: float, op: str, value: float) -> float:
    return value if op == "=" else old * value if op == "*=" else old + value


class FastPath:
    """Vectors over the LP's columns for one compiled network (see the module docstring)."""

    def __init__(self, net: Network, session: LpSession):
        self.net = net
        self.session = session
        self.flow_column = session.column_of.get(FLOW, {})
        # the compiled objective is c_cost + risk_weight x c_risk: the cost part is read off it
        objective = session.costs[OBJECTIVE]
        self.cost = objective - net.risk_weight * self.risk if net.risk_weight else objective.copy()
        self._kpi_vectors: KpiVectors | None = None
        self.base_bounds = row_bounds(net)
        self.dirty: set[tuple[str, tuple]] = set()

    @cached_property
    def risk(self) -> np.ndarray:
        """Discounted risk per unit of each column (kUSD)."""
        return self.session.vector(discounted_risk_terms(self.net))

    def make_kpi_vectors(self) -> None:
        """The vectors of the KPIs (once; `solve` makes them while HiGHS runs)."""
        if self._kpi_vectors is not None:
            return
        self.risk  # noqa: B018 (made here unless a risk weight needed it before the solve)
        self.unmet = self.session.vector((UNMET, key, 1.0) for key in self.net.demand_t)
        self._kpi_vectors = KpiVectors(self.net, self.session.vector)

    # ------------------------------------------------------------------ one point
    def plan(
        self, changes: Sequence[Change], values: Sequence[float]
    ) -> tuple[np.ndarray, float, dict[tuple[str, tuple], tuple[float, float]]] | None:
        """(cost vector, risk weight, row bounds) for the point, or None to go the general way."""
        net = self.net
        cost = self.cost.copy()
        weight = net.risk_weight
        bounds: dict[tuple[str, tuple], tuple[float, float]] = {}
        for change, value in zip(changes, values, strict=True):
            if not supported(change):
                return None
            years = change.years or (net.years[0], net.years[-1])
            in_years = [t for t in net.years if years[0] <= t <= years[1]]
            spec = SHEETS_BY_NAME.get(change.sheet)
            column = spec.column(change.column) if spec else None

            def bad(new: float, column=column) -> bool:
                if column is None:
                    return new < 0
                return (column.lo is not None and new < column.lo) or (
                    column.hi is not None and new > column.hi
                )

            if change.sheet == "Settings":
                weight = _combine(weight, change.op, value)
                if weight < 0:
                    return None
            elif change.sheet == "MarketPrices":
                if not self._prices(change, value, in_years, cost, bad):
                    return None
            elif change.sheet == "Sites" and change.column == "cost_usd_per_kg":
                for i in self._sites(change):
                    old = net.sites[i].cost_usd_per_kg
                    new = _combine(old, change.op, value)
                    for t in in_years:
                        if (i, t) in net.contract_price or t not in net.site_years_set[i]:
                            continue
                        step = net.discount[t] * (new - old)
                        cost += self.session.vector(
                            (v, k, step * c) for v, k, c in throughput_terms(net, i, t)
                        )
            elif change.sheet == "Demand":
                for (s, t), old in net.demand_t.items():
                    if self._match(change.keys, (s,)) and t in in_years:
                        new = _combine(old, change.op, value)
                        if bad(new):
                            return None
                        bounds[DEMAND_BALANCE, (s, t)] = (new, new)
            else:  # capacities: the site's base figure and its overrides move together
                for (i, t), old in net.cap_t.items():
                    key = (i,) if change.sheet == "Sites" else (i, str(t))
                    if not self._match(change.keys, key) or t not in in_years:
                        continue
                    new = _combine(old, change.op, value)
                    if bad(new) or new <= 0:
                        return None
                    bounds[CAPACITY, (i, t)] = (-math.inf, new)
                if change.sheet == "Sites" and any(
                    net.stage(i) == "market" and self._match(change.keys, (i,)) for i in net.sites
                ):
                    return None  # a market's blank capacity would stay blank: rare, general way
        return cost, weight, bounds

    def _match(self, keys: tuple[str, ...], key: tuple[str, ...]) -> bool:
        return all(a == "*" or a == b for a, b in zip(keys, key, strict=False))

    def _sites(self, change: Change) -> list[str]:
        return [i for i in self.net.sites if self._match(change.keys, (i,))]

    def _prices(self, change: Change, value: float, years: list[int], cost, bad) -> bool:
        net = self.net
        touched = False
        for (p, c, x, t), info in net.prices.items():
            if t not in years or not self._match(change.keys, (p, c, x)):
                continue
            old = info["price"]
            if old is None:
                return False
            new = _combine(old, change.op, value)
            if bad(new) or (info["bid"] is not None and info["bid"] > new):
                return False
            touched = True
            for f in net.shipped.get((p, c, x, t), ()):
                pos = self.flow_column.get(f)
                if pos is not None:
                    step = net.landed_price(f, new) - net.landed_price(f, old)
                    cost[pos] += net.discount[t] * step
        return touched

    def solve(self, plan) -> SolveResult:
        """Push the point into HiGHS, solve, and restore nothing: every point sets all it uses."""
        cost, weight, bounds = plan
        session = self.session
        objective = cost + weight * self.risk if weight else cost
        session.set_costs(objective)
        wanted = {key: self.base_bounds[key] for key in self.dirty}
        wanted.update(bounds)
        self.dirty = set(bounds)
        session.apply_row_bounds(wanted)
        return session.solve(values=False, while_solving=self._while_solving)

    def _while_solving(self) -> None:
        """Python work for the other core while HiGHS solves: the KPI vectors and, the first
        time, collecting the Pyomo model the session was compiled from."""
        if self._kpi_vectors is None:
            self.make_kpi_vectors()
            collect_young()  # the spent model is young (made with the collector paused)

    def kpis(self, x: np.ndarray, plan) -> dict[str, Any]:
        """The headline figures (results.kpis) of the primal solution x."""
        cost, weight, _bounds = plan
        self.make_kpi_vectors()
        total = float(cost @ x) * KUSD
        risk = float(self.risk @ x) * KUSD
        return {
            "objective_usd": total + weight * risk,
            "total_cost_usd": total,
            "risk_usd": risk,
            "unmet_t": float(self.unmet @ x),
            **self._kpi_vectors.figures(x),
        }
