"""Hand-checkable cases for capacity projects, supplier-to-buyer contracts, emissions and ESG.

All start from the tiny chain (model/examples/tiny.py; tests/test_hand.py derives its plan):
100 t of magnets a year, served at a marginal cost of 31.503 USD/kg; the unmet penalty is
1000 USD/kg, so a t/yr of magnet capacity that serves demand otherwise unmet is worth
(1000 - 31.503) x 1000 USD in a year. The plan mines CONC = 196.08 t of concentrate.
"""

from __future__ import annotations

import copy

import pytest
from conftest import invoke
from invariants import check_all

from model.chain.projects import capital_recovery_factor

pytestmark = pytest.mark.hand

MARGINAL = 31.503164044033227  # USD/kg of magnet demand in the tiny chain (test_hand)
CONC = (30 / 0.85) / 0.18  # t of concentrate the tiny plan mines
BASE_USD = 3_150_316.404403323


def two_years(tiny, rate: float = 0.1) -> dict:
    """The tiny chain over 2026-2027 at a discount rate, 100 t of demand each year."""
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2027},
        {"setting": "discount_rate", "value": rate},
    ]
    tiny["Demand"] = [{"segment": "motors", "year": t, "demand_t": 100} for t in (2026, 2027)]
    return tiny


def expansion(capex: float, **extra) -> dict:
    """A project adding up to 100 t/yr of magnet capacity at magnet_us from 2027, 5 years."""
    return {
        "project": "magnets_plus",
        "site": "magnet_us",
        "capex_usd_per_t": capex,
        "life_years": 5,
        "earliest_year": 2027,
        "max_t": 100,
        **extra,
    }


# ---------------------------------------------------------------- projects


def test_a_project_is_built_only_when_it_pays(tiny, solve_tables):
    # magnet capacity is cut to 60 t/yr: 40 t of demand a year goes unmet unless a project
    # adds capacity. A t/yr online from 2027 earns (1000 - 31.50) x 1000 USD in 2027 and
    # costs capex x CRF(0.1, 5) = capex x 0.263797 then: it pays below 3.67 M USD per t/yr.
    tiny = two_years(tiny)
    tiny["Sites"][3]["capacity_t"] = 60
    crf = capital_recovery_factor(0.1, 5)
    assert crf == pytest.approx(0.1 / (1 - 1.1**-5))
    d27 = 1 / 1.1
    # cheap: 40 t/yr built for 2027; the objective is the plan with 100 t/yr of capacity in
    # 2027 given, plus the discounted capital charge of the 40 t/yr
    tiny["Projects"] = [expansion(2_000_000)]
    run = solve_tables(tiny, "cheap.xlsx")
    check_all(run)
    row = run.solution.tables["Projects"].iloc[0]
    assert row["built_t"] == pytest.approx(40) and row["year_online"] == 2027
    assert row["capex_usd"] == pytest.approx(40 * 2_000_000)
    charge = 40 * 2_000_000 * crf * d27
    assert row["capital_charges_usd"] == pytest.approx(charge)
    given = dict(tiny)
    given["Projects"] = []
    given["Capacity"] = [{"site": "magnet_us", "year": 2027, "capacity_t": 100}]
    with_capacity = solve_tables(given, "given.xlsx").solution.summary["objective_usd"]
    assert run.solution.summary["objective_usd"] == pytest.approx(with_capacity + charge, rel=1e-9)
    assert run.solution.summary["capital_charges_usd"] == pytest.approx(charge, rel=1e-9)
    # the 40th t/yr is worth the unmet penalty it saves less what serving costs and its
    # charge: no more is built since demand is met, so one more t/yr allowed is worth 0
    assert row["value_usd_per_t"] == pytest.approx(0.0, abs=1e-3)
    # dear: not built; a t/yr would fall short by its charge less what it earns in 2027
    tiny["Projects"] = [expansion(5_000_000)]
    run = solve_tables(tiny, "dear.xlsx")
    row = run.solution.tables["Projects"].iloc[0]
    assert row["built_t"] == pytest.approx(0.0) and row["year_online"] is None
    shortfall = (5_000_000 * crf - (1000 - MARGINAL) * 1000) * d27
    assert row["value_usd_per_t"] == pytest.approx(-shortfall, rel=1e-6)
    # the same plan as with no project at all
    given["Capacity"] = []
    without = solve_tables(given, "without.xlsx").solution.summary["objective_usd"]
    assert run.solution.summary["objective_usd"] == pytest.approx(without, rel=1e-9)


