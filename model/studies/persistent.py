"""Re-solve one compiled model for changed data by pushing new numbers into live HiGHS.

A what-if that only moves numbers the LP keeps in its objective or its row bounds (prices,
costs, transport, tariffs, incentives, penalties, risk weight and scores, capacities, demand,
market caps, contract limits) is pushed into the running HiGHS model, which then warm-starts
from the last basis. Anything that changes the LP's structure or its matrix (operating years,
compositions, recoveries, recipes, swarf, lanes, policy values, stocks, which arcs exist) makes
the network's signature differ, and the model is rebuilt for that point: slower, never wrong.

    c[col]      = sum_(component, t) d_t x coef  +  risk_weight x sum_t d_t x risk coef
    Capacity    <= cap_t[i,t]           Demand_Balance = demand_t[s,t]
    Market_Item_Cap <= max_t            Contract_Max <= max_t      Contract_Min >= min_t
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import chain

import numpy as np

from model.chain.network import Network, build_network
from model.lp.build import build_model
from model.lp.costs import discounted_cost_terms, discounted_risk_terms
from model.lp.names import (
    CAPACITY,
    CONTRACT_MAX,
    CONTRACT_MIN,
    DEMAND_BALANCE,
    MARKET_ITEM_CAP,
    MARKET_SALE_CAP,
)
from model.solver.session import SolveResult, open_session
from model.workbook.data import ChainData


def signature(net: Network) -> tuple:
    """Everything that shapes the LP's columns, rows and matrix (not its costs or bounds).

    Built from the network's own lists and dicts, so comparing two signatures is a plain
    equality test of those containers.
    """
    return (
        net.flows,
        net.make,
        net.yields,
        net.recipe,
        [(i, s.swarf_share) for i, s in net.sites.items()],
        list(net.cap_t),
        list(net.demand_t),
        list(net.market_caps),
        [(p.key, p.value, p.soft) for p in net.policies],
        [(k.contract, k.site, k.years, k.binding, bool(k.min_t), k.max_t is not None,
          k.buyer, k.commodity, k.item, k.share) for k in net.contracts],
        net.stocks,
        net.compliant_flows,
        net.compliant_segments,
        list(net.sale_caps),
        net.projects,
        net.expansions,
        # emission and ESG factors sit in the rows of emission and ESG policies
        [(i, s.co2e_kg_per_kg, s.esg_score) for i, s in net.sites.items()],
        net.transport_co2e,
        net.market_co2e,
    )  # fmt: skip


def row_bounds(net: Network) -> dict[tuple[str, tuple], tuple[float, float]]:
    """Bounds of the rows whose right-hand side comes from data."""
    inf = math.inf
    bounds = {(CAPACITY, k): (-inf, v) for k, v in net.cap_t.items()}
    bounds.update({(DEMAND_BALANCE, k): (v, v) for k, v in net.demand_t.items()})
    bounds.update({(MARKET_ITEM_CAP, k): (-inf, v) for k, v in net.market_caps.items()})
    bounds.update({(MARKET_SALE_CAP, k): (-inf, v) for k, v in net.sale_caps.items()})
    for k in net.contracts:
        for t in k.years:
            if k.max_t is not None:
                bounds[CONTRACT_MAX, (k.contract, t)] = (-inf, k.max_t)
            if k.binding and k.min_t:
                bounds[CONTRACT_MIN, (k.contract, t)] = (k.min_t, inf)
    return bounds


@dataclass
class Point:
    result: SolveResult
    network: Network
    rebuilt: bool


class Resolver:
    """One persistent HiGHS model for a family of what-ifs of the same workbook."""

    def __init__(self, data: ChainData, network: Network | None = None):
        """The model of `data` (its `network`, when the caller has derived it already)."""
        self.data = data
        self._compile(network if network is not None else build_network(data))
        self._fresh = True  # the live model is `data`'s own and not solved yet

    def _compile(self, net: Network) -> None:
        self.network = net
        self.signature = signature(net)
        self.session = open_session(
            lambda: build_model(net),
            self.data.settings["time_limit_s"],
            collect=False,
            mip_gap=self.data.settings["mip_gap"],
            method=self.data.settings.get("solver_method", "auto"),
        )

    def solve(self, data: ChainData) -> Point:
        """Solve `data` (a what-if of the original), pushing numbers or rebuilding as needed;
        the original itself, first, as it was built."""
        if data is self.data and self._fresh:
            net, rebuilt = self.network, False
        else:
            net = build_network(data)
            rebuilt = signature(net) != self.signature
            if rebuilt:
                self._compile(net)
            elif self.session.error is None:
                self._push(net)
        self._fresh = False
        return Point(self.session.solve(), net, rebuilt)

    def objective_vector(self, net: Network) -> np.ndarray:
        """The compiled objective for `net`, from the same terms the model was built from."""
        terms = discounted_cost_terms(net)
        if net.risk_weight:
            terms = chain(terms, discounted_risk_terms(net, net.risk_weight))
        return self.session.vector(terms)

    def _push(self, net: Network) -> None:
        session = self.session
        session.set_costs(self.objective_vector(net))
        session.apply_row_bounds(row_bounds(net))
        self.network = net
