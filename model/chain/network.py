"""Derive the sparse network from validated data: which arcs exist, in which years, at what cost.

Index letters: i/j sites, e element, g grade, s segment, t year, x item (an element or a grade),
c commodity. A flow key is f = (i, j, c, x, t): t tonnes of commodity c, item x, moved from
site i to site (or segment) j in year t. Arcs exist only where stages connect, lanes allow
them, both ends operate in year t and, for markets, a price exists:

    mine       -> separation          concentrate  (x = "concentrate")
    collection -> recycling           scrap        (x = "scrap")
    magnet     -> recycling           scrap        (x = grade g: swarf carries g's recipe)
    separation | recycling(oxide) | market -> metal        oxide  (x = element e)
    metal | recycling(metal) | market      -> magnet       metal  (x = element e)
    magnet | market                        -> segment      magnet (x = grade g the segment accepts)
    separation | metal | recycling | magnet -> market      what the market bids for (a sale)

Everything here is plain Python (dicts of lists); build.py turns it into Pyomo components.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from model.chain.agreements import (
    Contract,
    Stock,
    contract_prices,
    derive_contracts,
    derive_stocks,
)
from model.chain.compliance import derive_compliance
from model.chain.policies import PolicyLimit, derive_policies
from model.chain.projects import Project, derive_projects
from model.memory import collection_paused
from model.workbook.data import ChainData
from model.workbook.schema import (
    DEFAULT_CO2E_KG_PER_KG,
    DEFAULT_VALUE_AT_RISK_USD_PER_KG,
    MARKET_CO2E_KG_PER_KG,
)

Flow = tuple[str, str, str, str, int]


@dataclass(frozen=True)
class SiteInfo:
    """What the model needs to know of one site."""

    site: str
    stage: str
    country: str
    region: str
    cost_usd_per_kg: float
    incentive_usd_per_kg: float
    swarf_share: float
    output: str | None
    risk_score: float
    value_at_risk_usd_per_kg: float
    first_year: int
    last_year: int
    co2e_kg_per_kg: float = 0.0  # per kg of the capacity measure (markets: see market_co2e)
    esg_score: float = 0.0  # share of its output that meets ESG standards


@dataclass(frozen=True)
class SegmentInfo:
    segment: str
    region: str
    grades: tuple[str, ...]
    penalty_usd_per_kg: float


@dataclass
class Network:
    """Sparse sets and coefficients of one planning problem (see module docstring)."""

    years: list[int]
    discount: dict[int, float]
    elements: list[str]
    oxide_to_metal: dict[str, float]
    grades: list[str]
    recipe: dict[tuple[str, str], float]
    sites: dict[str, SiteInfo]
    segments: dict[str, SegmentInfo]
    site_years: dict[str, list[int]]
    cap_t: dict[tuple[str, int], float]
    demand_t: dict[tuple[str, int], float]
    composition: dict[tuple[str, str], float]
    recovery: dict[tuple[str, str], float]
    risk_weight: float = 0.0
    carbon_price_usd_per_t: float = 0.0
    restricted: set[str] = field(default_factory=set)
    heavy: set[str] = field(default_factory=set)
    flows: list[Flow] = field(default_factory=list)
    # per-flow unit costs (USD/kg == kUSD/t), only where non-zero
    transport: dict[Flow, float] = field(default_factory=dict)
    tariff: dict[Flow, float] = field(default_factory=dict)
    purchase: dict[Flow, float] = field(default_factory=dict)
    # d(tariff)/d(price) on arcs out of markets: tariff rows in force whose customs value is
    # the market price (blank customs_value_usd_per_kg)
    price_duty_rate: dict[Flow, float] = field(default_factory=dict)
    sale: dict[Flow, float] = field(default_factory=dict)
    # sparse lookups for the balances
    inflows: dict[tuple[str, int], list[Flow]] = field(default_factory=lambda: defaultdict(list))
    outflows: dict[tuple[str, int], list[Flow]] = field(default_factory=lambda: defaultdict(list))
    shipped: dict[tuple[str, str, str, int], list[Flow]] = field(
        default_factory=lambda: defaultdict(list)
    )
    yields: dict[tuple[str, str, int], list[tuple[Flow, float]]] = field(default_factory=dict)
    make: list[tuple[str, str, int]] = field(default_factory=list)
    make_by_site: dict[tuple[str, int], list[tuple[str, str, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    market_caps: dict[tuple[str, str, str, int], float] = field(default_factory=dict)
    # caps on what a market buys at its bid (MarketPrices.bid_max_t)
    sale_caps: dict[tuple[str, str, str, int], float] = field(default_factory=dict)
    # emissions: kg CO2e per kg moved on an arc (transport), and per kg bought from a market
    transport_co2e: dict[Flow, float] = field(default_factory=dict)
    market_co2e: dict[tuple[str, str, str, int], float] = field(default_factory=dict)
    # capacity projects (chain.projects) and, per (site, year), the (project, online year)
    # builds whose capacity is there
    projects: list[Project] = field(default_factory=list)
    expansions: dict[tuple[str, int], list[tuple[str, int]]] = field(default_factory=dict)
    # everything that decides the arcs (chain.network.reprice shares arcs when it is equal)
    arc_basis: tuple = ()
    # planner's rules (chain.policies, chain.agreements, chain.compliance)
    policies: list[PolicyLimit] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    contract_price: dict[tuple[str, int], float] = field(default_factory=dict)
    stocks: dict[tuple[str, str], Stock] = field(default_factory=dict)
    compliant_segments: dict[str, set[int]] = field(default_factory=dict)
    compliant_flows: list[Flow] = field(default_factory=list)
    compliant_sites: set[tuple[str, int]] = field(default_factory=set)
    prices: dict[tuple[str, str, str, int], dict[str, float | None]] = field(default_factory=dict)

    def stage(self, i: str) -> str:
        return self.sites[i].stage

    def output_form(self, i: str) -> str:
        """oxide or metal: what processing site i makes (separation: oxide; metal: metal;
        recycling: its `output`)."""
        info = self.sites[i]
        if info.stage == "recycling":
            return info.output or "oxide"
        return "oxide" if info.stage == "separation" else "metal"

    @cached_property
    def sites_by_stage(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for i, info in self.sites.items():
            out[info.stage].append(i)
        return out

    @cached_property
    def site_years_set(self) -> dict[str, set[int]]:
        return {i: set(ys) for i, ys in self.site_years.items()}

    def risk_usd_per_kg(self, i: str) -> float:
        """Risk per kg handled at site i: its risk score x its value at risk."""
        info = self.sites[i]
        return info.risk_score * info.value_at_risk_usd_per_kg

    def landed_price(self, f: Flow, price: float) -> float:
        """USD/kg that a kg bought on arc f out of a market costs at ask `price`: the price
        and the duty on it, the purchases and tariffs cost components of f together:

            price x (1 + duty_rate_f) + fixed_duty_f

        duty_rate_f sums tariff_pct/100 of the rows in force whose customs value is the
        price (blank customs_value_usd_per_kg); fixed_duty_f those with a declared value."""
        rate = self.price_duty_rate.get(f, 0.0)
        fixed = self.tariff.get(f, 0.0) - rate * self.purchase.get(f, 0.0)
        return price * (1.0 + rate) + fixed

    def region(self, node: str) -> str:
        """Region of a site or a segment."""
        if node in self.sites:
            return self.sites[node].region
        return self.segments[node].region

    def contents(self, f: Flow) -> list[tuple[str, float]]:
        """(element, content) with content > 0 for what flow f carries; the same for every
        flow with f's origin, commodity and item, so it is worked out once for each."""
        key = (f[0], f[2], f[3])
        found = self._contents.get(key)
        if found is None:
            found = self._contents[key] = [
                (e, c) for e in self.elements if (c := self.content(f, e)) > 0
            ]
        return found

    @cached_property
    def _contents(self) -> dict[tuple[str, str, str], list[tuple[str, float]]]:
        return {}

    def content(self, f: Flow, e: str) -> float:
        """kg of element e per kg carried by flow f (oxide/metal mass of e, or the recipe)."""
        i, _j, c, x, _t = f
        if c in ("oxide", "metal"):
            return 1.0 if x == e else 0.0
        if c == "concentrate" or (c == "scrap" and x == "scrap"):
            return self.composition.get((i, e), 0.0)
        return self.recipe.get((x, e), 0.0)  # magnets and swarf carry their grade's recipe


