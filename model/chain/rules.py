"""Derive the planner's rules from validated data: policy limits, contracts, stocks and the
compliant-chain subnetwork. Plain Python, like network.py, which calls `derive_rules`."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.workbook.data import ChainData

if TYPE_CHECKING:
    from model.chain.network import Flow, Network


@dataclass(frozen=True)
class PolicyLimit:
    """One policy in one year (and, for country '*', one country).

    key = (policy, country or '', year). sense: '<=' (max share, ban) or '>=' (min share).
    The constraint is  group - value x total  (sense)  0,  relaxed by Violation[key] when soft.
    """

    key: tuple[str, str, int]
    policy: str
    type: str
    stage: str | None
    elements: tuple[str, ...]
    country: str | None
    region: str | None
    value: float
    penalty_usd_per_kg: float | None
    row: int

    @property
    def year(self) -> int:
        return self.key[2]

    @property
    def sense(self) -> str:
        return ">=" if self.type in ("min_region_share", "min_recycled_share") else "<="

    @property
    def soft(self) -> bool:
        return self.penalty_usd_per_kg is not None


@dataclass(frozen=True)
class Contract:
    """An offtake agreement on a site's throughput (its capacity measure) in given years."""

    contract: str
    site: str
    years: tuple[int, ...]
    min_t: float | None
    max_t: float | None
    price_usd_per_kg: float | None
    binding: bool

    def unit_price(self, site_cost_usd_per_kg: float) -> float:
        """What a kg taken (or paid for and not taken) costs: the contract price, else the
        site's own cost."""
        if self.price_usd_per_kg is None:
            return site_cost_usd_per_kg
        return self.price_usd_per_kg


@dataclass(frozen=True)
class Stock:
    """A stock of element e held at site i (its output, or for magnet plants its metal input)."""

    site: str
    element: str
    initial_t: float
    min_t: float
    max_t: float | None
    holding_usd_per_kg_yr: float


def _years(first: int | None, last: int | None, horizon: list[int]) -> list[int]:
    return [t for t in horizon if (first is None or t >= first) and (last is None or t <= last)]


def derive_rules(data: ChainData, net: Network) -> None:
    """Fill net.policies, net.contracts, net.stocks and the compliance sets."""
    net.policies = _policies(data, net)
    net.contracts = [
        Contract(
            contract=r["contract"],
            site=r["site"],
            years=tuple(
                t
                for t in _years(r["first_year"], r["last_year"], net.years)
                if t in set(net.site_years[r["site"]])
            ),
            min_t=r["min_t"],
            max_t=r["max_t"],
            price_usd_per_kg=r["price_usd_per_kg"],
            binding=bool(r["binding"]) if r["binding"] is not None else True,
        )
        for r in data.tables["Contracts"].to_dict("records")
    ]
    net.contract_price = {
        (k.site, t): k.price_usd_per_kg
        for k in net.contracts
        if k.price_usd_per_kg is not None
        for t in k.years
    }
    net.stocks = {
        (r["site"], r["element"]): Stock(
            site=r["site"],
            element=r["element"],
            initial_t=r["initial_t"] or 0.0,
            min_t=r["min_t"] or 0.0,
            max_t=r["max_t"],
            holding_usd_per_kg_yr=r["holding_usd_per_kg_yr"] or 0.0,
        )
        for r in data.tables["Stocks"].to_dict("records")
    }
    _compliance(data, net)


def _policies(data: ChainData, net: Network) -> list[PolicyLimit]:
    limits = []
    countries_at: dict[str, set[str]] = {}
    for info in net.sites.values():
        stages = {info.stage}
        if info.stage == "market":  # a market counts at its own stage and at what it sells
            stages = {"market", "separation", "metal", "magnet"}
        for stage in stages:
            countries_at.setdefault(stage, set()).add(info.country)
    for r in data.tables["Policies"].to_dict("records"):
        elements = (r["element"],) if r["element"] else tuple(net.elements)
        if r["type"] == "max_country_share" and r["country"] == "*":
            countries = sorted(countries_at.get(r["stage"], ()))
        else:
            countries = [r["country"]]
        for t in _years(r["first_year"], r["last_year"], net.years):
            for country in countries:
                limits.append(
                    PolicyLimit(
                        key=(r["policy"], country or "", t),
                        policy=r["policy"],
                        type=r["type"],
                        stage=r["stage"],
                        elements=elements,
                        country=country,
                        region=r["region"],
                        value=r["value"] if r["value"] is not None else 0.0,
                        penalty_usd_per_kg=r["penalty_usd_per_kg"],
                        row=r["_row"],
                    )
                )
    return limits


def _compliance(data: ChainData, net: Network) -> None:
    """Arcs that may carry compliant material to a segment that requires it, and the years.

    A segment requiring compliance from compliant_from_year (blank = first year) takes only
    compliant magnets then. Walking back from it along that year's arcs, only sites outside
    restricted countries can pass compliance on; their arcs form the compliant subnetwork.
    """
    net.compliant_segments = {}
    for r in data.tables["Segments"].to_dict("records"):
        if r["requires_compliant"]:
            start = r["compliant_from_year"] or net.years[0]
            net.compliant_segments[r["segment"]] = {
                t for (s, t) in net.demand_t if s == r["segment"] and t >= start
            }
    net.compliant_flows = []
    net.compliant_sites = set()
    if not net.compliant_segments:
        return
    restricted = net.restricted
    seen_flows: set[Flow] = set()
    for s, years in net.compliant_segments.items():
        for t in years:
            queue = deque([s])
            reached = {s}
            while queue:
                j = queue.popleft()
                for f in net.inflows.get((j, t), ()):
                    i = f[0]
                    if net.sites[i].country in restricted:
                        continue
                    if f not in seen_flows:
                        seen_flows.add(f)
                        net.compliant_flows.append(f)
                    net.compliant_sites.add((i, t))
                    if i not in reached:
                        reached.add(i)
                        queue.append(i)
