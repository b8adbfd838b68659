"""What the studies (sweeps, tornado, frontier) hand to the reports: plain tables and the
few facts needed to describe them, so report/ never needs studies/."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.chain.network import Network
from model.workbook.changes import Change


@dataclass
class SweepResult:
    """One row per point (swept values, status, KPIs) and whether it was cut short."""

    table: pd.DataFrame
    changes: list[Change]
    interrupted: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class Tornado:
    """One row per parameter: parameters that move the objective first, largest swing first;
    then those with no effect (`effect` = none, folded out of the chart) and those whose
    down or up point failed (`effect` = failed, `reason` says why), and, when the run was
    interrupted, those whose points never ran (`effect` = not run)."""

    table: pd.DataFrame
    base_objective_usd: float
    pct: float
    interrupted: bool = False  # cut short: parameters whose points never ran say `not run`

    @property
    def moving(self) -> pd.DataFrame:
        """The parameters that move the objective, largest swing first."""
        return self.table[self.table["effect"] == "moves"] if len(self.table) else self.table

    def of(self, effect: str) -> pd.DataFrame:
        """The rows with this effect: moves, none or failed."""
        return self.table[self.table["effect"] == effect] if len(self.table) else self.table


@dataclass
class Frontier:
    """The frontier table (one row per point) and how it was made."""

    table: pd.DataFrame
    method: str
    network: Network
    # the chart's (x, y) columns and their titles
    axes: tuple[str, str] = ("risk_usd", "total_cost_usd")
    titles: tuple[str, str] = ("risk", "total cost")
    title: str = "Cost-risk efficient frontier"


@dataclass
class Robust:
    """A plan that holds up in every scenario (studies.robust): one row per scenario (its
    probability, cost, unmet demand, China's share of the magnet stage, and the same under
    the plan made for the workbook as it is), the first-stage decisions, the headline figures
    (expected cost, CVaR, EVPI, VSS) and what the plan means in plain words."""

    scenarios: pd.DataFrame
    first_stage: pd.DataFrame
    summary: dict
    sentences: list[str] = field(default_factory=list)
    costs: pd.DataFrame = field(default_factory=pd.DataFrame)  # scenario x cost component
    # the robust plan as a solution of the nominal scenario, with the scenario sheets
    solution: Any = None
