"""The tiny example chain, with its solution derived by hand (tests/test_hand.py checks it).

The tiny chain (one year, 2026), with its hand solution:
    mine_au (AU, 1000 t, 2 USD/kg; concentrate 20% NdPr oxide, 0.5% Dy oxide)
      -> sep_us (US, 5 USD/kg concentrate, recovery 0.9 for both)
      -> metal_us (US, 3 USD/kg oxide, recovery 1)
      -> magnet_us (US, 10 USD/kg magnet) -> segment motors (US, 100 t of grade std)
    market_cn sells Dy oxide at 400 USD/kg; transport AsiaPac -> US costs 0.5 USD/kg;
    grade std = 0.30 NdPr + 0.02 Dy (kg metal per kg magnet).

    100 t magnets need 30 t NdPr metal and 2 t Dy metal,
      i.e. 30/0.85 = 35.294 t NdPr oxide and 2/0.871 = 2.2962 t Dy oxide.
    NdPr sets the concentrate: 35.294 / (0.2 x 0.9) = 196.08 t, which also yields
      196.08 x 0.005 x 0.9 = 0.88235 t Dy oxide; the other 1.4138 t Dy oxide is bought, since
      Dy from more concentrate would cost (2 + 5 + 0.5) / 0.0045 = 1667 USD/kg > 400.
    Cost (kUSD = t x USD/kg): mine 196.08 x 2 = 392.16; transport of concentrate
      196.08 x 0.5 = 98.04; separation 196.08 x 5 = 980.39; metal (35.294 + 2.2962) x 3 =
      112.77; magnet 100 x 10 = 1000; Dy oxide 1.4138 x 400 = 565.54, shipped China -> US at
      1.0 USD/kg = 1.41. Total 3150.32 kUSD = 3,150,316 USD (the tests recompute it).
    Marginal cost of demand: 10 (magnet) + 0.30 x 40.75 (NdPr metal) + 0.02 x 463.83 (Dy metal)
      = 31.50 USD/kg, where Dy metal = (3 + 401) / 0.871 and Dy oxide = 400 + 1 transport.
"""

from __future__ import annotations

TINY_FIGURES = {
    "mine_cost": 2.0,
    "sep_cost": 5.0,
    "metal_cost": 3.0,
    "magnet_cost": 10.0,
    "ndpr_share": 0.20,
    "dy_share": 0.005,
    "sep_recovery": 0.9,
    "dy_price": 400.0,
    "transport_asiapac_us": 0.5,
    "transport_china_us": 1.0,
    "recipe_ndpr": 0.30,
    "recipe_dy": 0.02,
    "demand_t": 100.0,
}


def tiny_tables() -> dict[str, list[dict]]:
    """The tiny chain of the module docstring, as input rows."""
    f = TINY_FIGURES
    return {
        "Settings": [
            {"setting": "first_year", "value": 2026},
            {"setting": "last_year", "value": 2026},
            {"setting": "unmet_penalty_usd_per_kg", "value": 1000},
        ],
        "Elements": [
            {"element": "NdPr", "class": "light", "oxide_to_metal": 0.85, "notes": "calc"},
            {"element": "Dy", "class": "heavy", "oxide_to_metal": 0.871, "notes": "calc"},
        ],
        "Countries": [
            {"country": "Australia", "region": "AsiaPac", "risk_score": 0.1},
            {"country": "USA", "region": "US", "risk_score": 0.05},
            {"country": "China", "region": "China", "risk_score": 0.6, "restricted": True},
        ],
        "Sites": [
            _site("mine_au", "mine", "Australia", 1000, f["mine_cost"]),
            _site("sep_us", "separation", "USA", 1000, f["sep_cost"]),
            _site("metal_us", "metal", "USA", 1000, f["metal_cost"]),
            _site("magnet_us", "magnet", "USA", 1000, f["magnet_cost"]),
            _site("market_cn", "market", "China", None, 0.0),
        ],
        "Composition": [
            {"site": "mine_au", "element": "NdPr", "share": f["ndpr_share"]},
            {"site": "mine_au", "element": "Dy", "share": f["dy_share"]},
        ],
        "Recovery": [
            {"site": "sep_us", "element": "NdPr", "recovery": f["sep_recovery"]},
            {"site": "sep_us", "element": "Dy", "recovery": f["sep_recovery"]},
        ],
        "MarketPrices": [
            {
                "site": "market_cn",
                "commodity": "oxide",
                "item": "Dy",
                "price_usd_per_kg": f["dy_price"],
            }
        ],
        "Grades": [
            {"grade": "std", "element": "NdPr", "kg_per_kg": f["recipe_ndpr"]},
            {"grade": "std", "element": "Dy", "kg_per_kg": f["recipe_dy"]},
        ],
        "Segments": [{"segment": "motors", "region": "US", "grades": "std"}],
        "Demand": [{"segment": "motors", "year": 2026, "demand_t": f["demand_t"]}],
        "Transport": [
            {"from_region": "AsiaPac", "to_region": "US", "usd_per_kg": f["transport_asiapac_us"]},
            {"from_region": "China", "to_region": "US", "usd_per_kg": f["transport_china_us"]},
        ],
    }


def _site(site: str, stage: str, country: str, cap: float | None, cost: float) -> dict:
    return {
        "site": site,
        "name": site,
        "stage": stage,
        "country": country,
        "capacity_t": cap,
        "cost_usd_per_kg": cost,
    }
