"""Tornado: move each parameter down and up by a percentage and rank them by their effect on
the objective. Default parameters: every market price (per market, commodity and item),
every site capacity, and demand per segment. All points run on one persistent model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from .changes import parse_change
from .data import ChainData
from .sweep import run_sweep


@dataclass
class Tornado:
    table: pd.DataFrame  # one row per parameter, largest swing first
    base_objective_usd: float
    pct: float


def default_parameters(data: ChainData) -> list[str]:
    """Market prices, site capacities and segment demand, as change targets."""
    targets: list[str] = []
    prices = data.tables["MarketPrices"]
    priced = prices[prices["price_usd_per_kg"].notna()]
    for key in dict.fromkeys(zip(priced["site"], priced["commodity"], priced["item"], strict=True)):
        targets.append(f"MarketPrices[{','.join(key)}].price_usd_per_kg")
    sites = data.tables["Sites"]
    for site in sites.loc[sites["capacity_t"].notna(), "site"]:
        targets.append(f"Sites[{site}].capacity_t")
    for segment in dict.fromkeys(data.tables["Demand"]["segment"]):
        targets.append(f"Demand[{segment}].demand_t")
    return targets


def run_tornado(
    data: ChainData,
    pct: float = 20.0,
    parameters: Sequence[str] | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Tornado:
    """Objective at -pct and +pct for each parameter (scaled with *=), ranked by swing."""
    targets = list(parameters) if parameters else default_parameters(data)
    down, up = 1 - pct / 100, 1 + pct / 100
    changes = [parse_change(f"{target} *= {down},{up}") for target in targets]
    # point 0 is the base case (every factor 1); then each parameter alone, down and up
    points = [[1.0] * len(changes)]
    for k in range(len(changes)):
        for factor in (down, up):
            point = [1.0] * len(changes)
            point[k] = factor
            points.append(point)
    rows = run_sweep(data, changes, workers=workers, progress=progress, points=points).table
    base = rows.iloc[0]["objective_usd"]
    out = []
    for k, target in enumerate(targets):
        low, high = rows.iloc[1 + 2 * k], rows.iloc[2 + 2 * k]
        out.append(
            {
                "parameter": target,
                "objective_down_usd": low.get("objective_usd"),
                "objective_up_usd": high.get("objective_usd"),
                "change_down_usd": _minus(low.get("objective_usd"), base),
                "change_up_usd": _minus(high.get("objective_usd"), base),
                "status_down": low["status"],
                "status_up": high["status"],
            }
        )
    table = pd.DataFrame(out)
    if len(table):
        table["swing_usd"] = table[["change_down_usd", "change_up_usd"]].abs().max(axis=1)
        table = table.sort_values("swing_usd", ascending=False).reset_index(drop=True)
    return Tornado(table, base, pct)


def _minus(value, base):
    return None if value is None or pd.isna(value) else value - base
