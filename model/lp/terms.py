"""Linear terms shared by the model and the reports, so both use one definition.

A term is (variable name, index, coefficient). lp.build sums terms into Pyomo expressions;
results evaluates the same terms on the solution (`evaluate`) and the fast sweep path turns
them into vectors over the LP's columns. Nothing here imports Pyomo.

Variables (lp.names): Flow[i, j, c, x, t] (t), Make[m, g, t] (t of magnets), Unused[i, e, t]
(t), Unmet[s, t] (t).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from model.chain.agreements import Contract
from model.chain.network import Network
from model.lp.names import BUILD, FLOW, MAKE
from model.stages import MARKET_STAGE, PROCESSORS

Term = tuple[str, tuple, float]


def throughput_terms(net: Network, i: str, t: int) -> list[Term]:
    """The capacity measure of site i in year t (MODEL.md's 'capacity is on' column).

    mine, collection, market: sum of outflows;  separation, metal, recycling: sum of inflows;
    magnet: sum_g Make[i, g, t].
    """
    stage = net.stage(i)
    if stage == "magnet":
        return [(MAKE, (m, g, tt), 1.0) for (m, g, tt) in net.make_by_site.get((i, t), [])]
    flows = net.inflows if stage in PROCESSORS else net.outflows
    return [(FLOW, f, 1.0) for f in flows.get((i, t), [])]


def take_terms(net: Network, k: Contract, t: int) -> list[Term]:
    """What contract k covers in year t: the site's throughput (a whole-site contract), or
    its shipments to the buyer of the commodity and item (a pair contract; blank = any)."""
    if not k.pair:
        return throughput_terms(net, k.site, t)
    return [
        (FLOW, f, 1.0)
        for f in net.outflows.get((k.site, t), ())
        if (k.buyer is None or f[1] == k.buyer)
        and (k.commodity is None or f[2] == k.commodity)
        and (k.item is None or f[3] == k.item)
    ]


def output_terms(net: Network, k: Contract, t: int) -> list[Term]:
    """The supplier's output in year t of what a pair contract covers, which its `share`
    is a share of: a magnet plant's swarf (swarf_share x Make) or magnets (Make) of the
    item's grade (blank = all); a processor's output of the item's element (blank = all);
    a mine's or collector's whole output. The commodity is the contract's, else that of
    the supplier's shipments to the buyer."""
    i, stage = k.site, net.stage(k.site)
    commodity = k.commodity or next(
        (f[2] for f in net.outflows.get((i, t), ()) if f[1] == k.buyer), None
    )
    if stage == "magnet":
        scale = net.sites[i].swarf_share if commodity == "scrap" else 1.0
        return [
            (MAKE, key, scale)
            for key in net.make_by_site.get((i, t), ())
            if k.item is None or key[1] == k.item
        ]
    if stage in PROCESSORS:
        return [
            (FLOW, f, coef)
            for e in net.elements
            if k.item is None or e == k.item
            for f, coef in net.yields.get((i, e, t), ())
        ]
    return throughput_terms(net, i, t)


def site_emission_terms(net: Network, i: str, t: int) -> list[Term]:
    """t CO2e emitted at site i in year t: co2e_i x Throughput[i, t] (kg CO2e per kg of the
    capacity measure); a market's, what is embodied in what it sells, per commodity."""
    info = net.sites[i]
    if info.stage == "market":
        terms = []
        for f in net.outflows.get((i, t), ()):
            co2e = net.market_co2e.get((i, f[2], f[3], t), 0.0)
            if co2e:
                terms.append((FLOW, f, co2e))
        return terms
    if not info.co2e_kg_per_kg:
        return []
    return scaled(throughput_terms(net, i, t), info.co2e_kg_per_kg)


def transport_emission_terms(net: Network) -> dict[int, list[Term]]:
    """year -> t CO2e of moving material between regions: co2e_f x Flow_f."""
    out: dict[int, list[Term]] = {}
    for f, co2e in net.transport_co2e.items():
        out.setdefault(f[-1], []).append((FLOW, f, co2e))
    return out


def element_terms(net: Network, i: str, e: str, t: int) -> list[Term]:
    """t of element e handled at site i in year t, in the stage's own form.

    mine, collection, market: element content of what leaves; separation, recycling: oxide or
    metal recovered; metal: metal made; magnet: metal consumed, (1 + swarf) x recipe x Make.
    """
    stage = net.stage(i)
    if stage in PROCESSORS:
        return [(FLOW, f, coef) for f, coef in net.yields.get((i, e, t), [])]
    if stage == "magnet":
        scale = 1.0 + net.sites[i].swarf_share
        return [
            (MAKE, key, scale * net.recipe.get((key[1], e), 0.0))
            for key in net.make_by_site.get((i, t), [])
            if net.recipe.get((key[1], e), 0.0) > 0
        ]
    terms = []
    for f in net.outflows.get((i, t), []):
        content = net.content(f, e)
        if content > 0:
            terms.append((FLOW, f, content))
    return terms


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
                        terms.append((FLOW, f, content))
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
                terms.append((FLOW, f, 1.0))
            elif f[2] == "oxide" and to_stage == "metal":
                coef = net.oxide_to_metal[e] * net.recovery.get((f[1], e), 1.0)
                terms.append((FLOW, f, coef))
    return terms


def magnet_metal_terms(net: Network, e: str, t: int) -> list[Term]:
    """Metal of element e arriving at magnet plants in year t."""
    return [
        (FLOW, f, 1.0)
        for m in net.sites_by_stage.get("magnet", ())
        for f in net.inflows.get((m, t), [])
        if f[2] == "metal" and f[3] == e
    ]


def build_terms(net: Network, i: str, t: int, sign: float = 1.0) -> list[Term]:
    """sign x the t/yr of project capacity online at site i in year t (Build[p, y] for each
    build y whose capacity is there in t)."""
    return [(BUILD, key, sign) for key in net.expansions.get((i, t), ())]


def scaled(terms: Iterable[Term], factor: float) -> list[Term]:
    """factor x each term."""
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
