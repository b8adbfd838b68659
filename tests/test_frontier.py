"""The cost-risk frontier and the impact table on the tiny chain."""

from __future__ import annotations

import itertools

import pytest

from model.api import load_workbook_data
from model.studies.frontier import efficient_frontier
from model.studies.impact import impact_table

pytestmark = pytest.mark.hand

DY = 2 / 0.871
CONC_MIN = (30 / 0.85) / 0.18
BASE_USD = 3150316.404403323


def risky_market(tiny) -> None:
    """Make the China market's Dy the risky option: 0.6 x 2000 = 1200 USD of risk per kg,
    against (0.1 x 5 + 0.05 x 15) / 0.0045 = 278 per kg of Dy from ore."""
    for site in tiny["Sites"]:
        if site["site"] == "market_cn":
            site["value_at_risk_usd_per_kg"] = 2000


def test_frontier_is_monotone_and_spans_the_two_extremes(tiny, write_book):
    risky_market(tiny)
    frontier = efficient_frontier(load_workbook_data(write_book(tiny)), points=5)
    table = frontier.table
    assert list(table["status"]) == ["optimal"] * 5
    # point 0 is the cost-only plan of the hand calculation
    assert table["total_cost_usd"].iloc[0] == pytest.approx(BASE_USD)
    # risk falls evenly and cost never falls as risk falls
    risks, costs = list(table["risk_usd"]), list(table["total_cost_usd"])
    assert all(a > b for a, b in itertools.pairwise(risks))
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(costs))
    steps = [a - b for a, b in itertools.pairwise(risks)]
    assert steps == pytest.approx([steps[0]] * 4, rel=1e-6)
    # the last point buys no Dy: all of it from ore (2.2962 / 0.0045 t of concentrate)
    # risk: mine 0.1 x 5 + separation 0.05 x 15 per kg concentrate = 1.25 USD/kg;
    # metal 0.05 x 80 per kg oxide; magnet 0.05 x 60 per kg magnet
    conc = DY / 0.0045
    oxide = 30 / 0.85 + DY
    expected_risk = (conc * 1.25 + oxide * 0.05 * 80 + 100 * 0.05 * 60) * 1000
    assert risks[-1] == pytest.approx(expected_risk, rel=1e-6)
    assert table["unmet_t"].max() == pytest.approx(0.0, abs=1e-6)


def test_impact_of_a_ban_is_the_cost_of_ore_dy(tiny, write_book):
    # banning Chinese separation forces all Dy from ore: 510.27 t instead of 196.08 t of
    # concentrate at 7.5 USD/kg plus the NdPr metal plant handles the same, minus the
    # 1.4139 t of Dy no longer bought at 401 USD/kg
    tiny["Policies"] = [
        {"policy": "no_cn", "type": "ban_country", "stage": "separation", "country": "China"}
    ]
    table = impact_table(load_workbook_data(write_book(tiny))).set_index("case")
    bought = DY - 0.0045 * CONC_MIN
    change = ((DY / 0.0045 - CONC_MIN) * 7.5 - bought * 401) * 1000
    assert table.loc["plain case (no rules)", "total_cost_usd"] == pytest.approx(BASE_USD)
    assert table.loc["+ policy no_cn", "cost_change_usd"] == pytest.approx(change)
    assert table.loc["all rules (the workbook as it is)", "cost_change_usd"] == pytest.approx(
        change
    )