def build_network(data: ChainData) -> Network:
    """Sparse arcs, years, capacities and unit costs of the chain described by `data`."""
    with collection_paused():  # millions of arcs, lists and terms, none of them garbage
        net = _numbers(data)
        _add_arcs(net, data)
        _derive_rules(data, net)
        return net


def reprice(template: Network, data: ChainData) -> Network | None:
    """The network of `data` on the arcs of `template` (its flows, lookups and yields, shared,
    not copied), when nothing that decides the arcs differs (Network.arc_basis: operating
    years, which prices and bids exist, lanes, compositions, recoveries, recipes...); else
    None. A what-if that only moves numbers (costs, prices, capacities, demand, policy values,
    tariffs) is derived this way without enumerating the arcs again."""
    with collection_paused():
        net = _numbers(data)
        if net.arc_basis != template.arc_basis:
            return None
        for name in ARC_FIELDS:
            setattr(net, name, getattr(template, name))
        pricer = _ArcPricer(net, data)
        for f in net.flows:
            pricer.price(f)
        _market_figures(net)
        _derive_rules(data, net)
        return net


# what reprice shares with its template: the arcs and every lookup made from them
ARC_FIELDS = ("flows", "inflows", "outflows", "shipped", "yields", "make", "make_by_site")


def _derive_rules(data: ChainData, net: Network) -> None:
    """Policies, contracts (and their prices), stocks and the compliant subnetwork."""
    net.policies = derive_policies(data, net)
    net.contracts = derive_contracts(data, net)
    net.contract_price = contract_prices(net.contracts)
    net.stocks = derive_stocks(data)
    derive_compliance(data, net)


