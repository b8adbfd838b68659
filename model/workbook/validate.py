"""Check a raw workbook against the schema and the chain's own rules, collecting every finding.

`parse_book` never stops at the first problem: it reads every cell it can, records a Finding
(severity, sheet, cell, message, hint) for each problem, and returns typed data when no error
remains. The rules of registered types (policy types) come from the layers above as
`checks`; api.parse_book and api.load_workbook_data are the calls the CLI and the tests use.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from model.findings import Finding, errors_in
from model.stages import FEEDS, PROCESSORS, RAW_SOURCES, STOCK_HOLDERS
from model.workbook.cells import CellError, coerce, is_blank, to_text
from model.workbook.data import ChainData, cell_ref, first_online_year
from model.workbook.reader import RawBook, RawSheet
from model.workbook.schema import SETTINGS, SETTINGS_BY_NAME, SHEETS, SHEETS_BY_NAME, Column, Sheet

Check = Callable[[dict[str, pd.DataFrame], dict[str, dict[str, str]]], list[Finding]]


def parse_book(
    raw: RawBook, checks: Sequence[Check] = ()
) -> tuple[ChainData | None, list[Finding]]:
    """Typed data and all findings; data is None when an error makes it unusable.

    `checks(tables, letters)` are further rules from the layers above (e.g. policy rows,
    lp.policies) run with the sheet rules, so every finding comes in one pass; api.parse_book
    passes them."""
    findings: list[Finding] = list(raw.findings)
    for sheet in raw.sheets.values():
        for column, row in sheet.uncached:
            findings.append(
                Finding(
                    "error",
                    sheet.name,
                    sheet.cell(column, row),
                    f"{column} holds a formula with no saved result, so its value is unknown.",
                    "open and save the workbook in Excel or LibreOffice (which stores formula "
                    "results), or type the value instead of the formula.",
                )
            )
    _check_names(raw.sheets, findings)
    tables: dict[str, pd.DataFrame] = {}
    for sheet in SHEETS:
        tables[sheet.name] = _parse_sheet(sheet, raw.sheets, findings)
    _check_not_empty(tables, raw.sheets, findings)
    settings = _parse_settings(tables["Settings"], raw.sheets.get("Settings"), findings)
    if settings is not None:
        _check_references(tables, raw.sheets, findings)
        letters = letters_of(raw.sheets)
        _check_chain_rules(tables, letters, settings, findings)
        for check in checks:
            findings.extend(check(tables, letters))
        _check_sweeps(tables, settings, raw.sheets, findings)
    for name, sheet in raw.sheets.items():
        if sheet.hidden and name in {s.name for s in SHEETS}:
            findings.append(
                Finding(
                    "warning",
                    name,
                    name,
                    f"sheet {name} is hidden in Excel but is read like any other.",
                    "unhide it (right-click a sheet tab > Unhide) to see what the model uses.",
                )
            )
    if settings is None or errors_in(findings):
        return None, findings
    data = ChainData(settings, tables, raw.path, raw.sha256, findings, letters_of(raw.sheets))
    return data, findings


# ---------------------------------------------------------------- names and sheets

NEEDS_ROWS = {
    "Sites": "a plan needs at least one site (a mine, processor, plant or market)",
    "Demand": "a plan needs demand to serve (segment, year, demand_t)",
}


def close_name(name: str, known: list[str]) -> str | None:
    """The known name `name` most likely misspells (same letters in another case, or a close
    spelling), or None."""
    by_case = [k for k in known if k.lower() == name.lower()]
    if by_case:
        return by_case[0]
    found = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return found[0] if found else None


def _check_names(raw: dict[str, RawSheet], findings: list[Finding]) -> None:
    """Sheets and columns the contract does not know but that look like a misspelt contract
    name: they would be ignored, so say which name was probably meant."""
    # a contract sheet that is absent or has no rows may be the one a stray sheet misspells
    vacant = [s.name for s in SHEETS if s.name not in raw or not raw[s.name].rows]
    for name in raw:
        if name in SHEETS_BY_NAME:
            continue
        meant = close_name(name, vacant)
        if meant is not None and not SHEETS_BY_NAME[meant].required:  # required: see _parse_sheet
            findings.append(
                Finding(
                    "warning",
                    name,
                    name,
                    f"sheet {name!r} is not a sheet mine2magnet reads, so it is ignored; "
                    f"did you mean {meant!r}?",
                    f"rename the sheet tab to {meant} (sheet names are case-sensitive).",
                )
            )
    for sheet in SHEETS:
        found = raw.get(sheet.name)
        if found is None:
            continue
        absent = [c for c in sheet.names if c not in found.columns]
        for column in found.columns:
            if column in sheet.names or column.startswith("_"):
                continue
            meant = close_name(column, absent)
            if meant is None or sheet.column(meant).required:
                continue  # a missing required column is an error of its own, with this hint
            findings.append(
                Finding(
                    "warning",
                    sheet.name,
                    f"{sheet.name}!{found.columns[column]}1",
                    f"column {column!r} of {sheet.name} is not a column mine2magnet reads, so "
                    f"it is ignored; did you mean {meant!r}?",
                    f"rename the header cell to {meant} (column names are case-sensitive).",
                )
            )


def _check_not_empty(
    tables: dict[str, pd.DataFrame], raw: dict[str, RawSheet], findings: list[Finding]
) -> None:
    """Sheets without which no plan can be made must have rows."""
    for name, why in NEEDS_ROWS.items():
        sheet = raw.get(name)
        if sheet is None or tables[name].empty is False:
            continue
        required = [c.name for c in SHEETS_BY_NAME[name].columns if c.required]
        if any(c not in sheet.columns for c in required):
            continue  # the missing header is reported already
        findings.append(
            Finding(
                "error",
                name,
                name,
                f"sheet {name} has no rows: {why}.",
                f"add at least one row under the header of {name}.",
            )
        )


# ---------------------------------------------------------------- cells and sheets


def _parse_sheet(
    sheet: Sheet, sheets: dict[str, RawSheet], findings: list[Finding]
) -> pd.DataFrame:
    """Typed DataFrame of one sheet (schema columns + `_row`); findings for every bad cell."""
    columns = [*sheet.names, "_row"]
    raw = sheets.get(sheet.name)
    if raw is None:
        if sheet.required:
            unknown = [n for n in sheets if n not in SHEETS_BY_NAME]
            meant = close_name(sheet.name, unknown)
            hint = (
                f"rename the sheet tab {meant!r} to {sheet.name} (sheet names are case-sensitive)."
                if meant
                else f"add a sheet named {sheet.name} with columns {', '.join(sheet.names)} "
                "(`mine2magnet template` writes a blank workbook with every sheet)."
            )
            findings.append(
                Finding(
                    "error",
                    sheet.name,
                    sheet.name,
                    f"required sheet {sheet.name} is missing"
                    + (f" (did you mean {meant!r}?)." if meant else "."),
                    hint,
                )
            )
        return pd.DataFrame(columns=columns, dtype=object)
    missing = [c.name for c in sheet.columns if c.required and c.name not in raw.columns]
    unknown = [c for c in raw.columns if c not in sheet.names]
    for name in missing:
        meant = close_name(name, unknown)
        hint = f"add a header cell '{name}' in row 1 (column names are case-sensitive)."
        if meant is not None:
            where = f"{sheet.name}!{raw.columns[meant]}1"
            hint = f"rename the header cell {meant!r} ({where}) to {name}."
        findings.append(
            Finding(
                "error",
                sheet.name,
                f"{sheet.name}!1:1",
                f"required column {name} is missing from the header row of {sheet.name}"
                + (f" (did you mean {meant!r}?)." if meant else "."),
                hint,
            )
        )
    if missing:
        return pd.DataFrame(columns=columns, dtype=object)
    records = []
    for row, values in raw.rows:
        record: dict[str, Any] = {"_row": row}
        for col in sheet.columns:
            record[col.name] = _parse_cell(sheet, raw, col, row, values.get(col.name), findings)
        records.append(record)
    # object dtype keeps blank cells as None (a float column would turn them into NaN)
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    _check_duplicates(sheet, raw, frame, findings)
    return frame


def _parse_cell(
    sheet: Sheet, raw: RawSheet, col: Column, row: int, value: Any, findings: list[Finding]
) -> Any:
    cell = raw.cell(col.name, row)
    if is_blank(value):
        if col.required:
            findings.append(
                Finding(
                    "error",
                    sheet.name,
                    cell,
                    f"{col.name} is required but blank.",
                    f"fill in {col.name}{_unit_text(col)}.",
                )
            )
        return col.default
    try:
        typed = coerce(value, col.dtype, percent_unit=col.unit == "%")
    except CellError as exc:
        findings.append(Finding("error", sheet.name, cell, f"{col.name}: {exc}.", _type_hint(col)))
        return col.default
    if col.dtype in ("float", "int") and _out_of_bounds(typed, col.lo, col.hi):
        findings.append(
            Finding(
                "error",
                sheet.name,
                cell,
                f"{col.name} = {typed:g} is outside [{_bound(col.lo)}, {_bound(col.hi)}].",
                _bounds_hint(col),
            )
        )
    if col.choices and typed not in col.choices:
        findings.append(
            Finding(
                "error",
                sheet.name,
                cell,
                f"{col.name} = {typed!r} is not one of {', '.join(col.choices)}.",
                f"use one of: {', '.join(col.choices)} (lower case).",
            )
        )
    return typed


def _out_of_bounds(value: float, lo: float | None, hi: float | None) -> bool:
    return (lo is not None and value < lo) or (hi is not None and value > hi)


def _unit_text(col: Column) -> str:
    return f" ({col.unit})" if col.unit else ""


def _bound(value: float | None) -> str:
    return "inf" if value is None else f"{value:g}"


def _type_hint(col: Column) -> str:
    return {
        "float": f"type a plain number{_unit_text(col)}, e.g. 1200 or 0.25.",
        "int": "type a whole number, e.g. 2026.",
        "bool": "type yes or no.",
    }.get(col.dtype, "type text.")


def _bounds_hint(col: Column) -> str:
    if col.hi == 1 and col.lo == 0:
        return "type a share between 0 and 1 (0.25 or 25%, not 25)."
    if col.lo is not None and col.hi is None:
        return f"type a number of at least {col.lo:g}."
    return f"type a number between {_bound(col.lo)} and {_bound(col.hi)}."


def _check_duplicates(
    sheet: Sheet, raw: RawSheet, frame: pd.DataFrame, findings: list[Finding]
) -> None:
    if not sheet.key or frame.empty:
        return
    seen: dict[tuple, int] = {}
    for record in frame.to_dict("records"):
        key = tuple(record[k] for k in sheet.key)
        if any(v is None for v in key if not isinstance(v, str)) and sheet.name != "MarketPrices":
            continue
        if key in seen:
            findings.append(
                Finding(
                    "error",
                    sheet.name,
                    raw.cell(sheet.key[0], record["_row"]),
                    f"duplicate {'/'.join(sheet.key)} {_key_text(key)}: "
                    f"row {seen[key]} has the same.",
                    "keep one row per key (ids are case-sensitive; trailing spaces are ignored).",
                )
            )
        else:
            seen[key] = record["_row"]


def _key_text(key: tuple) -> str:
    return "/".join("(blank)" if v is None else str(v) for v in key)


# ---------------------------------------------------------------- settings


def _parse_settings(
    frame: pd.DataFrame, raw: RawSheet | None, findings: list[Finding]
) -> dict[str, Any] | None:
    """Settings as a dict with defaults filled in; None if the horizon cannot be read."""
    if raw is None:
        return None
    settings: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    blank_cells: dict[str, str] = {}
    for record in frame.to_dict("records"):
        name, value, row = record["setting"], record["value"], record["_row"]
        if name is None:
            continue
        spec = SETTINGS_BY_NAME.get(name)
        cell = raw.cell("value", row)
        if spec is None:
            findings.append(
                Finding(
                    "warning",
                    "Settings",
                    raw.cell("setting", row),
                    f"unknown setting {name!r} is ignored.",
                    f"known settings: {', '.join(s.name for s in SETTINGS)}.",
                )
            )
            continue
        if is_blank(value):
            blank_cells[name] = cell
            continue
        try:
            typed = coerce(value, spec.dtype)
        except CellError as exc:
            col = Column(name, spec.dtype, spec.unit)
            findings.append(Finding("error", "Settings", cell, f"{name}: {exc}.", _type_hint(col)))
            continue
        if spec.choices and isinstance(typed, str):
            typed = typed.lower()
        if spec.choices and typed not in spec.choices:
            findings.append(
                Finding(
                    "error",
                    "Settings",
                    cell,
                    f"{name} = {typed!r} is not one of {', '.join(spec.choices)}.",
                    f"type one of {', '.join(spec.choices)} for {name}.",
                )
            )
            continue
        if _out_of_bounds(typed, spec.lo, spec.hi):
            findings.append(
                Finding(
                    "error",
                    "Settings",
                    cell,
                    f"{name} = {typed:g} is outside [{_bound(spec.lo)}, {_bound(spec.hi)}].",
                    f"type a value for {name} in that range.",
                )
            )
            continue
        settings[name] = typed
    for spec in SETTINGS:
        if spec.required and settings[spec.name] is None:
            if spec.name in blank_cells:
                where, message = blank_cells[spec.name], f"setting {spec.name} has no value."
                hint = f"type the {spec.help.lower().rstrip('.')} in {where}."
            else:
                where, message = "Settings!A:B", f"setting {spec.name} is missing."
                hint = f"add a row with setting = {spec.name} and value = {spec.help.lower()}"
            findings.append(Finding("error", "Settings", where, message, hint))
    if settings["first_year"] is None or settings["last_year"] is None:
        return None
    if settings["first_year"] > settings["last_year"]:
        findings.append(
            Finding(
                "error",
                "Settings",
                "Settings!B:B",
                f"first_year {settings['first_year']} is after last_year {settings['last_year']}.",
                "set first_year <= last_year.",
            )
        )
        return None
    return settings


# ---------------------------------------------------------------- references


def _ref_values(tables: dict[str, pd.DataFrame], ref: str) -> set[Any]:
    values: set[Any] = set()
    for target in ref.split("|"):
        if target == "*":
            values.add("*")
            continue
        sheet, column = target.split(".")
        values.update(v for v in tables[sheet][column].tolist() if v is not None)
    return values


def _check_references(
    tables: dict[str, pd.DataFrame], raw: dict[str, RawSheet], findings: list[Finding]
) -> None:
    """Every id that points at another sheet must exist there."""
    for sheet in SHEETS:
        frame = tables[sheet.name]
        if frame.empty:
            continue
        for col in sheet.columns:
            if not col.ref:
                continue
            known = _ref_values(tables, col.ref)
            targets = " or ".join(t for t in col.ref.split("|"))
            for value, row in zip(frame[col.name], frame["_row"], strict=True):
                items = value if isinstance(value, list) else [value]
                for item in items:
                    if item is None or item in known:
                        continue
                    findings.append(
                        Finding(
                            "error",
                            sheet.name,
                            cell_ref(letters_of(raw), sheet.name, col.name, row),
                            f"{col.name} {item!r} is not defined in {targets}.",
                            _suggest(item, known, targets),
                        )
                    )


def letters_of(raw: dict[str, RawSheet]) -> dict[str, dict[str, str]]:
    """sheet -> {column name: column letter}, as the workbook has them."""
    return {name: dict(sheet.columns) for name, sheet in raw.items()}


def _suggest(item: Any, known: set[Any], targets: str) -> str:
    text = to_text(item).lower()
    close = sorted(str(k) for k in known if str(k).lower() == text)
    if close:
        return f"did you mean {close[0]!r}? Ids are case-sensitive."
    return f"add it to {targets} or correct the spelling."


# ---------------------------------------------------------------- chain rules


def check_rules(data: ChainData) -> list[Finding]:
    """The cross-sheet rules on already typed data (e.g. a what-if of a valid workbook)."""
    findings: list[Finding] = []
    _check_chain_rules(data.tables, data.letters, data.settings, findings)
    return [f for f in findings if f.severity == "error"]


def _check_chain_rules(
    tables: dict[str, pd.DataFrame],
    letters: dict[str, dict[str, str]],
    settings: dict[str, Any],
    findings: list[Finding],
) -> None:
    """Rules that involve several columns or sheets."""
    sites = tables["Sites"]
    stage_of = dict(zip(sites["site"], sites["stage"], strict=True))
    first, last = settings["first_year"], settings["last_year"]

    def add(sheet: str, column: str, row: int, message: str, hint: str, severity="error"):
        cell = cell_ref(letters, sheet, column, row)
        findings.append(Finding(severity, sheet, cell, message, hint))

    for rec in sites.to_dict("records"):
        stage, row = rec["stage"], rec["_row"]
        if stage != "market" and stage is not None and rec["capacity_t"] is None:
            add(
                "Sites",
                "capacity_t",
                row,
                f"{rec['site']}: capacity_t is required for a {stage} site.",
                "type the yearly capacity in t (only markets may be blank).",
            )
        if stage == "recycling" and rec["output"] is None:
            add(
                "Sites",
                "output",
                row,
                f"{rec['site']}: a recycling site needs output.",
                "type oxide (long loop, to metal makers) or metal (short loop, to magnet plants).",
            )
        if (
            rec["first_year"] is not None
            and rec["last_year"] is not None
            and rec["first_year"] > rec["last_year"]
        ):
            add(
                "Sites",
                "first_year",
                row,
                f"{rec['site']}: first_year is after last_year.",
                "swap them or clear one.",
            )

    for sheet_name, allowed, what in (
        ("Composition", RAW_SOURCES, "mine or collection"),
        ("Recovery", PROCESSORS, "separation, metal or recycling"),
        ("MarketPrices", ("market",), "market"),
    ):
        for rec in tables[sheet_name].to_dict("records"):
            stage = stage_of.get(rec["site"])
            if stage is not None and stage not in allowed:
                add(
                    sheet_name,
                    "site",
                    rec["_row"],
                    f"{rec['site']} is a {stage} site; "
                    f"{sheet_name} rows apply to {what} sites only.",
                    "remove the row or correct the site id.",
                )

    totals: dict[str, float] = defaultdict(float)
    first_row: dict[str, int] = {}
    for rec in tables["Composition"].to_dict("records"):
        if rec["site"] is not None and rec["share"] is not None:
            totals[rec["site"]] += rec["share"]
            first_row.setdefault(rec["site"], rec["_row"])
    for site, total in totals.items():
        if total > 1 + 1e-9:
            add(
                "Composition",
                "share",
                first_row[site],
                f"{site}: shares sum to {total:.4g} > 1.",
                "shares are kg of element per kg of output; together at most 1.",
            )

    for rec in tables["MarketPrices"].to_dict("records"):
        row = rec["_row"]
        price, bid = rec["price_usd_per_kg"], rec["bid_usd_per_kg"]
        if price is not None and bid is not None and bid > price:
            add(
                "MarketPrices",
                "bid_usd_per_kg",
                row,
                f"bid {bid:g} is above the ask {price:g} for {rec['commodity']} {rec['item']} "
                f"at {rec['site']} (a buy-and-resell arbitrage).",
                "a market's bid must not exceed its own ask for the same item and year.",
            )
        if rec["commodity"] in ("oxide", "metal") and rec["item"] not in set(
            tables["Elements"]["element"]
        ):
            add(
                "MarketPrices",
                "item",
                row,
                f"item {rec['item']!r} is not an element.",
                "oxide and metal items are elements from the Elements sheet.",
            )
        if rec["commodity"] == "magnet" and rec["item"] not in set(tables["Grades"]["grade"]):
            add(
                "MarketPrices",
                "item",
                row,
                f"item {rec['item']!r} is not a grade.",
                "magnet items are grades from the Grades sheet.",
            )
        if price is None and bid is None:
            add(
                "MarketPrices",
                "price_usd_per_kg",
                row,
                "the row has neither a price nor a bid.",
                "fill price_usd_per_kg (the market sells) or bid_usd_per_kg (it buys).",
            )

    _check_rules_sheets(tables, stage_of, add)
    _check_projects(tables, stage_of, settings, add)

    site_ids = set(sites["site"])
    for rec in tables["Segments"].to_dict("records"):
        if rec["segment"] in site_ids:
            add(
                "Segments",
                "segment",
                rec["_row"],
                f"segment {rec['segment']!r} has the same id as a site; flows to one would "
                "count for the other.",
                "give the segment (or the site) an id of its own.",
            )

    for sheet_name in ("Demand", "Capacity", "MarketPrices"):
        for rec in tables[sheet_name].to_dict("records"):
            year = rec["year"]
            if year is not None and not first <= year <= last:
                add(
                    sheet_name,
                    "year",
                    rec["_row"],
                    f"year {year} is outside the horizon {first}-{last}; the row is ignored.",
                    "adjust the year or the Settings horizon.",
                    severity="warning",
                )


def _is_pair(rec: dict) -> bool:
    """A contract row on shipments (buyer, commodity or item given), not a whole site."""
    return any(rec[c] is not None for c in ("buyer_site", "commodity", "item"))


def _check_pair(rec: dict, stage_of: dict[str, str], tables: dict[str, pd.DataFrame], add):
    """A pair contract's supplier ships its buyer (FEEDS), of the commodity and item named."""
    name, row, supplier = rec["contract"], rec["_row"], stage_of.get(rec["site"])
    buyer = rec["buyer_site"]
    if supplier is None or supplier == "market":
        return
    ships = FEEDS.get(supplier, {})
    if buyer is not None:
        segments = set(tables["Segments"]["segment"])
        to_stage = "segment" if buyer in segments else stage_of.get(buyer)
        if to_stage is not None and to_stage not in ships:
            reach = ", ".join(ships) or "nothing"
            add(
                "Contracts",
                "buyer_site",
                row,
                f"contract {name}: a {supplier} site ({rec['site']}) does not ship to a "
                f"{to_stage} ({buyer}); it ships to {reach}.",
                "name a buyer the supplier's stage feeds, or contract with the site that "
                "supplies the buyer.",
            )
            return
        carried = ships.get(to_stage, ()) if to_stage else ()
    else:
        carried = tuple(c for cs in ships.values() for c in cs)
    if rec["commodity"] is not None and carried and rec["commodity"] not in carried:
        add(
            "Contracts",
            "commodity",
            row,
            f"contract {name}: {rec['site']} ships {' or '.join(carried)} "
            f"{'to ' + buyer if buyer else ''}, not {rec['commodity']}.".replace("  ", " "),
            f"use commodity {' or '.join(carried)}, or leave it blank.",
        )
    item = rec["item"]
    if item is not None:
        elements = set(tables["Elements"]["element"])
        grades = set(tables["Grades"]["grade"])
        by_grade = supplier == "magnet"
        if (by_grade and item not in grades) or (not by_grade and item not in elements):
            kind, kinds = ("a grade", "grades") if by_grade else ("an element", "elements")
            add("Contracts", "item", row, f"contract {name}: item {item!r} is not {kind}.",
                f"a {supplier} site's items are {kinds}.")  # fmt: skip


