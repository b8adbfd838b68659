"""Ranging: how far a used source's cost or a binding capacity can move before the plan's
basis (which arcs and plants are used) changes, from HiGHS's sensitivity ranging.

Source costs: a site's cost (or a market's price for one item) sits in the cost of every arc
it ships on. Each used arc k can take a rise of d_k alone; rising on all of them together
keeps the basis while sum_k delta / d_k <= 1 (the 100% rule), so the safe common rise is
delta = 1 / sum_k (1 / d_k), and likewise for a fall. Money is turned from the objective's
discounted kUSD/t into that year's USD/kg by dividing by the discount factor.

Capacities: a binding Capacity row keeps its shadow value while its right-hand side stays
inside HiGHS's bound range.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd

from model.chain.network import Network
from model.lp.names import CAPACITY, FLOW
from model.solver.session import SolveResult

COLUMNS = [
    "kind",
    "site",
    "item",
    "year",
    "value",
    "unit",
    "can_fall_to",
    "can_rise_to",
    "shadow_value_usd_per_kg",
    "meaning",
]


def _common(gaps: list[float]) -> float:
    """Largest common move that keeps every arc's own range (100% rule)."""
    if any(g <= 0 for g in gaps):
        return 0.0
    total = sum(1.0 / g for g in gaps if math.isfinite(g))
    return math.inf if total == 0 else 1.0 / total


def ranging_table(net: Network, result: SolveResult) -> pd.DataFrame:
    """One row per used source cost (site-year or market item-year) and binding capacity."""
    groups: dict[tuple[str, str, int], list[tuple[float, float, float]]] = defaultdict(list)
    for (var, key), (coef, low, high) in result.cost_ranges.items():
        if var != FLOW:
            continue
        i, _j, c, x, t = key
        stage = net.stage(i)
        if stage in ("mine", "collection"):
            groups[i, stage, t].append((coef, low, high))
        elif stage == "market":
            groups[i, f"{c} {x}", t].append((coef, low, high))
    rows = []
    for (i, item, t), ranges in sorted(groups.items()):
        rise = _common([high - coef for coef, _low, high in ranges]) / net.discount[t]
        fall = _common([coef - low for coef, low, _high in ranges]) / net.discount[t]
        if net.stage(i) == "market":
            commodity, x = item.split(" ", 1)
            value = net.prices[i, commodity, x, t]["price"]
            what = f"{i}'s price of {item}"
        else:
            value = net.contract_price.get((i, t), net.sites[i].cost_usd_per_kg)
            what = f"{i}'s cost"
            item = "concentrate" if item == "mine" else "scrap"
        high = value + rise
        low = value - fall
        rows.append(
            {
                "kind": "source cost",
                "site": i,
                "item": item,
                "year": t,
                "value": value,
                "unit": "USD/kg",
                "can_fall_to": low,
                "can_rise_to": high,
                "shadow_value_usd_per_kg": None,
                "meaning": f"{what} in {t} can move within [{_fmt(low)}, {_fmt(high)}] "
                "USD/kg before the plan changes",
            }
        )
    for (name, key), (bound, low, high) in sorted(result.bound_ranges.items()):
        if name != CAPACITY:
            continue
        i, t = key
        value = -result.duals[CAPACITY][key] / net.discount[t]
        rows.append(
            {
                "kind": "capacity",
                "site": i,
                "item": net.stage(i),
                "year": t,
                "value": bound,
                "unit": "t",
                "can_fall_to": low,
                "can_rise_to": high,
                "shadow_value_usd_per_kg": value,
                "meaning": f"each t of {i}'s capacity in {t} is worth {value:,.2f} USD/kg "
                f"between {_fmt(low)} and {_fmt(high)} t",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _fmt(value: float) -> str:
    return "inf" if value == math.inf else "-inf" if value == -math.inf else f"{value:,.2f}"
