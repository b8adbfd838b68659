"""Compliant chains as constraints: provenance-tagged flows towards segments that require
magnets with no restricted country at any stage (the subnetwork is chain.compliance)."""

from __future__ import annotations

import pyomo.core as pyo

from model.chain.network import Network
from model.lp.linexpr import linear, total


def add_compliance(m: pyo.ConcreteModel, net: Network) -> None:
    """Provenance-tagged flows: Comp[f] is the part of Flow[f] whose every upstream stage ran
    outside restricted countries. Built only on the compliant subnetwork (chain.compliance).

    Comp_Part[f]:          Comp[f] <= Flow[f]
    Comp_Element[i,e,t]:   sum_(f in) yield_f,e x Comp[f] >= sum_(f out, item e) Comp[f]
    Comp_Metal[m,e,t]:     sum_(f in, metal e) Comp[f] >= (1 + swarf_m) sum_g r[g,e] MakeC[m,g,t]
    Comp_Make[m,g,t]:      MakeC[m,g,t] <= Make[m,g,t]
    Comp_Grade[m,g,t]:     sum_(f out, magnet g) Comp[f] <= MakeC[m,g,t]
    Comp_Swarf[m,g,t]:     sum_(f out, swarf g) Comp[f] <= swarf_m x MakeC[m,g,t]
    Comp_Demand[f]:        Flow[f] <= Comp[f]  for arcs into a segment in its compliant years;
                           arcs from restricted sites into it then carry nothing.
    Mines, collections and markets outside restricted countries are compliant sources.
    """
    comp = set(net.compliant_flows)
    m.COMP_FLOWS = pyo.Set(initialize=net.compliant_flows, dimen=5, ordered=True)
    make_c = [k for k in net.make if (k[0], k[2]) in net.compliant_sites]
    m.COMP_MAKE = pyo.Set(initialize=make_c, dimen=3, ordered=True)
    m.Comp = pyo.Var(m.COMP_FLOWS, domain=pyo.NonNegativeReals, doc="compliant part of Flow")
    m.MakeC = pyo.Var(m.COMP_MAKE, domain=pyo.NonNegativeReals, doc="compliant magnets made")
    if not net.compliant_segments:
        return
    m.Comp_Part = pyo.Constraint(m.COMP_FLOWS, rule=lambda m, *f: m.Comp[f] <= m.Flow[f])

    def comp_out(i, c, x, t):
        return [f for f in net.shipped.get((i, c, x, t), ()) if f in comp]

    element_keys = [
        (i, e, t)
        for (i, t) in sorted(net.compliant_sites)
        if net.stage(i) in ("separation", "metal", "recycling")
        for e in net.elements
        if comp_out(i, net.output_form(i), e, t)
    ]

    def comp_element(m, i, e, t):
        made = [("Comp", f, k) for f, k in net.yields.get((i, e, t), []) if f in comp]
        shipped = comp_out(i, net.output_form(i), e, t)
        return linear(m, made) >= total(m, "Comp", shipped)

    m.COMP_ELEMENT = pyo.Set(initialize=element_keys, dimen=3, ordered=True)
    m.Comp_Element = pyo.Constraint(m.COMP_ELEMENT, rule=comp_element)

    plant_years = sorted({(mm, t) for (mm, _g, t) in make_c})
    metal_keys = [(mm, e, t) for (mm, t) in plant_years for e in net.elements]

    def comp_metal(m, i, e, t):
        used = [
            ("MakeC", k, (1 + net.sites[i].swarf_share) * net.recipe.get((k[1], e), 0.0))
            for k in net.make_by_site.get((i, t), [])
            if net.recipe.get((k[1], e), 0.0) > 0
        ]
        if not used:
            return pyo.Constraint.Skip
        arriving = [f for f in net.inflows.get((i, t), []) if f in comp and f[2] == "metal"]
        return total(m, "Comp", [f for f in arriving if f[3] == e]) >= linear(m, used)

    m.COMP_METAL = pyo.Set(initialize=metal_keys, dimen=3, ordered=True)
    m.Comp_Metal = pyo.Constraint(m.COMP_METAL, rule=comp_metal)
    m.Comp_Make = pyo.Constraint(m.COMP_MAKE, rule=lambda m, *k: m.MakeC[k] <= m.Make[k])

    def comp_grade(m, i, g, t):
        out = comp_out(i, "magnet", g, t)
        if not out:
            return pyo.Constraint.Skip
        return total(m, "Comp", out) <= m.MakeC[i, g, t]

    def comp_swarf(m, i, g, t):
        out = comp_out(i, "scrap", g, t)
        if not out:
            return pyo.Constraint.Skip
        return total(m, "Comp", out) <= net.sites[i].swarf_share * m.MakeC[i, g, t]

    m.Comp_Grade = pyo.Constraint(m.COMP_MAKE, rule=comp_grade)
    m.Comp_Swarf = pyo.Constraint(m.COMP_MAKE, rule=comp_swarf)

    into_segments = [
        f
        for s, years in net.compliant_segments.items()
        for t in sorted(years)
        for f in net.inflows.get((s, t), [])
    ]
    for f in into_segments:
        if f not in comp:
            m.Flow[f].setub(0.0)
    m.COMP_DEMAND = pyo.Set(initialize=[f for f in into_segments if f in comp], dimen=5)
    m.Comp_Demand = pyo.Constraint(m.COMP_DEMAND, rule=lambda m, *f: m.Flow[f] <= m.Comp[f])
