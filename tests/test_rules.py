"""Hand-checkable cases for policies, compliant chains, contracts, stocks and the risk term.

All start from the tiny chain (model/examples.py): 100 t of magnets need 2.2962 t Dy oxide;
the mine gives 0.0045 t Dy oxide and 0.18 t NdPr oxide per t of concentrate at 7.5 USD/kg
(mine + transport + separation), and Dy oxide from the China market costs 401 USD/kg
delivered. The cost-only plan takes the NdPr-minimum 196.08 t of concentrate (0.8824 t Dy)
and buys the other 1.4139 t Dy oxide.
"""

from __future__ import annotations

import pytest
from invariants import check_all

pytestmark = pytest.mark.hand

DY = 2 / 0.871  # t Dy oxide the magnets need
CONC_MIN = (30 / 0.85) / 0.18  # t concentrate the NdPr needs
BASE_USD = 3150316.404403323


def flow(run, i, j, c, x, t=2026) -> float:
    return run.result.values["Flow"].get((i, j, c, x, t), 0.0)


def conc(run, t=2026) -> float:
    return flow(run, "mine_au", "sep_us", "concentrate", "concentrate", t)


def dy_bought(run, t=2026) -> float:
    return flow(run, "market_cn", "metal_us", "oxide", "Dy", t)


def policy(name, kind, **extra) -> dict:
    return {"policy": name, "type": kind, **extra}


def test_hard_country_cap_on_dy_separation(tiny, solve_tables):
    # China may hold at most 20% of Dy at the separation stage (market oxide counts there):
    # B <= 0.2 (0.0045 C + B)  and  0.0045 C + B = 2.2962  ->  0.0045 C = 2.2962 / 1.25
    tiny["Policies"] = [
        policy(
            "cap_cn",
            "max_country_share",
            stage="separation",
            element="Dy",
            country="China",
            value=0.2,
        )
    ]
    run = solve_tables(tiny)
    check_all(run)
    ore_dy = DY / 1.25
    assert conc(run) == pytest.approx(ore_dy / 0.0045)
    assert dy_bought(run) == pytest.approx(0.25 * ore_dy)
    row = run.solution.tables["Policies"].iloc[0]
    assert row["achieved"] == pytest.approx(0.2)
    assert row["binding"]
    # the row is 0.8 B - 0.0009 C <= 0 with 0.0045 C + B = 2.2962: one more t of slack lets
    # 0.0045 C fall by 1 t (1/0.0045 t less ore at 7.5 USD/kg; its NdPr is surplus here) and
    # B rise by 1 t at 401 USD/kg: it saves 7.5 / 0.0045 - 401 = 1265.7 USD/kg
    assert row["shadow_price_usd_per_kg"] == pytest.approx(7.5 / 0.0045 - 401)


def test_soft_country_cap_pays_the_penalty(tiny, solve_tables):
    # At 100 USD/kg of violation, buying Dy (401 + 100) still beats ore Dy (1667 USD/kg):
    # the plan is unchanged and the violation is B - 0.2 x 2.2962 = 0.9546 t
    tiny["Policies"] = [
        policy(
            "cap_cn",
            "max_country_share",
            stage="separation",
            element="Dy",
            country="China",
            value=0.2,
            penalty_usd_per_kg=100,
        )
    ]
    run = solve_tables(tiny)
    check_all(run)
    violation = (DY - 0.0045 * CONC_MIN) - 0.2 * DY
    row = run.solution.tables["Policies"].iloc[0]
    assert row["violation_t"] == pytest.approx(violation)
    summary = run.solution.summary
    assert summary["policy_penalty_usd"] == pytest.approx(violation * 100e3)
    assert summary["objective_usd"] == pytest.approx(BASE_USD + violation * 100e3)


def test_every_single_country_cap(tiny, solve_tables):
    # country '*': each country at most 60% of Dy separation; China had 61.6% -> capped:
    # B = 0.6 x 2.2962, ore gives 0.4 x 2.2962; the US at 40% is within its own cap
    tiny["Policies"] = [
        policy(
            "cap_any", "max_country_share", stage="separation", element="Dy", country="*", value=0.6
        )
    ]
    run = solve_tables(tiny)
    check_all(run)
    assert dy_bought(run) == pytest.approx(0.6 * DY)
    table = run.solution.tables["Policies"].set_index("country")
    assert set(table.index) == {"China", "USA"}
    assert table.loc["China", "achieved"] == pytest.approx(0.6)
    assert table.loc["USA", "achieved"] == pytest.approx(0.4)
    assert not table.loc["USA", "binding"]


