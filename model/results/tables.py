"""Turn a solve into tidy tables (one row per key and year, units in column names).

Money in the tables is in USD of the row's own year (undiscounted) unless the column says
`discounted`; the Summary's cost figures are discounted to first_year and add up to the
objective. Duals come from the solver in discounted kUSD/t = USD/kg; dividing by the year's
discount factor gives that year's USD/kg.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import pandas as pd

from model import __version__
from model.chain.network import Network
from model.lp.costs import COST_COMPONENTS
from model.lp.names import (
    CAPACITY,
    DEMAND_BALANCE,
    ELEMENT_BALANCE,
    FLOW,
    MAKE,
    METAL_BALANCE,
    UNMET,
    UNUSED,
)
from model.lp.terms import build_terms, evaluate
from model.results.explain import sentences, unmet_reasons
from model.results.investments import emission_table, project_table
from model.results.kpis import kpis_from_tables
from model.results.ranging import ranging_table
from model.results.rule_tables import (
    compliance_table,
    contract_table,
    policy_table,
    risk_table,
    stock_table,
)
from model.results.sums import PreparedSums, Sums
from model.solver.session import SolveResult
from model.stages import MARKET_STAGE
from model.units import FLOW_T as EPS
from model.units import KUSD
from model.workbook.data import ChainData


@dataclass
class Solution:
    """Everything a report needs, as plain data."""

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    heavy: list[str] = field(default_factory=list)  # heavy elements, for the balance charts


def extract(
    data: ChainData,
    net: Network,
    result: SolveResult,
    full: bool = True,
    prepared: PreparedSums | None = None,
) -> Solution:
    """Summary and tables of a solve; only the Summary when there is no plan.

    With full=False (sweeps) only the tables the Summary's figures need are made. With
    `prepared` (made while HiGHS solved) the sums of terms come from one numpy pass over the
    primal solution instead of being evaluated one by one (results.sums).
    """
    summary: dict[str, Any] = {
        "status": result.status,
        "message": result.message,
        "objective_usd": None if result.objective is None else result.objective * KUSD,
    }
    if not result.ok:
        summary["explanation"] = " ".join(sentences(net, result, unmet_reasons(net, result)))
        summary.update(_provenance(data, result))
        return Solution(summary)
    values = result.values
    sums = Sums(net, values) if prepared is None else prepared.at(result.primal, values)
    busy = _busy_site_years(values)
    costs = _costs(net, sums)
    demand = _demand(net, values, result.duals)
    tables = {
        "Costs": costs,
        "Demand": demand,
        "Shares": _shares(net, sums, busy),
        "Risk": risk_table(net, sums),
    }
    if full:
        tables.update(
            {
                "Flows": _flows(net, values),
                "ElementFlows": _element_flows(net, values),
                "Sites": _sites(data, net, values, result.duals, sums),
                UNUSED: _unused(net, values),
                "Marginals": _marginals(net, result.duals),
                "ElementBalance": _element_balance(net, values, busy, sums),
                "Explanations": unmet_reasons(net, result),
                "Ranging": ranging_table(net, result),
            }
        )
        order = ["Costs", "Flows", "ElementFlows", "Sites", "Demand", "Shares", UNUSED]
        order += ["Marginals"]
        order += ["ElementBalance", "Risk", "Ranging", "Explanations"]
        tables = {name: tables[name] for name in order}
    if full and net.policies:
        tables["Policies"] = policy_table(net, result)
    if full and net.contracts:
        tables["Contracts"] = contract_table(net, values)
    if full and net.stocks:
        tables["Stocks"] = stock_table(net, values)
    if full and net.compliant_segments:
        tables["Compliance"] = compliance_table(net, values)
    if full and net.projects:
        tables["Projects"] = project_table(net, result)
    emissions = emission_table(net, values)
    if full:
        tables["Emissions"] = emissions
    total = float(costs["discounted_cost_usd"].sum())
    summary["total_cost_usd"] = total
    summary["risk_usd"] = float(tables["Risk"]["discounted_risk_usd"].sum())
    summary["risk_weight"] = net.risk_weight
    by_component = costs.groupby("component", sort=False)["discounted_cost_usd"].sum()
    for component in COST_COMPONENTS:
        summary[f"{component}_usd"] = float(by_component.get(component, 0.0))
    summary["emissions_t_co2e"] = float(emissions["co2e_t"].sum())
    summary["demand_t"] = float(demand["demand_t"].sum())
    summary["served_t"] = float(demand["served_t"].sum())
    summary["unmet_t"] = float(demand["unmet_t"].sum())
    if full:
        explained = sentences(net, result, tables["Explanations"])
        summary["explanation"] = " ".join(explained) if explained else "All demand is served."
    summary.update(kpis_from_tables(net, tables["Shares"], sums))
    summary.update(_provenance(data, result))
    heavy = [e for e in net.elements if e in net.heavy]
    return Solution(summary, tables, heavy)


def _provenance(data: ChainData, result: SolveResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "input_file": data.source.name if data.source else "",
        "input_sha256": data.sha256,
        "mine2magnet_version": __version__,
        "pyomo_version": version("pyomo"),
        "solver": result.solver,
        "solver_method": result.method,
    }
    if result.mip_gap is not None:
        out["mip_gap"] = result.mip_gap
    out.update(result.stats)
    out.update(result.timings)
    return out


def _costs(net: Network, sums: Sums) -> pd.DataFrame:
    """Cost per component and year: its terms (costs.cost_terms) summed on the solution
    (results.sums), in that year's USD and discounted."""
    totals = sums.costs(net)
    rows = []
    for component in COST_COMPONENTS:
        for t in net.years:
            value = totals.get((component, t), 0.0) * KUSD
            rows.append(
                {
                    "component": component,
                    "description": COST_COMPONENTS[component].label,
                    "year": t,
                    "cost_usd": value,
                    "discount_factor": net.discount[t],
                    "discounted_cost_usd": value * net.discount[t],
                }
            )
    return pd.DataFrame(rows)