def _numbers(data: ChainData) -> Network:
    """Everything of the network but its arcs: sites, years, capacities, demand, prices,
    projects; and `arc_basis`, what decides the arcs."""
    st = data.settings
    years = data.years
    first, last = years[0], years[-1]
    rate = st["discount_rate"] or 0.0
    t_ = data.tables
    countries = {r["country"]: r for r in t_["Countries"].to_dict("records")}
    elements = [e for e in t_["Elements"]["element"]]
    otm = dict(zip(t_["Elements"]["element"], t_["Elements"]["oxide_to_metal"], strict=True))
    recipe = {
        (r["grade"], r["element"]): r["kg_per_kg"]
        for r in t_["Grades"].to_dict("records")
        if r["element"] in otm
    }
    grades = list(dict.fromkeys(t_["Grades"]["grade"]))

    sites: dict[str, SiteInfo] = {}
    for r in t_["Sites"].to_dict("records"):
        country = countries[r["country"]]
        risk = r["risk_score"] if r["risk_score"] is not None else country["risk_score"]
        var = r["value_at_risk_usd_per_kg"]
        co2e = r["co2e_kg_per_kg"]
        esg = r["esg_score"] if r["esg_score"] is not None else country["esg_score"]
        sites[r["site"]] = SiteInfo(
            site=r["site"],
            stage=r["stage"],
            country=r["country"],
            region=country["region"],
            cost_usd_per_kg=r["cost_usd_per_kg"] or 0.0,
            incentive_usd_per_kg=r["incentive_usd_per_kg"] or 0.0,
            swarf_share=r["swarf_share"] or 0.0,
            output=r["output"],
            risk_score=risk or 0.0,
            value_at_risk_usd_per_kg=var
            if var is not None
            else DEFAULT_VALUE_AT_RISK_USD_PER_KG[r["stage"]],
            first_year=r["first_year"] if r["first_year"] is not None else first,
            last_year=r["last_year"] if r["last_year"] is not None else last,
            co2e_kg_per_kg=co2e if co2e is not None else DEFAULT_CO2E_KG_PER_KG[r["stage"]],
            esg_score=esg or 0.0,
        )
    projects = derive_projects(data)
    # a site a project can expand operates from the project's first year online, even with
    # no capacity of its own
    expandable_from: dict[str, int] = {}
    for project in projects:
        start = project.online_years[0]
        expandable_from[project.site] = min(expandable_from.get(project.site, start), start)
    base_cap = dict(zip(t_["Sites"]["site"], t_["Sites"]["capacity_t"], strict=True))
    cap_override = {
        (r["site"], r["year"]): r["capacity_t"] for r in t_["Capacity"].to_dict("records")
    }
    cap_t: dict[tuple[str, int], float] = {}
    site_years: dict[str, list[int]] = {}
    for i, info in sites.items():
        active = []
        for t in years:
            if not info.first_year <= t <= info.last_year:
                continue
            cap = cap_override.get((i, t), base_cap[i])
            if info.stage == "market":
                if cap is not None:
                    cap_t[i, t] = cap
                active.append(t)
            elif (cap is not None and cap > 0) or t >= expandable_from.get(i, last + 1):
                cap_t[i, t] = cap or 0.0
                active.append(t)
        site_years[i] = active

    default_penalty = st["unmet_penalty_usd_per_kg"]
    segments = {
        r["segment"]: SegmentInfo(
            segment=r["segment"],
            region=r["region"],
            grades=tuple(dict.fromkeys(g for g in r["grades"] if g in set(grades))),
            penalty_usd_per_kg=r["unmet_penalty_usd_per_kg"]
            if r["unmet_penalty_usd_per_kg"] is not None
            else default_penalty,
        )
        for r in t_["Segments"].to_dict("records")
    }
    demand_t = {
        (r["segment"], r["year"]): r["demand_t"]
        for r in t_["Demand"].to_dict("records")
        if first <= r["year"] <= last
    }
    composition = {
        (r["site"], r["element"]): r["share"] for r in t_["Composition"].to_dict("records")
    }
    recovery = {(r["site"], r["element"]): r["recovery"] for r in t_["Recovery"].to_dict("records")}

    net = Network(
        years=years,
        discount={t: (1.0 + rate) ** -(t - first) for t in years},
        elements=elements,
        oxide_to_metal=otm,
        grades=grades,
        recipe=recipe,
        sites=sites,
        segments=segments,
        site_years=site_years,
        cap_t=cap_t,
        demand_t=demand_t,
        composition=composition,
        recovery=recovery,
    )
    net.risk_weight = st["risk_weight"] or 0.0
    net.carbon_price_usd_per_t = st["carbon_price_usd_per_t"] or 0.0
    net.restricted = {c for c, r in countries.items() if r["restricted"]}
    net.heavy = {r["element"] for r in t_["Elements"].to_dict("records") if r["class"] == "heavy"}
    net.prices = _market_prices(data, years)
    net.projects = projects
    for project in projects:
        for y, t in project.in_service(years):
            net.expansions.setdefault((project.site, t), []).append((project.project, y))
    listed, lanes = _lanes(data)
    net.arc_basis = (
        site_years,
        {k: (v["price"] is not None, v["bid"] is not None) for k, v in net.prices.items()},
        {s: g.grades for s, g in segments.items()},
        list(demand_t),
        composition,
        recovery,
        recipe,
        otm,
        {i: (x.stage, x.output, x.swarf_share, x.country, x.region) for i, x in sites.items()},
        (listed, list(lanes)),
        net.restricted,
        [(r["segment"], r["requires_compliant"], r["compliant_from_year"])
         for r in t_["Segments"].to_dict("records")],
    )  # fmt: skip
    return net