def test_min_region_share(tiny, solve_tables):
    # at least 70% of Dy separation in the US region: ore Dy = 0.7 x 2.2962
    tiny["Policies"] = [
        policy(
            "in_us", "min_region_share", stage="separation", element="Dy", region="US", value=0.7
        )
    ]
    run = solve_tables(tiny)
    check_all(run)
    assert conc(run) == pytest.approx(0.7 * DY / 0.0045)
    row = run.solution.tables["Policies"].iloc[0]
    assert row["achieved"] == pytest.approx(0.7) and row["binding"]


def test_min_recycled_share(tiny, solve_tables):
    # 10% of NdPr metal reaching magnet plants must be recycled: 3 t of the 30 t, from a
    # short-loop recycler (28% NdPr scrap, 90% recovery): 3 / 0.252 = 11.905 t scrap
    tiny["Sites"] += [
        {
            "site": "eol_us",
            "stage": "collection",
            "country": "USA",
            "capacity_t": 100,
            "cost_usd_per_kg": 50.0,
        },
        {
            "site": "short_us",
            "stage": "recycling",
            "country": "USA",
            "capacity_t": 100,
            "cost_usd_per_kg": 50.0,
            "output": "metal",
        },
    ]
    tiny["Composition"] += [{"site": "eol_us", "element": "NdPr", "share": 0.28}]
    tiny["Recovery"] += [{"site": "short_us", "element": "NdPr", "recovery": 0.9}]
    tiny["Policies"] = [policy("recycled", "min_recycled_share", element="NdPr", value=0.1)]
    run = solve_tables(tiny)
    check_all(run)
    assert flow(run, "eol_us", "short_us", "scrap", "scrap") == pytest.approx(3 / 0.252)
    assert flow(run, "short_us", "magnet_us", "metal", "NdPr") == pytest.approx(3.0)
    row = run.solution.tables["Policies"].iloc[0]
    assert row["achieved"] == pytest.approx(0.1) and row["binding"]


def test_ban_country(tiny, solve_tables):
    # no separation in China: the market's Dy oxide counts there, so all Dy comes from ore
    tiny["Policies"] = [policy("no_cn", "ban_country", stage="separation", country="China")]
    run = solve_tables(tiny)
    check_all(run)
    assert dy_bought(run) == 0.0
    assert conc(run) == pytest.approx(DY / 0.0045)
    # outside the policy's years the ban does not apply
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2027},
    ]
    tiny["Demand"].append({"segment": "motors", "year": 2027, "demand_t": 100})
    tiny["Policies"][0]["first_year"] = 2027
    run = solve_tables(tiny, "ban_2027.xlsx")
    assert dy_bought(run, 2026) == pytest.approx(DY - 0.0045 * CONC_MIN)
    assert dy_bought(run, 2027) == 0.0


def _with_defense(tiny, from_year=None):
    tiny["Segments"].append(
        {
            "segment": "defense",
            "region": "US",
            "grades": "std",
            "requires_compliant": True,
            "compliant_from_year": from_year,
        }
    )
    tiny["Demand"].append({"segment": "defense", "year": 2026, "demand_t": 100})


def test_compliant_segment_never_receives_restricted_material(tiny, solve_tables):
    # defense needs 100 t of magnets whose Dy never passed China: 2.2962 t Dy oxide from ore,
    # i.e. 510.27 t concentrate (which also covers both segments' NdPr); motors still buy
    # their Dy from the cheap Chinese market.
    _with_defense(tiny)
    run = solve_tables(tiny)
    check_all(run)
    assert conc(run) == pytest.approx(DY / 0.0045)
    assert dy_bought(run) == pytest.approx(DY)
    assert flow(run, "magnet_us", "defense", "magnet", "std") == pytest.approx(100.0)
    comp = run.result.values["Comp"]
    assert all(f[0] != "market_cn" for f in comp)  # restricted source: no compliant arc at all
    dy_compliant = comp[("sep_us", "metal_us", "oxide", "Dy", 2026)]
    assert dy_compliant == pytest.approx(DY)  # the ore's Dy is the compliant Dy
    table = run.solution.tables["Compliance"].iloc[0]
    assert table["compliant_t"] == pytest.approx(table["received_t"]) == pytest.approx(100.0)


