"""Tables for risk and the planner's rules: Risk, Policies, Contracts, Stocks, Compliance."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from model.chain.network import Network
from model.lp.names import COMP, FLOW, POLICY, SHORTFALL, STOCK, VIOLATION
from model.lp.policies import policy_type
from model.lp.terms import evaluate, output_terms, take_terms
from model.results.sums import Sums
from model.solver.session import SolveResult
from model.units import DUAL, KUSD, SLACK_T


def risk_table(net: Network, sums: Sums) -> pd.DataFrame:
    """Risk by country, stage and year: t handled x risk score x value at risk (USD)."""
    rows: dict[tuple[str, str, int], dict[str, float]] = defaultdict(
        lambda: {"handled_t": 0.0, "risk_usd": 0.0}
    )
    for i, info in net.sites.items():
        weight = net.risk_usd_per_kg(i)
        for t in net.site_years[i]:
            handled = sums.of(("through", i, t))
            if handled <= SLACK_T:
                continue
            row = rows[info.country, info.stage, t]
            row["handled_t"] += handled
            row["risk_usd"] += handled * weight * KUSD
    frame = pd.DataFrame(
        [
            {
                "country": c,
                "stage": s,
                "year": t,
                **v,
                "discounted_risk_usd": v["risk_usd"] * net.discount[t],
            }
            for (c, s, t), v in rows.items()
        ],
        columns=["country", "stage", "year", "handled_t", "risk_usd", "discounted_risk_usd"],
    )
    return frame.sort_values(["year", "stage", "country"]).reset_index(drop=True)


def policy_table(net: Network, result: SolveResult) -> pd.DataFrame:
    """Per policy and year: achieved value, limit, binding, shadow price and violation.

    achieved is a share (group / total) for share policies and t handled for bans;
    shadow_price_usd_per_kg is what relaxing the policy by one kg would save (the dual's size,
    in that year's USD per kg; 0 when it does not bind); violation_t is the t beyond the limit
    (soft policies only).
    """
    values, duals = result.values, result.duals.get(POLICY, {})
    rows = []
    for p in net.policies:
        entry = policy_type(p)
        group_terms, total_terms = entry.parts(net, p)
        group, total = evaluate(group_terms, values), evaluate(total_terms, values)
        lhs_terms, rhs = entry.lhs(net, p)
        lhs = evaluate(lhs_terms, values) - rhs
        violation = values.get(VIOLATION, {}).get(p.key, 0.0)
        dual = abs(duals.get(p.key, 0.0)) / net.discount[p.year]
        slack = abs(lhs + (violation if entry.sense == ">=" else -violation))
        rows.append(
            {
                "policy": p.policy,
                "type": p.type,
                "stage": p.stage or "",
                "element": p.elements[0] if len(p.elements) == 1 else "all",
                "country": p.country or "",
                "region": p.region or "",
                "year": p.year,
                "achieved": entry.achieved(group, total),
                "limit": entry.limit(p),
                "group_t": group,
                "total_t": total,
                "binding": bool(
                    p.key in duals and slack <= SLACK_T * max(1.0, total) and abs(dual) > DUAL
                ),
                "shadow_price_usd_per_kg": dual,
                "violation_t": violation,
                "penalty_usd_per_kg": p.penalty_usd_per_kg,
            }
        )
    columns = [
        "policy",
        "type",
        "stage",
        "element",
        "country",
        "region",
        "year",
        "achieved",
        "limit",
        "group_t",
        "total_t",
        "binding",
        "shadow_price_usd_per_kg",
        "violation_t",
        "penalty_usd_per_kg",
    ]
    return pd.DataFrame(rows, columns=columns)


def contract_table(net: Network, values: dict) -> pd.DataFrame:
    """Per contract (or supplier-buyer pair) and year: take, limits, share of the supplier's
    output that went to the buyer, take-or-pay shortfall and payment (a whole-site contract
    pays its price on the take; a pair contract its premium on the take; both pay the
    shortfall at the contract price, else the supplier's cost)."""
    rows = []
    for k in net.contracts:
        for t in k.years:
            take = evaluate(take_terms(net, k, t), values)
            shortfall = values.get(SHORTFALL, {}).get((k.contract, t), 0.0)
            price = k.unit_price(net.sites[k.site].cost_usd_per_kg)
            paid_take = take * (k.price_usd_per_kg or 0.0) if k.pair else take * price
            output = evaluate(output_terms(net, k, t), values) if k.pair else None
            rows.append(
                {
                    "contract": k.contract,
                    "site": k.site,
                    "buyer_site": k.buyer or "",
                    "commodity": k.commodity or "",
                    "item": k.item or "",
                    "year": t,
                    "take_t": take,
                    "min_t": k.min_t if k.binding else None,
                    "max_t": k.max_t,
                    "share": k.share if k.binding else None,
                    "output_t": output,
                    "share_achieved": take / output if output and output > SLACK_T else None,
                    "shortfall_t": shortfall,
                    "price_usd_per_kg": price,
                    "payment_usd": (paid_take + shortfall * price) * KUSD,
                }
            )
    columns = [
        "contract",
        "site",
        "buyer_site",
        "commodity",
        "item",
        "year",
        "take_t",
        "min_t",
        "max_t",
        "share",
        "output_t",
        "share_achieved",
        "shortfall_t",
        "price_usd_per_kg",
        "payment_usd",
    ]
    return pd.DataFrame(rows, columns=columns)


def stock_table(net: Network, values: dict) -> pd.DataFrame:
    """End-of-year stock levels with their bounds and holding cost."""
    rows = []
    for (i, e), stock in net.stocks.items():
        for t in net.years:
            level = values.get(STOCK, {}).get((i, e, t), 0.0)
            rows.append(
                {
                    "site": i,
                    "element": e,
                    "year": t,
                    "stock_t": level,
                    "min_t": stock.min_t,
                    "max_t": stock.max_t,
                    "holding_cost_usd": level * stock.holding_usd_per_kg_yr * KUSD,
                }
            )
    columns = ["site", "element", "year", "stock_t", "min_t", "max_t", "holding_cost_usd"]
    return pd.DataFrame(rows, columns=columns)


def compliance_table(net: Network, values: dict) -> pd.DataFrame:
    """For segments that require compliant chains: magnets received and their compliant part."""
    rows = []
    flows, comp = values.get(FLOW, {}), values.get(COMP, {})
    for s, years in net.compliant_segments.items():
        for t in sorted(years):
            arcs = net.inflows.get((s, t), [])
            rows.append(
                {
                    "segment": s,
                    "year": t,
                    "received_t": sum(flows.get(f, 0.0) for f in arcs),
                    "compliant_t": sum(comp.get(f, 0.0) for f in arcs),
                }
            )
    return pd.DataFrame(rows, columns=["segment", "year", "received_t", "compliant_t"])
