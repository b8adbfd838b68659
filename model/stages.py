"""The stages of the chain and the groups of them the model and reports use, defined once.

mine, collection       raw sources: make concentrate or scrap of their own composition
separation, metal,     processors: turn what comes in into oxide or metal per element,
  recycling              with a recovery (their `output` form, see chain.network)
magnet                 makes magnets of a grade from metal (and swarf)
market                 sells (a price) and buys (a bid) oxide, metal or magnets
"""

from __future__ import annotations

STAGES = ("mine", "collection", "separation", "metal", "magnet", "recycling", "market")
RAW_SOURCES = ("mine", "collection")  # sites that take nothing in
PROCESSORS = ("separation", "metal", "recycling")  # sites with an element balance
STOCK_HOLDERS = ("separation", "metal", "recycling", "magnet")  # sites that may hold stocks
# stages whose supply is reported by country (shares, KPIs, charts)
SUPPLY_STAGES = ("mine", "separation", "metal", "magnet", "recycling")
# a market's sale counts at the stage whose product it is
MARKET_STAGE = {"oxide": "separation", "metal": "metal", "magnet": "magnet"}

# what each stage ships to which stage (the arcs chain.network makes), by commodity; any
# producer may also sell to a market that bids for its output
FEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "mine": {"separation": ("concentrate",)},
    "collection": {"recycling": ("scrap",)},
    "separation": {"metal": ("oxide",), "market": ("oxide",)},
    "metal": {"magnet": ("metal",), "market": ("metal",)},
    "recycling": {"metal": ("oxide",), "magnet": ("metal",), "market": ("oxide", "metal")},
    "magnet": {"segment": ("magnet",), "recycling": ("scrap",), "market": ("magnet",)},
    "market": {"metal": ("oxide",), "magnet": ("metal",), "segment": ("magnet",)},
}