def _ends(net: Network, i: str, j: str) -> dict[str, str]:
    """A flow's ends and their stages (a flow into a segment ends at stage "segment")."""
    return {
        "from": i,
        "to": j,
        "stage": net.stage(i),
        "to_stage": net.stage(j) if j in net.sites else "segment",
    }


def _flows(net: Network, values: dict) -> pd.DataFrame:
    rows = []
    for f, t_moved in values[FLOW].items():
        if t_moved <= EPS:
            continue
        i, j, c, x, t = f
        unit = (
            net.purchase.get(f, 0.0)
            - net.sale.get(f, 0.0)
            + net.transport.get(f, 0.0)
            + net.tariff.get(f, 0.0)
        )
        rows.append(
            {
                **_ends(net, i, j),
                "commodity": c,
                "item": x,
                "year": t,
                "t": t_moved,
                "from_country": net.sites[i].country,
                "to_region": net.region(j),
                "price_usd_per_kg": net.purchase.get(f, 0.0) - net.sale.get(f, 0.0),
                "transport_usd_per_kg": net.transport.get(f, 0.0),
                "tariff_usd_per_kg": net.tariff.get(f, 0.0),
                "cost_usd": unit * t_moved * KUSD,
            }
        )
    columns = ["from", "to", "stage", "to_stage", "commodity", "item", "year", "t"]
    frame = pd.DataFrame(rows)
    return (
        frame.sort_values(["year", "stage", "from", "to"])
        if rows
        else pd.DataFrame(columns=columns)
    )


