"""Hand-solvable cases: the expected objective and flows are derived in the comments."""

from __future__ import annotations

import pytest

from model.examples.tiny import TINY_FIGURES as F

pytestmark = pytest.mark.hand


def flow(run, i, j, c, x, t=2026) -> float:
    return run.result.values["Flow"].get((i, j, c, x, t), 0.0)


def site(run, name, stage, country, cap, cost=0.0, **extra) -> dict:
    row = {"site": name, "stage": stage, "country": country, "capacity_t": cap}
    row.update(cost_usd_per_kg=cost, **extra)
    return row


def test_tiny_objective_and_flows_match_hand_calculation(tiny, solve_tables):
    run = solve_tables(tiny)
    # 100 t of magnets need 30 t NdPr metal and 2 t Dy metal (recipe 0.30 / 0.02)
    ndpr_oxide = 100 * F["recipe_ndpr"] / 0.85  # 35.294 t
    dy_oxide = 100 * F["recipe_dy"] / 0.871  # 2.2962 t
    # NdPr sets the concentrate: every t gives 0.2 x 0.9 t NdPr oxide
    conc = ndpr_oxide / (F["ndpr_share"] * F["sep_recovery"])  # 196.08 t
    dy_from_mine = conc * F["dy_share"] * F["sep_recovery"]  # 0.882 t
    dy_bought = dy_oxide - dy_from_mine  # 1.414 t, cheaper than 1667 USD/kg from more ore
    expected_kusd = (
        conc * (F["mine_cost"] + F["transport_asiapac_us"] + F["sep_cost"])
        + (ndpr_oxide + dy_oxide) * F["metal_cost"]
        + 100 * F["magnet_cost"]
        + dy_bought * (F["dy_price"] + F["transport_china_us"])
    )  # 3150.32 kUSD
    assert run.result.status == "optimal"
    assert run.solution.summary["objective_usd"] == pytest.approx(expected_kusd * 1000, rel=1e-7)
    assert flow(run, "mine_au", "sep_us", "concentrate", "concentrate") == pytest.approx(conc)
    assert flow(run, "market_cn", "metal_us", "oxide", "Dy") == pytest.approx(dy_bought)
    assert flow(run, "metal_us", "magnet_us", "metal", "NdPr") == pytest.approx(30.0)
    assert flow(run, "magnet_us", "motors", "magnet", "std") == pytest.approx(100.0)
    assert run.solution.summary["unmet_t"] == pytest.approx(0.0, abs=1e-9)
    # separation stage: the US separator recovers 35.294 t NdPr + 0.882 t Dy oxide, the
    # China market sells 1.414 t Dy oxide: the US holds 36.176 / 37.590 of it
    summary = run.solution.summary
    assert summary["top_country_separation"] == "USA"
    handled_us = ndpr_oxide + dy_from_mine
    assert summary["top_country_share_separation"] == pytest.approx(
        handled_us / (handled_us + dy_bought)
    )
    assert summary["restricted_share_separation"] == pytest.approx(
        dy_bought / (handled_us + dy_bought)
    )


def test_tiny_marginal_cost_of_demand_from_duals(tiny, solve_tables):
    run = solve_tables(tiny)
    # value of Dy oxide at the metal plant = 400 + 1 transport; Dy metal = (3 + 401) / 0.871
    dy_metal = (F["metal_cost"] + F["dy_price"] + F["transport_china_us"]) / 0.871
    # NdPr oxide comes only with concentrate; its value is the ore cost net of the Dy credit:
    # 1 t concentrate = 0.18 t NdPr oxide + 0.0045 t Dy oxide (worth 401 each)
    ndpr_oxide = (7.5 - 0.0045 * 401) / 0.18
    ndpr_metal = (F["metal_cost"] + ndpr_oxide) / 0.85
    expected = F["magnet_cost"] + 0.30 * ndpr_metal + 0.02 * dy_metal  # 31.50 USD/kg
    demand = run.solution.tables["Demand"].iloc[0]
    assert demand["marginal_usd_per_kg"] == pytest.approx(expected, rel=1e-7)


def test_capacity_shortfall_leaves_unmet_at_the_penalty(tiny, solve_tables):
    # magnet plant limited to 60 t: 40 t unmet; one more t of demand costs the penalty,
    # one more t of magnet capacity saves penalty - marginal production cost (31.50)
    tiny["Sites"][3]["capacity_t"] = 60
    run = solve_tables(tiny)
    demand = run.solution.tables["Demand"].iloc[0]
    assert demand["unmet_t"] == pytest.approx(40.0)
    assert demand["marginal_usd_per_kg"] == pytest.approx(1000.0)
    sites = run.solution.tables["Sites"].set_index("site")
    assert sites.loc["magnet_us", "utilisation"] == pytest.approx(1.0)
    assert sites.loc["magnet_us", "capacity_value_usd_per_kg"] == pytest.approx(
        1000 - 31.5032, 1e-5
    )
    assert sites.loc["mine_au", "capacity_value_usd_per_kg"] == pytest.approx(0.0, abs=1e-9)


