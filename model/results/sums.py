"""The sums of linear terms the reports evaluate on a solution, made two ways.

The tables need many sums of the model's own terms (lp.terms, lp.costs): each cost component
per year, each site's throughput and element handled per year, the recycled metal. `Sums`
evaluates each on the solution's values as it is asked for. `PreparedSums` lists every group
before the solution exists, as (group, column, coefficient) entries over the LP's columns:
made while HiGHS solves (on the other core: HiGHS releases the GIL), it then sums them all at
once with one numpy pass over the primal solution. Both give the same sums, to rounding.

Keys: ("cost", component, t), ("through", i, t), ("element", i, e, t),
("stage", stage, i, e, t), ("recycled",), ("magnet_metal",).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping

import numpy as np

from model.chain.network import Network
from model.lp.costs import cost_terms
from model.lp.terms import (
    Term,
    element_terms,
    evaluate,
    magnet_metal_terms,
    recycled_metal_terms,
    stage_element_terms,
    throughput_terms,
)
from model.stages import MARKET_STAGE


def recycled_terms(net: Network) -> tuple[Iterable[Term], Iterable[Term]]:
    """(recycled metal into magnet plants, all metal into magnet plants), every element and
    year: the recycled share's numerator and denominator."""
    return (
        (x for e in net.elements for t in net.years for x in recycled_metal_terms(net, e, t)),
        (x for e in net.elements for t in net.years for x in magnet_metal_terms(net, e, t)),
    )


def terms_of(net: Network, key: tuple) -> Iterable[Term]:
    """The terms of the sum named `key` (the module docstring's keys; costs are grouped by
    `Sums.costs`)."""
    match key:
        case ("through", i, t):
            return throughput_terms(net, i, t)
        case ("element", i, e, t):
            return element_terms(net, i, e, t)
        case ("stage", stage, i, e, t):
            return stage_element_terms(net, stage, e, t, [i])
        case ("recycled",):
            return recycled_terms(net)[0]
        case ("magnet_metal",):
            return recycled_terms(net)[1]
    raise KeyError(f"no sum is named {key!r}")


class Sums:
    """Each sum evaluated when asked for, on the solution's values."""

    def __init__(self, net: Network, values: Mapping[str, Mapping[tuple, float]]):
        self.net = net
        self.values = values

    def of(self, key: tuple) -> float:
        """The sum named `key` (terms_of)."""
        return evaluate(terms_of(self.net, key), self.values)

    def costs(self, net: Network) -> dict[tuple[str, int], float]:
        """{(component, year): cost in kUSD, undiscounted}."""
        totals: dict[tuple[str, int], float] = {}
        for component, t, terms in cost_terms(net):
            key = (component, t)
            totals[key] = totals.get(key, 0.0) + evaluate(terms, self.values)
        return totals


class PreparedSums:
    """Every group the reports evaluate, as entries over the LP's columns (`column_of`:
    {variable name: {index: column}}); `at(x, values)` sums them on a primal solution."""

    def __init__(self, net: Network, column_of: Mapping[str, Mapping[tuple, int]]):
        self.net = net
        self.column_of = column_of
        self.index: dict[tuple, int] = {}
        self.group, self.column, self.coef = array("q"), array("q"), array("d")
        for component, t, terms in cost_terms(net):
            self._add(("cost", component, t), terms)
        for i, info in net.sites.items():
            stages = set(MARKET_STAGE.values()) if info.stage == "market" else {info.stage}
            for t in net.site_years[i]:
                self._add(("through", i, t))
                for e in net.elements:
                    self._add(("element", i, e, t))
                    for stage in stages:
                        self._add(("stage", stage, i, e, t))
        self._add(("recycled",))
        self._add(("magnet_metal",))

    def _add(self, key: tuple, terms: Iterable[Term] | None = None) -> None:
        """The entries of the sum `key`, of `terms` (default: terms_of the key)."""
        if terms is None:
            terms = terms_of(self.net, key)
        g = self.index.setdefault(key, len(self.index))
        name, lookup = None, {}
        for v, k, c in terms:
            if v != name:
                name, lookup = v, self.column_of.get(v, {})
            pos = lookup.get(k)
            if pos is not None:  # a variable not in the LP is 0
                self.group.append(g)
                self.column.append(pos)
                self.coef.append(c)

    def at(self, x: np.ndarray, values: Mapping[str, Mapping[tuple, float]]) -> SolvedSums:
        """Every group summed on the primal solution x (the session's column order)."""
        group = np.frombuffer(self.group, dtype=np.int64)
        column = np.frombuffer(self.column, dtype=np.int64)
        coef = np.frombuffer(self.coef, dtype=float)
        totals = np.bincount(group, weights=coef * x[column], minlength=len(self.index))
        known = dict(zip(self.index, totals.tolist(), strict=True))
        return SolvedSums(self.net, known, values)


class SolvedSums(Sums):
    """Sums looked up from a PreparedSums; anything not prepared is evaluated as asked."""

    def __init__(
        self,
        net: Network,
        known: dict[tuple, float],
        values: Mapping[str, Mapping[tuple, float]],
    ):
        super().__init__(net, values)
        self.known = known

    def of(self, key: tuple) -> float:
        found = self.known.get(key)
        return found if found is not None else super().of(key)

    def costs(self, net: Network) -> dict[tuple[str, int], float]:
        return {key[1:]: v for key, v in self.known.items() if key[0] == "cost"}