def test_compliance_applies_from_its_year(tiny, solve_tables):
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2027},
    ]
    _with_defense(tiny, from_year=2027)
    tiny["Demand"].append({"segment": "defense", "year": 2027, "demand_t": 100})
    tiny["Demand"] = [d for d in tiny["Demand"] if d["segment"] == "defense"]
    run = solve_tables(tiny)
    check_all(run)
    assert conc(run, 2026) == pytest.approx(CONC_MIN)  # 2026: the cheap plan
    assert conc(run, 2027) == pytest.approx(DY / 0.0045)  # 2027: ore Dy only
    assert dy_bought(run, 2027) == 0.0


def test_no_compliance_variables_unless_asked(tiny, solve_tables):
    run = solve_tables(tiny)
    assert run.result.values["Comp"] == {}
    assert "Compliance" not in run.solution.tables


def _contract(**extra) -> dict:
    return {"contract": "offtake", "site": "mine_au", **extra}


def test_take_or_pay_pays_the_untaken_minimum(tiny, solve_tables):
    # minimum 300 t at 3 USD/kg (replacing the mine's 2): the plan takes 196.08 t and pays
    # for 300 t: contract payments 900 kUSD; the mine's own cost no longer counts
    tiny["Contracts"] = [_contract(min_t=300, price_usd_per_kg=3, binding=True)]
    run = solve_tables(tiny)
    check_all(run)
    assert conc(run) == pytest.approx(CONC_MIN)
    row = run.solution.tables["Contracts"].iloc[0]
    assert row["shortfall_t"] == pytest.approx(300 - CONC_MIN)
    summary = run.solution.summary
    assert summary["contracts_usd"] == pytest.approx(900e3)
    assert summary["objective_usd"] == pytest.approx(BASE_USD - CONC_MIN * 2e3 + 900e3)


def test_non_binding_mou_drops_the_minimum_and_keeps_the_cap(tiny, solve_tables):
    # non-binding, minimum 300 t: nothing is paid for the untaken part; the plan is unchanged
    tiny["Contracts"] = [_contract(min_t=300, max_t=400, binding=False)]
    run = solve_tables(tiny)
    check_all(run)
    assert conc(run) == pytest.approx(CONC_MIN)
    assert run.solution.summary["objective_usd"] == pytest.approx(BASE_USD)
    # a cap of 150 t of concentrate -> 27 t NdPr oxide -> 22.95 t NdPr metal -> 76.5 t of
    # magnets, so 23.5 t unmet
    tiny["Contracts"] = [_contract(max_t=150, binding=False)]
    run = solve_tables(tiny, "capped.xlsx")
    check_all(run)
    assert conc(run) == pytest.approx(150.0)
    assert run.solution.summary["unmet_t"] == pytest.approx(100 - 150 * 0.18 * 0.85 / 0.30)


def test_stock_carries_cheap_dy_into_an_expensive_year(tiny, solve_tables):
    # Dy oxide costs 400 in 2026 and 800 in 2027; a Dy metal stock at the metal plant with
    # 10 USD/kg/yr holding: the 2027 market Dy (1.4139 t oxide = 1.2315 t metal) is bought
    # in 2026 and held one year
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2027},
    ]
    tiny["Demand"].append({"segment": "motors", "year": 2027, "demand_t": 100})
    tiny["MarketPrices"].append(
        {
            "site": "market_cn",
            "commodity": "oxide",
            "item": "Dy",
            "year": 2027,
            "price_usd_per_kg": 800,
        }
    )
    tiny["Stocks"] = [
        {
            "site": "metal_us",
            "element": "Dy",
            "initial_t": 0,
            "min_t": 0,
            "max_t": 50,
            "holding_usd_per_kg_yr": 10,
        }
    ]
    run = solve_tables(tiny)
    check_all(run)
    held = (DY - 0.0045 * CONC_MIN) * 0.871
    stocks = run.solution.tables["Stocks"].set_index("year")
    assert stocks.loc[2026, "stock_t"] == pytest.approx(held)
    assert stocks.loc[2027, "stock_t"] == pytest.approx(0.0, abs=1e-9)
    assert dy_bought(run, 2026) == pytest.approx(2 * (DY - 0.0045 * CONC_MIN))
    assert dy_bought(run, 2027) == pytest.approx(0.0, abs=1e-9)
    assert run.solution.summary["holding_usd"] == pytest.approx(held * 10e3)


