"""Mass balance, cost identities, capacities and dual signs on solved cases."""

from __future__ import annotations

import pytest
from invariants import check_all

pytestmark = pytest.mark.invariants


def test_tiny_invariants(tiny, solve_tables):
    check_all(solve_tables(tiny))


def test_invariants_with_recycling_swarf_bids_and_discounting(tiny, solve_tables):
    tiny["Settings"] += [
        {"setting": "last_year", "value": 2028},
        {"setting": "discount_rate", "value": 0.08},
    ]
    tiny["Settings"] = [r for r in tiny["Settings"] if r != {"setting": "last_year", "value": 2026}]
    tiny["Demand"] = [
        {"segment": "motors", "year": y, "demand_t": 100 + 40 * (y - 2026)}
        for y in (2026, 2027, 2028)
    ]
    tiny["Sites"][3].update(swarf_share=0.25, capacity_t=160)
    tiny["Sites"] += [
        {
            "site": "short_us",
            "stage": "recycling",
            "country": "USA",
            "capacity_t": 20,
            "cost_usd_per_kg": 1.0,
            "output": "metal",
        },
        {
            "site": "eol_us",
            "stage": "collection",
            "country": "USA",
            "capacity_t": 15,
            "cost_usd_per_kg": 0.5,
        },
        {
            "site": "long_us",
            "stage": "recycling",
            "country": "USA",
            "capacity_t": 30,
            "cost_usd_per_kg": 1.5,
            "output": "oxide",
            "first_year": 2027,
        },
    ]
    tiny["Composition"] += [
        {"site": "eol_us", "element": "NdPr", "share": 0.28},
        {"site": "eol_us", "element": "Dy", "share": 0.02},
    ]
    tiny["Recovery"] += [
        {"site": s, "element": e, "recovery": 0.9}
        for s in ("short_us", "long_us")
        for e in ("NdPr", "Dy")
    ]
    tiny["MarketPrices"] += [
        {"site": "market_cn", "commodity": "oxide", "item": "NdPr", "bid_usd_per_kg": 20},
        {
            "site": "market_cn",
            "commodity": "magnet",
            "item": "std",
            "price_usd_per_kg": 80,
            "max_t": 10,
        },
    ]
    run = solve_tables(tiny)
    check_all(run)
    # the case really exercises the loops it claims to
    flows = run.solution.tables["Flows"]
    assert (flows["to"] == "short_us").any()
    assert (flows["from"] == "long_us").any()
    assert run.solution.summary["unmet_t"] > 0
