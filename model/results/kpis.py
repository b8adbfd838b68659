"""The headline figures of a plan (KPIs), defined once and evaluated two ways.

`KPI_SPEC` says what each figure is. `kpis_from_tables` evaluates it on a full solve's Shares
table and solution values (results.tables); `KpiVectors` turns the same spec into vectors
over the LP's columns, so a sweep point is read off its primal solution with dot products
(studies.fastpath). Handled t are of the tracked elements at a stage (terms.
stage_element_terms: markets count at the stage of what they sell).

    restricted_share_<stage>       t handled in restricted countries / t handled at stage
    restricted_share_heavy_magnet  the same for the heavy elements at the magnet stage
    heavy_self_sufficiency         1 - restricted_share_heavy_magnet (0 when none is used)
    top_country_<stage>            the country handling most at the stage, and
    top_country_share_<stage>        its share (ties go to the first name alphabetically)
    recycled_share                 recycled metal into magnet plants / all metal into them
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model.chain.network import Network
from model.lp.terms import Term
from model.lp.terms import stage_element_terms as _stage_terms
from model.results.sums import Sums, recycled_terms
from model.stages import SUPPLY_STAGES


@dataclass(frozen=True)
class StageShare:
    """Share of what `stage` handles that is in restricted countries (heavy elements only
    with `heavy`); `complement` gives 1 - that share instead (0 when nothing is handled)."""

    name: str
    stage: str
    heavy: bool = False
    complement: bool = False


@dataclass(frozen=True)
class TopCountry:
    """top_country_<stage> and top_country_share_<stage>."""

    stage: str


@dataclass(frozen=True)
class RecycledShare:
    """Recycled metal reaching magnet plants over all metal reaching them."""

    name: str = "recycled_share"


KPI_SPEC: tuple[StageShare | TopCountry | RecycledShare, ...] = (
    *(StageShare(f"restricted_share_{stage}", stage) for stage in SUPPLY_STAGES),
    *(TopCountry(stage) for stage in ("mine", "separation", "metal", "magnet")),
    StageShare("restricted_share_heavy_magnet", "magnet", heavy=True),
    StageShare("heavy_self_sufficiency", "magnet", heavy=True, complement=True),
    RecycledShare(),
)

# the figures sweeps, tornado and the frontier tabulate for every point
HEADLINE = (
    "objective_usd",
    "total_cost_usd",
    "risk_usd",
    "unmet_t",
    "restricted_share_mine",
    "restricted_share_separation",
    "restricted_share_metal",
    "restricted_share_magnet",
    "top_country_magnet",
    "top_country_share_magnet",
    "heavy_self_sufficiency",
    "recycled_share",
)


def _ratio(part: float, whole: float, complement: bool) -> float:
    if not whole:
        return 0.0
    return 1.0 - part / whole if complement else part / whole


def _leader(amounts: Mapping[str, float]) -> tuple[str, float]:
    """(country with the most, its share of the total); ('', 0) when nothing is handled."""
    whole = sum(amounts.values())
    if not whole:
        return "", 0.0
    top = min(amounts, key=lambda c: (-amounts[c], c))
    return top, amounts[top] / whole


def _figures(
    net: Network,
    by_country: Callable[[str, bool], Mapping[str, float]],
    recycled: Callable[[], tuple[float, float]],
) -> dict[str, Any]:
    """Every KPI of the spec from `by_country(stage, heavy)` (t handled per country) and
    `recycled()` (recycled, all metal into magnet plants): the one evaluation both ways share."""
    out: dict[str, Any] = {}
    for kpi in KPI_SPEC:
        if isinstance(kpi, StageShare):
            amounts = by_country(kpi.stage, kpi.heavy)
            part = sum(v for c, v in amounts.items() if c in net.restricted)
            out[kpi.name] = _ratio(part, sum(amounts.values()), kpi.complement)
        elif isinstance(kpi, TopCountry):
            top, share = _leader(by_country(kpi.stage, False))
            out[f"top_country_{kpi.stage}"] = top
            out[f"top_country_share_{kpi.stage}"] = share
        else:
            part, whole = recycled()
            out[kpi.name] = _ratio(part, whole, False)
    return out


def kpis_from_tables(net: Network, shares: pd.DataFrame, sums: Sums) -> dict[str, Any]:
    """The KPIs of a full solve: stage shares from its Shares table, recycling from the
    solution's sums (results.sums)."""

    def by_country(stage: str, heavy: bool) -> Mapping[str, float]:
        rows = shares[shares["stage"] == stage]
        if heavy:
            rows = rows[rows["element"].isin(net.heavy)]
        return rows.groupby("country")["t"].sum().to_dict()

    def recycled() -> tuple[float, float]:
        return (
            sums.of(("recycled",)),
            sums.of(("magnet_metal",)),
        )

    return _figures(net, by_country, recycled)


class KpiVectors:
    """The spec as vectors over an LP's columns: `figures(x)` evaluates every KPI of a primal
    solution x with dot products. `vector(terms)` maps terms to a column vector."""

    def __init__(self, net: Network, vector: Callable[[Iterable[Term]], np.ndarray]):
        self.net = net
        by_country: dict[str, list[str]] = defaultdict(list)
        for i, info in net.sites.items():
            by_country[info.country].append(i)
        stages = {k.stage for k in KPI_SPEC if not isinstance(k, RecycledShare)}
        heavy_stages = {k.stage for k in KPI_SPEC if isinstance(k, StageShare) and k.heavy}
        self.handled: dict[tuple[str, bool], dict[str, np.ndarray]] = {}
        for stage in stages:
            for heavy in {False, stage in heavy_stages}:
                elements = [e for e in net.elements if e in net.heavy] if heavy else net.elements
                self.handled[stage, heavy] = {
                    country: vector(
                        x
                        for e in elements
                        for t in net.years
                        for x in _stage_terms(net, stage, e, t, sites)
                    )
                    for country, sites in by_country.items()
                }
        part, whole = recycled_terms(net)
        self.recycled = vector(part)
        self.magnet_metal = vector(whole)

    def figures(self, x: np.ndarray) -> dict[str, Any]:
        """Every KPI of the spec for the primal solution x."""

        def by_country(stage: str, heavy: bool) -> Mapping[str, float]:
            return {c: float(v @ x) for c, v in self.handled[stage, heavy].items()}

        def recycled() -> tuple[float, float]:
            return float(self.recycled @ x), float(self.magnet_metal @ x)

        return _figures(self.net, by_country, recycled)
