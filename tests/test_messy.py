"""Layer 1: workbooks as they come back from real planners: formulas, blank rows, hidden
sheets, open-in-Excel lock files, and networks with a piece missing.

Workbooks are written from the tiny example's rows with input_writer (contract columns in schema
order, data from row 2), then edited. Formula cells are crafted by rewriting the sheet's XML
inside the .xlsx zip, since openpyxl cannot save a formula together with a cached value.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import flat, invoke, sha256
from openpyxl import load_workbook

from model.api import check_book, parse_book, solve_workbook
from model.findings import Finding, errors_in
from model.workbook.reader import read_workbook
from model.workbook.schema import SHEETS_BY_NAME

pytestmark = pytest.mark.schema

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TINY_OBJECTIVE_USD = 3_150_316.404403323  # model/examples.py docstring


# ---------------------------------------------------------------- helpers


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    """Zip member holding a sheet's XML, found through workbook.xml and its relationships."""
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    rid = next(
        s.get(f"{{{RELS}}}id") for s in book.iter(f"{{{MAIN}}}sheet") if s.get("name") == sheet
    )
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def edit_sheet_xml(path: Path, sheet: str, edit: Callable[[str], str]) -> None:
    """Rewrite one sheet's XML inside the .xlsx zip, keeping every other member as it is."""
    temp = path.with_suffix(".rewrite")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as dst:
        part = sheet_part(src, sheet)
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            dst.writestr(item, data)
    os.replace(temp, path)