def _market_prices(
    data: ChainData, years: list[int]
) -> dict[tuple[str, str, str, int], dict[str, float | None]]:
    """(market, commodity, item, year) -> {price, max_t, bid}; a year row overrides a blank one."""
    prices: dict[tuple[str, str, str, int], dict[str, float | None]] = {}
    rows = data.tables["MarketPrices"].to_dict("records")
    for specific in (False, True):
        for r in rows:
            if (r["year"] is not None) != specific:
                continue
            for t in [r["year"]] if specific else years:
                if t in years:
                    co2e = r["co2e_kg_per_kg"]
                    prices[r["site"], r["commodity"], r["item"], t] = {
                        "price": r["price_usd_per_kg"],
                        "max_t": r["max_t"],
                        "bid": r["bid_usd_per_kg"],
                        "bid_max_t": r["bid_max_t"],
                        "co2e": co2e if co2e is not None else MARKET_CO2E_KG_PER_KG[r["commodity"]],
                    }
    return prices


def _lanes(data: ChainData) -> tuple[set[str], dict[tuple[str, str], Any]]:
    """Sites that list lanes, and the allowed (from, to) pairs with their transport override."""
    listed: set[str] = set()
    allowed: dict[tuple[str, str], Any] = {}
    for r in data.tables["Lanes"].to_dict("records"):
        listed.add(r["from_site"])
        if r["allowed"] is None or r["allowed"]:
            allowed[r["from_site"], r["to_site"]] = r["usd_per_kg"]
    return listed, allowed


