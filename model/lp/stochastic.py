"""The two-stage stochastic LP in extensive form: one Pyomo model with a block per scenario.

Each scenario s (probability p_s) gets a block `S<k>` holding the whole plan of its network
(lp.build.populate). First-stage decisions are the same in every scenario: capacity built
(Build, Choose) and every decision of the years before the reveal year R (flows, purchases,
stocks and so the strategic stock held when the scenario becomes known, contract takes):

    Nonanticipative[s, v]:  v in S<k>  =  v in S0      (k >= 1; v first-stage, in both blocks)

With Cost_s = TotalCost_s + risk_weight x TotalRisk_s (the block's plan objective, kUSD):

    minimise  sum_s p_s Cost_s  +  cvar_weight x CVaR
    CVaR   =  Eta + 1 / (1 - alpha) x sum_s p_s Excess_s                (Rockafellar-Uryasev)
    CVaR_Excess[s]:  Excess_s >= Cost_s - Eta,   Excess_s >= 0,   Eta free

At the optimum CVaR is the expected cost of the worst (1 - alpha) of probability; at alpha =
0 it is the expected cost. The CVaR rows are built when the weight is positive or a cap on
CVaR is wanted (the CVaR frontier: CVaR_Cap, CVaR <= eps, and a second objective MinCVaR).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.core as pyo

from model.chain.network import Network
from model.lp.build import plan_objective, populate
from model.lp.names import BUILD, CHOOSE, CVAR_CAP, MIN_CVAR, NONANTICIPATIVE
from model.memory import collection_paused

FIRST_STAGE = (BUILD, CHOOSE)  # the same in every scenario whatever the year
OPEN = 1e20  # a bound no plan reaches (CVaR_Cap starts open)


@dataclass(frozen=True)
class ScenarioBlock:
    """A scenario's name, probability and network, and the block that holds its plan."""

    name: str
    probability: float
    network: Network
    block: str  # the block's name in the model, S0, S1, ...


def block_names(count: int) -> list[str]:
    return [f"S{k}" for k in range(count)]


def first_stage(name: str, index: tuple, reveal: int) -> bool:
    """Is variable name[index] decided before the scenario is known? Build and Choose always;
    any other in a year before `reveal` (every index ends with its year)."""
    return name in FIRST_STAGE or (isinstance(index[-1], int) and index[-1] < reveal)


def build_extensive_form(
    scenarios: list[tuple[str, float, Network]],
    reveal: int,
    alpha: float,
    weight: float,
    cvar_rows: bool = False,
) -> tuple[pyo.ConcreteModel, list[ScenarioBlock]]:
    """The extensive form (module docstring) and where each scenario's plan is."""
    m = pyo.ConcreteModel(name="mine2magnet_robust")
    blocks = []
    for (name, probability, net), block in zip(scenarios, block_names(len(scenarios)), strict=True):
        b = pyo.Block()
        m.add_component(block, b)
        populate(b, net)
        b.ScenarioCost = pyo.Expression(expr=plan_objective(b, net))
        blocks.append(ScenarioBlock(name, probability, net, block))
    with collection_paused():
        _nonanticipativity(m, blocks, reveal)
        m.ExpectedCost = pyo.Expression(
            expr=sum(s.probability * getattr(m, s.block).ScenarioCost for s in blocks)
        )
        objective = m.ExpectedCost
        if weight > 0 or cvar_rows:
            _cvar(m, blocks, alpha)
            if weight > 0:
                objective = m.ExpectedCost + weight * m.CVaR
        m.Objective = pyo.Objective(expr=objective, sense=pyo.minimize)
        if cvar_rows:  # a second objective, for the CVaR frontier
            m.add_component(MIN_CVAR, pyo.Objective(expr=m.CVaR, sense=pyo.minimize))
    return m, blocks


def _nonanticipativity(m: pyo.ConcreteModel, blocks: list[ScenarioBlock], reveal: int) -> None:
    """Nonanticipative[k, var, index]: each first-stage variable of block k equals block 0's."""
    first = getattr(m, blocks[0].block)
    pairs = []
    for k, scenario in enumerate(blocks[1:], start=1):
        block = getattr(m, scenario.block)
        for component in first.component_objects(pyo.Var, descend_into=False):
            own = block.component(component.local_name)
            if own is None:
                continue
            for index, var in component.items():
                key = index if isinstance(index, tuple) else (index,)
                if first_stage(component.local_name, key, reveal) and index in own:
                    pairs.append((k, own[index], var))
    m.NONANTICIPATIVE = pyo.Set(initialize=range(len(pairs)))
    m.add_component(
        NONANTICIPATIVE,
        pyo.Constraint(m.NONANTICIPATIVE, rule=lambda m, n: pairs[n][1] - pairs[n][2] == 0),
    )


def _cvar(m: pyo.ConcreteModel, blocks: list[ScenarioBlock], alpha: float) -> None:
    """Eta, Excess and CVaR (module docstring), and an open CVaR_Cap row."""
    m.SCENARIOS = pyo.Set(initialize=[s.block for s in blocks], ordered=True)
    m.Eta = pyo.Var(domain=pyo.Reals, doc="value at risk of the scenario cost (kUSD)")
    m.Excess = pyo.Var(m.SCENARIOS, domain=pyo.NonNegativeReals, doc="cost above Eta (kUSD)")
    m.CVaR_Excess = pyo.Constraint(
        m.SCENARIOS,
        rule=lambda m, s: m.Excess[s] - getattr(m, s).ScenarioCost + m.Eta >= 0,
    )
    tail = 1.0 / (1.0 - alpha)
    m.CVaR = pyo.Expression(
        expr=m.Eta + tail * sum(s.probability * m.Excess[s.block] for s in blocks)
    )
    m.add_component(CVAR_CAP, pyo.Constraint(expr=m.CVaR <= OPEN))
