"""The house's rules: layers without cycles, few flat modules, and registries that take a new
cost component or policy type as one entry (each shown with a toy one, checked by hand on
the tiny chain: tests/test_hand.py derives its plan)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest
from conftest import ROOT, invoke

from model.lp import costs, names, policies
from model.lp.costs import CostComponent, register_cost
from model.lp.policies import PolicyType, register_policy_type
from model.lp.terms import Term

pytestmark = pytest.mark.build

CONC_MIN = (30 / 0.85) / 0.18  # t of concentrate the tiny plan mines (NdPr sets it)
DY_BOUGHT = 2 / 0.871 - CONC_MIN * 0.0045  # t of Dy oxide it buys from market_cn


def test_no_import_cycles():
    graph = grimp.build_graph("model", exclude_type_checking_imports=True)
    cycles = [
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("model") and graph.chain_exists(imported, importer)
    ]
    assert cycles == []


def test_at_most_ten_modules_flat_in_the_package():
    flat = sorted(p.name for p in (ROOT / "model").glob("*.py"))
    assert len(flat) <= 10, flat


def test_component_names_are_the_models():
    # lp.names is the one spelling the results and studies use: every name is a component of
    # the base case's model (policies, contracts, stocks, compliance, projects, a sale cap),
    # of the frontier's, or of an extensive form of scenarios (a go/no-go project for Choose)
    from model.api import load_workbook_data
    from model.chain.network import build_network
    from model.lp.frontier import build_frontier_model
    from model.lp.stochastic import build_extensive_form

    data = load_workbook_data(ROOT / "inputs/base_case.xlsx")
    data.tables["Projects"].loc[0, "decision"] = "go_no_go"
    net = build_network(data)
    frontier = build_frontier_model(net)
    extensive, _blocks = build_extensive_form(
        [("a", 0.5, net), ("b", 0.5, net)], 2028, 0.9, 1.0, cvar_rows=True
    )
    defined = {c.name for c in frontier.component_objects()}
    defined |= {c.local_name for c in extensive.component_objects()}
    spelled = {v for k, v in vars(names).items() if k.isupper()}
    assert spelled <= defined, spelled - defined


# ---------------------------------------------------------------- a toy cost component


@pytest.fixture
def toy_cost() -> Iterator[CostComponent]:
    """A levy of 3 USD/kg on every t of concentrate mined (a toy registry entry)."""

    def levy(net) -> Iterator[tuple[int, list[Term]]]:
        for f in net.flows:
            if f[2] == "concentrate":
                yield f[-1], [("Flow", f, 3.0)]

    entry = register_cost(CostComponent("toy_levy", "Toy levy on concentrate", levy))
    yield entry
    del costs.COST_COMPONENTS["toy_levy"]


def test_a_new_cost_component_is_one_registry_entry(toy_cost, tiny, solve_tables, tmp_path):
    # the levy raises the ore's cost, but market Dy still beats ore Dy (1667 + 3 / 0.0045
    # USD/kg), so the plan stays and the objective rises by 3 USD/kg x CONC_MIN t exactly
    base = 3_150_316.404403323  # the tiny chain's objective (model/examples/tiny.py)
    run = solve_tables(tiny, "levied.xlsx")
    summary = run.solution.summary
    assert summary["objective_usd"] == pytest.approx(base + 3.0 * CONC_MIN * 1e3, rel=1e-9)
    assert summary["toy_levy_usd"] == pytest.approx(3.0 * CONC_MIN * 1e3, rel=1e-9)
    components = [c for c in costs.COST_COMPONENTS]
    assert summary["total_cost_usd"] == pytest.approx(
        sum(summary[f"{c}_usd"] for c in components), rel=1e-12
    )
    costs_table = run.solution.tables["Costs"]
    row = costs_table[costs_table["component"] == "toy_levy"].iloc[0]
    assert row["description"] == "Toy levy on concentrate"
    # the terminal shows it too, and the Summary sheet describes it
    path = Path(tmp_path / "levied.xlsx")
    result = invoke("solve", path, "-o", tmp_path / "out.xlsx")
    assert "toy levy" in result.stderr
    from model.report.solution import summary_text

    assert summary_text("toy_levy_usd") == ("USD", "Toy levy on concentrate, discounted")


# ---------------------------------------------------------------- a toy policy type


@pytest.fixture
def toy_policy() -> Iterator[PolicyType]:
    """max_market_oxide: t of oxide of `element` bought from markets in a year <= value."""

    def parts(net, p):
        group = [
            ("Flow", f, 1.0)
            for f in net.flows
            if f[-1] == p.year and f[2] == "oxide" and net.stage(f[0]) == "market"
            and f[3] in p.elements
        ]  # fmt: skip
        return group, []

    entry = register_policy_type(
        PolicyType(
            "max_market_oxide",
            "t of oxide bought from markets is at most `value`",
            needs=("value",),
            sense="<=",
            parts=parts,
            measure="amount",
            unit="t",
        )
    )
    yield entry
    del policies.POLICY_TYPES["max_market_oxide"]


def test_a_new_policy_type_is_one_registry_entry(toy_policy, tiny, solve_tables, write_book):
    # at most 1 t of Dy oxide from the market: the other DY_BOUGHT - 1 t come from more ore
    tiny["Policies"] = [
        {"policy": "cap", "type": "max_market_oxide", "element": "Dy", "value": 1.0}
    ]
    run = solve_tables(tiny)
    bought = run.result.values["Flow"][("market_cn", "metal_us", "oxide", "Dy", 2026)]
    assert bought == pytest.approx(1.0)
    row = run.solution.tables["Policies"].iloc[0]
    assert row["achieved"] == pytest.approx(1.0) and row["limit"] == 1.0 and row["binding"]
    # one more t of the cap saves ore Dy (7.5 / 0.0045 USD/kg) for market Dy (401 USD/kg)
    assert row["shadow_price_usd_per_kg"] == pytest.approx(7.5 / 0.0045 - 401, rel=1e-6)
    # validation knows what the type needs, and the template and the docs list it
    del tiny["Policies"][0]["value"]
    result = invoke("validate", write_book(tiny, "no_value.xlsx"))
    assert result.exit_code == 1
    assert "policy cap of type max_market_oxide needs value" in " ".join(result.stderr.split())
    from model.docs import workbook_reference

    assert "| max_market_oxide | value | t |" in workbook_reference()


def test_an_unknown_policy_type_is_named_with_the_known_ones(tiny, write_book):
    tiny["Policies"] = [{"policy": "p", "type": "max_contry_share", "value": 0.5}]
    result = invoke("validate", write_book(tiny))
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert "type = 'max_contry_share' is not one of max_country_share" in text
