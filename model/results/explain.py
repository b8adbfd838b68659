"""Say in plain words why demand is unmet or why no plan exists.

Unmet demand: for each segment and year with unmet demand, the limits that bind upstream of
it (capacities and market caps whose shadow value is positive on a site that can reach the
segment that year), ranked by what one more kg of each would save. Infeasible: the
constraints of the irreducible conflict HiGHS found, described in words.
"""

from __future__ import annotations

from collections import deque

import pandas as pd

from model.chain.network import Network
from model.lp.names import (
    CAPACITY,
    CONTRACT_MAX,
    CONTRACT_MIN,
    DEMAND_BALANCE,
    ELEMENT_BALANCE,
    FLOW,
    GRADE_BALANCE,
    MARKET_ITEM_CAP,
    METAL_BALANCE,
    POLICY,
    STOCK,
    STOCK_CARRY,
    SWARF_LIMIT,
    UNMET,
)
from model.solver.session import SolveResult
from model.units import SLACK_T

EPS = SLACK_T  # t
TOP = 4

COLUMNS = [
    "segment",
    "year",
    "demand_t",
    "unmet_t",
    "limit",
    "site",
    "item",
    "element",
    "used_t",
    "limit_t",
    "shadow_value_usd_per_kg",
]


def describe(net: Network, component: str, index: tuple) -> str:
    """A constraint in words, e.g. 'the capacity of sep_us in 2026'."""
    if component == CAPACITY:
        i, t = index
        return f"the {net.stage(i)} capacity of {i} in {t} ({net.cap_t.get((i, t), 0):,.0f} t)"
    if component == MARKET_ITEM_CAP:
        p, c, x, t = index
        cap = net.market_caps.get((p, c, x, t), 0)
        return f"the cap on {c} {x} bought from {p} in {t} ({cap:,.0f} t)"
    if component == DEMAND_BALANCE:
        s, t = index
        return f"the demand of {s} in {t} ({net.demand_t.get((s, t), 0):,.0f} t)"
    if component in (ELEMENT_BALANCE, METAL_BALANCE):
        i, e, t = index
        return f"the balance of {e} at {i} in {t}"
    if component == GRADE_BALANCE:
        i, g, t = index
        return f"the balance of grade {g} magnets at {i} in {t}"
    if component == SWARF_LIMIT:
        i, g, t = index
        return f"the swarf of grade {g} available at {i} in {t}"
    if component == POLICY:
        policy, country, t = index
        where = f" for {country}" if country else ""
        return f"policy {policy}{where} in {t}"
    if component in (CONTRACT_MIN, CONTRACT_MAX):
        k, t = index
        contract = next((c for c in net.contracts if c.contract == k), None)
        if contract is not None:
            bound = contract.min_t if component == CONTRACT_MIN else contract.max_t
            which = "minimum take" if component == CONTRACT_MIN else "maximum take"
            return f"the {which} of contract {k} at {contract.site} in {t} ({bound:,.0f} t)"
    if component == STOCK_CARRY:
        i, e, t = index
        return f"the stock of {e} at {i} carried into {t}"
    if component.startswith("Comp_"):
        return f"the compliant-chain rule {component}[{', '.join(str(k) for k in index)}]"
    return f"{component}[{', '.join(str(k) for k in index)}]"


def describe_bound(net: Network, variable: str, index: tuple, which: str) -> str:
    """A variable bound in words, e.g. 'the minimum stock of Dy at mp_metal in 2027 (10 t)'."""
    if variable == STOCK:
        i, e, t = index
        stock = net.stocks.get((i, e))
        if stock is not None:
            word, value = ("minimum", stock.min_t) if which == "lower" else ("maximum", stock.max_t)
            return f"the {word} stock of {e} at {i} in {t} ({value:,.0f} t)"
    if variable == FLOW and which == "upper":
        i, j, c, x, t = index
        return (
            f"the compliant-chain rule that closes {c} {x} from {i} to {j} in {t} "
            f"({i} is in a restricted country)"
        )
    return f"the {which} bound of {variable}[{', '.join(str(k) for k in index)}]"


def upstream(net: Network, node: str, t: int) -> set[str]:
    """Sites with a path of year-t arcs into `node`."""
    seen: set[str] = set()
    queue = deque([node])
    while queue:
        j = queue.popleft()
        for i, _j, _c, _x, _t in net.inflows.get((j, t), ()):
            if i not in seen:
                seen.add(i)
                queue.append(i)
    return seen