def _sites(data: ChainData, net: Network, values: dict, duals: dict, sums: Sums) -> pd.DataFrame:
    """One row per site and operating year; lat and lon as given (blank: not given)."""
    sites = data.tables["Sites"]
    names = dict(zip(sites["site"], sites["name"], strict=True))
    lat = dict(zip(sites["site"], sites["lat"], strict=True)) if "lat" in sites else {}
    lon = dict(zip(sites["site"], sites["lon"], strict=True)) if "lon" in sites else {}
    cap_duals = duals.get(CAPACITY, {})
    unused = defaultdict(float)
    for (i, _e, t), v in values[UNUSED].items():
        unused[i, t] += v
    rows = []
    for i, info in net.sites.items():
        for t in net.site_years[i]:
            through = sums.of(("through", i, t))
            built = evaluate(build_terms(net, i, t), values)
            cap = net.cap_t.get((i, t))
            if cap is not None:
                cap += built
            rows.append(
                {
                    "site": i,
                    "name": names.get(i) or i,
                    "stage": info.stage,
                    "country": info.country,
                    "year": t,
                    "throughput_t": through,
                    "capacity_t": cap,
                    "utilisation": through / cap if cap else None,
                    "capacity_value_usd_per_kg": -cap_duals.get((i, t), 0.0) / net.discount[t]
                    if cap is not None
                    else None,
                    "unused_t": unused.get((i, t), 0.0),
                    "built_t": built,
                    "lat": _coordinate(lat.get(i)),
                    "lon": _coordinate(lon.get(i)),
                }
            )
    return pd.DataFrame(rows)