def test_dy_rich_source_cannot_deliver_dy_without_its_ndpr(tiny, solve_tables):
    # An ionic clay with 10% Dy and 10% NdPr oxide and no Dy market: to get 2.2962 t Dy oxide
    # the separator must take 2.2962 / (0.1 x 0.9) = 25.51 t clay concentrate, which brings
    # 25.51 x 0.1 x 0.9 = 2.2962 t NdPr oxide with it - the balance problem.
    tiny["Sites"].append(site(None, "clay_br", "mine", "Australia", 1000, 2.0))
    tiny["Composition"] += [
        {"site": "clay_br", "element": "NdPr", "share": 0.10},
        {"site": "clay_br", "element": "Dy", "share": 0.10},
    ]
    tiny["Composition"][1]["share"] = 0.0  # mine_au has no Dy any more
    tiny["MarketPrices"] = []
    run = solve_tables(tiny)
    clay = flow(run, "clay_br", "sep_us", "concentrate", "concentrate")
    au = flow(run, "mine_au", "sep_us", "concentrate", "concentrate")
    dy_oxide = 2 / 0.871
    assert clay == pytest.approx(dy_oxide / 0.09)
    # NdPr from both ores together is exactly what the magnets need: no NdPr vanishes
    ndpr_out = 0.09 * clay + 0.18 * au
    shipped = flow(run, "sep_us", "metal_us", "oxide", "NdPr")
    unused = run.result.values["Unused"].get(("sep_us", "NdPr", 2026), 0.0)
    assert shipped + unused == pytest.approx(ndpr_out)
    assert shipped == pytest.approx(30 / 0.85)


def test_dy_rich_source_surplus_ndpr_is_reported_unused(tiny, solve_tables):
    # Only the clay (10% NdPr, 10% Dy) and a grade needing more Dy than NdPr: the NdPr that
    # comes with the Dy cannot vanish; it shows as unused oxide at the separator.
    tiny["Composition"] = [
        {"site": "mine_au", "element": "NdPr", "share": 0.10},
        {"site": "mine_au", "element": "Dy", "share": 0.10},
    ]
    tiny["Grades"] = [
        {"grade": "std", "element": "NdPr", "kg_per_kg": 0.01},
        {"grade": "std", "element": "Dy", "kg_per_kg": 0.05},
    ]
    tiny["MarketPrices"] = []
    run = solve_tables(tiny)
    # Dy: 100 x 0.05 / 0.871 = 5.7405 t oxide -> 63.78 t ore -> 5.7405 t NdPr oxide made,
    # of which 100 x 0.01 / 0.85 = 1.1765 t is used and 4.5640 t is left unused
    dy_oxide = 5 / 0.871
    unused = run.solution.tables["Unused"].set_index(["site", "item"])
    assert unused.loc[("sep_us", "NdPr"), "t"] == pytest.approx(dy_oxide - 1 / 0.85)


def test_swarf_goes_round_the_short_loop(tiny, solve_tables):
    # 25% swarf: the plant consumes 1.25 x recipe; a short-loop recycler turns swarf into metal
    # at 90% recovery for 1 USD/kg scrap, cheaper than virgin metal, so all swarf is recycled:
    # NdPr metal needed from the metal plant = 100 x 0.30 x (1.25 - 0.25 x 0.9) = 30.75 t
    tiny["Sites"][3]["swarf_share"] = 0.25
    tiny["Sites"].append(site(None, "recycler_us", "recycling", "USA", 1000, 1.0, output="metal"))
    tiny["Sites"][-1]["site"] = "recycler_us"
    tiny["Recovery"] += [
        {"site": "recycler_us", "element": e, "recovery": 0.9} for e in ("NdPr", "Dy")
    ]
    run = solve_tables(tiny)
    swarf = flow(run, "magnet_us", "recycler_us", "scrap", "std")
    assert swarf == pytest.approx(25.0)
    assert flow(run, "recycler_us", "magnet_us", "metal", "NdPr") == pytest.approx(25 * 0.3 * 0.9)
    assert flow(run, "metal_us", "magnet_us", "metal", "NdPr") == pytest.approx(30.75)


def test_end_of_life_scrap_long_loop_gives_oxide(tiny, solve_tables):
    # 10 t of scrap (28% NdPr, 2% Dy as metal) through a long-loop recycler at 90% recovery:
    # oxide out = scrap x content x recovery / oxide_to_metal
    tiny["Sites"] += [
        site(None, "eol_us", "collection", "USA", 10, 0.5),
        site(None, "longloop_us", "recycling", "USA", 100, 1.0, output="oxide"),
    ]
    tiny["Sites"][-2]["site"], tiny["Sites"][-1]["site"] = "eol_us", "longloop_us"
    tiny["Composition"] += [
        {"site": "eol_us", "element": "NdPr", "share": 0.28},
        {"site": "eol_us", "element": "Dy", "share": 0.02},
    ]
    tiny["Recovery"] += [
        {"site": "longloop_us", "element": e, "recovery": 0.9} for e in ("NdPr", "Dy")
    ]
    run = solve_tables(tiny)
    assert flow(run, "eol_us", "longloop_us", "scrap", "scrap") == pytest.approx(10.0)
    assert flow(run, "longloop_us", "metal_us", "oxide", "Dy") == pytest.approx(
        10 * 0.02 * 0.9 / 0.871
    )
    assert flow(run, "longloop_us", "metal_us", "oxide", "NdPr") == pytest.approx(
        10 * 0.28 * 0.9 / 0.85
    )


