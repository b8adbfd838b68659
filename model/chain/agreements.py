"""Offtake contracts (MOUs) and strategic stocks derived from the Contracts and Stocks
sheets. Plain data; lp.contracts and lp.build turn them into constraints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.chain.spans import years_within
from model.workbook.data import ChainData

if TYPE_CHECKING:
    from model.chain.network import Network


@dataclass(frozen=True)
class Contract:
    """An offtake agreement in given years: on a site's whole throughput (its capacity
    measure), or between a supplier and a buyer on what the supplier ships it (a pair
    contract: buyer, and optionally the commodity and item, are given).

    A pair contract's `share` is the part of the supplier's output of the item that must
    go to the buyer (1 = exclusive); its price is paid per kg shipped to the buyer, on top
    of the chain's own costs (a premium over cost). A whole-site contract's price replaces
    the site's cost. Non-binding (an MOU): only max_t holds."""

    contract: str
    site: str
    years: tuple[int, ...]
    min_t: float | None
    max_t: float | None
    price_usd_per_kg: float | None
    binding: bool
    buyer: str | None = None
    commodity: str | None = None
    item: str | None = None
    share: float | None = None

    @property
    def pair(self) -> bool:
        """True when the contract covers shipments (to a buyer, or of a commodity or item)
        rather than the site's whole throughput."""
        return self.buyer is not None or self.commodity is not None or self.item is not None

    def unit_price(self, site_cost_usd_per_kg: float) -> float:
        """What a kg taken (or paid for and not taken) costs: the contract price, else the
        site's own cost."""
        if self.price_usd_per_kg is None:
            return site_cost_usd_per_kg
        return self.price_usd_per_kg


@dataclass(frozen=True)
class Stock:
    """A stock of element e held at site i (its output, or for magnet plants its metal input)."""

    site: str
    element: str
    initial_t: float
    min_t: float
    max_t: float | None
    holding_usd_per_kg_yr: float


def derive_contracts(data: ChainData, net: Network) -> list[Contract]:
    """One Contract per Contracts row, over its years in which the site operates."""
    return [
        Contract(
            contract=r["contract"],
            site=r["site"],
            years=tuple(
                t
                for t in years_within(r["first_year"], r["last_year"], net.years)
                if t in set(net.site_years[r["site"]])
            ),
            min_t=r["min_t"],
            max_t=r["max_t"],
            price_usd_per_kg=r["price_usd_per_kg"],
            binding=bool(r["binding"]) if r["binding"] is not None else True,
            buyer=r["buyer_site"],
            commodity=r["commodity"],
            item=r["item"],
            share=r["share"],
        )
        for r in data.tables["Contracts"].to_dict("records")
    ]


def contract_prices(contracts: list[Contract]) -> dict[tuple[str, int], float]:
    """(site, year) -> the whole-site contract price that replaces the site's cost then."""
    return {
        (k.site, t): k.price_usd_per_kg
        for k in contracts
        if k.price_usd_per_kg is not None and not k.pair
        for t in k.years
    }


def derive_stocks(data: ChainData) -> dict[tuple[str, str], Stock]:
    """(site, element) -> Stock, one per Stocks row."""
    return {
        (r["site"], r["element"]): Stock(
            site=r["site"],
            element=r["element"],
            initial_t=r["initial_t"] or 0.0,
            min_t=r["min_t"] or 0.0,
            max_t=r["max_t"],
            holding_usd_per_kg_yr=r["holding_usd_per_kg_yr"] or 0.0,
        )
        for r in data.tables["Stocks"].to_dict("records")
    }
