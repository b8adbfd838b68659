"""Where to draw a site on the report's map: its Sites lat/lon when the input gives them,
else near the centre of its country.

COUNTRY_CENTRES holds approximate geographic centres (degrees, rounded) of the countries the
shipped base case and the synthetic benchmarks use, and a few more rare-earth producers,
after the "geographic coordinates" entries of the CIA World Factbook. Sites placed at a
centre are spread on a small spiral around it so they do not hide each other. A site whose
country is not in the table and has no lat/lon is left off the map, and the report says so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

COUNTRY_CENTRES: dict[str, tuple[float, float]] = {
    "US": (38.0, -97.0),
    "Canada": (60.0, -95.0),
    "Mexico": (23.0, -102.0),
    "Brazil": (-10.0, -55.0),
    "Chile": (-30.0, -71.0),
    "Argentina": (-34.0, -64.0),
    "Peru": (-10.0, -76.0),
    "UK": (54.0, -2.0),
    "France": (46.0, 2.0),
    "Germany": (51.0, 9.0),
    "Estonia": (59.0, 26.0),
    "Sweden": (62.0, 15.0),
    "Norway": (62.0, 10.0),
    "Finland": (64.0, 26.0),
    "Netherlands": (52.5, 5.75),
    "Belgium": (50.8, 4.0),
    "Italy": (42.8, 12.8),
    "Spain": (40.0, -4.0),
    "Poland": (52.0, 20.0),
    "Austria": (47.3, 13.3),
    "Czechia": (49.75, 15.5),
    "Greenland": (72.0, -40.0),
    "Russia": (60.0, 100.0),
    "Ukraine": (49.0, 32.0),
    "Kazakhstan": (48.0, 68.0),
    "Turkey": (39.0, 35.0),
    "Iran": (32.0, 53.0),
    "Saudi Arabia": (25.0, 45.0),
    "China": (35.0, 105.0),
    "Mongolia": (46.0, 105.0),
    "Myanmar": (22.0, 98.0),
    "Laos": (18.0, 105.0),
    "Thailand": (15.0, 100.0),
    "Vietnam": (16.2, 107.8),
    "Malaysia": (2.5, 112.5),
    "Singapore": (1.4, 103.8),
    "Indonesia": (-5.0, 120.0),
    "Philippines": (13.0, 122.0),
    "Japan": (36.0, 138.0),
    "Korea": (37.0, 127.5),
    "North Korea": (40.0, 127.0),
    "Taiwan": (23.5, 121.0),
    "India": (20.0, 77.0),
    "Australia": (-27.0, 133.0),
    "Nigeria": (10.0, 8.0),
    "Madagascar": (-20.0, 47.0),
    "Malawi": (-13.5, 34.0),
    "Tanzania": (-6.0, 35.0),
    "Uganda": (1.0, 32.0),
    "Burundi": (-3.5, 30.0),
    "Kenya": (1.0, 38.0),
    "South Africa": (-29.0, 24.0),
    "Namibia": (-22.0, 17.0),
    "Angola": (-12.5, 18.5),
    "Mozambique": (-18.25, 35.0),
}
ALIASES = {
    "USA": "US",
    "United States": "US",
    "United Kingdom": "UK",
    "South Korea": "Korea",
    "Republic of Korea": "Korea",
    "Czech Republic": "Czechia",
    "Viet Nam": "Vietnam",
}
SPREAD_DEGREES = 1.6  # radius step of the spiral that spreads sites around a centre


def country_centre(country: str) -> tuple[float, float] | None:
    """(lat, lon) of a country's centre, or None for a country not in the table."""
    return COUNTRY_CENTRES.get(ALIASES.get(country, country))


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def place_sites(
    sites: Iterable[tuple[str, str, object, object]],
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """({site: (lat, lon)}, [sites left off the map]) for (site, country, lat, lon) rows.

    Given coordinates win; the other sites of a country sit on a spiral around its centre
    (the k-th at radius SPREAD_DEGREES x sqrt(k), turned by the golden angle), in the order
    given, so the same workbook always draws the same map."""
    placed: dict[str, tuple[float, float]] = {}
    unplaced: list[str] = []
    count: dict[str, int] = defaultdict(int)
    golden = math.pi * (3 - math.sqrt(5))
    for site, country, lat, lon in sites:
        if site in placed:
            continue
        lat_n, lon_n = _number(lat), _number(lon)
        if lat_n is not None and lon_n is not None:
            placed[site] = (lat_n, lon_n)
            continue
        centre = country_centre(country)
        if centre is None:
            unplaced.append(site)
            continue
        k = count[country]
        count[country] += 1
        radius = SPREAD_DEGREES * math.sqrt(k)
        placed[site] = (
            centre[0] + radius * math.sin(k * golden),
            centre[1] + radius * math.cos(k * golden) / max(math.cos(math.radians(centre[0])), 0.3),
        )
    return placed, unplaced