class _ArcPricer:
    """The unit costs of arcs: market prices and bids, transport (and its CO2e) and tariffs,
    with what depends on a pair of sites worked out once per pair."""

    def __init__(self, net: Network, data: ChainData):
        self.net = net
        _listed, self.lanes = _lanes(data)
        transport = data.tables["Transport"].to_dict("records")
        self.transport_table = {
            (r["from_region"], r["to_region"]): r["usd_per_kg"] for r in transport
        }
        self.co2e_table = {
            (r["from_region"], r["to_region"]): r["co2e_kg_per_kg"] for r in transport
        }
        self.default_transport = data.settings["default_transport_usd_per_kg"] or 0.0
        self.default_co2e = data.settings["default_transport_co2e_kg_per_kg"] or 0.0
        self.tariffs = data.tables["Tariffs"].to_dict("records")
        self._pairs: dict[tuple[str, str, str], tuple[float, float, list[dict]]] = {}

    def pair(self, i: str, j: str, c: str) -> tuple[float, float, list[dict]]:
        """(transport USD/kg, transport kg CO2e/kg, tariff rows) of moving c from i to j."""
        found = self._pairs.get((i, j, c))
        if found is None:
            found = self._pairs[i, j, c] = (
                self.transport_cost(i, j),
                self.transport_co2e(i, j),
                self.tariff_rows(i, j, c),
            )
        return found

    def transport_cost(self, i: str, j: str) -> float:
        if (i, j) in self.lanes and self.lanes[i, j] is not None:
            return self.lanes[i, j]
        ri, rj = self.net.region(i), self.net.region(j)
        if (ri, rj) in self.transport_table:
            return self.transport_table[ri, rj]
        return 0.0 if ri == rj else self.default_transport

    def transport_co2e(self, i: str, j: str) -> float:
        """kg CO2e per kg moved from i to j: the region pair's, else the default between
        regions (0 within one region unless listed)."""
        ri, rj = self.net.region(i), self.net.region(j)
        listed = self.co2e_table.get((ri, rj))
        if listed is not None:
            return listed
        return 0.0 if ri == rj else self.default_co2e

    def tariff_rows(self, i: str, j: str, c: str) -> list[dict]:
        """Tariff rows that apply to moving commodity c from site i into j's region."""
        src, to_region = self.net.sites[i], self.net.region(j)
        if src.region == to_region:
            return []
        return [
            r
            for r in self.tariffs
            if r["to_region"] == to_region
            and r["from_country"] in (src.country, "*")
            and r["commodity"] in (c, "*")
        ]

    @staticmethod
    def duty(rows: list[dict], t: int, price: float | None) -> tuple[float, float]:
        """(sum of tariff_pct/100 x customs value of the rows in force, the part of that rate
        charged on the market price: rows whose customs value is blank)."""
        total = rate = 0.0
        for r in rows:
            if r["first_year"] is not None and t < r["first_year"]:
                continue
            if r["last_year"] is not None and t > r["last_year"]:
                continue
            value = r["customs_value_usd_per_kg"]
            if value is None:
                value = price or 0.0
                rate += r["tariff_pct"] / 100.0
            total += r["tariff_pct"] / 100.0 * value
        return total, rate

    def price(self, f: Flow) -> None:
        """Set arc f's purchase price, sale bid, transport, transport CO2e and tariff."""
        net = self.net
        i, j, c, x, t = f
        transport, co2e, rows = self.pair(i, j, c)
        price = None
        if net.stage(i) == "market":
            price = net.prices[i, c, x, t]["price"]
            net.purchase[f] = price
        if j in net.sites and net.stage(j) == "market":
            net.sale[f] = net.prices[j, c, x, t]["bid"]
        if transport:
            net.transport[f] = transport
        if co2e:
            net.transport_co2e[f] = co2e
        if rows:
            value, rate = self.duty(rows, t, price)
            if value:
                net.tariff[f] = value
            if rate and price is not None:
                net.price_duty_rate[f] = rate


