"""build_model(net) -> ConcreteModel: sets, variables, expressions, constraints, objective.

Units: flows and stocks in t/yr, unit costs in USD/kg = kUSD/t, so every cost expression is in
kUSD and every balance dual is in USD/kg. The objective is the discounted total cost in kUSD.
Cost components are entries of the registry in lp.costs, summed into the objective, so a new
feature registers a component rather than editing the objective; policy types likewise
(lp.policies).
"""

from __future__ import annotations

import pyomo.core as pyo

from model.chain.network import Network
from model.lp.compliance import add_compliance
from model.lp.contracts import add_contracts
from model.lp.costs import discounted_cost_terms, discounted_risk_terms
from model.lp.linexpr import forget_variables, linear, total
from model.lp.names import MARKET_SALE_CAP
from model.lp.policies import add_policies
from model.lp.projects import add_project_variables, add_projects
from model.lp.terms import build_terms, merged, throughput_terms
from model.memory import collection_paused


def build_model(net: Network, risk_objective: bool = False) -> pyo.ConcreteModel:
    """The sourcing LP for one network (see docs/formulation.md for the algebra).

    With `risk_objective` the model also has an inactive objective MinRisk (TotalRisk alone),
    for the cost-risk frontier."""
    m = pyo.ConcreteModel(name="mine2magnet")
    populate(m, net, with_risk=risk_objective)
    m.Objective = pyo.Objective(expr=plan_objective(m, net), sense=pyo.minimize)
    if risk_objective:
        m.MinRisk = pyo.Objective(expr=m.TotalRisk, sense=pyo.minimize)
        m.MinRisk.deactivate()
    return m


def populate(m: pyo.Block, net: Network, with_risk: bool = False) -> None:
    """Every set, variable, constraint and the cost expressions of one network's plan in the
    model or block `m` (a scenario's block in lp.stochastic), without an objective.
    TotalRisk is made when the plan weighs risk or `with_risk` asks for it."""
    with collection_paused():  # millions of small objects, none of them garbage: skip the collector
        _sets(m, net)
        _variables(m, net)
        _constraints(m, net)
        add_policies(m, net)
        add_compliance(m, net)
        add_contracts(m, net)
        add_projects(m, net)
        _costs(m, net, with_risk)
    forget_variables(m)  # the lookup was for building; the model itself holds the variables


def plan_objective(m: pyo.Block, net: Network):
    """TotalCost + risk_weight x TotalRisk (TotalCost alone when risk has no weight)."""
    if net.risk_weight:
        return m.TotalCost + net.risk_weight * m.TotalRisk
    return m.TotalCost


def _sets(m: pyo.Block, net: Network) -> None:
    m.FLOWS = pyo.Set(initialize=net.flows, dimen=5, ordered=True)
    m.MAKE = pyo.Set(initialize=net.make, dimen=3, ordered=True)
    m.UNUSED = pyo.Set(initialize=list(net.yields), dimen=3, ordered=True)
    m.DEMAND = pyo.Set(initialize=list(net.demand_t), dimen=2, ordered=True)
    m.CAP = pyo.Set(initialize=list(net.cap_t), dimen=2, ordered=True)
    m.MARKET_CAPS = pyo.Set(initialize=list(net.market_caps), dimen=4, ordered=True)
    m.YEARS = pyo.Set(initialize=net.years, ordered=True)
    m.STOCKS = pyo.Set(
        initialize=[(i, e, t) for (i, e) in net.stocks for t in net.years], dimen=3, ordered=True
    )


def _variables(m: pyo.Block, net: Network) -> None:
    m.Flow = pyo.Var(m.FLOWS, domain=pyo.NonNegativeReals, doc="t moved on arc (i,j,c,x) in t")
    m.Stock = pyo.Var(
        m.STOCKS,
        domain=pyo.NonNegativeReals,
        bounds=lambda m, i, e, t: (net.stocks[i, e].min_t, net.stocks[i, e].max_t),
        doc="t of e held at i at the end of year t",
    )
    m.Make = pyo.Var(m.MAKE, domain=pyo.NonNegativeReals, doc="t of grade g made at m in t")
    m.Unused = pyo.Var(m.UNUSED, domain=pyo.NonNegativeReals, doc="t of e made at i, not used")
    m.Unmet = pyo.Var(m.DEMAND, domain=pyo.NonNegativeReals, doc="t of demand of s not served")
    add_project_variables(m, net)


