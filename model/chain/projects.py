"""Capacity projects from the Projects sheet: how much capacity a project may add to its
site, from which year, and what a t/yr of it costs. Plain data; lp.projects makes the
decisions (Build, and Choose for go/no-go projects) and their constraints.

A project's capacity can come online in any year y from its first possible year
(max(earliest_year, first_year + lead_time_years)) to the horizon's end, and then lasts
life_years: a t/yr built for year y adds to the site's capacity in years y .. y + life - 1.
Its capex is annualised over life_years at the workbook's discount rate r and charged in
each of those years inside the horizon (years after the horizon are neither charged nor
credited with output):

    annual charge per t/yr = capex x CRF(r, life),  CRF = r / (1 - (1 + r)^-life)  (1/life at r=0)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from model.workbook.data import ChainData, first_online_year


def capital_recovery_factor(rate: float, life: int) -> float:
    """The share of a capital cost paid each year to repay it over `life` years at `rate`."""
    if rate == 0:
        return 1.0 / life
    return rate / (1.0 - (1.0 + rate) ** -life)


@dataclass(frozen=True)
class Project:
    """One row of the Projects sheet, with the years its capacity may come online."""

    project: str
    site: str
    capex_usd_per_t: float
    fixed_usd_per_t_yr: float
    life_years: int
    online_years: tuple[int, ...]  # years y in which capacity may come online
    max_t: float
    min_t: float
    go_no_go: bool
    annual_capex_usd_per_t: float  # capex x CRF(discount rate, life)
    row: int | None = None

    def serving(self, y: int, years: list[int]) -> list[int]:
        """Years in which capacity that came online in y is there (within the horizon)."""
        return [t for t in years if y <= t < y + self.life_years]

    def in_service(self, years: list[int]) -> Iterator[tuple[int, int]]:
        """(y, t) for each year y capacity can come online and each year t it is there."""
        for y in self.online_years:
            for t in self.serving(y, years):
                yield y, t


def derive_projects(data: ChainData) -> list[Project]:
    """One Project per Projects row (rows that cannot come online in the horizon give none:
    validation reports them)."""
    years = data.years
    first, last = years[0], years[-1]
    rate = data.settings["discount_rate"] or 0.0
    out = []
    for r in data.tables["Projects"].to_dict("records"):
        start = first_online_year(r, first)
        if start > last or not r["life_years"] or r["life_years"] <= 0:
            continue
        out.append(
            Project(
                project=r["project"],
                site=r["site"],
                capex_usd_per_t=r["capex_usd_per_t"],
                fixed_usd_per_t_yr=r["fixed_usd_per_t_yr"] or 0.0,
                life_years=int(r["life_years"]),
                online_years=tuple(range(start, last + 1)),
                max_t=r["max_t"],
                min_t=r["min_t"] or 0.0,
                go_no_go=r["decision"] == "go_no_go",
                annual_capex_usd_per_t=r["capex_usd_per_t"]
                * capital_recovery_factor(rate, int(r["life_years"])),
                row=r["_row"],
            )
        )
    return out
