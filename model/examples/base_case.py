"""The shipped base case: a US + EU NdFeB magnet supply network for 2026-2035, as plain rows.

`base_case_tables()` returns sheet name -> list of row dicts, keyed by the column names of
schema.py, ready for input_writer.write_input_workbook. Figures come from
shared/domain/FACTS.md; every row's `notes` names its source keys (e.g. "MP1 MP2", "U") or
says "estimate" and how it was derived.

The seeds' story (docs/base_case.md): Aclara's ionic clays (Carina, Penco) feed its Louisiana
heavy separator and, if the plan backs it, its US alloy plant, whose metal goes to VAC and
eVAC under non-binding MOUs; Ucore's NdPr oxide goes to eVAC's alloy line; Cyclic takes all
of eVAC's swarf (exclusive, 10 years); USA Rare Earth makes all-US magnets for defense from
Less Common Metals' alloy; EMR's end-of-life scrap feeds Ionic Rare Earths in Belfast; Lynas
processes Malaysian ionic-clay feed. Candidate projects (eVAC's expansion, a second Western
separator, Aclara's alloy plant) are Projects rows the plan may back.

Modelling choices worth knowing:
- China is one market site (china_market): it sells oxide, metal and magnets to the West at
  export prices, capped where export licences bite (Dy, Tb and magnets, CN1 CN3), and buys
  surplus oxide and NdPr metal at domestic prices (its bids). China-located mines and
  processors (Bayan Obo, the Kachin clays from Myanmar, a separator and a metal maker) sell
  only into that market, so every Chinese export passes the licence caps.
- Integrated operations feed only their own separator (Lanes); eVAC's swarf goes only to
  Cyclic Materials (C1, also a pair contract with share 1.0).
- Sales back to China are capped (MarketPrices.bid_max_t) at volumes like today's, so the plan
  earns no windfall from selling Western oxide into China's domestic market.
- 2026 capacities are first-year outputs (commissioning ramps), so China supplies >90% of
  the magnets in 2026 (IEA25: 94% of magnet manufacturing).
- Demand grows in a loop from the 2026 figures; China's magnet export caps grow with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Row = dict[str, Any]

FIRST_YEAR, LAST_YEAR = 2026, 2035
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
ELEMENTS = ("NdPr", "Dy", "Tb")


def _rows(columns: str, data: Iterable[Sequence[Any]]) -> list[Row]:
    """Tuples in the order of `columns` (space-separated names) as row dicts."""
    names = columns.split()
    return [dict(zip(names, values, strict=True)) for values in data]


SETTINGS = (
    ("first_year", FIRST_YEAR, "estimate: 10-year planning horizon"),
    ("last_year", LAST_YEAR, "estimate: 10-year planning horizon"),
    ("discount_rate", 0.08, "estimate: typical industrial cost of capital"),
    ("unmet_penalty_usd_per_kg", 1000, "estimate: well above any magnet price"),
    ("risk_weight", 0, "estimate: cost-only base case (risk reported apart)"),
    ("default_transport_usd_per_kg", 1.5, "estimate: long-haul sea freight plus handling"),
    ("time_limit_s", 600, "estimate: solver default, ample for this LP"),
    (
        "carbon_price_usd_per_t",
        0,
        "estimate: no carbon price in the base case (emissions "
        "reported); set e.g. 80 for an EU ETS-like price",
    ),
    (
        "default_transport_co2e_kg_per_kg",
        0.15,
        "estimate: ~15 g CO2e per t-km of sea freight over ~10,000 km",
    ),
)

ELEMENT_ROWS = (
    ("NdPr", "light", 0.85, "calc (stoichiometric NdPr oxide -> metal)"),
    ("Dy", "heavy", 0.871, "calc (Dy2O3 -> Dy)"),
    ("Tb", "heavy", 0.85, "calc (Tb4O7 -> Tb)"),
)

# country, region, risk_score, restricted, esg_score, notes. esg_score: share of a site's
# output taken to meet ESG standards where the country's sites are not rated themselves
# (estimates from public permitting, audit and enforcement records; not a published index)
COUNTRIES = (
    ("US", "US", 0.10, False, 0.8, "risk and ESG estimates"),
    ("Australia", "AsiaPac", 0.10, False, 0.9, "risk and ESG estimates"),
    ("Japan", "AsiaPac", 0.10, False, 0.9, "risk and ESG estimates"),
    ("Malaysia", "AsiaPac", 0.30, False, 0.5, "risk estimate (licence renewals); ESG estimate"),
    ("Vietnam", "AsiaPac", 0.40, False, 0.4, "risk and ESG estimates"),
    (
        "Myanmar",
        "AsiaPac",
        0.95,
        False,
        0.0,
        "MY: Kachin conflict; risk and ESG estimates; not a DFARS country",
    ),
    (
        "China",
        "China",
        0.80,
        True,
        0.3,
        "DF CN1 CN2: export controls; DFARS restricted; risk and ESG estimates",
    ),
    ("Brazil", "LatAm", 0.30, False, 0.6, "risk and ESG estimates"),
    ("Chile", "LatAm", 0.25, False, 0.7, "risk and ESG estimates"),
    ("UK", "UK", 0.10, False, 0.9, "risk and ESG estimates"),
    ("France", "EU", 0.10, False, 0.9, "risk and ESG estimates"),
    ("Germany", "EU", 0.10, False, 0.9, "risk and ESG estimates"),
    ("Estonia", "EU", 0.20, False, 0.9, "risk and ESG estimates"),
    ("Russia", "RoW", 0.95, True, 0.1, "DF: DFARS restricted; risk and ESG estimates"),
    ("North Korea", "RoW", 1.00, True, 0.0, "DF: DFARS restricted; risk and ESG estimates"),
    ("Iran", "RoW", 0.95, True, 0.1, "DF: DFARS restricted; risk and ESG estimates"),
)


def _site(stage: str, site: str, name: str, country: str, cap: float | None, cost: float,
          notes: str, **extra: Any) -> Row:  # fmt: skip
    """One Sites row; `extra` holds the optional columns (first_year, swarf_share, output...)."""
    row = {"site": site, "name": name, "stage": stage, "country": country, "capacity_t": cap}
    return {**row, "cost_usd_per_kg": cost, **extra, "notes": notes}


# Capacity measures: mine t TREO concentrate; collection t scrap; separation t concentrate in;
# metal t oxide in; magnet t magnets out; recycling t scrap in. Costs per kg of that measure.
SITES = (
    # mines
    _site("mine", "mp_mine", "MP Mountain Pass mine", "US", 45000, 3.0,
          "U MP1 (45-51 kt REO); cost estimate"),
    _site("mine", "mt_weld", "Lynas Mt Weld / Kalgoorlie", "Australia", 48000, 3.0,
          "L1; estimate: sized to feed the 12,000 t NdPr nameplate at ~24% NdPr"),
    _site("mine", "iluka_feed", "Iluka Eneabba monazite-xenotime stockpile", "Australia", 17500,
          2.0, "IL; cost estimate (stockpiled feed)", first_year=2027),
    _site("mine", "carina", "Aclara Carina ionic clay", "Brazil", 4100, 6.0,
          "A2 (191 t Dy+Tb, 2028); TREO estimate from Dy+Tb grade", first_year=2028),
    _site("mine", "penco", "Aclara Penco ionic clay", "Chile", 1700, 6.0,
          "A3 (1,700 t); start year and cost estimate", first_year=2028),
    _site("mine", "serra_verde", "Serra Verde ionic clay", "Brazil", 5000, 5.0,
          "SV (~5,000 t REO by 2026); cost estimate"),
    _site("mine", "malaysia_feed", "Malaysian ionic-clay feed to Lynas", "Malaysia", 5000, 8.0,
          "L2 L3: Lynas's 5,000 t heavy feed plant (~250 t Dy, 50 t Tb); cost estimate"),
    _site("mine", "ef_us_feed", "Energy Fuels monazite (US mineral sands)", "US", 5000, 3.0,
          "EF: sized to 850-1,000 t NdPr at White Mesa; cost estimate"),
    _site("mine", "ef_phase2_feed", "Energy Fuels phase 2 monazite (Donald)", "Australia",
          27000, 3.0, "EF: phase 2 >6,000 t NdPr from 2029; tonnage estimate", first_year=2029),
    _site("mine", "kachin", "Kachin ionic clays", "Myanmar", 15000, 15.0,
          "U (31 kt 2024) MY (-89% to China Feb 2025): halved, estimate; cost = purchase "
          "price ~half the contained oxide value, estimate", risk_score=0.95),
    _site("mine", "bayan_obo", "Bayan Obo (share modelled here)", "China", 20000, 4.0,
          "U Q; estimate: a slice of China's 270 kt, the market stands for the rest; "
          "cost = concentrate transfer price, estimate"),
    # end-of-life collection (scrap magnets)
    _site("collection", "us_eol", "US end-of-life magnet collection", "US", 6000, 5.0,
          "REC (<1-5% today); ramp and cost estimate"),
    _site("collection", "eu_eol", "EU end-of-life magnet collection", "Germany", 5000, 5.0,
          "REC CRMA (25% recycling benchmark); ramp and cost estimate"),
    _site("collection", "emr_uk", "EMR scrap collection (UK)", "UK", 1500, 5.0,
          "HY (EMR collects scrap); tonnage and cost estimate"),
    # separation
    _site("separation", "mp_sep", "MP Mountain Pass separation", "US", 40000, 13.0,
          "MP1 MP2 (NdPr ~4,000 t/yr end-2025) RB (cost); incentive MP3 floor 110 vs 82 on "
          "~0.15 kg NdPr/kg plus 45X estimate", incentive_usd_per_kg=5.3),
    _site("separation", "lynas_my", "Lynas Malaysia", "Malaysia", 51000, 13.0,
          "L2 L3 (10,500 t NdPr + 5,000 t heavy feed plant); RB (cost); concentrate = "
          "10,500/0.24/0.95 + 5,000, estimate"),
    _site("separation", "aclara_la", "Aclara Louisiana heavy separation", "US", 6000, 18.0,
          "A1 (200 t Dy, 30 t Tb, 1,400 t NdPr; feed mid-2028); cost estimate (RB + 40%)",
          first_year=2028, incentive_usd_per_kg=1.8),
    _site("separation", "ucore_la", "Ucore Louisiana SMC", "US", 7500, 18.0,
          "U1 (2,000 -> 7,500 t TREO, H2 2026); cost estimate (RB + 40%)",
          incentive_usd_per_kg=1.8),
    _site("separation", "white_mesa", "Energy Fuels White Mesa", "US", 32000, 15.0,
          "EF (phase 2 from 2029); concentrate from NdPr/0.2/0.95; cost estimate",
          incentive_usd_per_kg=1.5),
    _site("separation", "solvay_lr", "Solvay La Rochelle", "France", 4500, 18.0,
          "S (a few hundred t 2025 -> ~4,500 t 2030); cost estimate (RB + 40%)"),
    _site("separation", "neo_silmet", "Neo Silmet (light RE only)", "Estonia", 3000, 18.0,
          "N1 (3,000 t light RE); cost estimate"),
    _site("separation", "iluka_sep", "Iluka Eneabba refinery", "Australia", 17500, 15.0,
          "IL (17,500 t REO, 2027); cost estimate", first_year=2027),
    _site("separation", "china_sep", "China separation (Baotou/Ganzhou)", "China", 40000, 10.0,
          "IEA25 Q; capacity slice and cost estimate (below RB's 13); CO2e estimate (coal "
          "power)", co2e_kg_per_kg=12.0),
    _site("separation", "us_sep2", "Second Western separator (candidate)", "US", 0, 15.0,
          "estimate: a new US solvent-extraction plant; its capacity is the project "
          "west_separator_2", incentive_usd_per_kg=1.5),
    # metal
    _site("metal", "mp_metal", "MP Independence metal (Fort Worth)", "US", 5000, 8.0,
          "MP3 MP4; estimate: oxide to feed 10,000 t magnets; cost 2x FM SMM1",
          incentive_usd_per_kg=0.8),
    _site("metal", "lcm_uk", "Less Common Metals (USAR)", "UK", 2000, 9.0,
          "USAR; capacity and cost estimate"),
    _site("metal", "vac_metal", "VAC Hanau metal and strip casting", "Germany", 800, 9.0,
          "V2; capacity and cost estimate"),
    _site("metal", "vn_metal", "Vietnam rare-earth metal makers", "Vietnam", 5000, 5.0,
          "estimate (capacity; cost between China FM SMM1 and the West)"),
    _site("metal", "china_metal", "China oxide-to-metal", "China", 20000, 3.5,
          "FM SMM1 (3-4 USD/kg); capacity estimate; CO2e estimate (coal power)",
          co2e_kg_per_kg=15.0),
    _site("metal", "aclara_alloy", "Aclara US alloy plant (candidate)", "US", 0, 9.0,
          "A1 (alloy planned); capacity is the project aclara_alloy_plant; cost estimate",
          incentive_usd_per_kg=0.8),
    _site("metal", "evac_alloy", "eVAC alloy line, Sumter", "US", 1000, 9.0,
          "V1 V2 (VAC makes its own alloy: strip casting); capacity and cost estimate",
          first_year=2027),
    # magnets
    _site("magnet", "mp_magnet", "MP Independence magnets", "US", 10000, 20.0,
          "MP3 MP4 (10X to 10,000 t by 2028); cost estimate", swarf_share=0.25),
    _site("magnet", "evac_sumter", "eVAC Sumter", "US", 1500, 20.0,
          "V1 (operating end-2025; capacity ~1,500 t estimate); cost estimate",
          swarf_share=0.25),
    _site("magnet", "vac_hanau", "VAC Hanau magnets", "Germany", 1500, 22.0,
          "V2 (capacity ~1,500 t estimate); cost estimate", swarf_share=0.25),
    _site("magnet", "usar_stillwater", "USA Rare Earth Stillwater", "US", 4800, 20.0,
          "USAR (1,200 t 2026 -> 4,800 t); cost estimate", swarf_share=0.25),
    _site("magnet", "neo_narva", "Neo Narva", "Estonia", 5000, 21.0,
          "N1 (2,000 t 2025 -> 5,000 t); cost estimate", swarf_share=0.25),
    _site("magnet", "noveon", "Noveon Magnetics", "US", 2000, 18.0,
          "NV (2,000 t); cost estimate", swarf_share=0.20),
    # recycling
    _site("recycling", "cyclic_mcbee", "Cyclic Materials McBee (long loop)", "US", 6000, 8.0,
          "C1 (2,000 -> 6,000 t magnet feed); cost estimate", output="oxide"),
    _site("recycling", "hypromag", "HyProMag Tyseley (short loop)", "UK", 300, 10.0,
          "HY (100-300 t NdFeB); cost estimate", output="metal"),
    _site("recycling", "ionic_belfast", "Ionic Rare Earths Belfast (long loop)", "UK", 1300, 9.0,
          "IO (400 t REO = 1,300 t scrap at C1's 0.30); start year and cost estimate",
          output="oxide", first_year=2027),
    # markets
    _site("market", "china_market", "China export market", "China", None, 0.0,
          "SMM2 REX CN1: prices and licences in MarketPrices"),
    _site("market", "japan_market", "Japan / rest-of-world magnets", "Japan", None, 0.0,
          "NEO$: ex-China premium; caps estimate"),
)  # fmt: skip

# Ramp-ups: site -> {year: capacity_t}; later years use Sites.capacity_t.
RAMPS = {
    "mp_sep": ({2026: 27000, 2027: 33000}, "MP1 MP2: ~4,000 t NdPr run-rate; ramp estimate"),
    "iluka_sep": ({2027: 5000, 2028: 12000}, "IL: commissioning ramp estimate"),
    "iluka_feed": ({2027: 5000, 2028: 12000}, "IL: matches the refinery ramp, estimate"),
    "carina": ({2028: 2000}, "A2: half-year 2028 start, estimate"),
    "aclara_la": ({2028: 3000}, "A1: feed mid-2028"),
    "ucore_la": ({2026: 1000, 2027: 2000, 2028: 4500}, "U1: 2,000 -> 7,500 t; ramp estimate"),
    "white_mesa": ({y: 5000 for y in range(2026, 2029)}, "EF: phase 1 until phase 2 in 2029"),
    "solvay_lr": ({2026: 500, 2027: 1000, 2028: 2000, 2029: 3000}, "S: ramp to 2030, estimate"),
    "mp_metal": ({2026: 1500, 2027: 2500}, "MP3 MP4: follows the magnet ramp, estimate"),
    "lcm_uk": ({2026: 1000, 2027: 1000}, "USAR: expansion estimate"),
    "mp_magnet": ({2026: 1000, 2027: 3000}, "MP3 MP4: ~1,000 t, 10X to 10,000 t by 2028"),
    "usar_stillwater": (
        {2026: 300, 2027: 2400, 2028: 3600},
        "USAR: 1,200 -> 4,800; 2026 commissioning (a quarter year), estimate",
    ),
    "neo_narva": (
        {2026: 1200, 2027: 3000, 2028: 4000},
        "N1: 2,000 -> 5,000; 2026 first full year below nameplate, estimate",
    ),
    "evac_sumter": ({2026: 400}, "V1: first year after the end-2025 start, estimate"),
    "vac_hanau": ({2026: 800}, "V2: share of output for US+EU buyers in 2026, estimate"),
    "noveon": ({2026: 400}, "NV: 2026 output below the 2,000 t nameplate, estimate"),
    "cyclic_mcbee": ({2026: 2000, 2027: 2000, 2028: 4000}, "C1: 2,000 -> 6,000; ramp estimate"),
    "hypromag": ({2026: 100}, "HY: 100 -> 300 t"),
    "us_eol": ({y: 1500 + 500 * (y - 2026) for y in range(2026, 2035)}, "REC: ramp estimate"),
    "eu_eol": ({y: 1000 + 500 * (y - 2026) for y in range(2026, 2034)}, "REC: ramp estimate"),
    "emr_uk": ({2026: 500, 2027: 800, 2028: 1100}, "HY: ramp estimate"),
}

# kg of each element (oxide for mines, metal for scrap) per kg of output: NdPr, Dy, Tb
COMPOSITION = {
    "mp_mine": ((0.16, 0.0005, 0.0001), "estimate: bastnaesite, NdPr-rich and Dy-poor"),
    "mt_weld": ((0.24, 0.0055, 0.0011), "estimate: Dy/Tb set so Lynas yields ~250/50 t (L2 L3)"),
    "iluka_feed": ((0.22, 0.009, 0.0015), "estimate: monazite with xenotime"),
    "carina": ((0.22, 0.040, 0.0066), "A2: 191 t Dy+Tb on 4,100 t TREO; NdPr estimate"),
    "penco": ((0.24, 0.030, 0.005), "estimate: heavy-rich ionic clay"),
    "serra_verde": ((0.24, 0.025, 0.004), "estimate: heavy-rich ionic clay"),
    "malaysia_feed": ((0.20, 0.05, 0.01), "L2 L3: 250 t Dy, 50 t Tb from 5,000 t feed"),
    "ef_us_feed": ((0.20, 0.008, 0.0022), "EF: Dy/Tb per NdPr as phase 2 (240, 66 per 6,000)"),
    "ef_phase2_feed": ((0.20, 0.008, 0.0022), "EF: Dy/Tb per NdPr as phase 2 (240, 66 per 6,000)"),
    "kachin": ((0.20, 0.050, 0.008), "estimate: Myanmar heavy-rich ionic clay"),
    "bayan_obo": ((0.22, 0.001, 0.0002), "estimate: Bayan Obo bastnaesite-monazite"),
    "us_eol": ((0.28, 0.015, 0.003), "HV TY GM: ~30% RE in NdFeB, metal basis"),
    "eu_eol": ((0.28, 0.015, 0.003), "HV TY GM: ~30% RE in NdFeB, metal basis"),
    "emr_uk": ((0.28, 0.015, 0.003), "HV TY GM: ~30% RE in NdFeB, metal basis"),
}

# Recovery of NdPr, Dy, Tb at processors
RECOVERY = {
    "mp_sep": ((0.92, 0.80, 0.80), "estimate"),
    "lynas_my": ((0.95, 0.85, 0.85), "estimate"),
    "aclara_la": ((0.95, 0.95, 0.95), "estimate (A1 figures imply ~0.95)"),
    "ucore_la": ((0.93, 0.90, 0.90), "estimate"),
    "us_sep2": ((0.95, 0.90, 0.90), "estimate"),
    "white_mesa": ((0.95, 0.90, 0.90), "estimate"),
    "solvay_lr": ((0.95, 0.90, 0.90), "estimate"),
    "neo_silmet": ((0.95, 0.0, 0.0), "N1: light RE circuit only"),
    "iluka_sep": ((0.95, 0.90, 0.90), "estimate"),
    "china_sep": ((0.95, 0.92, 0.92), "estimate"),
    **{m: ((0.98, 0.98, 0.98), "estimate") for m in
       ("mp_metal", "lcm_uk", "vac_metal", "vn_metal", "china_metal", "aclara_alloy",
        "evac_alloy")},
    "cyclic_mcbee": ((0.85, 0.85, 0.85), "C1: 0.30 t MREO per t scrap of ~0.30 RE metal"),
    "ionic_belfast": ((0.85, 0.85, 0.85), "C1 IO: as Cyclic (long loop)"),
    "hypromag": ((0.90, 0.90, 0.90), "estimate: short-loop hydrogen processing"),
}  # fmt: skip

# Grade recipes, wt% NdPr, Dy, Tb
GRADES = {
    "ev_grade": ((28.5, 1.2, 0.5), "estimate (FACTS grade recipes)"),
    "ev_gbd": ((28.9, 0.72, 0.3), "GBD: 40% less Dy/Tb than ev_grade (30-60%); NdPr estimate"),
    "wind_grade": ((29.0, 3.0, 0.0), "estimate (FACTS grade recipes) HV"),
    "ind_grade": ((29.0, 2.0, 0.2), "estimate (FACTS grade recipes)"),
    "cons_grade": ((31.0, 0.2, 0.0), "estimate (FACTS grade recipes)"),
    "def_grade": ((26.0, 5.0, 1.0), "estimate (FACTS grade recipes)"),
}

# segment: region, accepted grades, 2026 demand t, growth/yr, compliant from, penalty
SEGMENTS = {
    "ev_traction": ("EU", "ev_gbd, ev_grade, ind_grade", 19800, 0.12, None, None),
    "wind": ("EU", "wind_grade, def_grade", 6600, 0.08, None, None),
    "industrial": ("US", "ind_grade, wind_grade", 14300, 0.07, None, None),
    "consumer": ("US", "cons_grade, ev_gbd, ev_grade", 12600, 0.03, None, None),
    "defense": ("US", "def_grade", 1600, 0.05, 2027, 5000),
}

# China market: domestic prices (the bids) and export asks with licence caps (t/yr).
DOMESTIC_OXIDE = {"NdPr": 82.0, "Dy": 186.0, "Tb": 839.0}
DOMESTIC_METAL = {"NdPr": 103.0, "Dy": 215.0, "Tb": 1200.0}
EXPORT_OXIDE = {"NdPr": 82.0, "Dy": 700.0, "Tb": 2000.0}
OXIDE_CAP = {"NdPr": None, "Dy": 100.0, "Tb": 20.0}
FABRICATION_USD_PER_KG = 17.0
# 2026 China magnet export caps (t) per grade, sized so China supplies >90% of 2026's US+EU
# magnets (IEA25: 94% of magnet manufacturing); def_grade is not sold for military end use.
CHINA_MAGNET_CAP = {"ev_grade": 10000, "ev_gbd": 12000, "wind_grade": 5500, "ind_grade": 12000,
                    "cons_grade": 12500}  # fmt: skip
CHINA_CAP_GROWTH = 0.08
# Japanese makers' magnets for US+EU buyers, t/yr (estimate: a small share, most of their
# output goes to Japanese and Asian customers)
JAPAN_MAGNETS = {"ev_grade": 200, "ev_gbd": 200, "wind_grade": 100, "ind_grade": 100}
# What China's market buys back from the West at its domestic prices, t/yr (estimate: like
# today's Western sales into China; blank = it buys no more of that item)
CHINA_BIDS_MAX_T = {("oxide", "NdPr"): 4000, ("metal", "NdPr"): 500}
JAPAN_PREMIUM_USD_PER_KG = 20.0

# symmetric freight between regions, USD/kg (estimates)
FREIGHT = {
    ("US", "EU"): 0.8, ("US", "UK"): 0.8, ("US", "China"): 1.2, ("US", "AsiaPac"): 1.5,
    ("US", "LatAm"): 1.0, ("EU", "UK"): 0.3, ("EU", "China"): 1.2, ("EU", "AsiaPac"): 1.5,
    ("EU", "LatAm"): 1.2, ("UK", "China"): 1.3, ("UK", "AsiaPac"): 1.6, ("UK", "LatAm"): 1.3,
    ("China", "AsiaPac"): 0.6, ("China", "LatAm"): 1.8, ("AsiaPac", "LatAm"): 2.0,
}  # fmt: skip

LANES = {
    "mp_mine": (("mp_sep",), "MP1: integrated mine and separation"),
    "mt_weld": (("lynas_my",), "L1 L2: integrated Lynas chain"),
    "iluka_feed": (("iluka_sep",), "IL: integrated refinery"),
    "carina": (("aclara_la",), "A1 A2: Aclara's own feed"),
    "penco": (("aclara_la",), "A1 A3: Aclara's own feed"),
    "malaysia_feed": (("lynas_my",), "L2 L3: Lynas's heavy feed plant"),
    "serra_verde": (("ucore_la", "us_sep2", "solvay_lr", "neo_silmet", "china_sep"),
                    "SV U1 S N1: mixed carbonate to Western separators or China, estimate"),
    "aclara_la": (("aclara_alloy",), "A1: Aclara's separation and alloy in one US chain"),
    "aclara_alloy": (("vac_hanau", "evac_sumter"), "A4: Aclara-VAC alliance (VAC and eVAC)"),
    "evac_alloy": (("evac_sumter",), "V1: eVAC's own alloy line"),
    "lcm_uk": (("usar_stillwater", "neo_narva", "vac_hanau"),
               "USAR: USA Rare Earth owns LCM; estimate: LCM's other buyers"),
    "ef_us_feed": (("white_mesa",), "EF: White Mesa feed"),
    "ef_phase2_feed": (("white_mesa",), "EF: White Mesa feed"),
    "kachin": (("china_sep",), "MY: Myanmar clays go to China"),
    "bayan_obo": (("china_sep",), "estimate: domestic feed"),
    "china_sep": (("china_metal", "china_market"), "CN1: exports pass the licensed market"),
    "china_metal": (("china_market",), "CN1: exports pass the licensed market"),
    "mp_sep": (("mp_metal", "lcm_uk", "vac_metal", "vn_metal"),
               "MP3: DoD offtake; estimate: no sales to China"),
    "evac_sumter": (("cyclic_mcbee", *SEGMENTS), "C1: exclusive eVAC swarf deal"),
}  # fmt: skip

# from_country, to_region, commodity, pct, customs value, first, last, notes
TARIFFS = (
    ("China", "US", "magnet", 25.0, None, 2026, None, "301: 0 -> 25% on 1 Jan 2026"),
    ("China", "EU", "magnet", 2.2, None, None, None, "estimate: EU MFN duty on magnets"),
    ("Germany", "US", "magnet", 15.0, 70.0, None, None,
     "estimate: 2025 US-EU rate; customs value estimate"),
    ("Estonia", "US", "magnet", 15.0, 70.0, None, None,
     "estimate: 2025 US-EU rate; customs value estimate"),
    ("Japan", "US", "magnet", 15.0, None, None, None, "estimate: 2025 US-Japan rate"),
)  # fmt: skip


# EU CRMA 2030 benchmarks as soft policies from 2030. The Act speaks of EU supply; applying it
# to this US+EU network is a simplification. Penalties are estimates of what a planner would
# pay to stay inside the benchmark before accepting a breach.
# policy, type, stage, country, region, value, first_year, penalty, notes
POLICIES = (
    ("crma_cap_separation", "max_country_share", "separation", "*", None, 0.65, 2030, 50.0,
     "CRMA: <=65% of a stage from one third country; penalty estimate"),
    ("crma_cap_metal", "max_country_share", "metal", "*", None, 0.65, 2030, 50.0,
     "CRMA: <=65% of a stage from one third country; penalty estimate"),
    ("crma_cap_magnet", "max_country_share", "magnet", "*", None, 0.65, 2030, 50.0,
     "CRMA: <=65% of a stage from one third country; penalty estimate"),
    ("crma_recycled", "min_recycled_share", None, None, None, 0.25, 2030, 30.0,
     "CRMA: 25% recycling benchmark, read as recycled metal into magnets; penalty estimate"),
    ("crma_processing_eu", "min_region_share", "separation", None, "EU", 0.40, 2030, 20.0,
     "CRMA: 40% processing in the EU; penalty estimate"),
)  # fmt: skip

# contract, site, buyer_site, commodity, item, first, last, min_t, max_t, share, price,
# binding, notes (pair contracts: the supplier's shipments to the buyer)
CONTRACTS = (
    ("aclara_vac_mou", "aclara_alloy", "vac_hanau", "metal", None, 2029, 2035, None, None,
     None, None, False, "A4: Aclara-VAC alliance, a non-binding MOU (no volume committed)"),
    ("aclara_evac_mou", "aclara_alloy", "evac_sumter", "metal", None, 2029, 2035, None, None,
     None, None, False, "A4: Aclara-VAC alliance (eVAC in the US), a non-binding MOU"),
    ("ucore_evac_oxide", "ucore_la", "evac_alloy", "oxide", "NdPr", 2027, 2035, 300, 1000, None,
     None, True, "U1 V1: Ucore NdPr oxide for eVAC's alloy line; take-or-pay volume estimate"),
    ("mp_integrated", "mp_sep", "mp_metal", "oxide", "NdPr", 2027, 2035, 3000, None, None, None,
     True, "MP3 MP4: the DoD price floor and magnet offtake make MP's own oxide the feed of "
     "its 10X magnet chain; volume estimate"),
    ("cyclic_evac_swarf", "evac_sumter", "cyclic_mcbee", "scrap", None, 2026, 2035, None, None,
     1.0, None, True, "C1: 100% of eVAC's swarf to Cyclic, exclusive, 10 years"),
    ("lcm_usar_alloy", "lcm_uk", "usar_stillwater", "metal", "NdPr", 2027, 2035, 300, None,
     None, None, True, "USAR: USA Rare Earth's own alloy maker (LCM); volume estimate"),
    ("usar_defense", "usar_stillwater", "defense", "magnet", None, 2027, 2035, 400, None, None,
     None, True, "USAR: all-US magnets for defense with PolarStar (DF); volume estimate"),
    ("emr_ionic_scrap", "emr_uk", "ionic_belfast", "scrap", None, 2027, 2035, 300, None, None,
     None, True, "IO HY: EMR's end-of-life scrap to Ionic Rare Earths in Belfast; volume "
     "estimate"),
)  # fmt: skip

# project, site, capex_usd_per_t, fixed_usd_per_t_yr, life_years, earliest_year,
# lead_time_years, max_t, min_t, decision, notes
# Continuous here, so the base case solves as an LP in well under a second; set decision to
# go_no_go (min_t..max_t if built) to decide a project whole (docs/base_case.md does both).
PROJECTS = (
    ("evac_expansion", "evac_sumter", 223000, 8000, 20, 2028, 2, 1500, 0, "continuous",
     "V1: 335 M USD for the Sumter plant, ~1,500 t/yr: 223,000 USD per t/yr; a second line "
     "of up to the same size; fixed cost estimate"),
    ("west_separator_2", "us_sep2", 25000, 1000, 20, 2029, 3, 10000, 0, "continuous",
     "estimate: capex from Western separation projects (U1 S), per t/yr of concentrate"),
    ("aclara_alloy_plant", "aclara_alloy", 40000, 2000, 20, 2029, 3, 1500, 0, "continuous",
     "A1: Aclara's planned alloy plant; size, capex and fixed cost estimates"),
)  # fmt: skip

# site, element, initial_t, min_t, max_t, holding_usd_per_kg_yr, notes
STOCKS = (
    ("mp_metal", "Dy", 10.0, 10.0, 200.0, 8.0,
     "estimate: US strategic Dy metal reserve, ~3%/yr of a ~250 USD/kg value (CN1 CN3)"),
)  # fmt: skip


# scenario, probability, change, notes: disruptions `mine2magnet robust` plans for
SCENARIOS = (
    ("china_heavy_ban", 0.3, "MarketPrices[china_market,oxide,Dy]@2028-2035.max_t = 0",
     "CN1 CN2 CN3: China stops licensing Dy and Tb oxide and metal from 2028 and halves "
     "magnet licences; probability estimate"),
    ("china_heavy_ban", None, "MarketPrices[china_market,oxide,Tb]@2028-2035.max_t = 0",
     "CN1 CN2: Tb oxide"),
    ("china_heavy_ban", None, "MarketPrices[china_market,metal,Dy]@2028-2035.max_t = 0",
     "CN1 CN2: Dy metal and alloys"),
    ("china_heavy_ban", None, "MarketPrices[china_market,metal,Tb]@2028-2035.max_t = 0",
     "CN1 CN2: Tb metal and alloys"),
    ("china_heavy_ban", None, "MarketPrices[china_market,magnet]@2028-2035.max_t *= 0.5",
     "CN1: magnets with Dy or Tb are licensed too: half the licences from 2028, estimate"),
    ("aclara_slips", 0.2, "Sites[carina].first_year += 2",
     "A1 A2: Aclara's start slips two years; probability estimate"),
    ("aclara_slips", None, "Sites[penco].first_year += 2", "A1 A3: Penco with it"),
)  # fmt: skip

# the README's what-ifs, ready to run: mine2magnet sweep inputs/base_case.xlsx --sweep NAME
SWEEPS = (
    ("dy_price", "MarketPrices[china_market,oxide,Dy].price_usd_per_kg = 200:1000:100",
     "README: China's Dy oxide export price from 200 to 1,000 USD/kg"),
    ("carina_half", "Sites[carina].capacity_t *= 0.5", "README: Carina at half capacity"),
    ("ev_boom", "Demand[ev_traction]@2030-2035.demand_t *= 1.2",
     "README: EV traction demand 20% higher from 2030"),
    ("mp_magnet_late", "Sites[mp_magnet].first_year += 2",
     "README: MP's magnet plant two years late"),
    ("risk_weight", "Settings[risk_weight].value = 0:2:0.5", "README: cost against risk"),
)  # fmt: skip


def _market_prices() -> list[Row]:
    """China market: export asks (capped by licences) and domestic bids; Japan at a premium."""
    rows: list[Row] = []

    def add(site: str, commodity: str, item: str, year: int | None, price: float,
            cap: float | None, bid: float | None, notes: str,
            bid_cap: float | None = None) -> None:  # fmt: skip
        rows.append({"site": site, "commodity": commodity, "item": item, "year": year,
                     "bid_max_t": bid_cap,
                     "price_usd_per_kg": price, "max_t": cap, "bid_usd_per_kg": bid,
                     "notes": notes})  # fmt: skip

    for e in ELEMENTS:
        # China buys back NdPr only: it is the world's seller of Dy and Tb
        bid = round(DOMESTIC_OXIDE[e] * 0.95, 1) if e == "NdPr" else None
        note = ("SMM2 (domestic price = bid) AR BM (export ask); caps CN1 CN3 estimate; "
                "bid cap estimate")  # fmt: skip
        add("china_market", "oxide", e, None, EXPORT_OXIDE[e], OXIDE_CAP[e], bid, note,
            CHINA_BIDS_MAX_T.get(("oxide", e)))  # fmt: skip
        ask = round(DOMESTIC_METAL[e] * EXPORT_OXIDE[e] / DOMESTIC_OXIDE[e], 1)
        metal_bid = round(0.92 * DOMESTIC_METAL[e], 1) if e == "NdPr" else None
        note = "REX; estimate: export ask = domestic x oxide export/domestic ratio"
        add("china_market", "metal", e, None, ask, OXIDE_CAP[e], metal_bid, note,
            CHINA_BIDS_MAX_T.get(("metal", e)))  # fmt: skip
    for g, (pct, _note) in GRADES.items():
        metal = sum(p / 100 * DOMESTIC_METAL[e] for p, e in zip(pct, ELEMENTS, strict=True))
        price = round(metal + FABRICATION_USD_PER_KG + (2.0 if g == "ev_gbd" else 0.0), 1)
        note = "REX: recipe x metal + fabrication estimate; licence cap estimate (CN1)"
        for t in YEARS if g in CHINA_MAGNET_CAP else ():
            cap = round(CHINA_MAGNET_CAP[g] * (1 + CHINA_CAP_GROWTH) ** (t - FIRST_YEAR))
            add("china_market", "magnet", g, t, price, cap, None, note)
        if g in JAPAN_MAGNETS:
            note = "NEO$ (+10-30 USD/kg ex-China premium); cap estimate"
            premium = price + JAPAN_PREMIUM_USD_PER_KG
            add("japan_market", "magnet", g, None, premium, JAPAN_MAGNETS[g], None, note)
    return rows


def _per_element(table: dict[str, tuple[tuple[float, ...], str]], column: str) -> list[Row]:
    """Composition or Recovery rows from site -> ((NdPr, Dy, Tb), notes)."""
    return [
        {"site": s, "element": e, column: v, "notes": note}
        for s, (values, note) in table.items()
        for e, v in zip(ELEMENTS, values, strict=True)
    ]


def _segments() -> list[Row]:
    rows = []
    for s, (region, grades, _d0, _growth, compliant_from, penalty) in SEGMENTS.items():
        note = "DF (DFARS from 2027); penalty estimate" if compliant_from else "estimate"
        note += "; grades accepted by Dy/Tb content (FACTS recipes)"
        rows.append({"segment": s, "region": region, "grades": grades,
                     "requires_compliant": compliant_from is not None,
                     "compliant_from_year": compliant_from,
                     "unmet_penalty_usd_per_kg": penalty, "notes": note})  # fmt: skip
    return rows


def _demand() -> list[Row]:
    rows = []
    for s, (_region, _grades, d0, growth, _c, _p) in SEGMENTS.items():
        note = f"estimate (FACTS example US+EU demand): {d0:,} t in 2026, +{growth:.0%}/yr"
        for t in YEARS:
            demand = round(d0 * (1 + growth) ** (t - FIRST_YEAR), 1)
            rows.append({"segment": s, "year": t, "demand_t": demand, "notes": note})
    return rows


def base_case_tables() -> dict[str, list[Row]]:
    """Rows of every input sheet of the base case (sheet name -> row dicts)."""
    freight = [(a, b, v) for (a, b), v in FREIGHT.items()]
    freight += [(b, a, v) for a, b, v in freight]
    tariff_cols = "from_country to_region commodity tariff_pct customs_value_usd_per_kg"
    return {
        "Settings": _rows("setting value notes", SETTINGS),
        "Elements": _rows("element class oxide_to_metal notes", ELEMENT_ROWS),
        "Countries": _rows("country region risk_score restricted esg_score notes", COUNTRIES),
        "Sites": [dict(r) for r in SITES],
        "Capacity": [
            {"site": s, "year": t, "capacity_t": c, "notes": note}
            for s, (caps, note) in RAMPS.items()
            for t, c in caps.items()
        ],
        "Composition": _per_element(COMPOSITION, "share"),
        "Recovery": _per_element(RECOVERY, "recovery"),
        "MarketPrices": _market_prices(),
        "Grades": [
            {"grade": g, "element": e, "kg_per_kg": round(p / 100, 4), "notes": note}
            for g, (pct, note) in GRADES.items()
            for e, p in zip(ELEMENTS, pct, strict=True)
        ],
        "Segments": _segments(),
        "Demand": _demand(),
        "Transport": [
            {
                "from_region": a,
                "to_region": b,
                "usd_per_kg": v,
                "co2e_kg_per_kg": round(0.1 * v, 3),
                "notes": "estimate: freight; CO2e ~15 g per t-km of sea freight, scaled from "
                "the freight rate",
            }
            for a, b, v in freight
        ],
        "Lanes": [
            {"from_site": i, "to_site": j, "allowed": True, "usd_per_kg": None, "notes": note}
            for i, (targets, note) in LANES.items()
            for j in targets
        ],
        "Tariffs": _rows(f"{tariff_cols} first_year last_year notes", TARIFFS),
        "Policies": _rows(
            "policy type stage country region value first_year penalty_usd_per_kg notes", POLICIES
        ),
        "Contracts": _rows(
            "contract site buyer_site commodity item first_year last_year min_t max_t share "
            "price_usd_per_kg binding notes",
            CONTRACTS,
        ),
        "Scenarios": _rows("scenario probability change notes", SCENARIOS),
        "Projects": _rows(
            "project site capex_usd_per_t fixed_usd_per_t_yr life_years earliest_year "
            "lead_time_years max_t min_t decision notes",
            PROJECTS,
        ),
        "Stocks": _rows("site element initial_t min_t max_t holding_usd_per_kg_yr notes", STOCKS),
        "Sweeps": _rows("sweep change notes", SWEEPS),
    }
