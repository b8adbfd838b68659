"""The flows of a solution, aggregated for the report's Sankey and map so that even an L
network (hundreds of sites, thousands of flows a year) draws at once.

Sankey: one column of nodes per stage, mine -> separation -> metal -> magnet -> segment, with
collectors, recyclers and markets where they feed in; values are t of metal equivalent of
the chosen element (or of all tracked elements), from the ElementFlows sheet. A stage with
at most MAX_NODES sites shows each site; a larger one shows one node per country, and past
MAX_NODES countries the smallest fold into "other". Segments fold the same way. A market
that both sells and buys is two nodes (bought from / sold to), and swarf that magnet plants
send to recyclers enters as its own source, so the diagram has no loops.

Map: each site at its lat/lon (or near its country's centre, report.geo) sized by what it
handles in the year; lines for the chosen element's flows between sites. When a year has more
than MAX_LINES site pairs, lines join country centres instead (flows summed per pair of
countries; flows within one country are then not drawn). Flows into segments are not on the
map (segments have no place).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from model.report.colours import STAGE_COLOURS, country_colour, rgba, stage_colour
from model.report.geo import country_centre, place_sites
from model.report.solution_reader import SolutionBook

MAX_NODES = 10
MAX_LINES = 150
ALL = "all tracked elements"
NODE_ORDER = ("mine", "collection", "swarf", "market", "separation", "recycling", "metal")
NODE_ORDER += ("magnet", "sold", "segment")
LINE_WIDTHS = ((0.5, 7.0), (0.15, 4.5), (0.03, 2.5), (0.0, 1.2))  # share of the year's largest


@dataclass
class Node:
    key: str
    label: str
    kind: str  # a stage, "swarf", "sold" or "segment": its column
    country: str = ""
    grouped: bool = False  # stands for several sites (or segments)

    @property
    def colour(self) -> str:
        if self.kind == "segment":
            return STAGE_COLOURS["segment"]
        if self.kind == "swarf":
            return stage_colour("recycling")
        return country_colour(self.country) if self.country else stage_colour(self.kind)


@dataclass
class FlowData:
    """Everything the report's flow section draws, keyed by 'element|year'."""

    unit: str
    elements: list[str]
    years: list[int]
    sankey: dict[str, dict] = field(default_factory=dict)
    map_lines: dict[str, list[dict]] = field(default_factory=dict)
    map_sites: dict[str, list[dict]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    sankey_nodes: int = 0  # largest node count of any one diagram


@dataclass
class SiteInfo:
    """Name, country and stage of every site (plain dicts: looked up thousands of times),
    and the (site, country, lat, lon) rows the map places."""

    names: dict[str, str]
    countries: dict[str, str]
    stages: dict[str, str]
    places: list[tuple]

    def name(self, site: str) -> str:
        return self.names.get(site, str(site))

    def country(self, site: str) -> str:
        return self.countries.get(site, "")

    def stage(self, site: str) -> str:
        return self.stages.get(site, "")


def _site_info(book: SolutionBook) -> SiteInfo:
    """One row per site: name, stage, country, lat, lon (from Sites; Flows for the rest)."""
    sites = book.table("Sites")
    columns = ["site", "name", "stage", "country", "lat", "lon"]
    if sites.empty:
        info = pd.DataFrame(columns=columns)
    else:
        info = sites.reindex(columns=columns).drop_duplicates("site")
    flows = book.table("Flows")
    if not flows.empty and "from_country" in flows:
        extra = flows[~flows["from"].isin(info["site"])].drop_duplicates("from")
        if len(extra):
            more = pd.DataFrame(
                {
                    "site": extra["from"],
                    "name": extra["from"],
                    "stage": extra["stage"],
                    "country": extra["from_country"],
                }
            )
            info = pd.concat([info, more.reindex(columns=columns)], ignore_index=True)
    info["name"] = info["name"].where(info["name"].notna() & (info["name"] != ""), info["site"])
    return SiteInfo(
        dict(zip(info["site"], info["name"].astype(str), strict=True)),
        dict(zip(info["site"], info["country"].fillna("").astype(str), strict=True)),
        dict(zip(info["site"], info["stage"].fillna("").astype(str), strict=True)),
        list(zip(info["site"], info["country"].astype(str), info["lat"], info["lon"], strict=True)),
    )


def _moves(book: SolutionBook) -> tuple[pd.DataFrame, str, list[str]]:
    """(from, to, stage, to_stage, element, year, value) rows, their unit and the element
    options: per element from ElementFlows, else all of Flows in t of product."""
    flows = book.table("ElementFlows")
    keep = ["from", "to", "stage", "to_stage", "element", "year", "value"]
    if not flows.empty and "metal_eq_t" in flows:
        moves = flows.rename(columns={"metal_eq_t": "value"})[keep]
        elements = list(dict.fromkeys(moves["element"]))
        total = moves.groupby(
            ["from", "to", "stage", "to_stage", "year"], as_index=False, sort=False
        )["value"].sum()
        total["element"] = ALL
        moves = pd.concat([total[keep], moves], ignore_index=True)
        return moves, "t metal equivalent", [ALL, *elements]
    flows = book.table("Flows")
    if flows.empty:
        return pd.DataFrame(columns=keep), "t", [ALL]
    moves = flows.rename(columns={"t": "value"}).assign(element=ALL)[keep]
    return moves, "t of product (this workbook has no ElementFlows sheet)", [ALL]


def _grouping(
    totals: pd.Series, info: SiteInfo, stage: str, segment: bool = False
) -> dict[str, Node]:
    """Node of every site (or segment) of one stage: itself, its country or 'other'."""
    names = list(totals.sort_values(ascending=False).index)
    if len(names) <= MAX_NODES:
        out = {}
        for n in names:
            if segment:
                out[n] = Node(f"segment:{n}", str(n), "segment")
            else:
                out[n] = Node(f"site:{n}", info.name(n), stage, info.country(n))
        return out
    if segment:
        top = names[: MAX_NODES - 1]
        other = Node(
            "segment:other", f"other segments ({len(names) - len(top)})", "segment", "", True
        )
        return {n: Node(f"segment:{n}", str(n), "segment") if n in top else other for n in names}
    country = {n: info.country(n) for n in names}
    by_country = totals.groupby(pd.Series(country)).sum().sort_values(ascending=False)
    counts = pd.Series(country).value_counts()
    top = list(by_country.index[: MAX_NODES - 1]) if len(by_country) > MAX_NODES else None
    nodes: dict[str, Node] = {}
    rest = len(by_country) - (len(top) if top is not None else len(by_country))
    for n in names:
        c = country[n]
        if top is None or c in top:
            nodes[n] = Node(f"{stage}:{c}", f"{c} {stage} ({counts[c]} sites)", stage, c, True)
        else:
            nodes[n] = Node(f"{stage}:other", f"other {stage} ({rest} countries)", stage, "", True)
    return nodes


def flow_data(book: SolutionBook) -> FlowData:
    """The Sankey and map data of every element and year of a solution."""
    moves, unit, elements = _moves(book)
    info = _site_info(book)
    years = sorted(int(y) for y in set(moves["year"])) if len(moves) else []
    data = FlowData(unit, elements, years)
    if moves.empty:
        return data
    _sankey(data, moves, info)
    _map(data, book, moves, info)
    return data


def _sankey(data: FlowData, moves: pd.DataFrame, info: SiteInfo) -> None:
    everything = moves[moves["element"] == ALL]
    swarf = (moves["stage"] == "magnet") & (moves["to_stage"] == "recycling")
    src_sites = everything[~swarf.loc[everything.index]]
    nodes: dict[tuple[str, str], Node] = {}  # (side, site) -> node
    stages = sorted(set(src_sites["stage"]) | set(everything["to_stage"]))
    for stage in stages:
        if stage == "market":
            for site in set(everything.loc[everything["stage"] == "market", "from"]):
                label = f"{info.name(site)} (bought from)"
                nodes["from", site] = Node(f"buy:{site}", label, "market", info.country(site))
            for site in set(everything.loc[everything["to_stage"] == "market", "to"]):
                label = f"{info.name(site)} (sold to)"
                nodes["to", site] = Node(f"sell:{site}", label, "sold", info.country(site))
            continue
        out = src_sites[src_sites["stage"] == stage].groupby("from")["value"].sum()
        into = everything[everything["to_stage"] == stage].groupby("to")["value"].sum()
        totals = out.add(into, fill_value=0.0)
        grouped = _grouping(totals, info, stage, segment=stage == "segment")
        for site, node in grouped.items():
            nodes["from", site] = node
            nodes["to", site] = node
    swarf_node = Node("swarf", "swarf from magnet plants", "swarf")
    src = [
        swarf_node.key if is_swarf else nodes["from", s].key
        for s, is_swarf in zip(moves["from"], swarf, strict=True)
    ]
    tgt = [nodes["to", s].key for s in moves["to"]]
    by_key = {n.key: n for n in nodes.values()}
    by_key[swarf_node.key] = swarf_node
    links = (
        moves.assign(src=src, tgt=tgt)
        .groupby(["element", "year", "src", "tgt"], as_index=False, sort=False)["value"]
        .sum()
    )
    links = links[links["value"] > 1e-6]
    rank = {kind: k for k, kind in enumerate(NODE_ORDER)}
    for (element, year), group in links.groupby(["element", "year"], sort=False):
        keys = sorted(
            set(group["src"]) | set(group["tgt"]),
            key=lambda k: (rank.get(by_key[k].kind, 99), by_key[k].label),
        )
        index = {k: i for i, k in enumerate(keys)}
        data.sankey_nodes = max(data.sankey_nodes, len(keys))
        colours = [by_key[k].colour for k in keys]
        column = max(Counter(by_key[k].kind for k in keys).values())
        data.sankey[f"{element}|{int(year)}"] = {
            "column": column,  # most nodes in one column: the diagram's height follows it
            "node": {
                "label": [by_key[k].label for k in keys],
                "color": colours,
                "customdata": [
                    f"{by_key[k].kind}" + (f", {by_key[k].country}" if by_key[k].country else "")
                    for k in keys
                ],
            },
            "link": {
                "source": [index[k] for k in group["src"]],
                "target": [index[k] for k in group["tgt"]],
                "value": [round(float(v), 3) for v in group["value"]],
                "color": [rgba(colours[index[k]], 0.4) for k in group["src"]],
            },
        }
    grouped_stages = sorted({n.kind for n in nodes.values() if n.grouped})
    if grouped_stages:
        data.notes.append(
            f"Sankey: stages with more than {MAX_NODES} sites ({', '.join(grouped_stages)}) "
            f"show one node per country, and past {MAX_NODES} countries the smallest are "
            "folded into 'other'."
        )


def _width(value: float, largest: float) -> float:
    for share, width in LINE_WIDTHS:
        if value >= share * largest:
            return width
    return LINE_WIDTHS[-1][1]


def _map(data: FlowData, book: SolutionBook, moves: pd.DataFrame, info: SiteInfo) -> None:
    placed, unplaced = place_sites(info.places)
    data.unplaced = unplaced
    lines = moves[(moves["to_stage"] != "segment") & moves["from"].isin(placed)]
    lines = lines[lines["to"].isin(placed)]
    countrywide = False
    for (element, year), group in lines.groupby(["element", "year"], sort=False):
        pairs = group.groupby(["from", "to"], as_index=False, sort=False)["value"].sum()
        if len(pairs) > MAX_LINES:
            countrywide = True
            pairs = pairs.assign(
                **{
                    "from": [info.country(s) for s in pairs["from"]],
                    "to": [info.country(s) for s in pairs["to"]],
                }
            )
            pairs = pairs[pairs["from"] != pairs["to"]]
            pairs = pairs.groupby(["from", "to"], as_index=False)["value"].sum()
            where = {c: country_centre(c) for c in set(pairs["from"]) | set(pairs["to"])}
            pairs = pairs[[where[a] is not None and where[b] is not None
                           for a, b in zip(pairs["from"], pairs["to"], strict=True)]]  # fmt: skip
            origin = {c: c for c in where}
            label = {c: c for c in where}
        else:
            where = placed
            origin = {s: info.country(s) for s in set(pairs["from"])}
            label = {s: info.name(s) for s in set(pairs["from"]) | set(pairs["to"])}
        data.map_lines[f"{element}|{int(year)}"] = _line_traces(pairs, where, origin, label, data)
    if countrywide:
        data.notes.append(
            f"Map: in years with more than {MAX_LINES} pairs of sites trading, lines join "
            "country centres (flows summed per pair of countries; flows inside one country "
            "are not drawn)."
        )
    sites = book.table("Sites")
    for year in data.years:
        if sites.empty or "throughput_t" not in sites:
            handled = moves[(moves["year"] == year) & (moves["element"] == ALL)]
            amounts = handled.groupby("from")["value"].sum()
        else:
            rows_of_year = sites[sites["year"] == year]
            amounts = rows_of_year.groupby("site")["throughput_t"].sum()
        data.map_sites[str(year)] = _site_traces(amounts, placed, info)


def _line_traces(pairs: pd.DataFrame, where: dict, origin: dict, label: dict,
                 data: FlowData) -> list[dict]:  # fmt: skip
    """Lines grouped by (origin country, width), and invisible midpoints that carry hovers."""
    if pairs.empty:
        return []
    largest = float(pairs["value"].max())
    groups: dict[tuple[str, float], dict] = {}
    mid_lat, mid_lon, mid_text = [], [], []
    for a, b, value in zip(pairs["from"], pairs["to"], pairs["value"], strict=True):
        (lat_a, lon_a), (lat_b, lon_b) = where[a], where[b]
        key = (origin[a], _width(value, largest))
        trace = groups.setdefault(key, {"lat": [], "lon": []})
        trace["lat"] += [round(lat_a, 3), round(lat_b, 3), None]
        trace["lon"] += [round(lon_a, 3), round(lon_b, 3), None]
        mid_lat.append(round((lat_a + lat_b) / 2, 3))
        mid_lon.append(round((lon_a + lon_b) / 2, 3))
        mid_text.append(f"{label[a]} → {label[b]}: {value:,.1f} {data.unit.split(' (')[0]}")
    traces = [
        {
            "type": "scattergeo",
            "mode": "lines",
            "lat": t["lat"],
            "lon": t["lon"],
            "line": {"width": width, "color": rgba(country_colour(country), 0.55)},
            "hoverinfo": "skip",
            "showlegend": False,
        }
        for (country, width), t in sorted(groups.items(), key=lambda kv: kv[0][1])
    ]
    traces.append(
        {
            "type": "scattergeo",
            "mode": "markers",
            "lat": mid_lat,
            "lon": mid_lon,
            "text": mid_text,
            "hoverinfo": "text",
            "marker": {"size": 8, "opacity": 0},
            "showlegend": False,
            "name": "flows",
        }
    )
    return traces


def _site_traces(amounts: pd.Series, placed: dict, info: SiteInfo) -> list[dict]:
    """One marker trace per country (its legend entry), sized by t handled in the year."""
    amounts = pd.to_numeric(amounts, errors="coerce").fillna(0.0).clip(lower=0.0)  # -1e-9 is 0
    largest = float(amounts.max()) if len(amounts) else 0.0
    per_country: dict[str, dict] = {}
    for site, amount in amounts.items():
        if site not in placed:
            continue
        country, name, stage = info.country(site), info.name(site), info.stage(site)
        trace = per_country.setdefault(
            country,
            {
                "type": "scattergeo",
                "mode": "markers",
                "name": country,
                "lat": [],
                "lon": [],
                "text": [],
                "hoverinfo": "text",
                "marker": {
                    "size": [],
                    "color": country_colour(country),
                    "line": {"width": 0.5, "color": "#FFFFFF"},
                },
            },
        )
        lat, lon = placed[site]
        trace["lat"].append(round(lat, 3))
        trace["lon"].append(round(lon, 3))
        trace["text"].append(f"{name} ({stage}, {country}): {float(amount):,.0f} t handled")
        size = 5 + 17 * math.sqrt(float(amount) / largest) if largest > 0 else 5
        trace["marker"]["size"].append(round(size, 1))
    return [per_country[c] for c in sorted(per_country)]