def test_segment_chooses_the_cheaper_accepted_grade(tiny, solve_tables):
    # a low-Dy grade (0.30 NdPr, 0.005 Dy) saves Dy at 401 USD/kg; the segment accepts both
    tiny["Grades"] += [
        {"grade": "gbd", "element": "NdPr", "kg_per_kg": 0.30},
        {"grade": "gbd", "element": "Dy", "kg_per_kg": 0.005},
    ]
    tiny["Segments"][0]["grades"] = "std, gbd"
    run = solve_tables(tiny)
    assert flow(run, "magnet_us", "motors", "magnet", "gbd") == pytest.approx(100.0)
    assert flow(run, "magnet_us", "motors", "magnet", "std") == pytest.approx(0.0, abs=1e-9)
    # a segment that accepts only std keeps std even though gbd is cheaper
    tiny["Segments"][0]["grades"] = "std"
    run = solve_tables(tiny, "std_only.xlsx")
    assert flow(run, "magnet_us", "motors", "magnet", "std") == pytest.approx(100.0)


def test_tariff_on_market_purchase_uses_market_price_as_customs_value(tiny, solve_tables):
    # 10% on Dy oxide from China into the US, customs value blank -> the 400 USD/kg price:
    # extra cost = 1.4139 t x 40 USD/kg = 56.55 kUSD
    base = solve_tables(tiny).solution.summary
    tiny["Tariffs"] = [
        {"from_country": "China", "to_region": "US", "commodity": "oxide", "tariff_pct": 10}
    ]
    taxed = solve_tables(tiny, "taxed.xlsx").solution.summary
    dy_bought = 2 / 0.871 - (30 / 0.85) / 0.18 * 0.0045
    assert taxed["tariffs_usd"] == pytest.approx(dy_bought * 40 * 1000)
    assert taxed["objective_usd"] - base["objective_usd"] == pytest.approx(dy_bought * 40e3)


def test_lanes_restrict_a_site_to_its_listed_arcs(tiny, solve_tables):
    # the market may only sell to a site that does not exist as a metal maker -> no Dy purchase:
    # all Dy must come from ore, i.e. 2.2962 / 0.0045 = 510.3 t concentrate
    tiny["Lanes"] = [{"from_site": "market_cn", "to_site": "magnet_us", "allowed": True}]
    run = solve_tables(tiny)
    assert flow(run, "market_cn", "metal_us", "oxide", "Dy") == 0.0
    assert flow(run, "mine_au", "sep_us", "concentrate", "concentrate") == pytest.approx(
        (2 / 0.871) / 0.0045
    )


def test_discounting_and_operating_years(tiny, solve_tables):
    # two years at 10%: the same plan costs 3150.32 + 3150.32 / 1.1 kUSD
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2027},
        {"setting": "discount_rate", "value": 0.1},
    ]
    tiny["Demand"].append({"segment": "motors", "year": 2027, "demand_t": 100})
    run = solve_tables(tiny)
    one_year = 3150.316404403323e3
    assert run.solution.summary["objective_usd"] == pytest.approx(one_year * (1 + 1 / 1.1))
    # the magnet plant closes after 2026: 2027 demand is all unmet
    tiny["Sites"][3]["last_year"] = 2026
    run = solve_tables(tiny, "closed.xlsx")
    demand = run.solution.tables["Demand"].set_index("year")
    assert demand.loc[2027, "unmet_t"] == pytest.approx(100.0)
    assert demand.loc[2026, "unmet_t"] == pytest.approx(0.0, abs=1e-9)


def test_market_bid_buys_surplus_and_incentive_credits(tiny, solve_tables):
    # The ore-only Dy plan of test_lanes leaves NdPr surplus; with a bid of 20 USD/kg for NdPr
    # oxide the surplus is sold rather than left unused.
    tiny["Lanes"] = [{"from_site": "market_cn", "to_site": "magnet_us", "allowed": True}]
    tiny["MarketPrices"].append(
        {"site": "market_cn", "commodity": "oxide", "item": "NdPr", "bid_usd_per_kg": 20}
    )
    tiny["Sites"][1]["incentive_usd_per_kg"] = 1.0
    run = solve_tables(tiny)
    conc = (2 / 0.871) / 0.0045
    surplus = conc * 0.18 - 30 / 0.85
    assert flow(run, "sep_us", "market_cn", "oxide", "NdPr") == pytest.approx(surplus)
    summary = run.solution.summary
    assert summary["sales_usd"] == pytest.approx(-surplus * 20e3)
    assert summary["incentives_usd"] == pytest.approx(-conc * 1e3)