def unmet_reasons(net: Network, result: SolveResult) -> pd.DataFrame:
    """One row per binding limit upstream of each segment-year with unmet demand."""
    rows = []
    cap_duals = result.duals.get(CAPACITY, {})
    item_duals = result.duals.get(MARKET_ITEM_CAP, {})
    for (s, t), unmet in result.values.get(UNMET, {}).items():
        if unmet <= EPS:
            continue
        base = {"segment": s, "year": t, "demand_t": net.demand_t[s, t], "unmet_t": unmet}
        sites = upstream(net, s, t)
        limits = []
        for i in sorted(sites):  # ties in value keep one order from run to run
            value = -cap_duals.get((i, t), 0.0) / net.discount[t]
            if value > EPS:
                limits.append(
                    {
                        "limit": f"{net.stage(i)} capacity",
                        "site": i,
                        "item": "",
                        "element": "",
                        "limit_t": net.cap_t[i, t],
                        "shadow_value_usd_per_kg": value,
                    }
                )
        for (p, c, x, tt), dual in item_duals.items():
            value = -dual / net.discount[t]
            if tt == t and p in sites and value > EPS:
                limits.append(
                    {
                        "limit": "market cap",
                        "site": p,
                        "item": f"{c} {x}",
                        "element": x if c in ("oxide", "metal") else "",
                        "limit_t": net.market_caps[p, c, x, t],
                        "shadow_value_usd_per_kg": value,
                    }
                )
        if not limits:
            limits.append(
                {
                    "limit": "no supply route" if not sites else "no single binding limit",
                    "site": "",
                    "item": ", ".join(net.segments[s].grades),
                    "element": "",
                    "limit_t": None,
                    "shadow_value_usd_per_kg": None,
                }
            )
        for limit in sorted(limits, key=lambda r: -(r["shadow_value_usd_per_kg"] or 0)):
            rows.append({**base, **limit, "used_t": _used(net, result, limit, t)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _used(net: Network, result: SolveResult, limit: dict, t: int) -> float | None:
    site, item = limit["site"], limit["item"]
    if not site:
        return None
    flows = result.values.get(FLOW, {})
    if item:
        c, x = item.split(" ", 1)
        return sum(flows.get(f, 0.0) for f in net.shipped.get((site, c, x, t), ()))
    from model.lp.terms import evaluate, throughput_terms

    return evaluate(throughput_terms(net, site, t), result.values)


def sentences(net: Network, result: SolveResult, reasons: pd.DataFrame) -> list[str]:
    """Plain-language explanation of a solve's shortfalls or infeasibility."""
    if result.status == "infeasible":
        if not result.conflict and not result.conflict_bounds:
            return [result.message]
        every = [describe_bound(net, v, i, w) for v, i, w in result.conflict_bounds]
        every += [describe(net, c, i) for c, i in result.conflict]
        parts = "; ".join(every[:8])
        more = len(every) - 8
        tail = f" and {more} more" if more > 0 else ""
        return [f"{result.message} These cannot all hold together: {parts}{tail}."]
    out = []
    for (s, t), group in reasons.groupby(["segment", "year"], sort=True):
        first = group.iloc[0]
        share = first["unmet_t"] / first["demand_t"] if first["demand_t"] else 0.0
        head = (
            f"{s} {t}: {first['unmet_t']:,.1f} t of {first['demand_t']:,.0f} t unmet ({share:.1%})."
        )
        if first["limit"] == "no supply route":
            out.append(
                f"{head} No magnet plant or market can supply its grades ({first['item']}) "
                "that year."
            )
            continue
        if first["limit"] == "no single binding limit":
            out.append(f"{head} Serving it would cost more than its unmet penalty.")
            continue
        # the limits that matter: within a factor of 10 of the strongest one
        strong = group[
            group["shadow_value_usd_per_kg"] >= 0.1 * group.iloc[0]["shadow_value_usd_per_kg"]
        ]
        limits = [_limit_text(r) for r in strong.head(TOP).to_dict("records")]
        more = len(strong) - TOP
        elements = sorted({e for e in strong["element"] if e})
        short = (
            f" The shortfall is in {', '.join(elements)}."
            if elements
            else " The shortfall is in processing or magnet capacity, not in one element."
        )
        out.append(
            f"{head} Stopped by {'; '.join(limits)}"
            + (f"; and {more} more" if more > 0 else "")
            + f".{short}"
        )
    return out


def _limit_text(row: dict) -> str:
    what = f"{row['limit']} of {row['site']}" + (f" on {row['item']}" if row["item"] else "")
    return (
        f"{what} ({row['limit_t']:,.0f} t, full; 1 more kg saves "
        f"{row['shadow_value_usd_per_kg']:,.0f} USD)"
    )
