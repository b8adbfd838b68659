"""Disruption scenarios from the Scenarios sheet: a probability and changes in the what-if
language each (workbook.changes). The workbook as it is is the scenario `nominal`, with the
probability the others leave (possibly 0): every plan must hold in it too."""

from __future__ import annotations

from dataclasses import dataclass

from model.workbook.changes import Change, apply_change, parse_change
from model.workbook.data import ChainData

NOMINAL = "nominal"


@dataclass(frozen=True)
class Scenario:
    """One scenario: its name, probability and changes (each with one value)."""

    name: str
    probability: float
    changes: tuple[Change, ...] = ()

    def data(self, base: ChainData) -> ChainData:
        """A copy of the workbook's data with the scenario's changes applied."""
        out = base.copy()
        for change in self.changes:
            apply_change(out, change)
        return out

    @property
    def first_year(self) -> int | None:
        """The first year any of its changes applies (None: from the horizon's start)."""
        years = [c.years[0] for c in self.changes if c.years]
        if not self.changes or len(years) < len(self.changes):
            return None
        return min(years)


def scenarios_of(data: ChainData) -> list[Scenario]:
    """The nominal scenario (the workbook as it is, with 1 - the others' probability) and the
    Scenarios sheet's, in the sheet's order (validation has checked them)."""
    rows = data.tables["Scenarios"].to_dict("records")
    names = list(dict.fromkeys(r["scenario"] for r in rows if r["scenario"] is not None))
    out = []
    for name in names:
        own = [r for r in rows if r["scenario"] == name]
        probability = next(r["probability"] for r in own if r["probability"] is not None)
        changes = tuple(parse_change(r["change"]) for r in own if r["change"] is not None)
        out.append(Scenario(name, float(probability), changes))
    rest = max(0.0, 1.0 - sum(s.probability for s in out))
    nominal = NOMINAL if NOMINAL not in names else f"{NOMINAL} (workbook)"
    return [Scenario(nominal, rest), *out]


def reveal_year(data: ChainData, scenarios: list[Scenario]) -> int:
    """The year the scenario becomes known: Settings scenario_reveal_year, else the first year
    any scenario's change applies (the horizon's first year when a change has no years)."""
    given = data.settings.get("scenario_reveal_year")
    first = data.settings["first_year"]
    if given is not None:
        return max(first, int(given))
    starts = [s.first_year for s in scenarios if s.changes]
    if not starts or any(y is None for y in starts):
        return first
    return max(first, min(starts))
