"""Tables of what the plan builds and emits: Projects (capacity built, when, its cost and
the value of one more t of it) and Emissions (t CO2e by site, stage, country and year)."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from model.chain.network import Network
from model.lp.costs import emission_terms
from model.lp.names import BUILD, PROJECT_MAX, PROJECT_SIZE_MAX
from model.lp.terms import evaluate
from model.solver.session import SolveResult
from model.units import DUAL, FLOW_T, KUSD

PROJECT_COLUMNS = [
    "project",
    "site",
    "stage",
    "decision",
    "earliest_online",
    "built_t",
    "year_online",
    "builds",
    "max_t",
    "capex_usd",
    "capital_charges_usd",
    "fixed_costs_usd",
    "value_usd_per_t",
]


def project_table(net: Network, result: SolveResult) -> pd.DataFrame:
    """One row per project: t/yr built, the first year online and every build (year: t),
    the overnight capex (capex x built), the discounted capital charges and fixed costs the
    plan pays inside the horizon, and the value of one more t/yr of the project.

    value_usd_per_t = -d(objective)/d(t/yr) in discounted USD: from the dual of Project_Max
    (Project_Size_Max for a go/no-go project, its decision fixed) when the project is built
    to its maximum (what one more t/yr allowed would save), else
    the best online year's reduced cost of Build (<= 0: how far a t/yr falls short of paying
    for itself; 0 for a project built below its maximum)."""
    builds = result.values.get(BUILD, {})
    reduced = result.reduced.get(BUILD, {})
    max_duals = result.duals.get(PROJECT_MAX, {})
    size_duals = result.duals.get(PROJECT_SIZE_MAX, {})
    rows = []
    for p in net.projects:
        built = {y: builds.get((p.project, y), 0.0) for y in p.online_years}
        made = {y: v for y, v in built.items() if v > FLOW_T}
        total = sum(made.values())
        charges = fixed = 0.0
        for y, amount in made.items():
            for t in p.serving(y, net.years):
                charges += net.discount[t] * p.annual_capex_usd_per_t * amount
                fixed += net.discount[t] * p.fixed_usd_per_t_yr * amount
        binding = [max_duals.get((p.project,), 0.0)]
        binding += [size_duals.get((p.project, y), 0.0) for y in made]
        if any(abs(d) > DUAL for d in binding):
            value = -min(binding) * KUSD
        else:
            costs = [reduced.get((p.project, y)) for y in p.online_years]
            known = [c for c in costs if c is not None]
            value = -min(known) * KUSD if known else None
        rows.append(
            {
                "project": p.project,
                "site": p.site,
                "stage": net.stage(p.site),
                "decision": "go_no_go" if p.go_no_go else "continuous",
                "earliest_online": p.online_years[0],
                "built_t": total,
                "year_online": min(made) if made else None,
                "builds": "; ".join(f"{y}: {v:,.0f} t" for y, v in sorted(made.items())),
                "max_t": p.max_t,
                "capex_usd": total * p.capex_usd_per_t,
                "capital_charges_usd": charges,
                "fixed_costs_usd": fixed,
                "value_usd_per_t": value,
            }
        )
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)


def emission_table(net: Network, values: dict) -> pd.DataFrame:
    """t CO2e per site (stage, country) and year; transport between regions as stage
    `transport`, country blank."""
    totals: dict[tuple[str, str, str, int], float] = defaultdict(float)
    for t, site, terms in emission_terms(net):
        amount = evaluate(terms, values)
        if amount <= FLOW_T:
            continue
        if site is None:
            totals["", "transport", "", t] += amount
        else:
            info = net.sites[site]
            totals[site, info.stage, info.country, t] += amount
    frame = pd.DataFrame(
        [
            {"site": i, "stage": s, "country": c, "year": t, "co2e_t": v}
            for (i, s, c, t), v in totals.items()
        ],
        columns=["site", "stage", "country", "year", "co2e_t"],
    )
    return frame.sort_values(["year", "stage", "site"]).reset_index(drop=True)