def test_go_no_go_picks_the_cheaper_of_two_projects(tiny, solve_tables):
    # two all-or-nothing expansions of 40 t/yr each (min_t = max_t): one is enough, and the
    # cheaper one is chosen; the plan is a MIP, its duals from the LP with the choice fixed
    tiny = two_years(tiny)
    tiny["Sites"][3]["capacity_t"] = 60
    tiny["Projects"] = [
        expansion(2_000_000, project="cheap", max_t=40, min_t=40, decision="go_no_go"),
        expansion(2_500_000, project="dear", max_t=40, min_t=40, decision="go_no_go"),
    ]
    run = solve_tables(tiny)
    check_all(run)
    projects = run.solution.tables["Projects"].set_index("project")
    assert projects.loc["cheap", "built_t"] == pytest.approx(40)
    assert projects.loc["dear", "built_t"] == pytest.approx(0)
    summary = run.solution.summary
    assert "MIP" in summary["solver_method"] and "fixed" in summary["solver_method"]
    assert 0 <= summary["mip_gap"] <= 1e-4
    crf, d27 = capital_recovery_factor(0.1, 5), 1 / 1.1
    assert summary["capital_charges_usd"] == pytest.approx(40 * 2_000_000 * crf * d27, rel=1e-9)
    # duals exist (from the fixed LP): demand in 2027 is served at its marginal cost
    demand = run.solution.tables["Demand"].set_index("year")
    assert demand.loc[2027, "marginal_usd_per_kg"] == pytest.approx(MARGINAL, rel=1e-6)


# ---------------------------------------------------------------- supplier-to-buyer contracts


def with_swarf_recyclers(tiny) -> dict:
    """magnet_us loses 25% swarf; two US recyclers (long loop, oxide) could take it."""
    tiny["Sites"][3]["swarf_share"] = 0.25
    for name, cost in (("rec_cheap", 1.0), ("rec_dear", 20.0)):
        tiny["Sites"].append(
            {"site": name, "name": name, "stage": "recycling", "country": "USA",
             "capacity_t": 100, "cost_usd_per_kg": cost, "output": "oxide"}
        )  # fmt: skip
    return tiny


def test_an_exclusive_swarf_contract_routes_all_swarf_to_its_buyer(tiny, solve_tables):
    # 100 t of magnets make 0.25 x 100 = 25 t of swarf (grade std); with a share of 1.0 to
    # the dearer recycler, all 25 t go there and none to the cheaper one
    tiny = with_swarf_recyclers(tiny)
    tiny["Contracts"] = [
        {"contract": "swarf_deal", "site": "magnet_us", "buyer_site": "rec_dear",
         "commodity": "scrap", "share": 1.0}
    ]  # fmt: skip
    run = solve_tables(tiny)
    check_all(run)
    flows = run.result.values["Flow"]
    assert flows.get(("magnet_us", "rec_dear", "scrap", "std", 2026), 0) == pytest.approx(25.0)
    assert flows.get(("magnet_us", "rec_cheap", "scrap", "std", 2026), 0) == pytest.approx(0.0)
    row = run.solution.tables["Contracts"].iloc[0]
    assert row["buyer_site"] == "rec_dear" and row["take_t"] == pytest.approx(25.0)
    assert row["output_t"] == pytest.approx(25.0) and row["share_achieved"] == pytest.approx(1)


def test_a_pair_contract_minimum_is_taken_or_paid(tiny, solve_tables):
    # a take-or-pay for 30 t of scrap a year to rec_cheap: only 25 t of swarf exist, so 5 t
    # are paid (at the recycler-side price of 4 USD/kg) and not taken, plus a 4 USD/kg premium
    # on the 25 t taken
    tiny = with_swarf_recyclers(tiny)
    tiny["Contracts"] = [
        {"contract": "scrap_offtake", "site": "magnet_us", "buyer_site": "rec_cheap",
         "min_t": 30, "price_usd_per_kg": 4.0}
    ]  # fmt: skip
    run = solve_tables(tiny)
    row = run.solution.tables["Contracts"].iloc[0]
    assert row["take_t"] == pytest.approx(25.0)
    assert row["shortfall_t"] == pytest.approx(5.0)
    assert row["payment_usd"] == pytest.approx((25 + 5) * 4.0 * 1000)


# ---------------------------------------------------------------- emissions


def two_mines(tiny, carbon_price: float = 0.0) -> dict:
    """A second Australian mine like mine_au at 2.5 USD/kg but 1 kg CO2e/kg instead of 5;
    every other site and the market emit nothing, so only the mines' emissions count."""
    for row in tiny["Sites"]:
        row["co2e_kg_per_kg"] = 5.0 if row["site"] == "mine_au" else 0.0
    tiny["Sites"].append(
        {"site": "mine_b", "name": "mine_b", "stage": "mine", "country": "Australia",
         "capacity_t": 1000, "cost_usd_per_kg": 2.5, "co2e_kg_per_kg": 1.0}
    )  # fmt: skip
    tiny["Composition"] += [
        {"site": "mine_b", "element": r["element"], "share": r["share"]}
        for r in tiny["Composition"]
    ]
    tiny["MarketPrices"][0]["co2e_kg_per_kg"] = 0.0
    tiny["Settings"].append({"setting": "carbon_price_usd_per_t", "value": carbon_price})
    return tiny


def mined(run, mine: str) -> float:
    return run.result.values["Flow"].get((mine, "sep_us", "concentrate", "concentrate", 2026), 0)


