"""Linear terms shared by the model and the reports, so both use one definition.

A term is (variable name, index, coefficient). build.py sums terms into Pyomo expressions;
results.py evaluates the same terms on the solution. Cost coefficients are USD/kg, which is
also thousand USD per tonne: with flows in t, a cost expression is in kUSD.

Variables: Flow[i, j, c, x, t] (t), Make[m, g, t] (t of magnets), Unused[i, e, t] (t),
Unmet[s, t] (t).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from model.chain.network import Network
from model.chain.rules import PolicyLimit

Term = tuple[str, tuple, float]

COST_COMPONENTS = (
    "site_cost",
    "contracts",
    "incentives",
    "purchases",
    "sales",
    "transport",
    "tariffs",
    "holding",
    "unmet_penalty",
    "policy_penalty",
)
COST_LABELS = {
    "site_cost": "Site operating costs",
    "contracts": "Contract payments (incl. take-or-pay for untaken minimums)",
    "holding": "Stock holding costs",
    "policy_penalty": "Soft policy violation penalties",
    "incentives": "Incentives (credits, negative)",
    "purchases": "Market purchases",
    "sales": "Market sales (revenue, negative)",
    "transport": "Transport",
    "tariffs": "Tariffs",
    "unmet_penalty": "Unmet demand penalty",
}


def throughput_terms(net: Network, i: str, t: int) -> list[Term]:
    """The capacity measure of site i in year t (MODEL.md's 'capacity is on' column).

    mine, collection, market: sum of outflows;  separation, metal, recycling: sum of inflows;
    magnet: sum_g Make[i, g, t].
    """
    stage = net.stage(i)
    if stage == "magnet":
        return [("Make", (m, g, tt), 1.0) for (m, g, tt) in net.make_by_site.get((i, t), [])]
    flows = net.inflows if stage in ("separation", "metal", "recycling") else net.outflows
    return [("Flow", f, 1.0) for f in flows.get((i, t), [])]


def element_terms(net: Network, i: str, e: str, t: int) -> list[Term]:
    """t of element e handled at site i in year t, in the stage's own form.

    mine, collection, market: element content of what leaves; separation, recycling: oxide or
    metal recovered; metal: metal made; magnet: metal consumed, (1 + swarf) x recipe x Make.
    """
    stage = net.stage(i)
    if stage in ("separation", "metal", "recycling"):
        return [("Flow", f, coef) for f, coef in net.yields.get((i, e, t), [])]
    if stage == "magnet":
        scale = 1.0 + net.sites[i].swarf_share
        return [
            ("Make", key, scale * net.recipe.get((key[1], e), 0.0))
            for key in net.make_by_site.get((i, t), [])
            if net.recipe.get((key[1], e), 0.0) > 0
        ]
    terms = []
    for f in net.outflows.get((i, t), []):
        content = net.content(f, e)
        if content > 0:
            terms.append(("Flow", f, content))
    return terms


def cost_terms(net: Network) -> Iterator[tuple[str, int, list[Term]]]:
    """The cost terms in small groups (component, year, terms), undiscounted, coefficients in
    USD/kg (kUSD per t), made as they are read; one component and year may come in several
    groups. Cost[component, t] is the sum of its groups' terms:

    site_cost      = sum_i cost_i x Throughput[i, t]   (site-years without a contract price)
    contracts      = sum_k price_k x (Throughput[site_k, t] + Shortfall[k, t])
    incentives     = - sum_i incentive_i x Throughput[i, t]
    purchases      = sum_{f out of a market} price_f x Flow_f
    sales          = - sum_{f into a market} bid_f x Flow_f
    transport      = sum_f transport_f x Flow_f
    tariffs        = sum_f tariff_pct/100 x customs_value x Flow_f
    holding        = sum_(i,e) holding_i,e x Stock[i, e, t]
    unmet_penalty  = sum_s penalty_s x Unmet[s, t]
    policy_penalty = sum_p penalty_p x Violation[p]   (soft policies)
    """
    for i, info in net.sites.items():
        for t in net.site_years[i]:
            through = throughput_terms(net, i, t)
            if (i, t) in net.contract_price:
                yield "contracts", t, _scaled(through, net.contract_price[i, t])
            elif info.cost_usd_per_kg:
                yield "site_cost", t, _scaled(through, info.cost_usd_per_kg)
            if info.incentive_usd_per_kg:
                yield "incentives", t, _scaled(through, -info.incentive_usd_per_kg)
    for name, table, sign in (
        ("purchases", net.purchase, 1.0),
        ("sales", net.sale, -1.0),
        ("transport", net.transport, 1.0),
        ("tariffs", net.tariff, 1.0),
    ):
        for f, coef in table.items():
            if coef:
                yield name, f[-1], [("Flow", f, sign * coef)]
    for (s, t), _demand in net.demand_t.items():
        yield "unmet_penalty", t, [("Unmet", (s, t), net.segments[s].penalty_usd_per_kg)]
    for k in net.contracts:
        if k.binding and k.min_t:
            price = k.unit_price(net.sites[k.site].cost_usd_per_kg)
            for t in k.years:
                yield "contracts", t, [("Shortfall", (k.contract, t), price)]
    for (i, e), stock in net.stocks.items():
        if stock.holding_usd_per_kg_yr:
            for t in net.years:
                yield "holding", t, [("Stock", (i, e, t), stock.holding_usd_per_kg_yr)]
    for p in net.policies:
        if p.soft:
            yield "policy_penalty", p.year, [("Violation", p.key, p.penalty_usd_per_kg)]


def discounted_cost_terms(net: Network) -> Iterator[Term]:
    """Every cost term of every component and year times its year's discount factor: the
    objective's TotalCost, term by term (a variable appears once per component; `merged`
    adds them up). The terms are made as they are read and not kept."""
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


MARKET_STAGE = {"oxide": "separation", "metal": "metal", "magnet": "magnet"}


def stage_element_terms(
    net: Network, stage: str, e: str, t: int, sites: Iterable[str]
) -> list[Term]:
    """t of element e handled at `stage` in year t by the given sites.

    Markets count at the stage whose product they sell (oxide at separation, metal at metal,
    magnets at magnet) and, at stage `market`, with everything they sell; other sites at
    their own stage (element_terms).
    """
    terms: list[Term] = []
    for i in sites:
        info = net.sites[i]
        if info.stage == "market":
            for f in net.outflows.get((i, t), []):
                if stage == "market" or MARKET_STAGE[f[2]] == stage:
                    content = net.content(f, e)
                    if content > 0:
                        terms.append(("Flow", f, content))
        elif info.stage == stage and t in net.site_years_set[i]:
            terms += element_terms(net, i, e, t)
    return terms


def recycled_metal_terms(net: Network, e: str, t: int) -> list[Term]:
    """Recycled e reaching magnet plants as metal: short-loop metal in, plus metal made from
    long-loop oxide at the receiving plant (oxide x oxide_to_metal x its recovery)."""
    terms: list[Term] = []
    for r in net.sites_by_stage.get("recycling", ()):
        for f in net.outflows.get((r, t), []):
            if f[3] != e or f[1] not in net.sites:
                continue
            to_stage = net.stage(f[1])
            if f[2] == "metal" and to_stage == "magnet":
                terms.append(("Flow", f, 1.0))
            elif f[2] == "oxide" and to_stage == "metal":
                coef = net.oxide_to_metal[e] * net.recovery.get((f[1], e), 1.0)
                terms.append(("Flow", f, coef))
    return terms


def magnet_metal_terms(net: Network, e: str, t: int) -> list[Term]:
    """Metal of element e arriving at magnet plants in year t."""
    return [
        ("Flow", f, 1.0)
        for m in net.sites_by_stage.get("magnet", ())
        for f in net.inflows.get((m, t), [])
        if f[2] == "metal" and f[3] == e
    ]


def _scaled(terms: Iterable[Term], factor: float) -> list[Term]:
    return [(v, k, c * factor) for v, k, c in terms]


def merged(terms: Iterable[Term]) -> Iterator[Term]:
    """The terms with each (variable, index) once: sum_k c_k x v  ->  (sum_k c_k) x v.

    Variables come in the order they first appear. The sums are kept per variable component,
    keyed by the index tuples the terms already hold (no key is made per term)."""
    sums: dict[str, dict[tuple, float]] = {}
    name, own = None, {}
    for v, k, c in terms:
        if v != name:
            name = v
            own = sums.get(v)
            if own is None:
                own = sums[v] = {}
        own[k] = own.get(k, 0.0) + c
    for v, own in sums.items():
        for k, c in own.items():
            yield v, k, c


def evaluate(terms: Iterable[Term], values: Mapping[str, Mapping[tuple, float]]) -> float:
    """Value of sum(coef x var[index]) on a solution (a missing value counts as 0).

    The component's lookup is found once per run of terms of one component, not per term
    (a third faster than a sum over the terms, which is most of the Costs table on L)."""
    total = 0.0
    name = None
    for v, k, c in terms:
        if v != name:
            name = v
            get = values[v].get
        total += c * get(k, 0.0)
    return total


def policy_terms(net: Network, p: PolicyLimit) -> list[Term]:
    """Left-hand side of a policy:  group - value x total  (<= 0 for max and ban, >= 0 for min).

    max_country_share / ban_country: group = what `stage` handles in `country` (ban: group
    alone); min_region_share: group = what `stage` handles inside `region`;
    min_recycled_share: group = recycled metal reaching magnet plants, total = all metal
    reaching magnet plants. Elements: the policy's element, or all tracked elements.
    """
    group, total = policy_parts(net, p)
    if p.type == "ban_country":
        return group
    return group + _scaled(total, -p.value)


def policy_parts(net: Network, p: PolicyLimit) -> tuple[list[Term], list[Term]]:
    """(group, total) of a policy, for reporting the achieved share."""
    t = p.year
    if p.type == "min_recycled_share":
        return (
            [x for e in p.elements for x in recycled_metal_terms(net, e, t)],
            [x for e in p.elements for x in magnet_metal_terms(net, e, t)],
        )
    markets = net.sites_by_stage.get("market", [])
    candidates = markets if p.stage == "market" else net.sites_by_stage.get(p.stage, []) + markets
    if p.type == "min_region_share":
        members = [i for i in candidates if net.sites[i].region == p.region]
    else:
        members = [i for i in candidates if net.sites[i].country == p.country]
    group = [x for e in p.elements for x in stage_element_terms(net, p.stage, e, t, members)]
    total = [x for e in p.elements for x in stage_element_terms(net, p.stage, e, t, candidates)]
    return group, total