def _add_arcs(net: Network, data: ChainData) -> None:
    """Fill net.flows and every lookup the balances need (see the module docstring)."""
    listed, lanes = _lanes(data)
    pricer = _ArcPricer(net, data)
    by_stage: dict[str, list[str]] = defaultdict(list)
    for i, info in net.sites.items():
        by_stage[info.stage].append(i)
    years_of = {i: set(ys) for i, ys in net.site_years.items()}
    seg_years = defaultdict(set)
    for s, t in net.demand_t:
        seg_years[s].add(t)

    def lane_ok(i: str, j: str) -> bool:
        return i not in listed or (i, j) in lanes

    def connect(i: str, j: str, c: str, items: list[str], j_years: set[int]) -> None:
        """Arcs (i, j, c, x, t) for every item and common operating year (a market's only
        where it sells or bids for the item then), priced as they are made."""
        if i == j or not lane_ok(i, j):
            return
        from_market = net.stage(i) == "market"
        to_market = j in net.sites and net.stage(j) == "market"
        years = sorted(years_of[i] & j_years)
        outflows, inflows, shipped = net.outflows, net.inflows, net.shipped
        for x in items:
            for t in years:
                if from_market:
                    p = net.prices.get((i, c, x, t))
                    if p is None or p["price"] is None:
                        continue
                if to_market:
                    q = net.prices.get((j, c, x, t))
                    if q is None or q["bid"] is None:
                        continue
                f = (i, j, c, x, t)
                net.flows.append(f)
                outflows[i, t].append(f)
                inflows[j, t].append(f)
                shipped[i, c, x, t].append(f)
                pricer.price(f)

    avail = _availability(net, by_stage, lane_ok)
    makeable = {
        m: [
            g
            for g in net.grades
            if all(e in avail[m] for (gg, e), k in net.recipe.items() if gg == g and k > 0)
        ]
        for m in by_stage["magnet"]
    }
    markets = by_stage["market"]
    for i in by_stage["mine"]:
        for j in by_stage["separation"]:
            connect(i, j, "concentrate", ["concentrate"], years_of[j])
    for i in by_stage["collection"]:
        for j in by_stage["recycling"]:
            connect(i, j, "scrap", ["scrap"], years_of[j])
    for m in by_stage["magnet"]:
        if net.sites[m].swarf_share > 0:
            for j in by_stage["recycling"]:
                connect(m, j, "scrap", makeable[m], years_of[j])
    oxide_sources = by_stage["separation"] + [
        r for r in by_stage["recycling"] if net.sites[r].output == "oxide"
    ]
    metal_sources = by_stage["metal"] + [
        r for r in by_stage["recycling"] if net.sites[r].output == "metal"
    ]
    for i in oxide_sources:
        for j in by_stage["metal"]:
            connect(i, j, "oxide", sorted(avail[i]), years_of[j])
    for i in metal_sources:
        for j in by_stage["magnet"]:
            connect(i, j, "metal", sorted(avail[i]), years_of[j])
    for p in markets:
        for j in by_stage["metal"]:
            connect(p, j, "oxide", net.elements, years_of[j])
        for j in by_stage["magnet"]:
            connect(p, j, "metal", net.elements, years_of[j])
    for s, seg in net.segments.items():
        for m in by_stage["magnet"]:
            connect(m, s, "magnet", [g for g in seg.grades if g in makeable[m]], seg_years[s])
        for p in markets:
            connect(p, s, "magnet", list(seg.grades), seg_years[s])
    for p in markets:
        for i in oxide_sources:
            connect(i, p, "oxide", sorted(avail[i]), years_of[p])
        for i in metal_sources:
            connect(i, p, "metal", sorted(avail[i]), years_of[p])
        for m in by_stage["magnet"]:
            connect(m, p, "magnet", makeable[m], years_of[p])

    for m in by_stage["magnet"]:
        for t in net.site_years[m]:
            for g in makeable[m]:
                net.make.append((m, g, t))
                net.make_by_site[m, t].append((m, g, t))
    _add_yields(net, by_stage)
    _market_figures(net)


