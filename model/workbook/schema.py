"""The workbook contract as data: every sheet, every column, its type, unit, default and meaning.

The reader, the validator, the example writer and the generated workbook reference
(docs/workbook.md) all read this one description. Adding a column is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.stages import STAGES

COMMODITIES = ("oxide", "metal", "magnet")
TARIFF_COMMODITIES = ("concentrate", "oxide", "metal", "magnet", "scrap", "*")
RECYCLING_OUTPUTS = ("oxide", "metal")
ELEMENT_CLASSES = ("light", "heavy")

# Stage defaults for value_at_risk_usd_per_kg: the value of one kg of the stage's capacity
# measure, i.e. of what a disruption there would put at risk (estimates): a kg of concentrate
# mined ~5 USD; a kg of concentrate separated ~15 USD of oxide; a kg of oxide turned to metal
# ~80 USD (NdPr oxide price); a kg of magnet ~60 USD; a kg of scrap collected ~10 USD or
# recycled ~20 USD of recovered elements; a kg bought from a market ~60 USD.
DEFAULT_VALUE_AT_RISK_USD_PER_KG = {
    "mine": 5.0,
    "collection": 10.0,
    "separation": 15.0,
    "metal": 80.0,
    "magnet": 60.0,
    "recycling": 20.0,
    "market": 60.0,
}


@dataclass(frozen=True)
class Column:
    """One column of an input sheet.

    dtype: str | float | int | bool | list (comma-separated text).
    required: the column must be present and every row must fill it.
    default: value of a blank cell (None: stays blank).
    lo/hi: inclusive bounds for numbers; choices: allowed text values.
    ref: foreign key as 'Sheet.column' (or several separated by '|').
    """

    name: str
    dtype: str = "str"
    unit: str = ""
    required: bool = False
    default: Any = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    ref: str = ""
    help: str = ""
    # choices kept in a registry of a higher layer (e.g. "policy types"): the layer that
    # owns it checks them and lists them in the template and the docs
    choices_from: str = ""

    @property
    def default_text(self) -> str:
        """How the default reads in the docs and the template's header comments."""
        if self.required:
            return "required"
        if self.default is None:
            return "blank"
        if isinstance(self.default, bool):
            return "yes" if self.default else "no"
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)


