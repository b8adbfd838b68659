"""Offtake contracts (MOUs) as constraints on the supplier site's throughput."""

from __future__ import annotations

import pyomo.core as pyo

from model.chain.network import Network
from model.lp.linexpr import linear
from model.lp.terms import throughput_terms


def add_contracts(m: pyo.ConcreteModel, net: Network) -> None:
    """Contract_Max[k,t]:  Throughput[site_k, t] <= max_t
    Contract_Min[k,t]:     Throughput[site_k, t] + Shortfall[k,t] >= min_t   (binding only;
                           the Shortfall is paid at the contract price: take-or-pay)."""
    by_key = {(k.contract, t): k for k in net.contracts for t in k.years}
    m.CONTRACT_MAX = pyo.Set(
        initialize=[key for key, k in by_key.items() if k.max_t is not None], dimen=2
    )
    m.CONTRACT_MIN = pyo.Set(
        initialize=[key for key, k in by_key.items() if k.binding and k.min_t], dimen=2
    )
    m.Shortfall = pyo.Var(m.CONTRACT_MIN, domain=pyo.NonNegativeReals, doc="t paid, not taken")

    def take(m, contract, t):
        return linear(m, throughput_terms(net, by_key[contract, t].site, t))

    m.Contract_Max = pyo.Constraint(
        m.CONTRACT_MAX, rule=lambda m, k, t: take(m, k, t) <= by_key[k, t].max_t
    )
    m.Contract_Min = pyo.Constraint(
        m.CONTRACT_MIN,
        rule=lambda m, k, t: take(m, k, t) + m.Shortfall[k, t] >= by_key[k, t].min_t,
    )
