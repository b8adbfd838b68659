"""A plan that holds up under disruption: the two-stage stochastic LP (lp.stochastic) of the
workbook's scenarios, and what it is worth.

    RP   = min E[Cost] + w CVaR          the robust plan (one extensive form, one solve)
    WS   = E[Cost_s*] + w CVaR(Cost*)    each scenario planned alone, knowing it (wait and see)
    EEV  = the extensive form with the first stage fixed at the plan for the workbook as it
           is (the nominal scenario planned alone)
    EVPI = RP - WS  >= 0                 what knowing the scenario in advance would be worth
    VSS  = EEV - RP >= 0                 what planning for the scenarios saves over planning
                                         for the nominal case
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from model.chain.network import Network, build_network, reprice
from model.findings import Finding, InputError
from model.lp.names import BUILD, CVAR_CAP, MIN_CVAR, OBJECTIVE, STOCK
from model.lp.stochastic import ScenarioBlock, build_extensive_form, first_stage
from model.results.explain import describe, describe_bound
from model.results.study_tables import Frontier, Robust
from model.results.tables import Solution, extract
from model.solver.session import LpSession, SolveResult, open_session
from model.studies.executor import Book, Study, Where, run_points
from model.studies.frontier import even_caps
from model.studies.persistent import Point, Resolver
from model.studies.progress import Progress, Ticker
from model.units import KUSD
from model.workbook.data import ChainData
from model.workbook.scenarios import Scenario, reveal_year, scenarios_of
from model.workbook.validate import check_rules


def cvar(costs: list[float], probabilities: list[float], alpha: float) -> float:
    """CVaR_alpha of a discrete cost distribution: min_eta eta + E[(cost - eta)+] / (1 - alpha)
    (Rockafellar-Uryasev; at alpha = 0, the expected cost). The minimum is at a cost value."""
    c, p = np.asarray(costs, dtype=float), np.asarray(probabilities, dtype=float)
    return float(min(eta + (p * np.maximum(c - eta, 0.0)).sum() / (1.0 - alpha) for eta in c))


def networks(datas: list[ChainData]) -> tuple[list[Network], int]:
    """Each scenario's network, and how many arc structures they have: a scenario whose
    changes only move numbers is derived on the arcs of the first scenario of its structure
    (chain.network.reprice: the arcs are not enumerated again, and shared in memory)."""
    nets: list[Network] = []
    templates: list[Network] = []
    for data in datas:
        net = next((n for t in templates if (n := reprice(t, data)) is not None), None)
        if net is None:
            net = build_network(data)
            templates.append(net)
        nets.append(net)
    return nets, len(templates)


def _checked(data: ChainData, scenarios: list[Scenario]) -> list[ChainData]:
    """Each scenario's data; a scenario that breaks a rule of the workbook is an input error
    naming the scenario."""
    datas, findings = [], []
    for scenario in scenarios:
        case = scenario.data(data)
        for f in check_rules(case):
            findings.append(
                Finding(
                    f.severity,
                    "Scenarios",
                    "Scenarios",
                    f"scenario {scenario.name}: {f.message}",
                    f.hint,
                )
            )
        datas.append(case)
    if findings:
        raise InputError(findings)
    return datas


def _split(result: SolveResult, block: str, dual_scale: float | None = None) -> SolveResult:
    """The part of an extensive-form result that is one scenario's block, under the plain
    component names. Its duals are the scenario's marginal costs times its probability when
    the objective is the expected cost: with `dual_scale` (1 / probability) they are scaled
    back, else left out."""
    prefix = block + "."

    def own(table: dict) -> dict:
        return {k[len(prefix) :]: v for k, v in table.items() if k.startswith(prefix)}

    duals = {}
    if dual_scale is not None:
        duals = {
            name: {k: v * dual_scale for k, v in rows.items()}
            for name, rows in own(result.duals).items()
        }
    return SolveResult(
        status=result.status,
        message=result.message,
        objective=None,
        values=own(result.values),
        duals=duals,
        stats=result.stats,
        solver=result.solver,
        method=result.method,
    )


def _scenario_rows(
    blocks: list[ScenarioBlock], datas: list[ChainData], result: SolveResult
) -> list[dict[str, Any]]:
    """Cost, unmet and China's magnet share of each scenario under a solved extensive form."""
    rows = []
    for scenario, data in zip(blocks, datas, strict=True):
        summary = extract(data, scenario.network, _split(result, scenario.block), full=False)
        tables = summary.tables
        s = summary.summary
        shares = tables["Shares"]
        magnet = shares[shares["stage"] == "magnet"]
        total = magnet["t"].sum()
        china = magnet.loc[magnet["country"] == "China", "t"].sum()
        rows.append(
            {
                "scenario": scenario.name,
                "probability": scenario.probability,
                "objective_usd": s["total_cost_usd"] + s["risk_weight"] * s["risk_usd"],
                "total_cost_usd": s["total_cost_usd"],
                "risk_usd": s["risk_usd"],
                "unmet_t": s["unmet_t"],
                "china_share_magnet": float(china / total) if total else 0.0,
                "restricted_share_magnet": s["restricted_share_magnet"],
                "emissions_t_co2e": s["emissions_t_co2e"],
                "costs": tables["Costs"],
            }
        )
    return rows


