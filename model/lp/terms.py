"""Linear terms shared by the model and the reports, so both use one definition.

A term is (variable name, index, coefficient). lp.build sums terms into Pyomo expressions;
results evaluates the same terms on the solution (`evaluate`) and the fast sweep path turns
them into vectors over the LP's columns. Nothing here imports Pyomo.

Variables (lp.names): Flow[i, j, c, x, t] (t), Make[m, g, t] (t of magnets), Unused[i, e, t]
(t), Unmet[s, t] (t).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from model.chain.network import Network
from model.lp.names import FLOW, MAKE
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
