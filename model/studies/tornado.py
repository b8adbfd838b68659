"""Tornado: move each parameter down and up by a percentage and rank them by their effect on
the objective. Default parameters: every market price (per market, commodity and item),
every site capacity, and demand per segment. All points run on one persistent model."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from model.results.study_tables import Tornado
from model.studies.executor import Book
from model.studies.sweep import run_sweep
from model.workbook.changes import ChangeError, parse_change
from model.workbook.data import ChainData


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
    dask: str | None = None,
    book: Book | None = None,
) -> Tornado:
    """Objective at -pct and +pct for each parameter (scaled with *=), ranked by swing; the
    points run where run_sweep runs them (`workers` local processes, or Dask)."""
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
    sweep = run_sweep(
        data, changes, workers=workers, progress=progress, points=points, dask=dask, book=book
    )
    rows = {int(r["point"]): r for r in sweep.table.to_dict("records")}
    if 0 not in rows:  # interrupted before the base case finished: nothing to compare with
        raise KeyboardInterrupt
    base = rows[0].get("objective_usd")
    if rows[0]["status"] != "optimal":
        raise ChangeError(f"the workbook itself has no plan ({_reason(rows[0])}).")
    tolerance = ZERO_SWING_USD + ZERO_SWING_REL * abs(base)
    out = []
    for k, target in enumerate(targets):
        low, high = rows.get(1 + 2 * k, NOT_RUN), rows.get(2 + 2 * k, NOT_RUN)
        down = _minus(low.get("objective_usd"), base, low["status"])
        up = _minus(high.get("objective_usd"), base, high["status"])
        failed = [
            f"{sign}{pct:g}%: {_reason(point)}"
            for sign, point in (("-", low), ("+", high))
            if point["status"] != "optimal"
        ]
        swing = max(abs(v) for v in (down, up) if v is not None) if not failed else None
        effect = "failed" if failed else "moves" if swing > tolerance else "none"
        if low is NOT_RUN or high is NOT_RUN:
            effect = "not run"
        out.append(
            {
                "parameter": target,
                "objective_down_usd": low.get("objective_usd") if down is not None else None,
                "objective_up_usd": high.get("objective_usd") if up is not None else None,
                "change_down_usd": down,
                "change_up_usd": up,
                "swing_usd": swing,
                "effect": effect,
                "status_down": low["status"],
                "status_up": high["status"],
                "reason": "; ".join(failed),
            }
        )
    table = pd.DataFrame(out)
    if len(table):
        rank = table["effect"].map({"moves": 0, "none": 1, "failed": 2, "not run": 3})
        table = (
            table.assign(_rank=rank, _swing=-table["swing_usd"].fillna(0.0))
            .sort_values(["_rank", "_swing"], kind="stable")
            .drop(columns=["_rank", "_swing"])
            .reset_index(drop=True)
        )
    return Tornado(table, base, pct, interrupted=sweep.interrupted)


# a parameter whose swing is below 1 USD + 1e-9 of the objective moves nothing: what is left
# is the solver's rounding (a flat line otherwise draws as a step between 1103.5 and
# 1103.50000000001)
ZERO_SWING_USD = 1.0
ZERO_SWING_REL = 1e-9


# a point that an interrupted run never reached
NOT_RUN = {"status": "not run", "message": "interrupted before this point ran"}


def _reason(point: dict) -> str:
    """Why a point has no plan: its status and the solver's or validator's message."""
    message = point.get("message")
    if not isinstance(message, str) and message is not None and pd.isna(message):
        message = None
    text = point["status"]
    if isinstance(message, str) and message:
        text += f": {message}"
    return text


def _minus(value, base, status: str) -> float | None:
    if status != "optimal" or value is None or pd.isna(value):
        return None
    return value - base