def _first_stage_values(session: LpSession, block: str, values: dict, reveal: int) -> dict:
    """(block.name, index) -> value of every first-stage column of `block`, 0 where `values`
    (a plain solve of the same network, by component name) has none."""
    out = {}
    for name, keys, _positions in session.column_groups:
        if not name.startswith(block + "."):
            continue
        local = name[len(block) + 1 :]
        own = values.get(local, {})
        for key in keys:
            if first_stage(local, key, reveal):
                value = own.get(key, 0.0)
                out[name, key] = (value, value)
    return out


def _infeasible(result: SolveResult, blocks: list[ScenarioBlock]) -> str:
    """Which scenario's limits contradict the first stage, in words."""
    by_block = {b.block: b for b in blocks}
    parts = []
    for name, index in result.conflict[:8]:
        block, _, local = name.partition(".")
        scenario = by_block.get(block)
        if scenario is not None:
            parts.append(f"in scenario {scenario.name}, {describe(scenario.network, local, index)}")
        else:
            parts.append(f"{name}[{', '.join(map(str, index))}]")
    for name, index, which in result.conflict_bounds[:4]:
        block, _, local = name.partition(".")
        scenario = by_block.get(block)
        if scenario is not None:
            text = describe_bound(scenario.network, local, index, which)
            parts.append(f"in scenario {scenario.name}, {text}")
    if not parts:
        return result.message
    return (
        f"{result.message} No first stage (capacity built, plans before the reveal year) "
        f"lets every scenario meet its hard limits; these cannot all hold together: "
        + "; ".join(parts)
        + "."
    )


class PlannedAlone:
    """A worker's wait-and-see study: a point is the number k of a scenario, planned alone,
    knowing it; one persistent model per worker (studies.persistent.Resolver) takes the
    scenarios in turn, numbers pushed where the arcs are the same, rebuilt where not."""

    def __init__(self, data: ChainData, _setup: Any = None):
        self.data = data
        self.scenarios = scenarios_of(data)
        self.resolver: Resolver | None = None

    def __call__(self, index: int, scenario: int) -> dict[str, Any]:
        case = self.scenarios[scenario].data(self.data)
        if self.resolver is None:
            self.resolver = Resolver(case)
        point = self.resolver.solve(case)
        row: dict[str, Any] = {"point": index, "status": point.result.status}
        if point.result.ok:
            row["objective_usd"] = _objective_alone(case, point)
        else:
            row["message"] = point.result.message
        return row


def _objective_alone(case: ChainData, point: Point) -> float | None:
    """The objective (USD) of a scenario planned alone; None without a plan."""
    if not point.result.ok:
        return None
    return extract(case, point.network, point.result, full=False).summary["objective_usd"]


