"""What the studies (sweeps, tornado, frontier) hand to the reports: plain tables and the
few facts needed to describe them, so report/ never needs studies/."""

from __future__ import annotations

from dataclasses import dataclass, field

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
