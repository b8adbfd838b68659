"""One language for what-ifs, shared by sweeps, tornado and scenarios.

A change names a sheet, row keys, a column, optional years, an operation and value(s):

    Sites[carina].capacity_t *= 0.5
    MarketPrices[china_market,oxide,Dy].price_usd_per_kg = 200:1000:100
    Demand[ev_traction]@2030-2035.demand_t *= 1.2
    Sites[mp_magnet].first_year += 2

- keys match the sheet's key columns in order; fewer keys match every row that starts with
  them; `*` matches anything. Text is compared as written (case-sensitive).
- `@2030` or `@2030-2035` keeps only rows whose `year` lies in that span (sheets with a year
  column: Capacity, Demand, MarketPrices). A row whose year is blank stands for every year:
  it is split, so the change applies to a copy of it for each year of the span (inside the
  horizon, where no row of its own exists for that year) and the blank row keeps the rest,
  e.g. `MarketPrices[china_market]@2030.max_t = 0` caps 2030 for every item.
- operations: `=` sets, `*=` scales, `+=` adds.
- values: one number, a list `1,2,3`, or an inclusive range `start:stop:step`. A change with
  several values is swept; one value is a fixed what-if.

A `set` whose keys name every key column of a sheet with a year (Capacity, Demand,
MarketPrices) creates the row when it does not exist yet (e.g. a first Capacity override).
A change to Sites.capacity_t also changes the site's Capacity overrides, so that scaling a
site scales it in every year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.workbook.data import ChainData
from model.workbook.schema import SHEETS_BY_NAME

OPS = ("=", "*=", "+=")
PATTERN = re.compile(
    r"^\s*(?P<sheet>\w+)\s*\[(?P<keys>[^\]]*)\]\s*(?:@\s*(?P<y0>\d{4})(?:\s*-\s*(?P<y1>\d{4}))?)?"
    r"\s*\.\s*(?P<column>\w+)\s*(?:@\s*(?P<y2>\d{4})(?:\s*-\s*(?P<y3>\d{4}))?)?"
    r"\s*(?P<op>\*=|\+=|=)\s*(?P<values>.+?)\s*$"
)


class ChangeError(ValueError):
    """A change that cannot be read or applied; the message names the part to fix."""


@dataclass(frozen=True)
class Change:
    """A parsed what-if: where it applies and the values it takes."""

    text: str
    sheet: str
    keys: tuple[str, ...]
    column: str
    years: tuple[int, int] | None
    op: str
    values: tuple[float, ...]

    @property
    def label(self) -> str:
        """Short name for table headers, e.g. 'Sites[carina].capacity_t *='."""
        years = f"@{self.years[0]}-{self.years[1]}" if self.years else ""
        return f"{self.sheet}[{','.join(self.keys)}]{years}.{self.column} {self.op}"

    def with_value(self, value: float) -> Change:
        return Change(self.text, self.sheet, self.keys, self.column, self.years, self.op, (value,))


def parse_values(text: str) -> tuple[float, ...]:
    """'0.5', '1,2,3' or '200:1000:100' (inclusive) as numbers."""
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3 or parts[2] == 0:
                raise ValueError
            start, stop, step = parts
            count = int(np.floor((stop - start) / step + 1e-9)) + 1
            if count < 1 or count > 100000:
                raise ValueError
            return tuple(float(round(start + k * step, 12)) for k in range(count))
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ChangeError(
            f"values {text!r} are not a number, a list like 1,2,3 or a range start:stop:step."
        ) from None


def parse_change(text: str) -> Change:
    """Read one change; raise ChangeError naming what is wrong."""
    match = PATTERN.match(text)
    if not match:
        raise ChangeError(
            f"cannot read the change {text!r}; write it as Sheet[key,...].column OP values, "
            "e.g. Sites[carina].capacity_t *= 0.5 (OP is =, *= or +=)."
        )
    g = match.groupdict()
    first, last = g["y0"] or g["y2"], g["y1"] or g["y3"]
    years = (int(first), int(last or first)) if first else None
    keys = tuple(k.strip() for k in g["keys"].split(",")) if g["keys"].strip() else ()
    values = parse_values(g["values"])
    if not values:
        raise ChangeError(f"the change {text!r} has no value.")
    return Change(text.strip(), g["sheet"], keys, g["column"], years, g["op"], values)


def check_change(change: Change, data: ChainData) -> None:
    """Raise ChangeError unless the change names a real sheet, column and at least one row."""
    spec = SHEETS_BY_NAME.get(change.sheet)
    if spec is None or change.sheet == "Settings":
        if change.sheet == "Settings":
            return _check_setting(change, data)
        known = ", ".join(s for s in SHEETS_BY_NAME if s != "Settings")
        raise ChangeError(f"{change.text}: unknown sheet {change.sheet!r}; sheets: {known}.")
    if change.column not in spec.names or spec.column(change.column).dtype not in ("float", "int"):
        numeric = [c.name for c in spec.columns if c.dtype in ("float", "int")]
        raise ChangeError(
            f"{change.text}: {change.sheet} has no numeric column {change.column!r}; "
            f"numeric columns: {', '.join(numeric)}."
        )
    if len(change.keys) > len(spec.key):
        raise ChangeError(
            f"{change.text}: {change.sheet} rows are keyed by {', '.join(spec.key)}; "
            f"{len(change.keys)} keys given."
        )
    if change.years and "year" not in spec.names:
        raise ChangeError(
            f"{change.text}: {change.sheet} has no year column; use Capacity[site,year] or "
            "drop the @years."
        )
    if not _mask(change, data.tables[change.sheet]).any() and not _creates_row(change):
        raise ChangeError(
            f"{change.text}: no {change.sheet} row has key {','.join(change.keys)}"
            + (f" in {change.years[0]}-{change.years[1]}" if change.years else "")
            + "; check the ids (case-sensitive)."
        )


def _check_setting(change: Change, data: ChainData) -> None:
    if change.column != "value" or len(change.keys) != 1 or change.keys[0] not in data.settings:
        raise ChangeError(
            f"{change.text}: write settings as Settings[name].value, e.g. "
            "Settings[risk_weight].value = 0:2:0.5."
        )


def _creates_row(change: Change) -> bool:
    spec = SHEETS_BY_NAME[change.sheet]
    return (
        change.op == "="
        and "year" in spec.key
        and len(change.keys) == len(spec.key)
        and "*" not in change.keys
    )


def _key_mask(change: Change, frame: pd.DataFrame) -> pd.Series:
    """Rows whose key columns match the change's keys (fewer keys match every row that
    starts with them; `*` matches anything)."""
    spec = SHEETS_BY_NAME[change.sheet]
    mask = pd.Series(True, index=frame.index)
    for column, key in zip(spec.key, change.keys, strict=False):
        if key == "*":
            continue
        values = frame[column].map(lambda v: "" if v is None else str(v))
        mask &= values == key
    return mask


def _mask(change: Change, frame: pd.DataFrame) -> pd.Series:
    """Rows the change applies to: matching keys and, with @years, a year in the span or a
    blank year (every year), which `apply_change` splits first."""
    mask = _key_mask(change, frame)
    if change.years and "year" in frame:
        first, last = change.years
        mask &= frame["year"].map(lambda y: y is None or first <= y <= last)
    return mask


def _split_blank_years(data: ChainData, change: Change) -> None:
    """For @years changes: copy each matching blank-year row to every year of the span inside
    the horizon that has no row of its own, so the change can apply to those years alone."""
    frame = data.tables[change.sheet]
    if not change.years or "year" not in frame:
        return
    spec = SHEETS_BY_NAME[change.sheet]
    others = [c for c in spec.key if c != "year"]
    matching = _key_mask(change, frame)
    blank = frame.index[matching & frame["year"].isna()]
    if not len(blank):
        return
    dated = {
        (*(frame.at[i, c] for c in others), frame.at[i, "year"])
        for i in frame.index[frame["year"].notna()]
    }
    first = max(change.years[0], data.settings["first_year"])
    last = min(change.years[1], data.settings["last_year"])
    copies = []
    for idx in blank:
        key = tuple(frame.at[idx, c] for c in others)
        for year in range(first, last + 1):
            if (*key, year) not in dated:
                row = frame.loc[idx].to_dict()
                row["year"] = year
                copies.append(row)
    if copies:
        data.tables[change.sheet] = pd.concat(
            [frame, pd.DataFrame(copies, columns=frame.columns, dtype=object)], ignore_index=True
        )


def apply_change(data: ChainData, change: Change, value: float | None = None) -> None:
    """Apply one value of a change to `data` in place (use data.copy() to keep the original)."""
    value = change.values[0] if value is None else value
    if change.sheet == "Settings":
        data.settings[change.keys[0]] = _combine(data.settings[change.keys[0]], change.op, value)
        return
    _split_blank_years(data, change)
    frame = data.tables[change.sheet]
    mask = _mask(change, frame)
    if change.years and "year" in frame:
        mask &= frame["year"].notna()  # the blank rows were split: they keep other years
    if not mask.any() and _creates_row(change):
        spec = SHEETS_BY_NAME[change.sheet]
        row = {c.name: c.default for c in spec.columns}
        row.update(dict(zip(spec.key, change.keys, strict=True)))
        row["year"] = int(row["year"])
        row[change.column] = value
        row["_row"] = None
        data.tables[change.sheet] = pd.concat(
            [frame, pd.DataFrame([row], columns=frame.columns, dtype=object)], ignore_index=True
        )
        return
    column = SHEETS_BY_NAME[change.sheet].column(change.column)
    integer = column.dtype == "int"
    horizon = {"first_year": data.settings["first_year"], "last_year": data.settings["last_year"]}
    for idx in frame.index[mask]:
        old = frame.at[idx, change.column]
        if old is None:  # a blank operating year means the horizon's own
            old = horizon.get(change.column)
        new = _combine(old, change.op, value)
        _check_bounds(change, column, new)
        frame.at[idx, change.column] = round(new) if integer and new is not None else new
    if change.sheet == "Sites" and change.column == "capacity_t":
        sites = set(frame.loc[mask, "site"])
        overrides = data.tables["Capacity"]
        for idx in overrides.index[overrides["site"].isin(sites)]:
            overrides.at[idx, "capacity_t"] = _combine(
                overrides.at[idx, "capacity_t"], change.op, value
            )


def _check_bounds(change: Change, column, value) -> None:
    if value is None:
        return
    if (column.lo is not None and value < column.lo) or (
        column.hi is not None and value > column.hi
    ):
        lo = "-inf" if column.lo is None else f"{column.lo:g}"
        hi = "inf" if column.hi is None else f"{column.hi:g}"
        raise ChangeError(
            f"{change.text}: gives {change.column} = {value:g}, outside [{lo}, {hi}]."
        )


def _combine(old, op: str, value: float):
    if op == "=":
        return value
    if old is None:
        return None if op == "*=" else value
    return old * value if op == "*=" else old + value