def run_robust(
    data: ChainData,
    progress: Progress | None = None,
    workers: int = 1,
    dask: str | None = None,
    book: Book | None = None,
) -> Robust:
    """The robust plan of the workbook's scenarios, with EVPI and VSS (module docstring).

    The scenarios planned alone (wait and see) run here, on `workers` local processes or on
    Dask (studies/executor.py); the extensive form and the nominal plan's evaluation run
    here. Raises InputError when the workbook has no scenarios or a scenario breaks a rule."""
    scenarios = scenarios_of(data)
    if len(scenarios) < 2:
        raise InputError([Finding(
            "error", "Scenarios", "Scenarios", "the workbook has no scenarios.",
            "add rows to the Scenarios sheet: scenario, probability, change "
            "(e.g. MarketPrices[china_market,oxide,Dy]@2028-2035.max_t = 0).")])  # fmt: skip
    settings = data.settings
    alpha, weight = settings["cvar_alpha"], settings["cvar_weight"]
    reveal = reveal_year(data, scenarios)
    datas = _checked(data, scenarios)
    nets, groups = networks(datas)
    tick = Ticker(2 + len(scenarios), progress)  # robust, nominal, EEV, the others alone

    blocks: list[ScenarioBlock] = []

    def make_model():
        model, made = build_extensive_form(
            [(s.name, s.probability, n) for s, n in zip(scenarios, nets, strict=True)],
            reveal,
            alpha,
            weight,
        )
        blocks.extend(made)
        return model

    session = open_session(make_model, settings["time_limit_s"], mip_gap=settings["mip_gap"])
    built = {"handoff_s": session.handoff_s, "build_s": session.build_s}  # solve() resets them
    result = session.solve()
    tick()
    summary: dict[str, Any] = {
        "status": result.status,
        "message": result.message,
        "scenarios": len(scenarios),
        "structures": groups,
        "reveal_year": reveal,
        "cvar_alpha": alpha,
        "cvar_weight": weight,
        **session.stats,
        "solve_s": result.timings.get("solve_s"),
        **built,
    }
    if not result.ok:
        summary["explanation"] = _infeasible(result, blocks) if blocks else result.message
        return Robust(pd.DataFrame(), pd.DataFrame(), summary, solution=Solution(dict(summary)))
    rows = _scenario_rows(blocks, datas, result)
    objectives = [r["objective_usd"] for r in rows]
    probabilities = [s.probability for s in scenarios]
    expected = float(np.dot(probabilities, objectives))
    risk_measure = cvar(objectives, probabilities, alpha)
    robust_objective = result.objective * KUSD

    nominal = Resolver(datas[0], nets[0]).solve(datas[0])  # the workbook as it is, alone
    nominal_objective = _objective_alone(datas[0], nominal)
    tick()
    fixed = _first_stage_values(session, blocks[0].block, nominal.result.values, reveal)
    session.set_column_bounds(fixed)
    eev = session.solve()
    session.restore_column_bounds()
    tick()
    if eev.ok:
        eev_rows = _scenario_rows(blocks, datas, eev)
        for row, other in zip(rows, eev_rows, strict=True):
            row["nominal_plan_objective_usd"] = other["objective_usd"]
            row["saving_usd"] = other["objective_usd"] - row["objective_usd"]
        summary["vss_usd"] = eev.objective * KUSD - robust_objective
    outcome = run_points(
        data,
        Study(PlannedAlone),
        list(range(1, len(scenarios))),  # the nominal scenario alone is the nominal plan
        Where(workers, dask),
        book,
        progress=lambda done, total: tick(),
    )
    by_scenario = {row["point"] + 1: row for row in outcome.rows}
    alone = [nominal_objective]
    alone += [by_scenario.get(k, {}).get("objective_usd") for k in range(1, len(scenarios))]
    for row, value in zip(rows, alone, strict=True):
        row["planned_alone_objective_usd"] = value
    if outcome.interrupted:
        summary["message"] = (
            f"{result.message} Interrupted: EVPI needs every scenario planned alone."
        )
    if all(v is not None for v in alone):
        wait_and_see = float(np.dot(probabilities, alone)) + weight * cvar(
            alone, probabilities, alpha
        )
        summary["evpi_usd"] = robust_objective - wait_and_see
    summary.update(
        objective_usd=robust_objective,
        expected_cost_usd=expected,
        cvar_usd=risk_measure,
    )
    costs = pd.concat(
        [r.pop("costs").assign(scenario=r["scenario"]) for r in rows], ignore_index=True
    )
    first = _first_stage_table(blocks, result, nominal.result, reveal)
    table = pd.DataFrame(rows)
    sentences = _plain_words(table, first, summary)
    solution = _robust_solution(blocks[0], datas[0], result, weight, summary, sentences)
    solution.tables.update({"Scenarios": table, "FirstStage": first, "ScenarioCosts": costs})
    return Robust(table, first, summary, sentences, costs, solution)