def _check_projects(
    tables: dict[str, pd.DataFrame], stage_of: dict[str, str], settings: dict, add
) -> None:
    """Projects expand a producing site, cost something, last, fit the horizon and their
    minimum is below their maximum."""
    first, last = settings["first_year"], settings["last_year"]
    for rec in tables["Projects"].to_dict("records"):
        name, row = rec["project"], rec["_row"]
        if stage_of.get(rec["site"]) == "market":
            add("Projects", "site", row, f"project {name} is on market {rec['site']}.",
                "projects add capacity to mines, processors, plants and recyclers.")  # fmt: skip
        capex = rec["capex_usd_per_t"]
        if capex is not None and capex <= 0:
            add("Projects", "capex_usd_per_t", row,
                f"project {name}: capex_usd_per_t = {capex:g} must be above 0.",
                "type the capital cost per t/yr of capacity (e.g. 223000 for 335 M USD "
                "for 1,500 t/yr).")  # fmt: skip
        life = rec["life_years"]
        if life is not None and life <= 0:
            add("Projects", "life_years", row,
                f"project {name}: life_years = {life:g} must be at least 1.",
                "type the years the capacity lasts (e.g. 20).")  # fmt: skip
        low, high = rec["min_t"] or 0.0, rec["max_t"]
        if high is not None and low > high:
            add("Projects", "min_t", row,
                f"project {name}: min_t {low:g} is above max_t {high:g}.",
                "make min_t <= max_t.")  # fmt: skip
        online = first_online_year(rec, first)
        if online > last:
            late = first + (rec["lead_time_years"] or 0) > last
            column = "lead_time_years" if late else "earliest_year"
            add(
                "Projects",
                column,
                row,
                f"project {name} cannot come online before {online}, after the horizon "
                f"ends in {last}.",
                "shorten the lead time or the earliest year, extend last_year, or remove the row.",
            )


