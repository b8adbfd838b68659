"""The model's structure without solving: sparse index sets, counts and coefficients."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from model.api import load_workbook_data
from model.chain.network import build_network
from model.lp.build import build_model
from model.lp.costs import discounted_cost_terms
from model.lp.terms import merged

pytestmark = pytest.mark.build


@pytest.fixture
def tiny_net(tiny, write_book):
    return build_network(load_workbook_data(write_book(tiny)))


def test_tiny_arcs_are_exactly_the_connected_ones(tiny_net):
    assert sorted(tiny_net.flows) == sorted(
        [
            ("mine_au", "sep_us", "concentrate", "concentrate", 2026),
            ("sep_us", "metal_us", "oxide", "NdPr", 2026),
            ("sep_us", "metal_us", "oxide", "Dy", 2026),
            ("market_cn", "metal_us", "oxide", "Dy", 2026),  # the market sells only Dy oxide
            ("metal_us", "magnet_us", "metal", "NdPr", 2026),
            ("metal_us", "magnet_us", "metal", "Dy", 2026),
            ("magnet_us", "motors", "magnet", "std", 2026),
        ]
    )


def test_tiny_model_counts_and_coefficients(tiny_net):
    m = build_model(tiny_net)
    # 7 flows + 1 make + 4 unused (sep and metal x 2 elements) + 1 unmet
    assert m.nvariables() == 13
    assert len(m.Element_Balance) == 4
    assert len(m.Metal_Balance) == 2
    assert len(m.Grade_Balance) == 1
    assert len(m.Capacity) == 4  # the market has no cap
    assert len(m.Demand_Balance) == 1
    # NdPr oxide out of the separator per t of concentrate: 0.20 share x 0.9 recovery
    ((f, coef),) = tiny_net.yields["sep_us", "NdPr", 2026]
    assert f[0] == "mine_au" and coef == pytest.approx(0.18)
    # NdPr metal per t of NdPr oxide at the metal plant: oxide_to_metal 0.85 x recovery 1
    ((f, coef),) = tiny_net.yields["metal_us", "NdPr", 2026]
    assert coef == pytest.approx(0.85)
    # the market's Dy arrives in the US: 400 USD/kg price + 1.0 transport China -> US
    f = ("market_cn", "metal_us", "oxide", "Dy", 2026)
    assert tiny_net.purchase[f] == 400 and tiny_net.transport[f] == 1.0
    # metal balance coefficient: (1 + swarf 0) x recipe 0.02 of Dy on Make
    body = m.Metal_Balance["magnet_us", "Dy", 2026].body
    assert "0.02*Make" in str(body).replace(" ", "")


def test_merged_adds_up_each_variables_terms_in_first_appearance_order():
    terms = [("Flow", (1,), 2.0), ("Make", (1,), 1.0), ("Flow", (2,), 3.0), ("Flow", (1,), 0.5)]
    assert list(merged(terms)) == [("Flow", (1,), 2.5), ("Flow", (2,), 3.0), ("Make", (1,), 1.0)]
    assert list(merged([])) == []


def test_objective_has_each_variable_once_with_its_summed_cost(tiny_net):
    m = build_model(tiny_net)
    by_var: dict[str, float] = {}
    for arg in m.TotalCost.expr.args:
        coef, var = arg.args if arg.is_expression_type() else (1.0, arg)
        assert var.name not in by_var
        by_var[var.name] = coef
    summed: dict[str, float] = {}
    for v, k, c in discounted_cost_terms(tiny_net):
        name = getattr(m, v)[k].name
        summed[name] = summed.get(name, 0.0) + c
    assert by_var == pytest.approx(summed)
    # the market's Dy oxide is costed three times, and appears once: purchase 400 +
    # transport 1.0 + the metal plant's 3.0 USD/kg of oxide taken in
    market = m.Flow["market_cn", "metal_us", "oxide", "Dy", 2026].name
    assert by_var[market] == pytest.approx(404.0)


def test_objective_discounts_later_years(tiny, write_book):
    tiny["Settings"] = [
        {"setting": "first_year", "value": 2026},
        {"setting": "last_year", "value": 2027},
        {"setting": "discount_rate", "value": 0.25},
    ]
    net = build_network(load_workbook_data(write_book(tiny)))
    assert net.discount == {2026: 1.0, 2027: pytest.approx(0.8)}
    m = build_model(net)
    # no 2027 demand row: no 2027 arcs to the segment, nor a 2027 demand constraint
    assert ("motors", 2027) not in m.DEMAND
    assert all(f[-1] == 2026 for f in net.flows if f[1] == "motors")
    assert isinstance(m.Objective, pyo.Objective) and m.Objective.active
    assert not hasattr(m, "MinRisk")  # only the frontier asks for the risk objective
    assert not build_model(net, risk_objective=True).MinRisk.active


def test_zero_capacity_years_and_closed_sites_have_no_arcs(tiny, write_book):
    tiny["Settings"][1]["value"] = 2028
    tiny["Capacity"] = [{"site": "sep_us", "year": 2027, "capacity_t": 0}]
    tiny["Sites"][0]["first_year"] = 2027
    net = build_network(load_workbook_data(write_book(tiny)))
    assert net.site_years["sep_us"] == [2026, 2028]
    assert net.site_years["mine_au"] == [2027, 2028]
    concentrate_years = sorted(f[-1] for f in net.flows if f[2] == "concentrate")
    assert concentrate_years == [2028]