def _robust_solution(
    nominal: ScenarioBlock,
    data: ChainData,
    result: SolveResult,
    weight: float,
    figures: dict,
    sentences: list[str],
) -> Solution:
    """The robust plan as a solution of the workbook as it is: every table of a plain solve
    for the nominal scenario's block (objective_usd that scenario's), the Summary carrying
    the robust figures (robust_objective_usd, expected cost, CVaR, EVPI, VSS). Its duals
    (marginal costs, capacity values) are the nominal scenario's when the objective is the
    expected cost and the scenario has a probability; else they are left out."""
    scale = 1.0 / nominal.probability if nominal.probability > 0 and weight == 0 else None
    solution = extract(data, nominal.network, _split(result, nominal.block, scale))
    s = solution.summary
    s["objective_usd"] = s["total_cost_usd"] + s["risk_weight"] * s["risk_usd"]
    s["robust_objective_usd"] = figures["objective_usd"]
    solution.summary["plan"] = (
        "the robust plan of the Scenarios sheet (mine2magnet robust), shown in the nominal "
        "scenario (the workbook as it is)"
        + ("" if scale else "; duals left out (they price the scenarios together)")
    )
    if scale is None:
        for name in ("Marginals", "Ranging"):
            solution.tables.pop(name, None)
    solution.summary.update(
        {k: v for k, v in figures.items() if k not in ("status", "message", "objective_usd")}
    )
    solution.summary["robust_plan"] = " ".join(sentences)
    return solution


def _first_stage_table(
    blocks: list[ScenarioBlock], robust: SolveResult, nominal: SolveResult, reveal: int
) -> pd.DataFrame:
    """What the robust plan commits to before the reveal year, against the nominal plan:
    capacity built per project (t/yr in all, first year online, and each build), and stocks
    held at the end of the year before the reveal year."""
    block = blocks[0].block
    rows = []
    builds = robust.values.get(f"{block}.{BUILD}", {})
    nominal_builds = nominal.values.get(BUILD, {})
    for project in blocks[0].network.projects:
        name = project.project
        mine = {y: v for (p, y), v in builds.items() if p == name and v > 1e-6}
        theirs = {y: v for (p, y), v in nominal_builds.items() if p == name and v > 1e-6}
        rows.append(
            {
                "decision": "build",
                "what": name,
                "year": min(mine or theirs or [project.online_years[0]]),
                "robust_plan": sum(mine.values()),
                "nominal_plan": sum(theirs.values()),
                "unit": "t/yr",
                "robust_builds": "; ".join(f"{y}: {v:,.0f}" for y, v in sorted(mine.items())),
                "nominal_builds": "; ".join(f"{y}: {v:,.0f}" for y, v in sorted(theirs.items())),
            }
        )
    stocks = robust.values.get(f"{block}.{STOCK}", {})
    nominal_stocks = nominal.values.get(STOCK, {})
    for key in sorted(set(stocks) | set(nominal_stocks)):
        if key[-1] == reveal - 1:
            rows.append(
                {
                    "decision": "stock",
                    "what": f"{key[1]} at {key[0]}",
                    "year": key[-1],
                    "robust_plan": stocks.get(key, 0.0),
                    "nominal_plan": nominal_stocks.get(key, 0.0),
                    "unit": "t",
                }
            )
    columns = ["decision", "what", "year", "robust_plan", "nominal_plan", "unit"]
    frame = pd.DataFrame(rows, columns=[*columns, "robust_builds", "nominal_builds"])
    if len(frame):
        frame["difference"] = frame["robust_plan"] - frame["nominal_plan"]
    return frame


def _money(usd: float) -> str:
    """USD in words: 40 M, 2.1 bn."""
    size = abs(usd)
    if size >= 1e9:
        return f"{usd / 1e9:,.1f} bn"
    return f"{usd / 1e6:,.0f} M"