def _check_rules_sheets(tables: dict[str, pd.DataFrame], stage_of: dict[str, str], add) -> None:
    """Contracts and stocks sit on sites that can hold them (policy rows: lp.policies)."""
    for rec in tables["Contracts"].to_dict("records"):
        stage = stage_of.get(rec["site"])
        if stage == "market":
            add(
                "Contracts",
                "site",
                rec["_row"],
                f"contract {rec['contract']} is on market {rec['site']}; contracts are with "
                "supplier sites (mines, processors, plants, recyclers).",
                "model market terms in MarketPrices (price and max_t) instead.",
            )
        low, high = rec["min_t"], rec["max_t"]
        if low is not None and high is not None and low > high:
            add(
                "Contracts",
                "min_t",
                rec["_row"],
                f"contract {rec['contract']}: min_t {low:g} is above max_t {high:g}.",
                "make min_t <= max_t.",
            )
        if rec["share"] is not None and rec["buyer_site"] is None:
            add("Contracts", "share", rec["_row"],
                f"contract {rec['contract']} has a share but no buyer_site.",
                "name the buyer_site the share of the supplier's output goes to.")  # fmt: skip
        if _is_pair(rec):
            _check_pair(rec, stage_of, tables, add)
            continue  # pair contracts on one supplier may overlap
        first = rec["first_year"] if rec["first_year"] is not None else -(10**6)
        last = rec["last_year"] if rec["last_year"] is not None else 10**6
        for other in tables["Contracts"].to_dict("records"):
            if other["_row"] >= rec["_row"] or other["site"] != rec["site"] or _is_pair(other):
                continue
            o_first = other["first_year"] if other["first_year"] is not None else -(10**6)
            o_last = other["last_year"] if other["last_year"] is not None else 10**6
            if max(first, o_first) <= min(last, o_last):
                add(
                    "Contracts",
                    "site",
                    rec["_row"],
                    f"contracts {other['contract']} and {rec['contract']} cover {rec['site']} "
                    "in the same years.",
                    "merge them into one row, or give them years that do not overlap.",
                )
    for rec in tables["Stocks"].to_dict("records"):
        stage = stage_of.get(rec["site"])
        if stage is not None and stage not in STOCK_HOLDERS:
            add(
                "Stocks",
                "site",
                rec["_row"],
                f"{rec['site']} is a {stage} site; stocks are held at "
                f"{', '.join(STOCK_HOLDERS)} sites.",
                "hold the stock at the separator, metal maker, recycler or magnet plant.",
            )
        low, high = rec["min_t"] or 0.0, rec["max_t"]
        if high is not None and (low > high or (rec["initial_t"] or 0.0) > high):
            add(
                "Stocks",
                "max_t",
                rec["_row"],
                f"stock of {rec['element']} at {rec['site']}: max_t {high:g} is below min_t or "
                "initial_t.",
                "make min_t <= max_t and initial_t <= max_t.",
            )


