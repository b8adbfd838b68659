"""Synthetic but realistic networks for benchmarks: same workbook contract, same stages,
scaled counts of sites, segments and years, fixed seed.

    .venv/bin/python benchmarks/generate.py M benchmarks/data/M.xlsx

Sizes: `base` (the shipped base case), `M` (~100k columns), `L` (~1M columns), `XL` (~3M
columns: run on demand only, it takes a long time and several GB). Regions each
hold a few countries; every stage is spread over the regions; compositions, recoveries,
costs and capacities are drawn from ranges like the base case's, so the LP has the same
shape and a similar mix of binding limits.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.examples.base_case import base_case_tables  # noqa: E402
from model.workbook.writer import write_input_workbook  # noqa: E402


@dataclass(frozen=True)
class Size:
    years: int
    mines: int
    collections: int
    separators: int
    metals: int
    magnets: int
    recyclers: int
    segments: int
    time_limit_s: float = 600.0


SIZES = {
    "M": Size(years=10, mines=40, collections=12, separators=24, metals=20, magnets=32,
              recyclers=8, segments=30),
    "L": Size(years=20, mines=90, collections=27, separators=54, metals=45, magnets=72,
              recyclers=18, segments=67),
    "XL": Size(years=20, mines=170, collections=51, separators=102, metals=85, magnets=136,
               recyclers=34, segments=127, time_limit_s=7200.0),
}  # fmt: skip

REGIONS = {
    "US": ["USA", "Canada"],
    "EU": ["Germany", "France", "Estonia", "Sweden"],
    "UK": ["UK"],
    "AsiaPac": ["Australia", "Japan", "Malaysia", "Vietnam", "Korea"],
    "LatAm": ["Brazil", "Chile"],
    "Africa": ["Nigeria", "Madagascar", "Malawi"],
    "China": ["China", "Myanmar"],
}
ELEMENTS = (("NdPr", "light", 0.85), ("Dy", "heavy", 0.871), ("Tb", "heavy", 0.85))
GRADES = {
    "ev_grade": (0.285, 0.012, 0.005),
    "ev_gbd": (0.285, 0.007, 0.003),
    "wind_grade": (0.29, 0.03, 0.0),
    "ind_grade": (0.29, 0.02, 0.002),
    "cons_grade": (0.31, 0.002, 0.0),
    "def_grade": (0.26, 0.05, 0.01),
}
ACCEPTS = [
    "ev_grade, ev_gbd",
    "wind_grade, def_grade",
    "ind_grade, wind_grade",
    "cons_grade, ind_grade",
    "def_grade",
]
NOTE = "synthetic (benchmarks/generate.py)"


def synthetic_tables(size: Size, seed: int = 2026) -> dict[str, list[dict]]:
    """Input rows of a synthetic network of the given size."""
    rng = np.random.default_rng(seed)
    first = 2026
    last = first + size.years - 1
    countries = [(c, r) for r, cs in REGIONS.items() for c in cs]
    restricted = {"China", "Myanmar"}

    def country() -> str:
        return countries[rng.integers(len(countries))][0]

    sites, composition, recovery = [], [], []

    def site(name: str, stage: str, cap: float | None, cost: float, **extra) -> None:
        sites.append(
            {"site": name, "stage": stage, "country": extra.pop("country", country()),
             "capacity_t": cap, "cost_usd_per_kg": round(cost, 2), "notes": NOTE, **extra}
        )  # fmt: skip

    for k in range(size.mines):
        ionic = rng.random() < 0.3
        site(f"mine_{k}", "mine", round(rng.uniform(2000, 30000)), rng.uniform(2, 8))
        shares = (
            (rng.uniform(0.15, 0.22), rng.uniform(0.02, 0.05), rng.uniform(0.004, 0.008))
            if ionic
            else (rng.uniform(0.18, 0.26), rng.uniform(0.001, 0.004), rng.uniform(0.0002, 0.001))
        )
        for (e, _c, _o), share in zip(ELEMENTS, shares, strict=True):
            composition.append({"site": f"mine_{k}", "element": e, "share": round(share, 5)})
    for k in range(size.collections):
        site(f"eol_{k}", "collection", round(rng.uniform(200, 3000)), rng.uniform(1, 4))
        for e, share in zip(("NdPr", "Dy", "Tb"), (0.28, 0.015, 0.003), strict=True):
            composition.append({"site": f"eol_{k}", "element": e, "share": share})
    for k in range(size.separators):
        first_year = int(rng.choice([first, first, first + 2, first + 4]))
        site(f"sep_{k}", "separation", round(rng.uniform(3000, 40000)), rng.uniform(8, 20),
             first_year=first_year)  # fmt: skip
        for e, _c, _o in ELEMENTS:
            recovery.append({"site": f"sep_{k}", "element": e,
                             "recovery": round(rng.uniform(0.85, 0.97), 3)})  # fmt: skip
    for k in range(size.metals):
        site(f"metal_{k}", "metal", round(rng.uniform(1000, 8000)), rng.uniform(3, 12))
        for e, _c, _o in ELEMENTS:
            recovery.append({"site": f"metal_{k}", "element": e,
                             "recovery": round(rng.uniform(0.95, 0.99), 3)})  # fmt: skip
    for k in range(size.magnets):
        site(f"magnet_{k}", "magnet", round(rng.uniform(1000, 10000)), rng.uniform(10, 25),
             swarf_share=round(rng.uniform(0.2, 0.3), 3))  # fmt: skip
    for k in range(size.recyclers):
        site(f"recycler_{k}", "recycling", round(rng.uniform(300, 6000)), rng.uniform(5, 15),
             output="metal" if k % 3 == 0 else "oxide")  # fmt: skip
        for e, _c, _o in ELEMENTS:
            recovery.append({"site": f"recycler_{k}", "element": e,
                             "recovery": round(rng.uniform(0.8, 0.95), 3)})  # fmt: skip
    site("china_market", "market", None, 0.0, country="China")
    site("japan_market", "market", None, 0.0, country="Japan")

    prices = []
    for e, price, bid in (("NdPr", 90, 75), ("Dy", 700, 180), ("Tb", 2000, 800)):
        cap = None if e == "NdPr" else 200 * size.years
        prices.append({"site": "china_market", "commodity": "oxide", "item": e,
                       "price_usd_per_kg": price, "max_t": cap,
                       "bid_usd_per_kg": bid, "notes": NOTE})  # fmt: skip
        prices.append({"site": "china_market", "commodity": "metal", "item": e,
                       "price_usd_per_kg": round(price * 1.25), "max_t": None,
                       "bid_usd_per_kg": None, "notes": NOTE})  # fmt: skip
    for g, recipe in GRADES.items():
        if g == "def_grade":
            continue
        price = round(17 + 110 * recipe[0] + 250 * recipe[1] + 1200 * recipe[2], 1)
        prices.append({"site": "china_market", "commodity": "magnet", "item": g,
                       "price_usd_per_kg": price, "max_t": 2000 * size.segments // 5,
                       "notes": NOTE})  # fmt: skip
        prices.append({"site": "japan_market", "commodity": "magnet", "item": g,
                       "price_usd_per_kg": price + 20, "max_t": 400 * size.segments // 5,
                       "notes": NOTE})  # fmt: skip

    segments, demand = [], []
    regions = ["US", "EU", "UK", "AsiaPac"]
    for k in range(size.segments):
        kind = k % len(ACCEPTS)
        name = f"segment_{k}"
        segments.append({"segment": name, "region": regions[k % len(regions)],
                         "grades": ACCEPTS[kind], "requires_compliant": False,
                         "unmet_penalty_usd_per_kg": 5000 if kind == 4 else None,
                         "notes": NOTE})  # fmt: skip
        d0 = rng.uniform(300, 4000) if kind != 4 else rng.uniform(50, 300)
        growth = rng.uniform(0.02, 0.1)
        for t in range(first, last + 1):
            demand.append({"segment": name, "year": t,
                           "demand_t": round(d0 * (1 + growth) ** (t - first), 1),
                           "notes": NOTE})  # fmt: skip

    names = list(REGIONS)
    transport = [
        {"from_region": a, "to_region": b, "usd_per_kg": round(0.5 + rng.uniform(0, 2.5), 2),
         "notes": NOTE}
        for a in names for b in names if a != b
    ]  # fmt: skip
    return {
        "Settings": [
            {"setting": "first_year", "value": first},
            {"setting": "last_year", "value": last},
            {"setting": "discount_rate", "value": 0.08},
            {"setting": "default_transport_usd_per_kg", "value": 1.5},
            {"setting": "time_limit_s", "value": size.time_limit_s},
        ],
        "Elements": [{"element": e, "class": c, "oxide_to_metal": o} for e, c, o in ELEMENTS],
        "Countries": [
            {
                "country": c,
                "region": r,
                "risk_score": 0.8 if c in restricted else 0.2,
                "restricted": c in restricted,
            }
            for c, r in countries
        ],
        "Sites": sites,
        "Composition": composition,
        "Recovery": recovery,
        "MarketPrices": prices,
        "Grades": [
            {"grade": g, "element": e, "kg_per_kg": k}
            for g, recipe in GRADES.items()
            for (e, _c, _o), k in zip(ELEMENTS, recipe, strict=True)
        ],
        "Segments": segments,
        "Demand": demand,
        "Transport": transport,
    }


def tables_for(name: str) -> dict[str, list[dict]]:
    """The rows for a size name: base (the shipped base case), M or L."""
    return base_case_tables() if name == "base" else synthetic_tables(SIZES[name])


def main() -> None:
    name = sys.argv[1]
    target = Path(
        sys.argv[2] if len(sys.argv) > 2 else ROOT / "benchmarks" / "data" / f"{name}.xlsx"
    )
    write_input_workbook(tables_for(name), target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
