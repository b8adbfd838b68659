"""The cost components of the objective: a registry with one entry per component.

An entry gives the component's name (the Summary's `<name>_usd`), its label, its unit and a
function that makes its terms: (year, terms) groups, undiscounted, coefficients in USD/kg
(kUSD per t). The objective (lp.build), the Costs table and the Summary (results), the sweeps'
re-costing (studies) and the terminal (cli) all read this registry, so a new cost is one
`register_cost` call:

    Cost[component, t] = sum of its groups' terms in year t
    TotalCost          = sum_component sum_t discount[t] x Cost[component, t]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from model.chain.network import Network
from model.lp.names import BUILD, FLOW, SHORTFALL, STOCK, UNMET, VIOLATION
from model.lp.terms import (
    Term,
    scaled,
    site_emission_terms,
    take_terms,
    throughput_terms,
    transport_emission_terms,
)
from model.units import KUSD

CostGroups = Iterator[tuple[int, list[Term]]]


@dataclass(frozen=True)
class CostComponent:
    """One cost component: `terms(net)` yields (year, terms) groups, undiscounted, USD/kg."""

    name: str
    label: str
    terms: Callable[[Network], CostGroups]
    unit: str = "USD"


COST_COMPONENTS: dict[str, CostComponent] = {}


def register_cost(component: CostComponent) -> CostComponent:
    """Add a cost component to the objective and every report (after those already there)."""
    if component.name in COST_COMPONENTS:
        raise ValueError(f"cost component {component.name!r} is registered already")
    COST_COMPONENTS[component.name] = component
    return component


def cost_terms(net: Network) -> Iterator[tuple[str, int, list[Term]]]:
    """(component, year, terms) of every registered component, made as they are read; one
    component and year may come in several groups."""
    for component in COST_COMPONENTS.values():
        for t, terms in component.terms(net):
            yield component.name, t, terms


def discounted_cost_terms(net: Network) -> Iterator[Term]:
    """Every cost term times its year's discount factor: the objective's TotalCost, term by
    term (`terms.merged` adds up a variable's coefficients). Made as read, not kept."""
    discount = net.discount
    for _component, t, terms in cost_terms(net):
        d = discount[t]
        for v, k, c in terms:
            yield v, k, d * c


def discounted_risk_terms(net: Network, weight: float = 1.0) -> Iterator[Term]:
    """weight x the discounted risk terms: the objective's TotalRisk when weight is 1.

    Risk[t] = sum_i risk_score_i x value_at_risk_i x Throughput[i, t]  (kUSD); made as read.
    """
    for i in net.sites:
        risk = net.risk_usd_per_kg(i)
        if risk:
            for t in net.site_years[i]:
                scale = weight * net.discount[t] * risk
                for v, k, c in throughput_terms(net, i, t):
                    yield v, k, scale * c


# ---------------------------------------------------------------- the built-in components


def _site_years(net: Network) -> Iterable[tuple[str, int]]:
    for i in net.sites:
        for t in net.site_years[i]:
            yield i, t


def site_cost(net: Network) -> CostGroups:
    """sum_i cost_i x Throughput[i, t], for site-years without a contract price."""
    for i, t in _site_years(net):
        cost = net.sites[i].cost_usd_per_kg
        if cost and (i, t) not in net.contract_price:
            yield t, scaled(throughput_terms(net, i, t), cost)


def contracts(net: Network) -> CostGroups:
    """sum_k price_k x (Take[k, t] + Shortfall[k, t]): a whole-site contract's price replaces
    the site's cost; a pair contract's price is paid per kg shipped to the buyer on top of
    the chain's costs; a binding minimum not taken is paid all the same (take-or-pay)."""
    for i, t in _site_years(net):
        if (i, t) in net.contract_price:
            yield t, scaled(throughput_terms(net, i, t), net.contract_price[i, t])
    for k in net.contracts:
        if k.pair and k.price_usd_per_kg:
            for t in k.years:
                yield t, scaled(take_terms(net, k, t), k.price_usd_per_kg)
    for k in net.contracts:
        if k.binding and k.min_t:
            price = k.unit_price(net.sites[k.site].cost_usd_per_kg)
            for t in k.years:
                yield t, [(SHORTFALL, (k.contract, t), price)]


def incentives(net: Network) -> CostGroups:
    """- sum_i incentive_i x Throughput[i, t] (credits, e.g. a production tax credit)."""
    for i, t in _site_years(net):
        credit = net.sites[i].incentive_usd_per_kg
        if credit:
            yield t, scaled(throughput_terms(net, i, t), -credit)


def _per_flow(table_of: Callable[[Network], dict], sign: float):
    """Terms sign x coef_f x Flow_f of a per-arc table of the network."""

    def terms(net: Network) -> CostGroups:
        for f, coef in table_of(net).items():
            if coef:
                yield f[-1], [(FLOW, f, sign * coef)]

    return terms


def capex(net: Network) -> CostGroups:
    """sum_(p,y) capex_p x CRF(r, life_p) / 1000 x Build[p, y] in each year t its capacity is
    there (annualised capital charges, kUSD; chain.projects)."""
    for project in net.projects:
        for y, t in project.in_service(net.years):
            yield t, [(BUILD, (project.project, y), project.annual_capex_usd_per_t / KUSD)]


def fixed_om(net: Network) -> CostGroups:
    """sum_(p,y) fixed_p / 1000 x Build[p, y] in each year t its capacity is there."""
    for project in net.projects:
        if project.fixed_usd_per_t_yr:
            for y, t in project.in_service(net.years):
                yield t, [(BUILD, (project.project, y), project.fixed_usd_per_t_yr / KUSD)]


def emission_terms(net: Network) -> Iterator[tuple[int, str | None, list[Term]]]:
    """(year, site or None for transport, terms) of every emission, in t CO2e."""
    for i in net.sites:
        for t in net.site_years[i]:
            terms = site_emission_terms(net, i, t)
            if terms:
                yield t, i, terms
    for t, terms in transport_emission_terms(net).items():
        yield t, None, terms


def carbon(net: Network) -> CostGroups:
    """carbon_price / 1000 x emissions (t CO2e) of sites and transport, kUSD."""
    price = net.carbon_price_usd_per_t
    if price:
        for t, _site, terms in emission_terms(net):
            yield t, scaled(terms, price / KUSD)


def holding(net: Network) -> CostGroups:
    """sum_(i,e) holding_i,e x Stock[i, e, t]."""
    for (i, e), stock in net.stocks.items():
        if stock.holding_usd_per_kg_yr:
            for t in net.years:
                yield t, [(STOCK, (i, e, t), stock.holding_usd_per_kg_yr)]


def unmet_penalty(net: Network) -> CostGroups:
    """sum_s penalty_s x Unmet[s, t]."""
    for s, t in net.demand_t:
        yield t, [(UNMET, (s, t), net.segments[s].penalty_usd_per_kg)]


def policy_penalty(net: Network) -> CostGroups:
    """sum_p penalty_p x Violation[p] (soft policies)."""
    for p in net.policies:
        if p.soft:
            yield p.year, [(VIOLATION, p.key, p.penalty_usd_per_kg)]


for _entry in (
    CostComponent("site_cost", "Site operating costs", site_cost),
    CostComponent(
        "contracts", "Contract payments (incl. take-or-pay for untaken minimums)", contracts
    ),
    CostComponent("incentives", "Incentives (credits, negative)", incentives),
    CostComponent("purchases", "Market purchases", _per_flow(lambda n: n.purchase, 1.0)),
    CostComponent("sales", "Market sales (revenue, negative)", _per_flow(lambda n: n.sale, -1.0)),
    CostComponent("transport", "Transport", _per_flow(lambda n: n.transport, 1.0)),
    CostComponent("tariffs", "Tariffs", _per_flow(lambda n: n.tariff, 1.0)),
    CostComponent("holding", "Stock holding costs", holding),
    CostComponent("capital_charges", "Capital charges of projects built (capex annualised)", capex),
    CostComponent("fixed_om", "Fixed operating costs of projects built", fixed_om),
    CostComponent("carbon", "Carbon price on emissions", carbon),
    CostComponent("unmet_penalty", "Unmet demand penalty", unmet_penalty),
    CostComponent("policy_penalty", "Soft policy violation penalties", policy_penalty),
):
    register_cost(_entry)
