"""One colour per country (and per stage, cost component and scenario series), defined once
for every chart: the solution workbook's native charts, the study workbooks and the HTML
report all read these maps, so a country keeps its colour from chart to chart.

Countries the base case and the synthetic benchmarks use have a fixed colour; any other name
gets one from `EXTRA` chosen by a hash of the name (the same name, the same colour, on every
run and machine). China is red, the colour planners read as the concentration to watch.
"""

from __future__ import annotations

import hashlib

COUNTRY_COLOURS: dict[str, str] = {
    "China": "#C62828",
    "Myanmar": "#EF6C00",
    "US": "#1565C0",
    "USA": "#1565C0",
    "Canada": "#64B5F6",
    "Australia": "#2E7D32",
    "Japan": "#AD1457",
    "Malaysia": "#00897B",
    "Vietnam": "#9E9D24",
    "Korea": "#F06292",
    "Brazil": "#FBC02D",
    "Chile": "#8D6E63",
    "UK": "#5E35B1",
    "France": "#3949AB",
    "Germany": "#546E7A",
    "Estonia": "#26C6DA",
    "Sweden": "#0277BD",
    "Nigeria": "#558B2F",
    "Madagascar": "#FF8A65",
    "Malawi": "#A1887F",
    "Russia": "#6D4C41",
    "North Korea": "#880E4F",
    "Iran": "#B71C1C",
}
# for names not above: distinct from the fixed colours and from each other
EXTRA = (
    "#7E57C2",
    "#26A69A",
    "#D4E157",
    "#FFA726",
    "#EC407A",
    "#42A5F5",
    "#9CCC65",
    "#78909C",
    "#AB47BC",
    "#FFCA28",
    "#5C6BC0",
    "#29B6F6",
)
STAGE_COLOURS: dict[str, str] = {
    "mine": "#795548",
    "collection": "#8BC34A",
    "separation": "#FF9800",
    "metal": "#607D8B",
    "magnet": "#3F51B5",
    "recycling": "#4CAF50",
    "market": "#9C27B0",
    "segment": "#455A64",
}
COMPONENT_COLOURS: dict[str, str] = {
    "site_cost": "#5C6BC0",
    "contracts": "#8D6E63",
    "incentives": "#66BB6A",
    "purchases": "#EF5350",
    "sales": "#26A69A",
    "transport": "#FFA726",
    "tariffs": "#AB47BC",
    "holding": "#78909C",
    "unmet_penalty": "#B71C1C",
    "policy_penalty": "#FDD835",
}
NEUTRAL = "#9E9E9E"


def _hashed(name: str, palette: tuple[str, ...] = EXTRA) -> str:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return palette[int.from_bytes(digest[:4], "big") % len(palette)]


def country_colour(country: str) -> str:
    """The colour of a country in every chart: fixed for known names, hashed otherwise."""
    if not country:
        return NEUTRAL
    return COUNTRY_COLOURS.get(country) or _hashed(country)


def stage_colour(stage: str) -> str:
    return STAGE_COLOURS.get(stage) or _hashed(stage)


def component_colour(component: str) -> str:
    """The colour of a cost component (lp.costs names); hashed for a newly registered one."""
    return COMPONENT_COLOURS.get(component) or _hashed(component)


def series_colours(names: list[str]) -> dict[str, str]:
    """Distinct, stable colours for other named series (segments, routes, scenarios): each
    name takes its hashed colour, or the next free one when an earlier name (in sorted order)
    has it, so the same set of names is coloured the same in every chart."""
    palette = (*EXTRA, *STAGE_COLOURS.values())
    used: set[str] = set()
    out: dict[str, str] = {}
    for name in sorted(set(names), key=str):
        start = palette.index(_hashed(str(name), palette))
        for step in range(len(palette)):
            colour = palette[(start + step) % len(palette)]
            if colour not in used or len(used) >= len(palette):
                break
        used.add(colour)
        out[name] = colour
    return out


def rgba(colour: str, alpha: float) -> str:
    """'#RRGGBB' as a CSS rgba() string with the given opacity."""
    value = colour.lstrip("#")
    r, g, b = (int(value[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


# workbooks side by side (compare): the reference blue, then clearly different colours
ORDERED = ("#1565C0", "#EF6C00", "#2E7D32", "#6A1B9A", "#C62828", "#00838F", "#F9A825")


def ordered_colours(names: list[str]) -> dict[str, str]:
    """Colours for series in a given order (the first, the reference, is blue)."""
    return {name: ORDERED[k % len(ORDERED)] for k, name in enumerate(names)}