def set_cell_xml(path: Path, sheet: str, ref: str, xml: str) -> None:
    """Replace the <c r="ref"> element of a sheet with `xml`."""

    def edit(text: str) -> str:
        new, n = re.subn(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', xml, text, count=1)
        assert n == 1, f"cell {sheet}!{ref} not found in the sheet XML"
        return new

    edit_sheet_xml(path, sheet, edit)


def at(findings: list[Finding], cell: str, severity: str) -> list[Finding]:
    return [f for f in findings if f.cell == cell and f.severity == severity]


def one(findings: list[Finding], cell: str, *words: str, severity: str = "error") -> Finding:
    """The single finding at `cell` of `severity` whose message has every word."""
    hits = [f for f in at(findings, cell, severity) if all(w in f.message for w in words)]
    assert len(hits) == 1, f"{cell} {words}: {[str(f) for f in findings]}"
    return hits[0]


def sites_row(tiny: dict, name: str) -> int:
    """Excel row of a site in a workbook written from `tiny`."""
    return next(k for k, r in enumerate(tiny["Sites"]) if r["site"] == name) + 2


# ---------------------------------------------------------------- formulas


def test_formula_with_cached_value_is_read_as_its_value(tiny, write_book):
    assert sites_row(tiny, "mine_au") == 2 and tiny["Sites"][0]["capacity_t"] == 1000
    path = write_book(tiny)
    set_cell_xml(path, "Sites", "E2", '<c r="E2"><f>500*2</f><v>1000</v></c>')
    with zipfile.ZipFile(path) as archive:  # the crafted cell really is a formula
        assert b"<f>500*2</f>" in archive.read(sheet_part(archive, "Sites"))
    data, findings = parse_book(read_workbook(path))
    assert findings == []
    assert data is not None
    sites = data.tables["Sites"].set_index("site")
    assert sites.loc["mine_au", "capacity_t"] == 1000.0


def test_formula_with_cached_text_value_is_read_as_its_text(tiny, write_book):
    path = write_book(tiny)
    set_cell_xml(path, "Sites", "A2", '<c r="A2" t="str"><f>"mine"&amp;"_au"</f><v>mine_au</v></c>')
    data, findings = parse_book(read_workbook(path))
    assert findings == []
    assert "mine_au" in set(data.tables["Sites"]["site"])


def test_solve_uses_the_cached_value_of_a_formula(tiny, write_book):
    path = write_book(tiny)
    set_cell_xml(path, "Sites", "F2", '<c r="F2"><f>1+1</f><v>2</v></c>')  # mine cost 2 USD/kg
    run = solve_workbook(path)
    assert run.solution.summary["objective_usd"] == pytest.approx(TINY_OBJECTIVE_USD, rel=1e-9)


def test_formula_without_cached_value_is_an_error_at_its_cell(tiny, write_book):
    path = write_book(tiny)
    set_cell_xml(path, "Sites", "E2", '<c r="E2"><f>500*2</f></c>')
    data, findings = parse_book(read_workbook(path))
    assert data is None
    found = one(findings, "Sites!E2", "formula", "no saved result")
    assert found.sheet == "Sites"
    assert "open and save" in found.hint
    assert "Excel" in found.hint


def test_formula_without_cached_value_in_an_optional_column_is_not_read_as_default(
    tiny, write_book
):
    # a blank cost would silently mean 0 USD/kg: the unknown value must stop the solve
    path = write_book(tiny)
    set_cell_xml(path, "Sites", "F3", '<c r="F3"><f>2+3</f></c>')  # sep_us cost
    _data, findings = parse_book(read_workbook(path))
    assert [f.cell for f in errors_in(findings)] == ["Sites!F3"]
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert "ERROR Sites!F3: cost_usd_per_kg holds a formula" in flat(result.output)


def test_formula_with_an_error_value_is_an_error_at_its_cell(tiny, write_book):
    path = write_book(tiny)
    set_cell_xml(path, "Sites", "F2", '<c r="F2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    _data, findings = parse_book(read_workbook(path))
    found = one(findings, "Sites!F2", "#DIV/0!")
    assert "number" in found.message


def test_uncached_formula_in_a_prefixed_sheet_is_still_an_error(tiny, write_book):
    path = write_book(tiny)

    def prefixed(text: str) -> str:
        text = text.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')
        text = re.sub(r"<(/?)([A-Za-z]+)([ >/])", r"<\1x:\2\3", text)
        new, n = re.subn(
            r'<x:c r="F2"(?: [^>]*)?(?:/>|>.*?</x:c>)', '<x:c r="F2"><x:f>1+1</x:f></x:c>', text
        )
        assert n == 1
        return new

    edit_sheet_xml(path, "Sites", prefixed)
    raw = read_workbook(path)
    assert raw.sheets["Sites"].rows[0][1]["site"] == "mine_au"  # openpyxl reads the sheet
    _data, findings = parse_book(raw)
    one(findings, "Sites!F2", "formula")


def test_stale_sheet_dimension_does_not_hide_columns(tiny, write_book):
    path = write_book(tiny)

    def stale(text: str) -> str:
        new, n = re.subn(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:A1"/>', text)
        assert n == 1
        return new

    edit_sheet_xml(path, "Sites", stale)
    book = load_workbook(path)  # a full read sees every column and row
    columns = len(SHEETS_BY_NAME["Sites"].columns)  # every contract column is written
    assert book["Sites"].max_column == columns and book["Sites"].max_row == 6
    book.close()
    assert check_book(read_workbook(path)) == []


# ---------------------------------------------------------------- blank rows, hidden sheets


def test_blank_rows_in_the_middle_of_a_sheet_are_ignored(tiny, write_book):
    blank = dict.fromkeys(tiny["Sites"][0])
    spaces = {"site": "   ", "notes": " "}  # whitespace only counts as blank too
    tiny["Sites"] = [*tiny["Sites"][:2], blank, spaces, blank, *tiny["Sites"][2:]]
    tiny["Demand"] = [blank, *tiny["Demand"]]
    path = write_book(tiny)
    data, findings = parse_book(read_workbook(path))
    assert findings == []
    sites = data.tables["Sites"]
    assert list(sites["site"]) == ["mine_au", "sep_us", "metal_us", "magnet_us", "market_cn"]
    # row numbers still count the blank rows, so cells are named where Excel shows them
    assert list(sites["_row"]) == [2, 3, 7, 8, 9]
    assert list(data.tables["Demand"]["_row"]) == [3]
    run = solve_workbook(path)
    assert run.solution.summary["objective_usd"] == pytest.approx(TINY_OBJECTIVE_USD, rel=1e-9)


def test_error_after_blank_rows_names_the_real_row(tiny, write_book):
    blank = dict.fromkeys(tiny["Sites"][0])
    tiny["Sites"][3]["capacity_t"] = "lots"  # magnet_us, pushed down by two blank rows
    tiny["Sites"] = [*tiny["Sites"][:2], blank, blank, *tiny["Sites"][2:]]
    _data, findings = parse_book(read_workbook(write_book(tiny)))
    one(findings, "Sites!E7", "capacity_t", "lots")


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_contract_sheet_warns_but_is_read(tiny, write_book, state):
    path = write_book(tiny)
    book = load_workbook(path)
    book["Transport"].sheet_state = state
    book.save(path)
    data, findings = parse_book(read_workbook(path))
    found = one(findings, "Transport", "hidden", severity="warning")
    assert found.sheet == "Transport"
    assert "Unhide" in found.hint
    assert errors_in(findings) == []
    assert len(data.tables["Transport"]) == 2  # its rows still count
    run = solve_workbook(path)
    assert run.solution.summary["transport_usd"] > 0


def test_hidden_extra_sheet_is_not_reported(tiny, write_book):
    tiny["Scratch"] = [{"anything": 1}]
    path = write_book(tiny)
    book = load_workbook(path)
    book["Scratch"].sheet_state = "hidden"
    book.save(path)
    assert parse_book(read_workbook(path))[1] == []


# ---------------------------------------------------------------- Excel lock files


def test_lock_file_beside_the_input_is_a_warning(tiny, write_book):
    path = write_book(tiny, "in.xlsx")
    lock = path.with_name("~$in.xlsx")
    lock.write_bytes(b"\x00owner")
    findings = check_book(read_workbook(path))
    assert len(findings) == 1
    found = findings[0]
    assert found.severity == "warning"
    assert "~$in.xlsx" in found.message
    assert "Excel" in found.message
    assert "save" in found.hint
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert "0 error(s), 1 warning(s) in in.xlsx." in flat(result.output)
    assert lock.read_bytes() == b"\x00owner"  # the lock file is left alone


def test_lock_file_of_another_workbook_is_not_reported(tiny, write_book):
    path = write_book(tiny, "in.xlsx")
    path.with_name("~$other.xlsx").write_bytes(b"x")
    assert check_book(read_workbook(path)) == []


def test_solve_refuses_an_output_that_is_open_in_excel(tiny, write_book, tmp_path):
    path = write_book(tiny, "in.xlsx")
    out = tmp_path / "plan.xlsx"
    out.write_bytes(b"yesterday's plan")
    (tmp_path / "~$plan.xlsx").write_bytes(b"owner")
    result = invoke("solve", path, "-o", out)
    assert result.exit_code == 1
    text = flat(result.output)
    assert "open in Excel" in text
    assert "~$plan.xlsx" in text
    assert out.read_bytes() == b"yesterday's plan"
    assert not list(tmp_path.glob("*.part"))


def test_solve_writes_once_the_lock_file_is_gone(tiny, write_book, tmp_path):
    path = write_book(tiny, "in.xlsx")
    out = tmp_path / "plan.xlsx"
    lock = tmp_path / "~$plan.xlsx"
    lock.write_bytes(b"owner")
    assert invoke("solve", path, "-o", out).exit_code == 1
    lock.unlink()
    assert invoke("solve", path, "-o", out).exit_code == 0
    assert out.exists()


# ---------------------------------------------------------------- network checks


def network_warnings(path: Path) -> list[Finding]:
    findings = check_book(read_workbook(path))
    assert errors_in(findings) == [], [str(f) for f in findings]
    return findings


def test_segment_no_plant_or_market_can_supply(tiny, write_book):
    # magnet_us may only ship to motors; drones accepts std too but nobody can reach it
    tiny["Segments"].append({"segment": "drones", "region": "US", "grades": "std"})
    tiny["Demand"].append({"segment": "drones", "year": 2026, "demand_t": 5})
    tiny["Lanes"] = [{"from_site": "magnet_us", "to_site": "motors", "allowed": "yes"}]
    findings = network_warnings(write_book(tiny))
    found = one(findings, "Segments!C3", "drones", "2026", "std", severity="warning")
    assert "no magnet plant or market" in found.message
    assert found.sheet == "Segments"
    assert at(findings, "Segments!C2", "warning") == []  # motors is served
    run = solve_workbook(write_book(tiny, "solve.xlsx"))
    demand = run.solution.tables["Demand"].set_index("segment")
    assert demand.loc["drones", "unmet_t"] == pytest.approx(5.0)


def test_segment_warning_names_the_years_without_supply(tiny, write_book):
    tiny["Settings"][1]["value"] = 2028
    tiny["Sites"][3]["last_year"] = 2026  # magnet_us closes after 2026
    tiny["Demand"] += [
        {"segment": "motors", "year": 2027, "demand_t": 100},
        {"segment": "motors", "year": 2028, "demand_t": 100},
    ]
    findings = network_warnings(write_book(tiny))
    one(findings, "Segments!C2", "2027-2028", severity="warning")


def test_separator_no_mine_can_reach_is_cut_off(tiny, write_book):
    tiny["Sites"].append(
        {"site": "sep_au", "stage": "separation", "country": "Australia", "capacity_t": 500}
    )
    tiny["Lanes"] = [{"from_site": "mine_au", "to_site": "sep_us", "allowed": "yes"}]
    row = sites_row(tiny, "sep_au")
    assert row == 7
    path = write_book(tiny)
    findings = network_warnings(path)
    found = one(findings, f"Sites!A{row}", "sep_au", severity="warning")
    assert found.sheet == "Sites"
    assert "separation site sep_au has no way in or out" in found.message
    # the connected chain draws no warning
    assert [f.cell for f in findings] == [f"Sites!A{row}"]
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert f"WARNING Sites!A{row}:" in text
    assert "0 error(s), 1 warning(s) in in.xlsx." in text


def test_market_with_nothing_to_sell_or_buy_is_cut_off(tiny, write_book):
    tiny["Sites"].append({"site": "market_eu", "stage": "market", "country": "USA"})
    row = sites_row(tiny, "market_eu")
    findings = network_warnings(write_book(tiny))
    # a market needs neither inflow nor outflow unless it has prices: no warning
    assert at(findings, f"Sites!A{row}", "warning") == []
    tiny["MarketPrices"].append(
        {"site": "market_eu", "commodity": "oxide", "item": "NdPr", "price_usd_per_kg": 60}
    )
    tiny["Lanes"] = [{"from_site": "market_eu", "to_site": "magnet_us", "allowed": "yes"}]
    findings = network_warnings(write_book(tiny, "priced.xlsx"))
    one(findings, f"Sites!A{row}", "market site market_eu has no way out", severity="warning")


def test_element_no_source_provides(tiny, write_book):
    tiny["Elements"].append({"element": "Tb", "class": "heavy", "oxide_to_metal": 0.85})
    tiny["Grades"].append({"grade": "std", "element": "Tb", "kg_per_kg": 0.005})
    findings = network_warnings(write_book(tiny))
    found = one(findings, "Elements!A4", "Tb", severity="warning")
    assert found.message.startswith("no mine, collection or market provides Tb")
    assert "Composition" in found.hint
    assert at(findings, "Elements!A2", "warning") == at(findings, "Elements!A3", "warning") == []
    # std now needs Tb, so motors cannot be served either
    one(findings, "Segments!C2", "motors", severity="warning")


def test_element_bought_from_a_market_is_provided(tiny, write_book):
    tiny["Elements"].append({"element": "Tb", "class": "heavy", "oxide_to_metal": 0.85})
    tiny["Grades"].append({"grade": "std", "element": "Tb", "kg_per_kg": 0.005})
    tiny["MarketPrices"].append(
        {"site": "market_cn", "commodity": "oxide", "item": "Tb", "price_usd_per_kg": 1000}
    )
    assert network_warnings(write_book(tiny)) == []


def test_validate_prints_network_warnings_and_exits_0(tiny, write_book):
    tiny["Elements"].append({"element": "Tb", "class": "heavy", "oxide_to_metal": 0.85})
    tiny["Grades"].append({"grade": "std", "element": "Tb", "kg_per_kg": 0.005})
    tiny["Sites"].append(
        {"site": "sep_au", "stage": "separation", "country": "Australia", "capacity_t": 500}
    )
    tiny["Lanes"] = [{"from_site": "mine_au", "to_site": "sep_us", "allowed": "yes"}]
    path = write_book(tiny)
    before = sha256(path)
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    # Tb cuts off std, so motors goes unserved and magnet_us has nowhere to ship
    for cell in ("Elements!A4", "Sites!A7", "Segments!C2", "Sites!A5"):
        assert f"WARNING {cell}:" in text
    assert "ERROR" not in text
    assert "0 error(s), 4 warning(s) in in.xlsx." in text
    assert sha256(path) == before


def test_solve_prints_network_warnings_too(tiny, write_book, tmp_path):
    tiny["Elements"].append({"element": "Tb", "class": "heavy", "oxide_to_metal": 0.85})
    tiny["Grades"].append({"grade": "std", "element": "Tb", "kg_per_kg": 0.005})
    result = invoke("solve", write_book(tiny), "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 0, result.output
    assert "WARNING Elements!A4:" in flat(result.output)


# ---------------------------------------------------------------- lists typed twice


def test_grade_listed_twice_in_a_segment_counts_once(tiny, solve_tables):
    tiny["Segments"][0]["grades"] = "std, std"
    run = solve_tables(tiny)
    assert run.solution.summary["objective_usd"] == pytest.approx(TINY_OBJECTIVE_USD, rel=1e-9)
    assert len(run.network.flows) == len(set(run.network.flows))
    flows = run.solution.tables["Flows"]
    delivered = flows.loc[flows["to"] == "motors", "t"].sum()
    assert delivered == pytest.approx(100.0)