def _coordinate(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _element_flows(net: Network, values: dict) -> pd.DataFrame:
    """What each flow carries of each element, in t of metal equivalent (oxide and the oxide
    in concentrate x oxide_to_metal; metal, magnets and scrap as metal), so one element's
    path from mine to segment adds up across forms (the report's Sankey reads this)."""
    rows = []
    for f, v in values[FLOW].items():
        if v <= EPS:
            continue
        i, j, c, _x, t = f
        for e, content in net.contents(f):
            amount = content * v * (net.oxide_to_metal[e] if c in ("oxide", "concentrate") else 1)
            if amount > EPS:
                rows.append(
                    {
                        **_ends(net, i, j),
                        "commodity": c,
                        "element": e,
                        "year": t,
                        "metal_eq_t": amount,
                    }
                )
    columns = ["from", "to", "stage", "to_stage", "commodity", "element", "year", "metal_eq_t"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["year", "element", "stage", "from", "to"]).reset_index(drop=True)


def _demand(net: Network, values: dict, duals: dict) -> pd.DataFrame:
    rows = []
    marginal = duals.get(DEMAND_BALANCE, {})
    for (s, t), demand in net.demand_t.items():
        unmet = values[UNMET].get((s, t), 0.0)
        rows.append(
            {
                "segment": s,
                "year": t,
                "demand_t": demand,
                "served_t": demand - unmet,
                "unmet_t": unmet,
                "marginal_usd_per_kg": marginal.get((s, t), 0.0) / net.discount[t],
            }
        )
    return pd.DataFrame(rows)


def _busy_site_years(values: dict) -> set[tuple[str, int]]:
    """(site, year) pairs with a non-zero flow in or out. What a site handles in a year is a
    sum over its flows that year, or over magnets made, which are shipped the same year, so
    every other site-year handles nothing and need not be evaluated."""
    busy = set()
    for (i, j, _c, _x, t), v in values[FLOW].items():
        if v:
            busy.add((i, t))
            busy.add((j, t))
    return busy


def _shares(net: Network, sums: Sums, busy: set[tuple[str, int]]) -> pd.DataFrame:
    """t of each element handled per stage, country and year, and its share of the stage.

    Market purchases count at the stage whose product they are (oxide at separation, metal at
    metal, magnets at magnet), under the market's country.
    """
    handled: dict[tuple[str, str, str, int], float] = defaultdict(float)
    for i, info in net.sites.items():
        stages = set(MARKET_STAGE.values()) if info.stage == "market" else {info.stage}
        for stage in stages:
            for t in net.site_years[i]:
                if (i, t) not in busy:
                    continue
                for e in net.elements:
                    amount = sums.of(("stage", stage, i, e, t))
                    if amount > EPS:
                        handled[stage, info.country, e, t] += amount
    frame = pd.DataFrame(
        [
            {"stage": s, "country": c, "element": e, "year": t, "t": v}
            for (s, c, e, t), v in handled.items()
        ],
        columns=["stage", "country", "element", "year", "t"],
    )
    totals = frame.groupby(["stage", "element", "year"])["t"].transform("sum")
    frame["share"] = frame["t"] / totals
    return frame.sort_values(["stage", "element", "year", "country"]).reset_index(drop=True)


BALANCE_COLUMNS = [
    "separated_t",
    "recycled_t",
    "bought_oxide_t",
    "bought_metal_t",
    "in_bought_magnets_t",
    "used_in_magnets_t",
    "delivered_in_magnets_t",
    "sold_t",
    "unused_t",
]


def _element_balance(
    net: Network, values: dict, busy: set[tuple[str, int]], sums: Sums
) -> pd.DataFrame:
    """Where each element comes from and goes, per year, in t of metal equivalent
    (oxide x oxide_to_metal), so supply and use add up across forms."""
    table: dict[tuple[str, int], dict[str, float]] = defaultdict(
        lambda: dict.fromkeys(BALANCE_COLUMNS, 0.0)
    )
    flows = values[FLOW]
    for i, info in net.sites.items():
        for t in net.site_years[i]:
            if (i, t) not in busy:
                continue
            for e in net.elements:
                metal_eq = 1.0 if net.output_form(i) == "metal" else net.oxide_to_metal[e]
                amount = sums.of(("element", i, e, t))
                if info.stage == "separation":
                    table[e, t]["separated_t"] += amount * metal_eq
                elif info.stage == "recycling":
                    table[e, t]["recycled_t"] += amount * metal_eq
                elif info.stage == "magnet":
                    table[e, t]["used_in_magnets_t"] += amount
    for f, v in flows.items():
        if v <= EPS:
            continue
        i, j, c, _x, t = f
        for e in net.elements:
            content = net.content(f, e) * v
            if content <= EPS:
                continue
            metal_eq = net.oxide_to_metal[e] if c == "oxide" else 1.0
            if net.stage(i) == "market":
                key = {"oxide": "bought_oxide_t", "metal": "bought_metal_t"}.get(
                    c, "in_bought_magnets_t"
                )
                table[e, t][key] += content * metal_eq
            if j not in net.sites:
                table[e, t]["delivered_in_magnets_t"] += content
            elif net.stage(j) == "market":
                table[e, t]["sold_t"] += content * metal_eq
    for (i, e, t), v in values[UNUSED].items():
        metal_eq = 1.0 if net.output_form(i) == "metal" else net.oxide_to_metal[e]
        table[e, t]["unused_t"] += v * metal_eq
    rows = [{"element": e, "year": t, **table[e, t]} for e in net.elements for t in net.years]
    frame = pd.DataFrame(rows, columns=["element", "year", *BALANCE_COLUMNS])
    return frame.sort_values(["element", "year"]).reset_index(drop=True)


def _unused(net: Network, values: dict) -> pd.DataFrame:
    """Output made but neither used nor sold, and swarf not sent to a recycler."""
    rows = []
    for (i, e, t), v in values[UNUSED].items():
        if v > EPS:
            commodity = net.output_form(i)
            rows.append(
                {
                    "site": i,
                    "stage": net.stage(i),
                    "commodity": commodity,
                    "item": e,
                    "year": t,
                    "t": v,
                }
            )
    for m, g, t in net.make:
        made = values[MAKE].get((m, g, t), 0.0)
        sent = sum(values[FLOW].get(f, 0.0) for f in net.shipped.get((m, "scrap", g, t), ()))
        lost = net.sites[m].swarf_share * made - sent
        if lost > EPS:
            rows.append(
                {
                    "site": m,
                    "stage": "magnet",
                    "commodity": "swarf",
                    "item": g,
                    "year": t,
                    "t": lost,
                }
            )
    return pd.DataFrame(rows, columns=["site", "stage", "commodity", "item", "year", "t"])


def _marginals(net: Network, duals: dict) -> pd.DataFrame:
    """Value of one more kg of an element at a site: balance duals in that year's USD/kg."""
    rows = []
    for name, form in ((ELEMENT_BALANCE, None), (METAL_BALANCE, "metal")):
        for (i, e, t), y in duals.get(name, {}).items():
            commodity = form or net.output_form(i)
            rows.append(
                {
                    "site": i,
                    "stage": net.stage(i),
                    "commodity": commodity,
                    "element": e,
                    "year": t,
                    "marginal_usd_per_kg": y / net.discount[t],
                }
            )
    return pd.DataFrame(
        rows, columns=["site", "stage", "commodity", "element", "year", "marginal_usd_per_kg"]
    )
