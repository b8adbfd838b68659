"""Policy limits derived from the Policies sheet: one per policy, year and (for country '*')
country. Plain data; the policy types' meaning is in lp.policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.chain.spans import years_within
from model.workbook.data import ChainData

if TYPE_CHECKING:
    from model.chain.network import Network


@dataclass(frozen=True)
class PolicyLimit:
    """One policy in one year (and, for country '*', one country).

    key = (policy, country or '', year). What the type means (its sense and the terms it
    compares) is the policy type's entry in lp.policies.
    """

    key: tuple[str, str, int]
    policy: str
    type: str
    stage: str | None
    elements: tuple[str, ...]
    country: str | None
    region: str | None
    value: float
    penalty_usd_per_kg: float | None
    row: int

    @property
    def year(self) -> int:
        return self.key[2]

    @property
    def soft(self) -> bool:
        return self.penalty_usd_per_kg is not None


def derive_policies(data: ChainData, net: Network) -> list[PolicyLimit]:
    """One PolicyLimit per Policies row, year in its span and, for country '*', country that
    handles the row's stage (a market counts at its own stage and at what it sells)."""
    limits = []
    countries_at: dict[str, set[str]] = {}
    for info in net.sites.values():
        stages = {info.stage}
        if info.stage == "market":  # a market counts at its own stage and at what it sells
            stages = {"market", "separation", "metal", "magnet"}
        for stage in stages:
            countries_at.setdefault(stage, set()).add(info.country)
    for r in data.tables["Policies"].to_dict("records"):
        elements = (r["element"],) if r["element"] else tuple(net.elements)
        if r["country"] == "*":  # validation allows it where the type takes each country
            countries = sorted(countries_at.get(r["stage"], ()))
        else:
            countries = [r["country"]]
        for t in years_within(r["first_year"], r["last_year"], net.years):
            for country in countries:
                limits.append(
                    PolicyLimit(
                        key=(r["policy"], country or "", t),
                        policy=r["policy"],
                        type=r["type"],
                        stage=r["stage"],
                        elements=elements,
                        country=country,
                        region=r["region"],
                        value=r["value"] if r["value"] is not None else 0.0,
                        penalty_usd_per_kg=r["penalty_usd_per_kg"],
                        row=r["_row"],
                    )
                )
    return limits
