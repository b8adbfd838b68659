"""Policy types: a registry with one entry per type, and the Policy constraints built from it.

An entry says which Policies columns a row of the type must fill (`needs`), whether country
'*' (each country) applies, the sense of its limit, and `parts(net, p)`: the terms of the
group it limits and of the total it is a share of. Validation (`check_policy_rows`), the
constraints (`add_policies`) and the Policies table (results) all read the entry, so a new
policy type is one `register_policy_type` call:

    share types:   group - value x total   (sense)  0      achieved = group / total
    amount types:  group                  (sense)  limit  achieved = group (t)
                   (limit = the row's value, or the type's fixed limit: 0 for a ban)
    soft rows (a penalty):  ... - Violation[p] <= ...  or  ... + Violation[p] >= ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.chain.network import Network
from model.chain.policies import PolicyLimit
from model.findings import Finding
from model.lp.linexpr import linear
from model.lp.names import POLICY, VIOLATION
from model.lp.terms import (
    Term,
    magnet_metal_terms,
    recycled_metal_terms,
    scaled,
    site_emission_terms,
    stage_element_terms,
    transport_emission_terms,
)
from model.workbook.data import cell_ref

Parts = Callable[[Network, PolicyLimit], tuple[list[Term], list[Term]]]


@dataclass(frozen=True)
class PolicyType:
    """One policy type (see the module docstring)."""

    name: str
    help: str
    needs: tuple[str, ...]
    sense: str  # "<=" or ">="
    parts: Parts
    measure: str = "share"  # or "amount"
    each_country: bool = False  # country '*' = each single country handling the stage
    fixed_limit: float | None = None  # an amount type's limit when not the row's value
    unit: str = "share"

    def limit(self, p: PolicyLimit) -> float:
        """The right-hand side the group is held to (a share of the total for share types)."""
        if self.measure == "share":
            return p.value
        return self.fixed_limit if self.fixed_limit is not None else p.value

    def lhs(self, net: Network, p: PolicyLimit) -> tuple[list[Term], float]:
        """(terms, right-hand side) of the constraint: group - value x total vs 0 for share
        types, group vs the limit for amount types."""
        group, total = self.parts(net, p)
        if self.measure == "share":
            return group + scaled(total, -p.value), 0.0
        return group, self.limit(p)

    def achieved(self, group: float, total: float) -> float | None:
        """What the plan reaches: the share group / total, or the group itself (amounts)."""
        if self.measure == "amount":
            return group
        return group / total if total > 1e-6 else None


POLICY_TYPES: dict[str, PolicyType] = {}


def register_policy_type(policy_type: PolicyType) -> PolicyType:
    """Add a policy type: validation, the model and the Policies table know it from now on."""
    if policy_type.name in POLICY_TYPES:
        raise ValueError(f"policy type {policy_type.name!r} is registered already")
    POLICY_TYPES[policy_type.name] = policy_type
    return policy_type


def policy_type(p: PolicyLimit) -> PolicyType:
    return POLICY_TYPES[p.type]


# ---------------------------------------------------------------- the built-in types


def _stage_candidates(net: Network, stage: str) -> list[str]:
    """Sites that handle `stage`: its own sites and every market (a market counts at the
    stage of what it sells; at stage market, with all it sells)."""
    markets = net.sites_by_stage.get("market", [])
    return markets if stage == "market" else net.sites_by_stage.get(stage, []) + markets


def _at_stage(net: Network, p: PolicyLimit, members: list[str], every: list[str]):
    group = [x for e in p.elements for x in stage_element_terms(net, p.stage, e, p.year, members)]
    total = [x for e in p.elements for x in stage_element_terms(net, p.stage, e, p.year, every)]
    return group, total


def country_parts(net: Network, p: PolicyLimit) -> tuple[list[Term], list[Term]]:
    """group = what `stage` handles in `country`; total = what the stage handles (t of the
    policy's element, or of every tracked element)."""
    every = _stage_candidates(net, p.stage)
    return _at_stage(net, p, [i for i in every if net.sites[i].country == p.country], every)


def region_parts(net: Network, p: PolicyLimit) -> tuple[list[Term], list[Term]]:
    """group = what `stage` handles inside `region`; total = what the stage handles."""
    every = _stage_candidates(net, p.stage)
    return _at_stage(net, p, [i for i in every if net.sites[i].region == p.region], every)


def recycled_parts(net: Network, p: PolicyLimit) -> tuple[list[Term], list[Term]]:
    """group = recycled metal reaching magnet plants; total = all metal reaching them."""
    return (
        [x for e in p.elements for x in recycled_metal_terms(net, e, p.year)],
        [x for e in p.elements for x in magnet_metal_terms(net, e, p.year)],
    )


def emission_parts(net: Network, p: PolicyLimit) -> tuple[list[Term], list[Term]]:
    """group = t CO2e emitted in the year by the sites at `stage` (blank = every stage and
    transport between regions), in `country` or `region` when given."""
    sites = [
        i
        for i, info in net.sites.items()
        if (p.stage is None or info.stage == p.stage)
        and (p.country in (None, "*") or info.country == p.country)
        and (p.region is None or info.region == p.region)
    ]
    group = [x for i in sites for x in site_emission_terms(net, i, p.year)]
    if p.stage is None and p.country is None and p.region is None:
        group += transport_emission_terms(net).get(p.year, [])
    return group, []


def esg_parts(net: Network, p: PolicyLimit) -> tuple[list[Term], list[Term]]:
    """group = sum_i esg_score_i x what site i handles at `stage`; total = what the stage
    handles (inside `region` when given): the ESG-compliant share of the stage."""
    every = _stage_candidates(net, p.stage)
    if p.region is not None:
        every = [i for i in every if net.sites[i].region == p.region]
    group: list[Term] = []
    for i in every:
        esg = net.sites[i].esg_score
        if esg:
            group += scaled(_at_stage(net, p, [i], [])[0], esg)
    return group, _at_stage(net, p, [], every)[1]


for _entry in (
    PolicyType(
        "max_country_share",
        "at `stage`, the share of `element` (blank = all tracked elements) handled in "
        "`country` is at most `value`; country * = each single country",
        ("stage", "country", "value"),
        "<=",
        country_parts,
        each_country=True,
    ),
    PolicyType(
        "min_region_share",
        "at `stage`, the share handled inside `region` is at least `value`",
        ("stage", "region", "value"),
        ">=",
        region_parts,
    ),
    PolicyType(
        "min_recycled_share",
        "of the element metal used by magnet plants, at least `value` comes from recycling sites",
        ("value",),
        ">=",
        recycled_parts,
    ),
    PolicyType(
        "ban_country",
        "no flow may pass `stage` in `country` (at stage market: nothing bought from its markets)",
        ("stage", "country"),
        "<=",
        country_parts,
        measure="amount",
        fixed_limit=0.0,
        unit="t",
    ),
    PolicyType(
        "max_emissions",
        "t CO2e emitted per year is at most `value` (t CO2e): at `stage`, in `country` or "
        "`region` when given, else by every site and by transport",
        ("value",),
        "<=",
        emission_parts,
        measure="amount",
        unit="t CO2e",
    ),
    PolicyType(
        "min_esg_share",
        "at `stage`, the share handled by sites meeting ESG standards (each site's esg_score "
        "is the share of its output that does) is at least `value`; inside `region` if given",
        ("stage", "value"),
        ">=",
        esg_parts,
    ),
):
    register_policy_type(_entry)


# ---------------------------------------------------------------- validation


def check_policy_rows(
    tables: dict[str, pd.DataFrame], letters: dict[str, dict[str, str]]
) -> list[Finding]:
    """Each Policies row names a registered type and fills what that type needs."""
    findings: list[Finding] = []

    def add(column: str, row: int, message: str, hint: str) -> None:
        where = cell_ref(letters, "Policies", column, row)
        findings.append(Finding("error", "Policies", where, message, hint))

    known = ", ".join(POLICY_TYPES)
    for rec in tables["Policies"].to_dict("records"):
        kind: Any = rec["type"]
        entry = POLICY_TYPES.get(kind)
        if entry is None:
            if kind is not None:
                add("type", rec["_row"], f"type = {kind!r} is not one of {known}.",
                    f"use one of: {known} (lower case).")  # fmt: skip
            continue
        for column in entry.needs:
            if rec[column] is None:
                add(
                    column,
                    rec["_row"],
                    f"policy {rec['policy']} of type {kind} needs {column}.",
                    f"fill in {column} (a {kind} policy uses {', '.join(entry.needs)}).",
                )
        if entry.measure == "share" and rec["value"] is not None and rec["value"] > 1:
            add(
                "value",
                rec["_row"],
                f"policy {rec['policy']}: value = {rec['value']:g} is not a share.",
                "type a share between 0 and 1 (0.25 or 25%, not 25).",
            )
        if rec["country"] == "*" and not entry.each_country:
            takes = [n for n, t in POLICY_TYPES.items() if t.each_country]
            add(
                "country",
                rec["_row"],
                f"country '*' (each country) only applies to {', '.join(takes)}, not {kind}.",
                f"name one country, or use type {' or '.join(takes)}.",
            )
    return findings


# ---------------------------------------------------------------- constraints


def add_policies(m: pyo.ConcreteModel, net: Network) -> None:
    """Policy[p]: the row of p's type (module docstring), with Violation[p] >= 0 (t) for soft
    policies (penalty per t of violation)."""
    by_key = {p.key: p for p in net.policies}
    m.POLICIES = pyo.Set(initialize=list(by_key), dimen=3, ordered=True)
    m.SOFT_POLICIES = pyo.Set(
        initialize=[p.key for p in net.policies if p.soft], dimen=3, ordered=True
    )
    m.add_component(
        VIOLATION, pyo.Var(m.SOFT_POLICIES, domain=pyo.NonNegativeReals, doc="t of violation")
    )
    violation = m.component(VIOLATION)

    def policy(m, *key):
        p = by_key[key]
        entry = policy_type(p)
        terms, rhs = entry.lhs(net, p)
        if not terms:
            return pyo.Constraint.Skip
        lhs = linear(m, terms)
        if entry.sense == "<=":
            return (lhs - violation[key] if p.soft else lhs) <= rhs
        return (lhs + violation[key] if p.soft else lhs) >= rhs

    m.add_component(POLICY, pyo.Constraint(m.POLICIES, rule=policy))
