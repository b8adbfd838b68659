"""The change language, persistent re-solves, sweeps, tornado and ranging."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from model.api import load_workbook_data, solve_data
from model.chain.network import build_network
from model.cli import app
from model.report.studies import write_sweep
from model.studies.persistent import Resolver
from model.studies.sweep import run_sweep
from model.studies.tornado import run_tornado
from model.workbook.changes import ChangeError, apply_change, check_change, parse_change

DY_BOUGHT = 2 / 0.871 - (30 / 0.85) / 0.18 * 0.0045
MARGINAL = 31.503164044033227  # USD/kg of magnet demand in the tiny chain (test_hand)


@pytest.fixture
def tiny_data(tiny, write_book):
    return load_workbook_data(write_book(tiny))


def test_change_language_reads_values_years_and_operations():
    c = parse_change("MarketPrices[china_market,oxide,Dy].price_usd_per_kg = 200:1000:200")
    assert (c.sheet, c.keys, c.column, c.op) == (
        "MarketPrices",
        ("china_market", "oxide", "Dy"),
        "price_usd_per_kg",
        "=",
    )
    assert c.values == (200, 400, 600, 800, 1000)
    c = parse_change("Demand[ev]@2030-2032.demand_t *= 1.1,1.2")
    assert c.years == (2030, 2032) and c.values == (1.1, 1.2) and c.op == "*="
    assert parse_change("Sites[x].first_year += 2").op == "+="


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Sites[carina.capacity_t = 1", "cannot read the change"),
        ("Sites[mine_au].capacity_t = abc", "not a number"),
        ("Plants[mine_au].capacity_t = 1", "unknown sheet 'Plants'"),
        ("Sites[mine_au].capacity = 1", "no numeric column 'capacity'"),
        ("Sites[Mine_au].capacity_t = 1", "no Sites row has key Mine_au"),
        ("Sites[mine_au]@2030.capacity_t = 1", "has no year column"),
        ("Settings[nonsense].value = 1", "Settings[name].value"),
    ],
)
def test_bad_changes_say_what_to_fix(tiny_data, text, words):
    with pytest.raises(ChangeError, match=None) as caught:
        check_change(parse_change(text), tiny_data)
    assert words in str(caught.value)


def test_changes_apply_where_they_say(tiny_data):
    data = tiny_data.copy()
    apply_change(data, parse_change("Sites[sep_us].capacity_t *= 0.5"))
    sites = data.tables["Sites"].set_index("site")
    assert sites.loc["sep_us", "capacity_t"] == 500
    assert tiny_data.tables["Sites"].set_index("site").loc["sep_us", "capacity_t"] == 1000
    # a first Capacity override is created by a full-key set
    apply_change(data, parse_change("Capacity[sep_us,2026].capacity_t = 250"))
    assert data.tables["Capacity"].iloc[-1][["site", "year", "capacity_t"]].tolist() == [
        "sep_us",
        2026,
        250,
    ]
    # scaling a site scales its overrides too
    apply_change(data, parse_change("Sites[sep_us].capacity_t *= 2"))
    assert data.tables["Capacity"].iloc[-1]["capacity_t"] == 500
    # a blank first_year means the horizon's first year
    apply_change(data, parse_change("Sites[magnet_us].first_year += 1"))
    assert data.tables["Sites"].set_index("site").loc["magnet_us", "first_year"] == 2027


@pytest.mark.parametrize(
    "text",
    [
        "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg = 250",
        "Sites[mine_au].cost_usd_per_kg *= 3",
        "Sites[magnet_us].capacity_t = 60",
        "Demand[motors].demand_t *= 1.5",
        "Settings[risk_weight].value = 1.5",
        "Transport[China,US].usd_per_kg = 40",
        "Sites[magnet_us].first_year += 1",  # structural: rebuilt
    ],
)
def test_persistent_resolve_equals_a_fresh_build_and_solve(tiny_data, text):
    resolver = Resolver(tiny_data)
    resolver.solve(tiny_data.copy())  # a first solve, so the next one is a warm re-solve
    case = tiny_data.copy()
    apply_change(case, parse_change(text))
    point = resolver.solve(case)
    fresh = solve_data(case.copy()).result
    assert point.result.status == fresh.status
    if fresh.ok:
        assert point.result.objective == pytest.approx(fresh.objective, rel=1e-9)
        for key, value in fresh.values["Flow"].items():
            assert point.result.values["Flow"].get(key, 0.0) == pytest.approx(value, abs=1e-7)
    assert point.rebuilt == ("first_year" in text)


def test_the_workbook_s_own_first_solve_uses_the_network_it_was_built_from(tiny_data, monkeypatch):
    import model.studies.persistent as persistent

    derived = []
    monkeypatch.setattr(
        persistent, "build_network", lambda data: derived.append(data) or build_network(data)
    )
    resolver = Resolver(tiny_data)
    first = resolver.solve(tiny_data)
    assert len(derived) == 1 and first.network is resolver.network and not first.rebuilt
    again = resolver.solve(tiny_data)  # solved once already: derived again, numbers pushed
    assert len(derived) == 2 and again.result.objective == pytest.approx(first.result.objective)
    given = Resolver(tiny_data, build_network(tiny_data))  # the caller's network
    assert given.solve(tiny_data).result.objective == pytest.approx(first.result.objective)
    assert len(derived) == 2


def test_sweep_points_match_fresh_solves_on_the_base_case(write_book):
    from conftest import INPUTS

    data = load_workbook_data(INPUTS / "base_case.xlsx")
    changes = [
        parse_change("MarketPrices[china_market,oxide,Dy].price_usd_per_kg = 300,900"),
        parse_change("Demand[wind].demand_t *= 0.8,1.2"),
    ]
    table = run_sweep(data, changes).table
    assert len(table) == 4 and (table["status"] == "optimal").all()
    assert (table["path"] == "fast").all()
    for row in table.to_dict("records"):
        case = data.copy()
        apply_change(case, changes[0], row[changes[0].label])
        apply_change(case, changes[1], row[changes[1].label])
        fresh = solve_data(case).solution.summary
        assert row["objective_usd"] == pytest.approx(fresh["objective_usd"], rel=1e-9)
        assert row["unmet_t"] == pytest.approx(fresh["unmet_t"], abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg *= 0.5,3,5",
        "Sites[mine_au].cost_usd_per_kg = 1,4,9",
        "Settings[risk_weight].value = 0,1.5,40",
        "Demand[motors]@2027.demand_t *= 0,0.5,2",
        "Sites[magnet_us].capacity_t = 60,150,90",
        "Capacity[sep_us,2027].capacity_t = 100,300,120",
    ],
)
def test_fast_sweep_points_equal_fresh_solves(tiny, write_book, text):
    _check_fast_sweep(tiny, write_book, text)


@pytest.mark.parametrize(
    "text",
    [
        "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg *= 0.5,3",
        "Settings[risk_weight].value = 0,4",
    ],
)
def test_fast_sweep_points_equal_fresh_solves_from_a_risk_weighted_workbook(tiny, write_book, text):
    # the fast path reads the cost part off an objective that holds risk too
    _check_fast_sweep(tiny, write_book, text, [{"setting": "risk_weight", "value": 2.0}])


def _check_fast_sweep(tiny, write_book, text, settings=()):
    # two years, a 10% Dy tariff (customs value = the market price) and a capacity override,
    # so prices, discounting, duties and overrides all come into play
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2027},
        {"setting": "discount_rate", "value": 0.1},
        *settings,
    ]
    tiny["Demand"].append({"segment": "motors", "year": 2027, "demand_t": 120})
    tiny["Tariffs"] = [
        {"from_country": "China", "to_region": "US", "commodity": "oxide", "tariff_pct": 10}
    ]
    tiny["Capacity"] = [{"site": "sep_us", "year": 2027, "capacity_t": 900}]
    data = load_workbook_data(write_book(tiny))
    change = parse_change(text)
    table = run_sweep(data, [change]).table
    assert (table["path"] == "fast").all()
    for row in table.to_dict("records"):
        case = data.copy()
        apply_change(case, change, row[change.label])
        fresh = solve_data(case).solution.summary
        for key in (
            "objective_usd",
            "total_cost_usd",
            "risk_usd",
            "unmet_t",
            "restricted_share_separation",
            "recycled_share",
            "top_country_share_magnet",
        ):
            assert row[key] == pytest.approx(fresh[key], rel=1e-8, abs=1e-6), key


def test_fast_points_after_a_rebuilt_point_start_from_the_workbook_again(tiny_data):
    # a capacity of 0 closes the plant in 2026 (a change of structure: rebuilt); the points
    # after it go the fast way again and must not inherit that closure
    change = parse_change("Sites[magnet_us].capacity_t = 60,0,90,100")
    table = run_sweep(tiny_data, [change]).table
    assert list(table["path"]) == ["fast", "rebuilt", "fast", "fast"]
    assert list(table["unmet_t"]) == pytest.approx([40, 100, 10, 0])
    assert table.loc[3, "objective_usd"] == pytest.approx(3150316.404403323)


def test_sweep_table_on_the_tiny_chain_is_linear_in_the_price(tiny_data):
    # the plan buys 1.4139 t of Dy at any price up to 1665.67 USD/kg: cost rises 1.4139 kUSD
    # per USD/kg
    sweep = run_sweep(
        tiny_data, [parse_change("MarketPrices[market_cn,oxide,Dy].price_usd_per_kg = 0:800:200")]
    )
    table = sweep.table
    assert list(table.iloc[:, 1]) == [0, 200, 400, 600, 800]
    steps = table["objective_usd"].diff().dropna()
    assert steps.to_numpy() == pytest.approx([DY_BOUGHT * 200e3] * 4)
    for key in ("total_cost_usd", "risk_usd", "unmet_t", "restricted_share_separation"):
        assert key in table


def test_failed_points_are_recorded_and_the_others_kept(tiny, write_book):
    # a Dy stock floor of 1000 t cannot be built from a market capped at 10 t and a mine of
    # 1000 t (4.5 t of Dy): infeasible; a negative capacity is refused as input: error
    tiny["MarketPrices"][0]["max_t"] = 10
    tiny["Stocks"] = [{"site": "metal_us", "element": "Dy", "initial_t": 0, "min_t": 1}]
    data = load_workbook_data(write_book(tiny))
    sweep = run_sweep(
        data,
        [
            parse_change("Stocks[metal_us,Dy].min_t = 1,1000,2"),
            parse_change("Sites[mine_au].capacity_t = 800,900,-1"),
        ],
        paired=True,
    )
    assert list(sweep.table["status"]) == ["optimal", "infeasible", "error"]
    assert "hard constraint" in sweep.table.loc[1, "message"]
    assert "outside [0, inf]" in sweep.table.loc[2, "message"]


def test_a_point_that_breaks_a_rule_is_marked_invalid(tiny, write_book):
    # a bid of 300 for Dy oxide: asking 250 would be a buy-and-resell arbitrage
    tiny["MarketPrices"][0]["bid_usd_per_kg"] = 300
    data = load_workbook_data(write_book(tiny))
    change = parse_change("MarketPrices[market_cn,oxide,Dy].price_usd_per_kg = 400,250")
    table = run_sweep(data, [change]).table
    assert list(table["status"]) == ["optimal", "invalid"]
    assert "arbitrage" in table.loc[1, "message"]


def test_interrupted_sweep_keeps_finished_points(tiny_data):
    def stop_after_two(done, total):
        if done == 2:
            raise KeyboardInterrupt

    sweep = run_sweep(
        tiny_data,
        [parse_change("Demand[motors].demand_t = 10:100:10")],
        progress=stop_after_two,
    )
    assert sweep.interrupted
    assert len(sweep.table) == 2 and (sweep.table["status"] == "optimal").all()


def test_two_workers_give_the_same_table(tiny_data):
    changes = [parse_change("Demand[motors].demand_t = 20:100:20")]
    one = run_sweep(tiny_data, changes, workers=1).table
    two = run_sweep(tiny_data, changes, workers=2).table
    assert one["objective_usd"].to_numpy() == pytest.approx(two["objective_usd"].to_numpy())


def test_tornado_ranks_by_swing_with_hand_values(tiny_data):
    # demand +-20% moves 20 t of magnets at 31.50 USD/kg; the Dy price +-20% moves 80 USD/kg
    # on 1.4139 t; capacities are slack and move nothing
    tornado = run_tornado(tiny_data, 20)
    table = tornado.table.set_index("parameter")
    assert tornado.table.iloc[0]["parameter"] == "Demand[motors].demand_t"
    assert table.loc["Demand[motors].demand_t", "change_up_usd"] == pytest.approx(
        20 * MARGINAL * 1e3
    )
    price = "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg"
    assert table.loc[price, "change_down_usd"] == pytest.approx(-80 * DY_BOUGHT * 1e3)
    assert table.loc["Sites[sep_us].capacity_t", "swing_usd"] == pytest.approx(0, abs=1e-6)


def test_ranging_says_how_far_costs_and_capacities_can_move(tiny, solve_tables):
    run = solve_tables(tiny)
    ranging = run.solution.tables["Ranging"].set_index(["site", "item"])
    # Dy from ore costs 7.5 / 0.0045 = 1666.67 USD/kg at the US metal plant; market Dy arrives
    # at price + 1 transport: the plan holds until the price reaches 1665.67
    dy = ranging.loc[("market_cn", "oxide Dy")]
    assert dy["can_rise_to"] == pytest.approx(7.5 / 0.0045 - 1)
    assert dy["value"] == 400
    # a binding magnet capacity of 60 t keeps its value for any capacity up to the 100 t demand
    tiny["Sites"][3]["capacity_t"] = 60
    run = solve_tables(tiny, "capped.xlsx")
    cap = run.solution.tables["Ranging"].set_index(["kind", "site"]).loc[("capacity", "magnet_us")]
    assert cap["value"] == 60 and cap["can_rise_to"] == pytest.approx(100)
    assert cap["shadow_value_usd_per_kg"] == pytest.approx(1000 - MARGINAL)


def test_sweep_workbook_and_sweeps_sheet(tiny, write_book, tmp_path, monkeypatch):
    tiny["Sweeps"] = [
        {
            "sweep": "dy_price",
            "change": "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg = 100:500:100",
        },
        {"sweep": "bad", "change": "Sites[nowhere].capacity_t = 1"},
    ]
    path = write_book(tiny)
    runner = CliRunner()
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "Sweeps!B3" in result.output
    tiny["Sweeps"] = tiny["Sweeps"][:1]
    path = write_book(tiny, "ok.xlsx")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", str(path), "--sweep", "dy_price"])
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "outputs" / "ok_sweep.xlsx")
    assert book.sheetnames[:3] == ["ReadMe", "Charts", "Sweep"]
    assert len(book["Charts"]._charts) >= 4
    assert book["Sweep"].max_row == 6
    # the same through the API writer
    data = load_workbook_data(path)
    out = write_sweep(
        run_sweep(data, [parse_change("Demand[motors].demand_t = 50,100")]), tmp_path / "s.xlsx"
    )
    assert load_workbook(out)["Sweep"]["A1"].value == "point"


# ---------------------------------------------------------------- @years on blank-year rows


def _two_years(tiny):
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2028},
    ]
    tiny["Demand"] = [{"segment": "motors", "year": t, "demand_t": 100} for t in (2026, 2027, 2028)]
    return tiny


def test_years_on_a_blank_year_row_split_it(tiny, write_book):
    # the Dy price row has a blank year (= every year): @2027 caps 2027 alone, the blank row
    # keeps 2026 and 2028
    data = load_workbook_data(write_book(_two_years(tiny)))
    change = parse_change("MarketPrices[market_cn]@2027.max_t = 0")
    check_change(change, data)  # a key naming fewer columns than the sheet's key is fine
    case = data.copy()
    apply_change(case, change)
    prices = case.tables["MarketPrices"]
    assert sorted(y for y in prices["year"] if y is not None) == [2027]
    assert prices.loc[prices["year"] == 2027, "max_t"].tolist() == [0]
    assert prices.loc[prices["year"].isna(), "max_t"].tolist() == [None]
    assert data.tables["MarketPrices"]["year"].isna().all()  # the original is untouched
    run = solve_data(case)
    bought = {t: run.result.values["Flow"].get(("market_cn", "metal_us", "oxide", "Dy", t), 0.0)
              for t in (2026, 2027, 2028)}  # fmt: skip
    assert bought[2027] == 0.0
    assert bought[2026] == pytest.approx(DY_BOUGHT) and bought[2028] == pytest.approx(DY_BOUGHT)


def test_years_on_a_blank_year_row_keep_a_row_of_its_own_year(tiny, write_book):
    tiny = _two_years(tiny)
    tiny["MarketPrices"].append(
        {"site": "market_cn", "commodity": "oxide", "item": "Dy", "year": 2028,
         "price_usd_per_kg": 900}
    )  # fmt: skip
    data = load_workbook_data(write_book(tiny))
    case = data.copy()
    apply_change(
        case, parse_change("MarketPrices[market_cn,oxide,Dy]@2027-2030.price_usd_per_kg *= 2")
    )
    prices = case.tables["MarketPrices"].set_index("year", drop=False)
    # 2027 split from the blank row (400 x 2); 2028 has its own row (900 x 2); no copies past
    # the horizon; the blank row stays at 400 for 2026
    assert sorted(prices["year"].dropna()) == [2027, 2028]
    assert prices.loc[2027, "price_usd_per_kg"] == 800
    assert prices.loc[2028, "price_usd_per_kg"] == 1800
    assert prices.loc[prices["year"].isna(), "price_usd_per_kg"].tolist() == [400]


# ---------------------------------------------------------------- tornado: folding and failures


def test_tornado_folds_parameters_that_move_nothing_and_reports_failed_points(tiny, write_book):
    # A floor of 50 t Dy metal in stock at metal_us with Dy oxide capped at 60 t: cutting the
    # cap by 20% (48 t oxide = 41.8 t metal, plus at most 1000 x 0.0045 x 0.871 = 3.9 t from
    # the ore) cannot keep the floor, so that point has no plan.
    tiny["MarketPrices"][0]["max_t"] = 60
    tiny["Stocks"] = [{"site": "metal_us", "element": "Dy", "min_t": 50, "max_t": 60}]
    data = load_workbook_data(write_book(tiny))
    cap = "MarketPrices[market_cn,oxide,Dy].max_t"
    tornado = run_tornado(data, 20, [cap, "Sites[sep_us].capacity_t", "Demand[motors].demand_t"])
    table = tornado.table.set_index("parameter")
    assert table.loc["Demand[motors].demand_t", "effect"] == "moves"
    assert table.loc["Sites[sep_us].capacity_t", "effect"] == "none"
    assert table.loc[cap, "effect"] == "failed"
    assert table.loc[cap, "reason"].startswith("-20%: infeasible")
    assert list(tornado.table["effect"]) == ["moves", "none", "failed"]
    assert list(tornado.moving.index) == [0]


def test_tornado_command_prints_folded_and_failed_parameters(tiny, write_book, tmp_path):
    tiny["MarketPrices"][0]["max_t"] = 60
    tiny["Stocks"] = [{"site": "metal_us", "element": "Dy", "min_t": 50, "max_t": 60}]
    path = write_book(tiny)
    out = tmp_path / "tornado.xlsx"
    cap = "MarketPrices[market_cn,oxide,Dy].max_t"
    result = CliRunner().invoke(
        app,
        ["tornado", str(path), "-o", str(out), "--param", cap, "--param",
         "Sites[sep_us].capacity_t", "--param", "Demand[motors].demand_t"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert "1 parameter(s) do not move the objective: Sites[sep_us].capacity_t." in text
    assert f"failed {cap}: -20%: infeasible" in text
    book = load_workbook(out, read_only=True)
    rows = list(book["Tornado"].iter_rows(values_only=True))
    book.close()
    header = rows[0]
    assert "reason" in header and "effect" in header
    reasons = {r[0]: r[header.index("reason")] for r in rows[1:]}
    assert reasons[cap].startswith("-20%: infeasible")