@dataclass(frozen=True)
class Sheet:
    """One input sheet: its columns, its key columns (unique together) and whether it must exist."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Setting:
    """One row of the Settings sheet."""

    name: str
    dtype: str
    default: Any
    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    help: str = ""
    required: bool = field(default=False)
    choices: tuple[str, ...] = ()  # allowed text values (text settings)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "first_year", "int", None, "year", 1900, 2200, "First planning year (inclusive).", True
    ),
    Setting("last_year", "int", None, "year", 1900, 2200, "Last planning year (inclusive).", True),
    Setting(
        "discount_rate", "float", 0.0, "1/yr", 0, 1, "Yearly rate to discount costs to first_year."
    ),
    Setting(
        "unmet_penalty_usd_per_kg",
        "float",
        1000.0,
        "USD/kg",
        0,
        None,
        "Cost of a kg of unmet demand.",
    ),
    Setting("risk_weight", "float", 0.0, "-", 0, None, "Weight of the risk term (0 = cost only)."),
    Setting(
        "default_transport_usd_per_kg",
        "float",
        0.0,
        "USD/kg",
        0,
        None,
        "Transport cost between regions not listed in Transport.",
    ),
    Setting("time_limit_s", "float", 600.0, "s", 0, None, "Solver time limit."),
    Setting(
        "carbon_price_usd_per_t",
        "float",
        0.0,
        "USD/t CO2e",
        0,
        None,
        "Price of a t of CO2e emitted by sites and transport (0 = emissions reported only).",
    ),
    Setting(
        "default_transport_co2e_kg_per_kg",
        "float",
        0.0,
        "kg CO2e/kg",
        0,
        None,
        "kg CO2e per kg moved between regions not listed in Transport.",
    ),
    Setting(
        "cvar_alpha",
        "float",
        0.9,
        "share",
        0,
        0.99,
        "Scenario planning: CVaR is the expected cost of the worst 1 - cvar_alpha of "
        "probability (0 = the expected cost).",
    ),
    Setting(
        "cvar_weight",
        "float",
        0.0,
        "-",
        0,
        None,
        "Scenario planning: weight of CVaR in the objective (expected cost + weight x CVaR).",
    ),
    Setting(
        "scenario_reveal_year",
        "int",
        None,
        "year",
        1900,
        2200,
        "Scenario planning: the year the scenario becomes known; plans for earlier years are "
        "the same in every scenario (blank = the first year any scenario's change applies).",
    ),
    Setting(
        "mip_gap",
        "float",
        1e-4,
        "-",
        0,
        1,
        "Relative gap at which a solve with go/no-go projects stops (the MIP's optimality).",
    ),
    Setting(
        "solver_method",
        "str",
        "auto",
        help="HiGHS's algorithm: simplex (dual simplex), ipm (interior point, IPX), hipo "
        "(HiGHS's newer interior point, where highspy-extras is installed; else ipm), or auto "
        "(simplex up to 1,000,000 columns; above, hipo where installed, else simplex). After an "
        "interior point, crossover finds a basis, so duals and ranging are as after simplex; "
        "the Summary's solver_method says which ran.",
        choices=("auto", "simplex", "ipm", "hipo"),
    ),
)

# Stage defaults for co2e_kg_per_kg: kg CO2e per kg of the stage's capacity measure
# (estimates from the LCA literature: Sprecher et al. 2014, Environ. Sci. Technol. 48:3951;
# Marx et al. 2018, ACS Sustain. Chem. Eng. 6:5858, ~20-30 kg CO2e per kg of sintered NdFeB
# cradle to gate, most of it in the rare earths; Schulze et al. 2018, J. Sustain. Metall.
# 4:493, recycling well below primary). Mining and beneficiation ~2 per kg concentrate;
# cracking and solvent extraction ~8 per kg concentrate in; oxide-to-metal electrolysis
# (electricity, PFC) ~10 per kg oxide in; strip casting, milling, sintering ~6 per kg magnet;
# collection ~0.2 per kg scrap; recycling ~2 per kg scrap in.
DEFAULT_CO2E_KG_PER_KG = {
    "mine": 2.0,
    "collection": 0.2,
    "separation": 8.0,
    "metal": 10.0,
    "magnet": 6.0,
    "recycling": 2.0,
    "market": 0.0,  # markets: per commodity sold, MARKET_CO2E_KG_PER_KG
}
# Embodied kg CO2e per kg bought from a market, by commodity (estimates, same sources:
# Bayan Obo oxide ~15, its metal ~25, a sintered magnet ~30 cradle to gate)
MARKET_CO2E_KG_PER_KG = {"oxide": 15.0, "metal": 25.0, "magnet": 30.0}

NOTES = Column("notes", help="Free text: the figure's source, or 'estimate'.")

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Settings",
        (
            Column("setting", required=True, help="Setting name (see the Settings table)."),
            Column("value", "any", help="Setting value; blank = the setting's default."),
            NOTES,
        ),
        key=("setting",),
        required=True,
        help="Planning horizon, discounting, penalties and solver options, one row per setting.",
    ),
    Sheet(
        "Elements",
        (
            Column("element", required=True, help="Tracked element, e.g. NdPr, Dy, Tb."),
            Column("class", choices=ELEMENT_CLASSES, help="light or heavy (reporting only)."),
            Column(
                "oxide_to_metal",
                "float",
                "kg/kg",
                required=True,
                lo=0.1,
                hi=1,
                help="kg of metal per kg of oxide (NdPr 0.85, Dy 0.871, Tb 0.85).",
            ),
            NOTES,
        ),
        key=("element",),
        required=True,
        help="The elements whose mass the model tracks through the chain.",
    ),
    Sheet(
        "Countries",
        (
            Column("country", required=True, help="Country id."),
            Column(
                "region", required=True, help="Transport and customs region (US, EU, China...)."
            ),
            Column(
                "risk_score", "float", "-", default=0.0, lo=0, hi=1, help="Country risk in [0, 1]."
            ),
            Column(
                "restricted",
                "bool",
                default=False,
                help="yes where compliant chains may not pass (e.g. DFARS countries).",
            ),
            Column(
                "esg_score",
                "float",
                "share",
                default=0.0,
                lo=0,
                hi=1,
                help="Share of a site's output that meets ESG standards there (e.g. audited "
                "to IRMA), the default of its sites; blank = 0 (not shown to meet them).",
            ),
            NOTES,
        ),
        key=("country",),
        required=True,
        help="Countries, their regions and risk.",
    ),
    Sheet(
        "Sites",
        (
            Column("site", required=True, help="Site id."),
            Column("name", help="Display name."),
            Column("stage", required=True, choices=STAGES, help="The site's one stage."),
            Column("country", required=True, ref="Countries.country", help="Where the site is."),
            Column(
                "capacity_t",
                "float",
                "t/yr",
                lo=0,
                help="Yearly capacity of the stage's measure; required except for markets "
                "(blank market = no cap).",
            ),
            Column(
                "cost_usd_per_kg",
                "float",
                "USD/kg",
                default=0.0,
                help="Variable cost per kg of the capacity measure.",
            ),
            Column(
                "first_year", "int", "year", help="First operating year (blank = horizon start)."
            ),
            Column("last_year", "int", "year", help="Last operating year (blank = horizon end)."),
            Column(
                "risk_score", "float", "-", lo=0, hi=1, help="Site risk; blank = its country's."
            ),
            Column(
                "output",
                choices=RECYCLING_OUTPUTS,
                help="Recycling only: oxide (long loop) or metal (short loop).",
            ),
            Column(
                "swarf_share",
                "float",
                "kg/kg",
                default=0.0,
                lo=0,
                hi=1,
                help="Magnet only: kg swarf per kg magnet made.",
            ),
            Column(
                "incentive_usd_per_kg",
                "float",
                "USD/kg",
                default=0.0,
                lo=0,
                help="Credit per kg of the capacity measure (e.g. a production tax credit).",
            ),
            Column(
                "value_at_risk_usd_per_kg",
                "float",
                "USD/kg",
                lo=0,
                help="USD per kg exposed to the site's risk score; blank = the stage default.",
            ),
            Column(
                "co2e_kg_per_kg",
                "float",
                "kg CO2e/kg",
                lo=0,
                help="kg CO2e emitted per kg of the capacity measure; blank = the stage default "
                "(markets: per kg sold, by commodity).",
            ),
            Column(
                "esg_score",
                "float",
                "share",
                lo=0,
                hi=1,
                help="Share of the site's output that meets ESG standards; blank = its country's.",
            ),
            Column(
                "lat",
                "float",
                "degrees",
                lo=-90,
                hi=90,
                help="Latitude, for the report's map; blank = the centre of the site's country.",
            ),
            Column(
                "lon",
                "float",
                "degrees",
                lo=-180,
                hi=180,
                help="Longitude, for the report's map; blank = the centre of the site's country.",
            ),
            NOTES,
        ),
        key=("site",),
        required=True,
        help="Every mine, collector, processor, recycler and market.",
    ),
    Sheet(
        "Capacity",
        (
            Column("site", required=True, ref="Sites.site"),
            Column("year", "int", "year", required=True),
            Column("capacity_t", "float", "t/yr", required=True, lo=0),
            NOTES,
        ),
        key=("site", "year"),
        help="Per-year override of Sites.capacity_t (ramp-ups).",
    ),
    Sheet(
        "Composition",
        (
            Column("site", required=True, ref="Sites.site"),
            Column("element", required=True, ref="Elements.element"),
            Column(
                "share",
                "float",
                "kg/kg",
                required=True,
                lo=0,
                hi=1,
                help="kg of element (oxide for mines, metal for scrap) per kg of output.",
            ),
            NOTES,
        ),
        key=("site", "element"),
        help="What a mine's concentrate or a collector's scrap contains.",
    ),
    Sheet(
        "Recovery",
        (
            Column("site", required=True, ref="Sites.site"),
            Column("element", required=True, ref="Elements.element"),
            Column(
                "recovery",
                "float",
                "kg/kg",
                required=True,
                lo=0,
                hi=1,
                help="Fraction of the element's input that comes out (default 1 when no row).",
            ),
            NOTES,
        ),
        key=("site", "element"),
        help="Per-element recovery at separation, metal and recycling sites.",
    ),
    Sheet(
        "MarketPrices",
        (
            Column("site", required=True, ref="Sites.site"),
            Column("commodity", required=True, choices=COMMODITIES),
            Column("item", required=True, help="An element (oxide, metal) or a grade (magnet)."),
            Column("year", "int", "year", help="Blank = every year; a year row overrides it."),
            Column(
                "price_usd_per_kg",
                "float",
                "USD/kg",
                lo=0,
                help="Price at which the market sells; blank = it sells none.",
            ),
            Column("max_t", "float", "t/yr", lo=0, help="Cap on purchases; blank = no cap."),
            Column(
                "bid_usd_per_kg",
                "float",
                "USD/kg",
                lo=0,
                help="Price at which the market buys surplus; blank = it buys none.",
            ),
            Column(
                "bid_max_t",
                "float",
                "t/yr",
                lo=0,
                help="Cap on what the market buys at its bid; blank = no cap.",
            ),
            Column(
                "co2e_kg_per_kg",
                "float",
                "kg CO2e/kg",
                lo=0,
                help="kg CO2e embodied in a kg bought; blank = the commodity default.",
            ),
            NOTES,
        ),
        key=("site", "commodity", "item", "year"),
        help="What markets sell and buy, at what price.",
    ),
    Sheet(
        "Grades",
        (
            Column("grade", required=True),
            Column("element", required=True, ref="Elements.element"),
            Column(
                "kg_per_kg",
                "float",
                "kg/kg",
                required=True,
                lo=0,
                hi=1,
                help="kg of the element's metal per kg of finished magnet.",
            ),
            NOTES,
        ),
        key=("grade", "element"),
        required=True,
        help="Magnet recipes.",
    ),
    Sheet(
        "Segments",
        (
            Column("segment", required=True),
            Column("region", required=True, ref="Countries.region"),
            Column(
                "grades",
                "list",
                required=True,
                ref="Grades.grade",
                help="Comma-separated grades the segment accepts.",
            ),
            Column("requires_compliant", "bool", default=False),
            Column("compliant_from_year", "int", "year"),
            Column(
                "unmet_penalty_usd_per_kg",
                "float",
                "USD/kg",
                lo=0,
                help="Blank = Settings unmet_penalty_usd_per_kg.",
            ),
            NOTES,
        ),
        key=("segment",),
        required=True,
        help="Magnet demand segments.",
    ),
    Sheet(
        "Demand",
        (
            Column("segment", required=True, ref="Segments.segment"),
            Column("year", "int", "year", required=True),
            Column("demand_t", "float", "t/yr", required=True, lo=0, help="t of magnets per year."),
            NOTES,
        ),
        key=("segment", "year"),
        required=True,
        help="Magnet demand per segment and year.",
    ),
    Sheet(
        "Transport",
        (
            Column("from_region", required=True, ref="Countries.region"),
            Column("to_region", required=True, ref="Countries.region"),
            Column("usd_per_kg", "float", "USD/kg", required=True, lo=0),
            Column(
                "co2e_kg_per_kg",
                "float",
                "kg CO2e/kg",
                lo=0,
                help="kg CO2e per kg moved; blank = Settings default_transport_co2e_kg_per_kg.",
            ),
            NOTES,
        ),
        key=("from_region", "to_region"),
        help="Cost per kg moved between regions; same region costs 0 unless listed.",
    ),
    Sheet(
        "Lanes",
        (
            Column("from_site", required=True, ref="Sites.site"),
            Column("to_site", required=True, ref="Sites.site|Segments.segment"),
            Column("allowed", "bool", default=True),
            Column("usd_per_kg", "float", "USD/kg", lo=0, help="Overrides Transport for this arc."),
            NOTES,
        ),
        key=("from_site", "to_site"),
        help="Once a site is listed as from_site, only its allowed lanes exist.",
    ),
    Sheet(
        "Tariffs",
        (
            Column("from_country", required=True, ref="Countries.country|*"),
            Column("to_region", required=True, ref="Countries.region"),
            Column("commodity", required=True, choices=TARIFF_COMMODITIES),
            Column("tariff_pct", "float", "%", required=True, lo=0),
            Column(
                "customs_value_usd_per_kg",
                "float",
                "USD/kg",
                lo=0,
                help="Declared value per kg; blank = the market price when bought from a market.",
            ),
            Column("first_year", "int", "year"),
            Column("last_year", "int", "year"),
            NOTES,
        ),
        help="Import duties: tariff_pct/100 x customs value x kg, on imports into to_region.",
    ),
    Sheet(
        "Policies",
        (
            Column("policy", required=True),
            Column(
                "type",
                required=True,
                choices_from="policy types",
                help="A registered policy type (docs/workbook.md: Policy types).",
            ),
            Column("stage", choices=STAGES),
            Column("element", ref="Elements.element"),
            Column("country", ref="Countries.country|*"),
            Column("region", ref="Countries.region"),
            Column(
                "value",
                "float",
                "share or t",
                lo=0,
                help="The limit: a share (0-1) for share types, t CO2e/yr for max_emissions.",
            ),
            Column("first_year", "int", "year"),
            Column("last_year", "int", "year"),
            Column(
                "penalty_usd_per_kg",
                "float",
                "USD/kg",
                lo=0,
                help="Blank = hard constraint; a number = soft, cost per kg of violation.",
            ),
            NOTES,
        ),
        key=("policy",),
        help="Country caps, regional and recycled minimums, bans.",
    ),
    Sheet(
        "Contracts",
        (
            Column("contract", required=True),
            Column("site", required=True, ref="Sites.site"),
            Column("first_year", "int", "year"),
            Column("last_year", "int", "year"),
            Column("min_t", "float", "t/yr", lo=0),
            Column("max_t", "float", "t/yr", lo=0),
            Column("price_usd_per_kg", "float", "USD/kg", lo=0),
            Column("binding", "bool", default=True),
            Column(
                "buyer_site",
                ref="Sites.site|Segments.segment",
                help="The buyer: the contract covers the supplier's shipments to it (blank = "
                "the supplier's whole throughput).",
            ),
            Column(
                "commodity",
                choices=("concentrate", "oxide", "metal", "magnet", "scrap"),
                help="What the contract covers (blank = whatever the supplier ships the buyer).",
            ),
            Column("item", help="An element or grade the contract covers (blank = every item)."),
            Column(
                "share",
                "float",
                "share",
                lo=0,
                hi=1,
                help="Share of the supplier's output of the item that must go to the buyer "
                "(1 = exclusive), each year of the contract.",
            ),
            NOTES,
        ),
        key=("contract",),
        help="Offtake agreements and MOUs: with a site's whole throughput, or between a "
        "supplier and a buyer.",
    ),
    Sheet(
        "Stocks",
        (
            Column("site", required=True, ref="Sites.site"),
            Column("element", required=True, ref="Elements.element"),
            Column("initial_t", "float", "t", default=0.0, lo=0),
            Column("min_t", "float", "t", default=0.0, lo=0),
            Column("max_t", "float", "t", lo=0),
            Column("holding_usd_per_kg_yr", "float", "USD/kg/yr", default=0.0, lo=0),
            NOTES,
        ),
        key=("site", "element"),
        help="Strategic stocks carried between years.",
    ),
)

SHEETS = (
    *SHEETS,
    Sheet(
        "Projects",
        (
            Column("project", required=True, help="Project id."),
            Column("site", required=True, ref="Sites.site", help="The site it adds capacity to."),
            Column(
                "capex_usd_per_t",
                "float",
                "USD/(t/yr)",
                required=True,
                help="Capital cost per t/yr of capacity built (annualised over life_years at "
                "the discount rate).",
            ),
            Column(
                "fixed_usd_per_t_yr",
                "float",
                "USD/(t/yr)/yr",
                default=0.0,
                lo=0,
                help="Fixed operating cost per t/yr of capacity built, each year it is online.",
            ),
            Column(
                "life_years",
                "int",
                "yr",
                required=True,
                help="Years the capacity lasts (and its capex is annualised over).",
            ),
            Column(
                "earliest_year",
                "int",
                "year",
                help="First year it may come online (blank = first_year + lead_time_years).",
            ),
            Column(
                "lead_time_years",
                "int",
                "yr",
                default=0,
                lo=0,
                help="Years from the decision (first_year) to the capacity being online.",
            ),
            Column("max_t", "float", "t/yr", required=True, lo=0, help="Most capacity it can add."),
            Column(
                "min_t",
                "float",
                "t/yr",
                default=0.0,
                lo=0,
                help="continuous: capacity it must add at least; go_no_go: its size if built "
                "is min_t..max_t.",
            ),
            Column(
                "decision",
                choices=("continuous", "go_no_go"),
                default="continuous",
                help="continuous: any size up to max_t (an LP); go_no_go: built whole or not "
                "at all (a MILP).",
            ),
            NOTES,
        ),
        key=("project",),
        help="Capacity that can be built: the plan chooses how much and when it comes online.",
    ),
    Sheet(
        "Scenarios",
        (
            Column("scenario", required=True, help="Scenario name; several rows per scenario."),
            Column(
                "probability",
                "float",
                "share",
                lo=0,
                hi=1,
                help="The scenario's probability (on its first row; later rows may repeat it "
                "or stay blank). If they sum below 1, the workbook as it is (scenario "
                "nominal) takes the rest.",
            ),
            Column(
                "change",
                help="One what-if of the scenario with one value, e.g. "
                "MarketPrices[china_market,oxide,Dy]@2028-2035.max_t = 0 (blank: the scenario "
                "is the workbook as it is).",
            ),
            NOTES,
        ),
        help="Disruption scenarios for `mine2magnet robust`: each a probability and changes "
        "in the what-if language.",
    ),
    Sheet(
        "Sweeps",
        (
            Column("sweep", required=True, help="Name of the sweep the change belongs to."),
            Column(
                "change",
                required=True,
                help="A what-if, e.g. Sites[carina].capacity_t *= 0.5:1.5:0.25 "
                "(see `mine2magnet sweep --help`).",
            ),
            NOTES,
        ),
        help="Named sweeps: each row one change; `mine2magnet sweep IN.xlsx --sweep NAME` "
        "solves every combination of the named sweep's values.",
    ),
)

SHEETS_BY_NAME = {s.name: s for s in SHEETS}
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