def _plain_words(table: pd.DataFrame, first: pd.DataFrame, summary: dict) -> list[str]:
    """What the robust plan commits to that the nominal plan does not, and what that costs or
    saves in each scenario."""
    out = []
    moved = first[first["difference"].abs() > 1e-6] if len(first) else first
    if len(moved):
        parts = []
        for r in moved.head(4).to_dict("records"):
            verb = "builds" if r["decision"] == "build" else "holds"
            when = f"(first online {r['year']})" if r["decision"] == "build" else f"by {r['year']}"
            more = "more" if r["difference"] > 0 else "less"
            amount = f"{abs(r['difference']):,.0f} {r['unit']} {more}"
            parts.append(f"{verb} {amount} of {r['what']} {when}")
        out.append("Against the plan for the workbook as it is, the robust plan " +
                   "; ".join(parts) + ".")  # fmt: skip
    elif len(table):
        out.append("The robust plan commits to the same first stage as the nominal plan.")
    if "saving_usd" in table:
        nominal = table.iloc[0]
        others = table.iloc[1:]
        if len(others):
            best = others.loc[others["saving_usd"].idxmax()]
            cost_now = -nominal["saving_usd"]
            word = "more" if cost_now >= 0 else "less"
            out.append(
                f"Committing to it costs {_money(abs(cost_now))} USD {word} in the nominal "
                f"case and saves {_money(best['saving_usd'])} USD in scenario "
                f"{best['scenario']} (probability {best['probability']:.0%})."
            )
    if "vss_usd" in summary and "evpi_usd" in summary:
        out.append(
            f"Planning for the scenarios saves {_money(summary['vss_usd'])} USD of expected "
            f"cost over planning for the nominal case (VSS); knowing the scenario in advance "
            f"would save {_money(summary['evpi_usd'])} USD more (EVPI)."
        )
    return out


def cvar_frontier(data: ChainData, points: int = 7, progress: Progress | None = None) -> Frontier:
    """Expected cost against CVaR of the workbook's scenarios, by the epsilon-constraint
    method as the cost-risk frontier (studies.frontier): minimise E[Cost] (CVaR_max), then
    CVaR (CVaR_min), then E[Cost] with CVaR <= eps_k at `points` evenly spaced caps."""
    scenarios = scenarios_of(data)
    if len(scenarios) < 2:
        raise RuntimeError("the workbook has no scenarios (Scenarios sheet)")
    points = max(2, int(points))
    settings = data.settings
    reveal = reveal_year(data, scenarios)
    nets, _groups = networks(_checked(data, scenarios))

    def make_model():
        return build_extensive_form(
            [(s.name, s.probability, n) for s, n in zip(scenarios, nets, strict=True)],
            reveal,
            settings["cvar_alpha"],
            0.0,
            cvar_rows=True,
        )[0]

    session = open_session(make_model, settings["time_limit_s"], mip_gap=settings["mip_gap"])
    if session.error is not None:
        raise RuntimeError(session.error.message)
    tick = Ticker(points + 1, progress)

    def run(objective: str, cap: float) -> tuple[SolveResult, float, float]:
        session.use_objective(objective)
        session.set_row_bounds(CVAR_CAP, (None,), -math.inf, cap)
        result = session.solve(values=False)
        tick()
        if not result.ok:
            return result, math.nan, math.nan
        x = result.primal
        expected = float(session.costs[OBJECTIVE] @ x) + session.offsets[OBJECTIVE]
        tail = float(session.costs[MIN_CVAR] @ x) + session.offsets[MIN_CVAR]
        return result, expected, tail

    first = run(OBJECTIVE, math.inf)
    if not first[0].ok:
        raise RuntimeError(first[0].message)
    lowest = run(MIN_CVAR, math.inf)
    high, low = first[2], lowest[2] if lowest[0].ok else first[2]
    rows = []
    for k, cap in enumerate(even_caps(high, low, points)):
        result, expected, tail = first if k == 0 else run(OBJECTIVE, cap)
        rows.append(
            {
                "point": k,
                "cvar_cap_usd": cap * KUSD,
                "status": result.status,
                "expected_cost_usd": expected * KUSD,
                "cvar_usd": tail * KUSD,
            }
        )
    method = (
        f"Epsilon-constraint on CVaR at alpha = {settings['cvar_alpha']:g} over "
        f"{len(scenarios)} scenarios: the cheapest expected cost at each CVaR cap, from the "
        "plan of least expected cost to the plan of least CVaR."
    )
    return Frontier(
        pd.DataFrame(rows),
        method=method,
        network=nets[0],
        axes=("cvar_usd", "expected_cost_usd"),
        titles=("CVaR of cost", "expected cost"),
        title="Expected cost against CVaR over the scenarios",
    )