def _constraints(m: pyo.Block, net: Network) -> None:
    def shipped(i: str, c: str, x: str, t: int):
        return total(m, "Flow", net.shipped.get((i, c, x, t), ()))

    first_year = net.years[0]
    balanced_stock: set[tuple[str, str, int]] = set()

    def release(i: str, e: str, t: int):
        """Stock drawn in year t: Stock[i, e, t-1] (initial_t in year 1) - Stock[i, e, t]."""
        if (i, e) not in net.stocks:
            return 0.0
        balanced_stock.add((i, e, t))
        before = net.stocks[i, e].initial_t if t == first_year else m.Stock[i, e, t - 1]
        return before - m.Stock[i, e, t]

    def element_balance(m, i, e, t):
        """Processor i, element e: sum_f yield_f,e x Flow_f + stock drawn
        = sum_out Flow + Unused[i, e, t]."""
        c = net.output_form(i)
        return (
            linear(m, [("Flow", f, k) for f, k in net.yields[i, e, t]]) + release(i, e, t)
            == shipped(i, c, e, t) + m.Unused[i, e, t]
        )

    m.Element_Balance = pyo.Constraint(m.UNUSED, rule=element_balance)

    metal_keys = [
        (i, e, t)
        for i, info in net.sites.items()
        if info.stage == "magnet"
        for t in net.site_years[i]
        for e in net.elements
        if net.inflows.get((i, t))
    ]

    def metal_balance(m, i, e, t):
        """Magnet plant i: metal e in + stock drawn
        = (1 + swarf_i) x sum_g r[g, e] x Make[i, g, t]."""
        used = [
            ("Make", k, (1.0 + net.sites[i].swarf_share) * net.recipe.get((k[1], e), 0.0))
            for k in net.make_by_site.get((i, t), [])
            if net.recipe.get((k[1], e), 0.0) > 0
        ]
        arriving = [f for f in net.inflows[i, t] if f[2] == "metal" and f[3] == e]
        if not used and not arriving:
            return pyo.Constraint.Skip
        return total(m, "Flow", arriving) + release(i, e, t) == linear(m, used)

    m.METAL_BALANCE = pyo.Set(initialize=metal_keys, dimen=3, ordered=True)
    m.Metal_Balance = pyo.Constraint(m.METAL_BALANCE, rule=metal_balance)

    def grade_balance(m, i, g, t):
        """Magnet plant i, grade g: Make[i, g, t] = magnets shipped to segments and markets."""
        return m.Make[i, g, t] == shipped(i, "magnet", g, t)

    m.Grade_Balance = pyo.Constraint(m.MAKE, rule=grade_balance)

    swarf_keys = [k for k in net.make if net.shipped.get((k[0], "scrap", k[1], k[2]))]

    def swarf_limit(m, i, g, t):
        """Swarf of grade g to recyclers <= swarf_share_i x Make[i, g, t]; the rest is lost."""
        return shipped(i, "scrap", g, t) <= net.sites[i].swarf_share * m.Make[i, g, t]

    m.SWARF = pyo.Set(initialize=swarf_keys, dimen=3, ordered=True)
    m.Swarf_Limit = pyo.Constraint(m.SWARF, rule=swarf_limit)

    def capacity(m, i, t):
        """Throughput[i, t] - Built[i, t] <= cap_t[i, t] (the stage's capacity measure; Built:
        the t/yr of the site's projects online in t, lp.projects)."""
        terms = throughput_terms(net, i, t) + build_terms(net, i, t, -1.0)
        if not terms:
            return pyo.Constraint.Skip
        return linear(m, terms) <= net.cap_t[i, t]

    m.Capacity = pyo.Constraint(m.CAP, rule=capacity)

    def market_item_cap(m, p, c, x, t):
        """Purchases of item x from market p in year t <= MarketPrices.max_t."""
        if not net.shipped.get((p, c, x, t)):
            return pyo.Constraint.Skip
        return shipped(p, c, x, t) <= net.market_caps[p, c, x, t]

    m.Market_Item_Cap = pyo.Constraint(m.MARKET_CAPS, rule=market_item_cap)

    def market_sale_cap(m, p, c, x, t):
        """Sales of item x to market p in year t <= MarketPrices.bid_max_t."""
        into = [f for f in net.inflows.get((p, t), ()) if f[2] == c and f[3] == x]
        if not into:
            return pyo.Constraint.Skip
        return total(m, "Flow", into) <= net.sale_caps[p, c, x, t]

    m.SALE_CAPS = pyo.Set(initialize=list(net.sale_caps), dimen=4, ordered=True)
    m.add_component(MARKET_SALE_CAP, pyo.Constraint(m.SALE_CAPS, rule=market_sale_cap))

    def demand_balance(m, s, t):
        """Segment s: sum of magnets received + Unmet[s, t] = demand_t[s, t]."""
        return total(m, "Flow", net.inflows.get((s, t), ())) + m.Unmet[s, t] == net.demand_t[s, t]

    m.Demand_Balance = pyo.Constraint(m.DEMAND, rule=demand_balance)

    def stock_carry(m, i, e, t):
        """Years with no balance row at i: the stock carries over unchanged."""
        if (i, e, t) in balanced_stock:
            return pyo.Constraint.Skip
        before = net.stocks[i, e].initial_t if t == first_year else m.Stock[i, e, t - 1]
        return m.Stock[i, e, t] == before

    m.Stock_Carry = pyo.Constraint(m.STOCKS, rule=stock_carry)


def _costs(m: pyo.Block, net: Network, with_risk: bool) -> None:
    """TotalCost and TotalRisk, the plan's objective being TotalCost + risk_weight x TotalRisk
    (plan_objective), both discounted sums over years (kUSD):

    TotalCost = sum_component sum_t discount[t] x Cost[component, t]
    TotalRisk = sum_t discount[t] x Risk[t]   (built when risk_weight > 0 or with_risk)

    The terms of every registered cost component (lp.costs.COST_COMPONENTS) are
    discounted and streamed into one linear expression, with each variable once: the
    coefficients of a variable that several components cost are added first (terms.merged:
    on L this drops a third of the objective's terms and 1.5 s of the hand-off). The reports
    evaluate the same terms per component and year.
    """
    m.TotalCost = pyo.Expression(expr=linear(m, merged(discounted_cost_terms(net))))
    if net.risk_weight or with_risk:
        m.TotalRisk = pyo.Expression(expr=linear(m, merged(discounted_risk_terms(net))))
