"""Offtake contracts (MOUs) as constraints: on a supplier site's throughput, or on what it
ships a buyer (pair contracts, lp.terms.take_terms)."""

from __future__ import annotations

import pyomo.core as pyo

from model.chain.network import Network
from model.lp.linexpr import linear
from model.lp.names import CONTRACT_SHARE
from model.lp.terms import output_terms, scaled, take_terms


def add_contracts(m: pyo.ConcreteModel, net: Network) -> None:
    """Take[k,t] is the site's throughput, or (a pair contract) what it ships the buyer:

    Contract_Max[k,t]:    Take[k,t] <= max_t
    Contract_Min[k,t]:    Take[k,t] + Shortfall[k,t] >= min_t   (binding only; the Shortfall
                          is paid at the contract price: take-or-pay)
    Contract_Share[k,t]:  Take[k,t] - share x Output[k,t] >= 0  (binding pair contracts with a
                          share: that part of the supplier's output goes to the buyer)"""
    by_key = {(k.contract, t): k for k in net.contracts for t in k.years}
    m.CONTRACT_MAX = pyo.Set(
        initialize=[key for key, k in by_key.items() if k.max_t is not None], dimen=2
    )
    m.CONTRACT_MIN = pyo.Set(
        initialize=[key for key, k in by_key.items() if k.binding and k.min_t], dimen=2
    )
    m.Shortfall = pyo.Var(m.CONTRACT_MIN, domain=pyo.NonNegativeReals, doc="t paid, not taken")

    def take(m, contract, t):
        return linear(m, take_terms(net, by_key[contract, t], t))

    m.Contract_Max = pyo.Constraint(
        m.CONTRACT_MAX, rule=lambda m, k, t: take(m, k, t) <= by_key[k, t].max_t
    )
    m.Contract_Min = pyo.Constraint(
        m.CONTRACT_MIN,
        rule=lambda m, k, t: take(m, k, t) + m.Shortfall[k, t] >= by_key[k, t].min_t,
    )
    share_keys = [key for key, k in by_key.items() if k.binding and k.share and k.pair]

    def share_rule(m, contract, t):
        k = by_key[contract, t]
        terms = take_terms(net, k, t) + scaled(output_terms(net, k, t), -k.share)
        if not terms:
            return pyo.Constraint.Skip
        return linear(m, terms) >= 0.0

    m.CONTRACT_SHARES = pyo.Set(initialize=share_keys, dimen=2)
    m.add_component(CONTRACT_SHARE, pyo.Constraint(m.CONTRACT_SHARES, rule=share_rule))
