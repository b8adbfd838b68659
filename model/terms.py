"""Linear terms shared by the model and the reports, so both use one definition.

A term is (variable name, index, coefficient). build.py sums terms into Pyomo expressions;
results.py evaluates the same terms on the solution. Cost coefficients are USD/kg, which is
also thousand USD per tonne: with flows in t, a cost expression is in kUSD.

Variables: Flow[i, j, c, x, t] (t), Make[m, g, t] (t of magnets), Unused[i, e, t] (t),
Unmet[s, t] (t).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from .network import Network

Term = tuple[str, tuple, float]

COST_COMPONENTS = (
    "site_cost",
    "incentives",
    "purchases",
    "sales",
    "transport",
    "tariffs",
    "unmet_penalty",
)
COST_LABELS = {
    "site_cost": "Site operating costs",
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


def cost_terms(net: Network) -> dict[str, dict[int, list[Term]]]:
    """component -> year -> terms, undiscounted, coefficients in USD/kg (kUSD per t).

    site_cost      = sum_i cost_i x Throughput[i, t]
    incentives     = - sum_i incentive_i x Throughput[i, t]
    purchases      = sum_{f out of a market} price_f x Flow_f
    sales          = - sum_{f into a market} bid_f x Flow_f
    transport      = sum_f transport_f x Flow_f
    tariffs        = sum_f tariff_pct/100 x customs_value x Flow_f
    unmet_penalty  = sum_s penalty_s x Unmet[s, t]
    """
    out: dict[str, dict[int, list[Term]]] = {c: defaultdict(list) for c in COST_COMPONENTS}
    for i, info in net.sites.items():
        for t in net.site_years[i]:
            through = throughput_terms(net, i, t)
            if info.cost_usd_per_kg:
                out["site_cost"][t] += _scaled(through, info.cost_usd_per_kg)
            if info.incentive_usd_per_kg:
                out["incentives"][t] += _scaled(through, -info.incentive_usd_per_kg)
    for name, table, sign in (
        ("purchases", net.purchase, 1.0),
        ("sales", net.sale, -1.0),
        ("transport", net.transport, 1.0),
        ("tariffs", net.tariff, 1.0),
    ):
        for f, coef in table.items():
            if coef:
                out[name][f[-1]].append(("Flow", f, sign * coef))
    for (s, t), _demand in net.demand_t.items():
        out["unmet_penalty"][t].append(("Unmet", (s, t), net.segments[s].penalty_usd_per_kg))
    return out


def _scaled(terms: Iterable[Term], factor: float) -> list[Term]:
    return [(v, k, c * factor) for v, k, c in terms]


def evaluate(terms: Iterable[Term], values: Mapping[str, Mapping[tuple, float]]) -> float:
    """Value of sum(coef x var[index]) on a solution (a missing value counts as 0)."""
    return sum(c * values[v].get(k, 0.0) for v, k, c in terms)