def _market_figures(net: Network) -> None:
    """Caps on purchases and sales, and embodied CO2e, per market item and year."""
    for (p, c, x, t), info in net.prices.items():
        if info["max_t"] is not None and info["price"] is not None:
            net.market_caps[p, c, x, t] = info["max_t"]
        if info["bid_max_t"] is not None and info["bid"] is not None:
            net.sale_caps[p, c, x, t] = info["bid_max_t"]
        if info["price"] is not None and info["co2e"]:
            net.market_co2e[p, c, x, t] = info["co2e"]


def _availability(net: Network, by_stage: dict[str, list[str]], lane_ok) -> dict[str, set[str]]:
    """Elements each site can ever hold, to avoid arcs that could only carry zero."""
    avail: dict[str, set[str]] = {}
    rec = net.recovery

    def recovered(j: str, elements: set[str]) -> set[str]:
        return {e for e in elements if rec.get((j, e), 1.0) > 0}

    for i in by_stage["mine"] + by_stage["collection"]:
        avail[i] = {e for e in net.elements if net.composition.get((i, e), 0.0) > 0}
    for j in by_stage["separation"]:
        got = set().union(*[avail[i] for i in by_stage["mine"] if lane_ok(i, j)])
        avail[j] = recovered(j, got)
    recipe_elements = {e for (_g, e), k in net.recipe.items() if k > 0}
    for j in by_stage["recycling"]:
        got = set().union(*[avail[i] for i in by_stage["collection"] if lane_ok(i, j)])
        if any(net.sites[m].swarf_share > 0 and lane_ok(m, j) for m in by_stage["magnet"]):
            got |= recipe_elements
        avail[j] = recovered(j, got)
    market_items = defaultdict(set)
    for (p, c, x, _t), info in net.prices.items():
        if info["price"] is not None:
            market_items[p, c].add(x)
    oxide_sources = by_stage["separation"] + [
        r for r in by_stage["recycling"] if net.sites[r].output == "oxide"
    ]
    for j in by_stage["metal"]:
        got = set().union(*[avail[i] for i in oxide_sources if lane_ok(i, j)])
        for p in by_stage["market"]:
            if lane_ok(p, j):
                got |= market_items[p, "oxide"]
        avail[j] = recovered(j, got)
    metal_sources = by_stage["metal"] + [
        r for r in by_stage["recycling"] if net.sites[r].output == "metal"
    ]
    for m in by_stage["magnet"]:
        got = set().union(*[avail[i] for i in metal_sources if lane_ok(i, m)])
        for p in by_stage["market"]:
            if lane_ok(p, m):
                got |= market_items[p, "metal"]
        avail[m] = got
    return avail


def _add_yields(net: Network, by_stage: dict[str, list[str]]) -> None:
    """net.yields[i, e, t]: terms (f, coef) whose sum is processor i's output of e in year t.

    separation j:  oxide_e   = sum_f comp[mine, e] * rec[j, e] * F_f      (f: concentrate in)
    metal k:       metal_e   = sum_f otm[e] * rec[k, e] * F_f             (f: oxide e in)
    recycling r:   out_e     = sum_f content_f[e] * rec[r, e] * F_f / (otm[e] if oxide else 1)
    """
    for i in by_stage["separation"] + by_stage["metal"] + by_stage["recycling"]:
        info = net.sites[i]
        factor = {}
        for e in net.elements:
            coef = net.recovery.get((i, e), 1.0)
            if info.stage == "metal":
                coef *= net.oxide_to_metal[e]
            elif info.stage == "recycling" and info.output == "oxide":
                coef /= net.oxide_to_metal[e]
            factor[e] = coef
        for t in net.site_years[i]:
            for f in net.inflows.get((i, t), []):
                for e, content in net.contents(f):
                    coef = content * factor[e]
                    if coef > 0:
                        net.yields.setdefault((i, e, t), []).append((f, coef))