def _check_sweeps(
    tables: dict[str, pd.DataFrame],
    settings: dict[str, Any],
    raw: dict[str, RawSheet],
    findings: list[Finding],
) -> None:
    """Every change in the Sweeps and Scenarios sheets reads and names real rows and columns;
    a scenario's change takes one value, and its probabilities add up."""
    from model.workbook.changes import ChangeError, check_change, parse_change

    data = ChainData(settings, tables)
    letters = letters_of(raw)
    example = {
        "Sweeps": "MarketPrices[china_market,oxide,Dy].price_usd_per_kg = 200:1000:100",
        "Scenarios": "MarketPrices[china_market,oxide,Dy]@2028-2035.max_t = 0",
    }
    for sheet in ("Sweeps", "Scenarios"):
        for rec in tables[sheet].to_dict("records"):
            if rec["change"] is None:
                continue
            cell = cell_ref(letters, sheet, "change", rec["_row"])
            hint = f"write it as Sheet[key,...].column OP values, e.g. {example[sheet]}."
            try:
                change = parse_change(rec["change"])
                check_change(change, data)
            except ChangeError as exc:
                findings.append(Finding("error", sheet, cell, str(exc), hint))
                continue
            if sheet == "Scenarios" and len(change.values) != 1:
                findings.append(
                    Finding(
                        "error",
                        sheet,
                        cell,
                        f"{rec['change']}: a scenario's change takes one value, not "
                        f"{len(change.values)}.",
                        "give one value (a sweep over values belongs in the Sweeps sheet).",
                    )
                )
    _check_probabilities(tables["Scenarios"], letters, findings)


