"""Identities every solved case must satisfy, checked from the input data and the solution
tables rather than from the model's own constraint definitions."""

from __future__ import annotations

from collections import defaultdict

import pytest

from model.api import Run

TOL = 1e-6


def _approx(value: float) -> object:
    return pytest.approx(value, rel=1e-6, abs=1e-6)


def check_mass_balance(run: Run) -> None:
    """Every processor, magnet plant and segment balances, element by element and year."""
    data, values = run.data, run.result.values
    tables = data.tables
    stage = dict(zip(tables["Sites"]["site"], tables["Sites"]["stage"], strict=True))
    output = dict(zip(tables["Sites"]["site"], tables["Sites"]["output"], strict=True))
    swarf = {r["site"]: r["swarf_share"] or 0.0 for r in tables["Sites"].to_dict("records")}
    comp = {(r["site"], r["element"]): r["share"] for r in tables["Composition"].to_dict("records")}
    rec = {(r["site"], r["element"]): r["recovery"] for r in tables["Recovery"].to_dict("records")}
    otm = dict(
        zip(tables["Elements"]["element"], tables["Elements"]["oxide_to_metal"], strict=True)
    )
    recipe = {
        (r["grade"], r["element"]): r["kg_per_kg"] for r in tables["Grades"].to_dict("records")
    }
    made_of = defaultdict(float)  # (site, element, year) -> t produced from inputs
    shipped = defaultdict(float)  # (site, item, year) -> t shipped
    arrived = defaultdict(float)  # (site, element, year) -> t of element metal arrived
    to_segment = defaultdict(float)
    for (i, j, c, x, t), v in values["Flow"].items():
        shipped[i, c, x, t] += v
        if j not in stage:
            to_segment[j, t] += v
            continue
        for e in otm:
            if c in ("oxide", "metal"):
                content = 1.0 if x == e else 0.0
            elif x in ("concentrate", "scrap"):
                content = comp.get((i, e), 0.0)
            else:
                content = recipe.get((x, e), 0.0)
            if content == 0:
                continue
            if stage[j] == "magnet":
                arrived[j, e, t] += v * content
                continue
            if stage[j] == "market":
                continue
            gain = content * rec.get((j, e), 1.0)
            if stage[j] == "metal":
                gain *= otm[e]
            if stage[j] == "recycling" and output[j] == "oxide":
                gain /= otm[e]
            made_of[j, e, t] += v * gain
    stocks = {(r["site"], r["element"]): r for r in tables["Stocks"].to_dict("records")}
    first = data.settings["first_year"]

    def drawn(i: str, e: str, t: int) -> float:
        """Stock drawn down in year t (negative when it builds up)."""
        if (i, e) not in stocks:
            return 0.0
        level = values["Stock"]
        before = (stocks[i, e]["initial_t"] or 0.0) if t == first else level.get((i, e, t - 1), 0.0)
        return before - level.get((i, e, t), 0.0)

    for (i, e, t), made in made_of.items():
        form = "metal" if stage[i] == "metal" or output.get(i) == "metal" else "oxide"
        out = shipped.get((i, form, e, t), 0.0) + values["Unused"].get((i, e, t), 0.0)
        assert out == _approx(made + drawn(i, e, t)), f"balance of {e} at {i} in {t}"
    for (i, e, t), used in values["Unused"].items():
        assert used >= -TOL
        assert made_of.get((i, e, t), 0.0) >= used - TOL
    consumed = defaultdict(float)
    for (m, g, t), v in values["Make"].items():
        assert shipped.get((m, "magnet", g, t), 0.0) == _approx(v), f"magnets of {g} at {m}"
        assert shipped.get((m, "scrap", g, t), 0.0) <= swarf[m] * v + TOL
        for (gg, e), k in recipe.items():
            if gg == g:
                consumed[m, e, t] += (1 + swarf[m]) * k * v
    for key in set(consumed) | set(arrived):
        got = arrived.get(key, 0.0) + drawn(*key)
        assert got == _approx(consumed.get(key, 0.0)), f"metal at {key}"
    for rec_ in tables["Demand"].to_dict("records"):
        s, t = rec_["segment"], rec_["year"]
        if (s, t) in values["Unmet"]:
            total = to_segment.get((s, t), 0.0) + values["Unmet"].get((s, t), 0.0)
            assert total == _approx(rec_["demand_t"]), f"demand of {s} in {t}"


def check_costs_add_up(run: Run) -> None:
    """Discounted components sum to the total cost, and cost + risk_weight x risk to the
    objective; the Costs sheet, the Risk sheet and Flows agree."""
    summary, tables = run.solution.summary, run.solution.tables
    components = [k for k in summary if k.endswith("_usd")]
    components = [k for k in components if k not in ("objective_usd", "total_cost_usd", "risk_usd")]
    total = summary["total_cost_usd"]
    assert sum(summary[k] for k in components) == pytest.approx(total, rel=1e-7)
    objective = total + summary["risk_weight"] * summary["risk_usd"]
    assert objective == pytest.approx(summary["objective_usd"], rel=1e-7)
    costs = tables["Costs"]
    assert costs["discounted_cost_usd"].sum() == pytest.approx(total, rel=1e-7)
    risk = tables["Risk"]["discounted_risk_usd"].sum()
    assert risk == pytest.approx(summary["risk_usd"], rel=1e-7)
    flow_money = costs[costs["component"].isin(["purchases", "sales", "transport", "tariffs"])]
    assert tables["Flows"]["cost_usd"].sum() == pytest.approx(
        flow_money["cost_usd"].sum(), rel=1e-7, abs=1e-3
    )


def check_capacities_and_duals(run: Run) -> None:
    """Capacities hold; demand marginals and capacity values are not negative."""
    sites = run.solution.tables["Sites"]
    capped = sites[sites["capacity_t"].notna()]
    assert (capped["throughput_t"] <= capped["capacity_t"] * (1 + 1e-9) + TOL).all()
    assert (capped["capacity_value_usd_per_kg"] >= -1e-6).all()
    assert (run.solution.tables["Demand"]["marginal_usd_per_kg"] >= -1e-6).all()
    shares = run.solution.tables["Shares"]
    sums = shares.groupby(["stage", "element", "year"])["share"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)


def check_all(run: Run) -> None:
    assert run.result.status == "optimal"
    check_mass_balance(run)
    check_costs_add_up(run)
    check_capacities_and_duals(run)