def test_strategic_stock_floor_is_built_and_kept(tiny, solve_tables):
    # a 5 t floor on Dy metal with nothing in stock: 5 t more Dy metal is made in 2026
    # from 5 / 0.871 t of market oxide and kept to the end
    tiny["Stocks"] = [{"site": "metal_us", "element": "Dy", "initial_t": 0, "min_t": 5}]
    run = solve_tables(tiny)
    check_all(run)
    assert dy_bought(run) == pytest.approx(DY - 0.0045 * CONC_MIN + 5 / 0.871)
    assert run.solution.tables["Stocks"].iloc[0]["stock_t"] == pytest.approx(5.0)


def test_risk_weight_trades_cost_for_risk(tiny, solve_tables):
    # risk per kg: China market 0.6 x 60 (default market value at risk) = 36 USD/kg bought;
    # US separation 0.05 x 60 = 3 USD/kg concentrate in; with weight 2 the Dy market costs
    # 401 + 72 and ore Dy 1667 + more: the plan keeps buying, and the objective adds 2 x risk
    tiny["Settings"].append({"setting": "risk_weight", "value": 2})
    run = solve_tables(tiny)
    check_all(run)
    summary = run.solution.summary
    assert summary["risk_weight"] == 2
    assert summary["objective_usd"] == pytest.approx(
        summary["total_cost_usd"] + 2 * summary["risk_usd"]
    )
    risk = run.solution.tables["Risk"].set_index(["country", "stage"])
    bought = DY - 0.0045 * CONC_MIN
    assert risk.loc[("China", "market"), "risk_usd"] == pytest.approx(bought * 36e3)


def test_ban_at_the_market_stage_stops_purchases_from_that_country(tiny, solve_tables):
    # the contract lists stage = market: a ban there counts what China's markets sell, so the
    # Dy oxide must all come from the ore
    tiny["Policies"] = [policy("no_cn_market", "ban_country", stage="market", country="China")]
    run = solve_tables(tiny)
    check_all(run)
    assert dy_bought(run) == 0.0
    assert conc(run) == pytest.approx(DY / 0.0045)
    row = run.solution.tables["Policies"].iloc[0]
    assert row["stage"] == "market" and row["achieved"] == pytest.approx(0.0)


def test_country_share_at_the_market_stage_counts_market_sales(tiny, solve_tables):
    # a second market in the US sells Dy oxide at 450 USD/kg (no transport inside the US):
    # with China's markets held to 40% of all market sales, B_cn <= 0.4 (B_cn + B_us) and the
    # cheapest plan buys B_us = 1.5 B_cn: 2.5 B_cn = 1.4139 t (the ore's Dy is as in the
    # cost-only plan, since market Dy at 450 still beats ore Dy at 1667 USD/kg)
    tiny["Sites"].append(
        {"site": "market_us", "name": "market_us", "stage": "market", "country": "USA"}
    )
    tiny["MarketPrices"].append(
        {"site": "market_us", "commodity": "oxide", "item": "Dy", "price_usd_per_kg": 450}
    )
    tiny["Policies"] = [
        policy("cn_markets", "max_country_share", stage="market", country="China", value=0.4)
    ]
    run = solve_tables(tiny)
    check_all(run)
    b_cn = dy_bought(run)
    b_us = flow(run, "market_us", "metal_us", "oxide", "Dy")
    need = DY - 0.0045 * CONC_MIN
    assert b_cn == pytest.approx(0.4 * need)
    assert b_us == pytest.approx(0.6 * need)
    row = run.solution.tables["Policies"].iloc[0]
    assert row["achieved"] == pytest.approx(0.4) and row["binding"]
    # with B_us = N - B_cn the row 0.6 B_cn - 0.4 B_us <= s reads B_cn <= 0.4 N + s: one more
    # kg of slack swaps a US kg (450) for a Chinese one (400 + 1 transport): 49 USD/kg
    assert row["shadow_price_usd_per_kg"] == pytest.approx(450 - 401)