def _check_probabilities(
    scenarios: pd.DataFrame, letters: dict[str, dict[str, str]], findings: list[Finding]
) -> None:
    """Each scenario has one probability (first row; later rows repeat it or stay blank) and
    together they are at most 1 (the workbook as it is takes what is left)."""
    given: dict[str, tuple[float, int]] = {}
    for rec in scenarios.to_dict("records"):
        name, p, row = rec["scenario"], rec["probability"], rec["_row"]
        if name is None:
            continue
        cell = cell_ref(letters, "Scenarios", "probability", row)
        if p is None:
            if name not in given:
                findings.append(
                    Finding(
                        "error",
                        "Scenarios",
                        cell,
                        f"scenario {name} has no probability.",
                        "type its probability (0-1) on its first row.",
                    )
                )
            continue
        if name in given and abs(given[name][0] - p) > 1e-12:
            findings.append(
                Finding(
                    "error",
                    "Scenarios",
                    cell,
                    f"scenario {name} has probability {p:g} here but {given[name][0]:g} on "
                    f"row {given[name][1]}.",
                    "give a scenario one probability (later rows may stay blank).",
                )
            )
        given.setdefault(name, (p, row))
    total = sum(p for p, _row in given.values())
    if total > 1 + 1e-9:
        last = max(row for _p, row in given.values())
        findings.append(
            Finding(
                "error",
                "Scenarios",
                cell_ref(letters, "Scenarios", "probability", last),
                f"the scenarios' probabilities sum to {total:.4g}, more than 1.",
                "make them sum to 1 (or less: the workbook as it is takes the rest).",
            )
        )