def test_a_carbon_price_moves_the_ore_to_the_cleaner_mine(tiny, solve_tables):
    # mine_b costs 0.5 USD/kg more and emits 4 kg CO2e/kg less: it wins above 0.5 / 4 = 0.125
    # USD/kg CO2e = 125 USD/t. At 100 USD/t all CONC t come from mine_au; at 200 USD/t all of
    # them move to mine_b, and the objective rises by 0.5 USD/kg + 200 USD/t x 1 kg/kg on CONC
    run = solve_tables(two_mines(copy.deepcopy(tiny), 100.0), "low.xlsx")
    assert mined(run, "mine_au") == pytest.approx(CONC) and mined(run, "mine_b") == 0.0
    assert run.solution.summary["emissions_t_co2e"] == pytest.approx(5 * CONC)
    run = solve_tables(two_mines(tiny, 200.0), "high.xlsx")
    check_all(run)
    assert mined(run, "mine_b") == pytest.approx(CONC) and mined(run, "mine_au") == 0.0
    summary = run.solution.summary
    assert summary["emissions_t_co2e"] == pytest.approx(1.0 * CONC)
    assert summary["carbon_usd"] == pytest.approx(200 * CONC, rel=1e-9)
    assert summary["objective_usd"] == pytest.approx(BASE_USD + (0.5 + 0.2) * CONC * 1000)
    emissions = run.solution.tables["Emissions"]
    assert set(emissions["site"]) == {"mine_b"}
    assert emissions["co2e_t"].sum() == pytest.approx(CONC)


def test_max_emissions_binds_with_its_shadow_price(tiny, solve_tables):
    # at most 500 t CO2e in 2026: 5a + b <= 500 with a + b = CONC, so a = (500 - CONC) / 4;
    # one more t CO2e allowed lets 1/4 t move back to the cheaper mine: 0.5 / 4 = 0.125
    # USD per kg CO2e
    tiny = two_mines(tiny)
    tiny["Policies"] = [{"policy": "cap_co2", "type": "max_emissions", "value": 500}]
    run = solve_tables(tiny)
    check_all(run)
    assert mined(run, "mine_au") == pytest.approx((500 - CONC) / 4)
    assert mined(run, "mine_b") == pytest.approx(CONC - (500 - CONC) / 4)
    row = run.solution.tables["Policies"].iloc[0]
    assert row["achieved"] == pytest.approx(500) and row["limit"] == 500 and row["binding"]
    assert row["shadow_price_usd_per_kg"] == pytest.approx(0.5 / 4)


def test_min_esg_share_at_the_mine_stage(tiny, solve_tables):
    # mine_b is fully ESG-audited (esg 1), mine_au not at all (0): at least 60% of the
    # concentrate mined must come from mine_b (by tracked-element content, the same ore)
    tiny = two_mines(tiny)
    tiny["Sites"][-1]["esg_score"] = 1.0
    tiny["Policies"] = [{"policy": "esg", "type": "min_esg_share", "stage": "mine", "value": 0.6}]
    run = solve_tables(tiny)
    check_all(run)
    assert mined(run, "mine_b") == pytest.approx(0.6 * CONC)
    assert run.solution.tables["Policies"].iloc[0]["achieved"] == pytest.approx(0.6)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("project", "cell", "words"),
    [
        ({"capex_usd_per_t": 0}, "C2", "capex_usd_per_t = 0 must be above 0"),
        ({"capex_usd_per_t": -5}, "C2", "must be above 0"),
        ({"life_years": 0}, "E2", "life_years = 0 must be at least 1"),
        ({"lead_time_years": 3}, "G2", "cannot come online before 2029"),
        ({"earliest_year": 2031}, "F2", "cannot come online before 2031"),
        ({"min_t": 150}, "I2", "min_t 150 is above max_t 100"),
    ],
)
def test_bad_projects_are_named_at_their_cell(tiny, write_book, project, cell, words):
    tiny = two_years(tiny)
    tiny["Projects"] = [{**expansion(1_000_000, earliest_year=None), **project}]
    result = invoke("validate", write_book(tiny))
    assert result.exit_code == 1, result.output
    assert f"ERROR Projects!{cell}:" in " ".join(result.stderr.split())
    assert words in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("contract", "cell", "words"),
    [
        ({"site": "mine_au", "buyer_site": "metal_us"}, "I2",
         "a mine site (mine_au) does not ship to a metal (metal_us)"),
        ({"site": "sep_us", "buyer_site": "metal_us", "commodity": "metal"}, "J2",
         "sep_us ships oxide to metal_us, not metal"),
        ({"site": "sep_us", "buyer_site": "metal_us", "item": "std"}, "K2",
         "item 'std' is not an element"),
        ({"site": "sep_us", "share": 0.5}, "L2", "has a share but no buyer_site"),
        ({"site": "sep_us", "buyer_site": "metal_us", "share": 1.5}, "L2", "outside [0, 1]"),
    ],
)  # fmt: skip
def test_bad_pair_contracts_are_named_at_their_cell(tiny, write_book, contract, cell, words):
    tiny["Contracts"] = [{"contract": "k", **contract}]
    result = invoke("validate", write_book(tiny))
    assert result.exit_code == 1, result.output
    text = " ".join(result.stderr.split())
    assert f"ERROR Contracts!{cell}:" in text and words in text
