"""Layer 1: one bad workbook per validation rule, asserting the message and the exact cell.

Every workbook is built at test time from the tiny example's rows (the `tiny` fixture), edited,
and written with `write_book`. input_writer writes each contract sheet's columns in schema
order, so a column's letter is its position in schema.SHEETS (1 = A); data rows start at Excel
row 2, so the row of tiny[sheet][k] is k + 2. Where the test needs something input_writer cannot
produce (a missing sheet or header cell, a real Excel boolean, shifted columns), the written
file is edited afterwards with openpyxl.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import sha256
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from model.api import check_book, load_workbook_data, parse_book, solve_workbook
from model.findings import Finding, InputError, errors_in
from model.workbook.data import ChainData
from model.workbook.reader import read_workbook
from model.workbook.schema import SHEETS_BY_NAME

pytestmark = pytest.mark.schema


# ---------------------------------------------------------------- helpers


def letter(sheet: str, column: str) -> str:
    """Column letter of a contract column as input_writer lays it out (schema order)."""
    return get_column_letter(SHEETS_BY_NAME[sheet].names.index(column) + 1)


def cell(sheet: str, column: str, index: int) -> str:
    """'Sheet!E3' for the row tables[sheet][index] (0-based) in a written workbook."""
    return f"{sheet}!{letter(sheet, column)}{index + 2}"


def row_of(tables: dict[str, list[dict]], sheet: str, key: str, value: Any) -> int:
    """0-based index of the first row of `sheet` whose `key` equals `value`."""
    return next(k for k, row in enumerate(tables[sheet]) if row.get(key) == value)


def site(tables: dict[str, list[dict]], name: str) -> dict:
    return tables["Sites"][row_of(tables, "Sites", "site", name)]


def check(path: Path) -> tuple[ChainData | None, list[Finding]]:
    return parse_book(read_workbook(path))


def finding_at(findings: list[Finding], where: str, *words: str, severity: str = "error"):
    """The one finding at cell `where` whose message contains every word; fails helpfully."""
    hits = [
        f
        for f in findings
        if f.cell == where and f.severity == severity and all(w in f.message for w in words)
    ]
    assert hits, f"no {severity} at {where} mentioning {words}; findings: {findings}"
    assert len(hits) == 1, hits
    return hits[0]


def edit(path: Path, change: Callable[[Any], None]) -> Path:
    """Open a written workbook with openpyxl, apply `change(book)`, save it in place."""
    book = load_workbook(path)
    change(book)
    book.save(path)
    return path


# ---------------------------------------------------------------- the clean baseline


def test_tiny_example_has_no_findings(tiny, write_book):
    # Every test below changes one thing in this workbook, so each finding is that change's.
    data, findings = check(write_book(tiny))
    assert findings == []
    assert data is not None
    assert data.settings["first_year"] == 2026
    assert sorted(data.tables["Sites"]["site"]) == sorted(r["site"] for r in tiny["Sites"])


def test_column_letters_follow_schema_order(tiny, write_book):
    # The tests compute cells from the schema; make sure the written header really is in that order.
    path = write_book(tiny)
    book = load_workbook(path, read_only=True)
    header = [c.value for c in next(book["Sites"].iter_rows(max_row=1))]
    book.close()
    assert header[: len(SHEETS_BY_NAME["Sites"].names)] == SHEETS_BY_NAME["Sites"].names
    assert letter("Sites", "capacity_t") == "E"


# ---------------------------------------------------------------- sheets and columns


def test_missing_required_sheet(tiny, write_book):
    path = edit(write_book(tiny), lambda book: book.remove(book["Demand"]))
    data, findings = check(path)
    assert data is None
    f = finding_at(findings, "Demand", "required sheet Demand is missing")
    assert f.sheet == "Demand"
    assert "segment, year, demand_t" in f.hint


def test_missing_required_column(tiny, write_book):
    column = letter("Sites", "country")  # D

    def drop_country(book):
        ws = book["Sites"]
        assert ws[f"{column}1"].value == "country"
        ws.delete_cols(ws[f"{column}1"].column)

    data, findings = check(edit(write_book(tiny), drop_country))
    assert data is None
    f = finding_at(findings, "Sites!1:1", "required column country is missing", "Sites")
    assert "'country'" in f.hint and "row 1" in f.hint


def test_optional_column_left_out_reads_as_blank(tiny, write_book):
    # The contract: any column that is not required may be left out of the sheet altogether.
    def drop_notes(book):
        ws = book["Elements"]
        ws.delete_cols(SHEETS_BY_NAME["Elements"].names.index("notes") + 1)

    data, findings = check(edit(write_book(tiny), drop_notes))
    assert errors_in(findings) == []
    assert data.tables["Elements"]["notes"].isna().all()


def test_cell_names_the_workbook_own_column_letter(tiny, write_book):
    # A planner inserts a column in front: the finding must follow the real layout (F, not E).
    k = row_of(tiny, "Sites", "site", "sep_us")
    tiny["Sites"][k]["capacity_t"] = None

    def insert_first_column(book):
        ws = book["Sites"]
        ws.insert_cols(1)
        ws["A1"] = "my_comment"

    data, findings = check(edit(write_book(tiny), insert_first_column))
    assert data is None
    finding_at(findings, f"Sites!F{k + 2}", "capacity_t is required")


# ---------------------------------------------------------------- single cells


def test_blank_required_cell(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "sep_us")
    tiny["Sites"][k]["country"] = None
    data, findings = check(write_book(tiny))
    assert data is None
    assert cell("Sites", "country", k) == "Sites!D3"
    f = finding_at(findings, "Sites!D3", "country is required but blank")
    assert "country" in f.hint


def test_blank_required_number_names_its_unit(tiny, write_book):
    k = row_of(tiny, "Demand", "segment", "motors")
    tiny["Demand"][k]["demand_t"] = "   "  # whitespace only is blank
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Demand", "demand_t", k), "demand_t is required but blank")
    assert "t/yr" in f.hint


def test_text_in_a_number_column(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "sep_us")
    tiny["Sites"][k]["capacity_t"] = "lots"
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Sites", "capacity_t", k), "expected a number", "'lots'")
    assert f.message.startswith("capacity_t")
    assert "plain number" in f.hint


def test_text_in_a_year_column(tiny, write_book):
    k = row_of(tiny, "Demand", "segment", "motors")
    tiny["Demand"][k]["year"] = "2026.5"
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Demand", "year", k), "expected a whole number", "2026.5")
    assert "whole number" in f.hint


def test_number_typed_as_text_with_thousands_separator(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "mine_au")
    tiny["Sites"][k]["capacity_t"] = "1,200"
    tiny["Demand"][0]["year"] = "2026"
    data, findings = check(write_book(tiny))
    assert errors_in(findings) == []
    sites = data.tables["Sites"].set_index("site")
    assert sites.loc["mine_au", "capacity_t"] == 1200.0
    assert data.tables["Demand"]["year"].tolist() == [2026]


def test_percent_text_in_a_share_column(tiny, write_book):
    k = row_of(tiny, "Composition", "element", "NdPr")
    tiny["Composition"][k]["share"] = "25%"
    data, findings = check(write_book(tiny))
    assert errors_in(findings) == []
    comp = data.tables["Composition"].set_index("element")
    assert comp.loc["NdPr", "share"] == pytest.approx(0.25)


def test_percent_text_in_a_percent_column_keeps_its_value(tiny, write_book):
    # tariff_pct is itself in %, so '25%' and 25 mean the same.
    tiny["Tariffs"] = [
        {"from_country": "China", "to_region": "US", "commodity": "oxide", "tariff_pct": "25%"}
    ]
    data, findings = check(write_book(tiny))
    assert errors_in(findings) == []
    assert data.tables["Tariffs"]["tariff_pct"].tolist() == [pytest.approx(25.0)]


def test_share_out_of_bounds_suggests_percent(tiny, write_book):
    k = row_of(tiny, "Composition", "element", "Dy")
    tiny["Composition"][k]["share"] = 25
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Composition", "share", k), "share = 25", "outside [0, 1]")
    assert "25%" in f.hint
    assert "0.25" in f.hint


def test_negative_capacity_out_of_bounds(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "metal_us")
    tiny["Sites"][k]["capacity_t"] = -5
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Sites", "capacity_t", k), "capacity_t = -5", "outside [0, inf]")
    assert "at least 0" in f.hint


def test_bad_choice(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "mine_au")
    tiny["Sites"][k]["stage"] = "mines"
    data, findings = check(write_book(tiny))
    assert data is None
    assert cell("Sites", "stage", k) == "Sites!C2"
    f = finding_at(findings, "Sites!C2", "stage = 'mines' is not one of", "mine, collection")
    assert "use one of" in f.hint


def test_duplicate_id(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "sep_us")
    tiny["Sites"].append(dict(tiny["Sites"][k]))
    dup = len(tiny["Sites"]) - 1
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Sites", "site", dup), "duplicate site sep_us", f"row {k + 2}")
    assert "one row per key" in f.hint


def test_duplicate_id_after_trimming_spaces(tiny, write_book):
    # 'sep_us ' is the same id as 'sep_us' once trimmed, so it is a duplicate, not a new site.
    k = row_of(tiny, "Sites", "site", "sep_us")
    tiny["Sites"].append({**tiny["Sites"][k], "site": "sep_us "})
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("Sites", "site", len(tiny["Sites"]) - 1), "duplicate site sep_us")


def test_duplicate_composite_key(tiny, write_book):
    # Grades are keyed by (grade, element); the cell is the first key column.
    tiny["Grades"].append({"grade": "std", "element": "Dy", "kg_per_kg": 0.03})
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(
        findings, cell("Grades", "grade", len(tiny["Grades"]) - 1), "duplicate grade/element std/Dy"
    )


# ---------------------------------------------------------------- references


def test_unknown_country(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "mine_au")
    tiny["Sites"][k]["country"] = "Atlantis"
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(
        findings, cell("Sites", "country", k), "'Atlantis'", "not defined in Countries.country"
    )
    assert "add it to Countries.country" in f.hint
    assert "did you mean" not in f.hint


def test_unknown_grade_in_segment_list(tiny, write_book):
    k = row_of(tiny, "Segments", "segment", "motors")
    tiny["Segments"][k]["grades"] = "std, premium"
    data, findings = check(write_book(tiny))
    assert data is None
    assert cell("Segments", "grades", k) == "Segments!C2"
    finding_at(findings, "Segments!C2", "grades 'premium'", "not defined in Grades.grade")
    # 'std' in the same cell is fine: exactly one reference error.
    assert len(errors_in(findings)) == 1


def test_case_only_mismatch_suggests_the_id(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "mine_au")
    tiny["Sites"][k]["country"] = "australia"
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Sites", "country", k), "'australia'", "Countries.country")
    assert "did you mean 'Australia'" in f.hint
    assert "case-sensitive" in f.hint


def test_case_only_mismatch_in_a_list_cell(tiny, write_book):
    tiny["Segments"][0]["grades"] = "STD"
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Segments", "grades", 0), "'STD'")
    assert "did you mean 'std'" in f.hint


def test_unknown_site_in_composition(tiny, write_book):
    k = row_of(tiny, "Composition", "element", "Dy")
    tiny["Composition"][k]["site"] = "mine_xx"
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("Composition", "site", k), "'mine_xx'", "Sites.site")


# ---------------------------------------------------------------- chain rules


def test_capacity_blank_for_a_non_market_site(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "sep_us")
    tiny["Sites"][k]["capacity_t"] = None
    data, findings = check(write_book(tiny))
    assert data is None
    assert cell("Sites", "capacity_t", k) == "Sites!E3"
    f = finding_at(findings, "Sites!E3", "sep_us", "capacity_t is required for a separation site")
    assert "only markets may be blank" in f.hint
    # The market's blank capacity (market_cn) is not a finding.
    market = row_of(tiny, "Sites", "site", "market_cn")
    assert site(tiny, "market_cn")["capacity_t"] is None
    assert not [f for f in findings if f.cell == cell("Sites", "capacity_t", market)]


def test_recycling_site_without_output(tiny, write_book):
    tiny["Sites"].append(
        {"site": "rec_us", "stage": "recycling", "country": "USA", "capacity_t": 100}
    )
    k = len(tiny["Sites"]) - 1
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Sites", "output", k), "rec_us", "recycling site needs output")
    assert "oxide" in f.hint and "metal" in f.hint


def test_site_first_year_after_last_year(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "magnet_us")
    tiny["Sites"][k].update(first_year=2030, last_year=2028)
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("Sites", "first_year", k), "magnet_us", "first_year is after")


def test_bid_above_ask(tiny, write_book):
    k = row_of(tiny, "MarketPrices", "item", "Dy")
    tiny["MarketPrices"][k]["bid_usd_per_kg"] = 500
    data, findings = check(write_book(tiny))
    assert data is None
    assert cell("MarketPrices", "bid_usd_per_kg", k) == "MarketPrices!G2"
    f = finding_at(findings, "MarketPrices!G2", "bid 500 is above the ask 400", "arbitrage")
    assert "oxide Dy" in f.message and "market_cn" in f.message


def test_bid_below_ask_is_fine(tiny, write_book):
    tiny["MarketPrices"][0]["bid_usd_per_kg"] = 350
    data, findings = check(write_book(tiny))
    assert errors_in(findings) == []
    assert data.tables["MarketPrices"]["bid_usd_per_kg"].tolist() == [350.0]


def test_market_price_row_with_neither_price_nor_bid(tiny, write_book):
    tiny["MarketPrices"][0]["price_usd_per_kg"] = None
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("MarketPrices", "price_usd_per_kg", 0), "neither a price nor a bid")


def test_market_price_item_not_an_element(tiny, write_book):
    tiny["MarketPrices"][0]["item"] = "Tb"
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("MarketPrices", "item", 0), "item 'Tb' is not an element")


def test_composition_shares_sum_above_one(tiny, write_book):
    nd = row_of(tiny, "Composition", "element", "NdPr")
    dy = row_of(tiny, "Composition", "element", "Dy")
    tiny["Composition"][nd]["share"] = 0.7
    tiny["Composition"][dy]["share"] = 0.5
    data, findings = check(write_book(tiny))
    assert data is None
    # Named at the site's first Composition row.
    f = finding_at(findings, cell("Composition", "share", min(nd, dy)), "mine_au", "sum to 1.2 > 1")
    assert "at most 1" in f.hint
    assert len(errors_in(findings)) == 1


def test_composition_row_on_a_separation_site(tiny, write_book):
    tiny["Composition"].append({"site": "sep_us", "element": "NdPr", "share": 0.1})
    k = len(tiny["Composition"]) - 1
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(
        findings,
        cell("Composition", "site", k),
        "sep_us is a separation site",
        "mine or collection sites only",
    )
    assert "remove the row" in f.hint


def test_recovery_row_on_a_mine(tiny, write_book):
    tiny["Recovery"].append({"site": "mine_au", "element": "Dy", "recovery": 0.8})
    k = len(tiny["Recovery"]) - 1
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("Recovery", "site", k), "mine_au is a mine site", "separation")


def test_demand_year_outside_horizon_is_a_warning(tiny, write_book):
    tiny["Demand"].append({"segment": "motors", "year": 2030, "demand_t": 5})
    k = len(tiny["Demand"]) - 1
    data, findings = check(write_book(tiny))
    assert data is not None
    assert errors_in(findings) == []
    finding_at(
        findings, cell("Demand", "year", k), "2030", "outside the horizon", severity="warning"
    )


# ---------------------------------------------------------------- settings


def test_missing_required_setting(tiny, write_book):
    tiny["Settings"] = [r for r in tiny["Settings"] if r["setting"] != "first_year"]
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, "Settings!A:B", "setting first_year is missing")
    assert "first_year" in f.hint
    assert not [f for f in findings if "last_year" in f.message]


def test_first_year_after_last_year(tiny, write_book):
    k = row_of(tiny, "Settings", "setting", "first_year")
    tiny["Settings"][k]["value"] = 2027
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, "Settings!B:B", "first_year 2027 is after last_year 2026")
    assert "first_year <= last_year" in f.hint


def test_setting_of_the_wrong_type_names_its_value_cell(tiny, write_book):
    tiny["Settings"].append({"setting": "discount_rate", "value": "seven"})
    k = len(tiny["Settings"]) - 1
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("Settings", "value", k), "discount_rate", "expected a number")


def test_setting_out_of_bounds(tiny, write_book):
    tiny["Settings"].append({"setting": "discount_rate", "value": 7})
    k = len(tiny["Settings"]) - 1
    data, findings = check(write_book(tiny))
    assert data is None
    finding_at(findings, cell("Settings", "value", k), "discount_rate = 7", "outside [0, 1]")


def test_unknown_setting_is_only_a_warning(tiny, write_book):
    tiny["Settings"].append({"setting": "solver_gap", "value": 0.01})
    k = len(tiny["Settings"]) - 1
    path = write_book(tiny)
    data, findings = check(path)
    f = finding_at(
        findings, cell("Settings", "setting", k), "unknown setting 'solver_gap'", severity="warning"
    )
    assert "first_year" in f.hint
    assert errors_in(findings) == []
    assert data is not None
    loaded = load_workbook_data(path)  # does not raise
    assert "solver_gap" not in loaded.settings
    assert f in loaded.findings


def test_settings_default_when_not_given(tiny, write_book):
    data, _ = check(write_book(tiny))
    assert data.settings["discount_rate"] == 0.0
    assert data.settings["time_limit_s"] == 600.0
    assert data.settings["unmet_penalty_usd_per_kg"] == 1000.0


# ---------------------------------------------------------------- how people type


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Yes", True),
        ("TRUE", True),
        (1, True),
        ("y", True),
        ("No", False),
        ("false", False),
        (0, False),
    ],
)
def test_yes_no_parsing(tiny, write_book, typed, expected):
    k = row_of(tiny, "Countries", "country", "Australia")
    tiny["Countries"][k]["restricted"] = typed
    data, findings = check(write_book(tiny))
    assert errors_in(findings) == []
    countries = data.tables["Countries"].set_index("country")
    assert bool(countries.loc["Australia", "restricted"]) is expected
    assert bool(countries.loc["China", "restricted"]) is True


def test_real_excel_boolean_is_read(tiny, write_book):
    k = row_of(tiny, "Countries", "country", "USA")
    where = f"{letter('Countries', 'restricted')}{k + 2}"

    def set_true(book):
        book["Countries"][where] = True  # a real TRUE cell, not text

    path = edit(write_book(tiny), set_true)
    data, findings = check(path)
    assert errors_in(findings) == []
    assert bool(data.tables["Countries"].set_index("country").loc["USA", "restricted"]) is True


def test_bad_yes_no_value(tiny, write_book):
    k = row_of(tiny, "Countries", "country", "USA")
    tiny["Countries"][k]["restricted"] = "maybe"
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, cell("Countries", "restricted", k), "expected yes or no", "'maybe'")
    assert "yes or no" in f.hint


def test_trailing_spaces_in_ids_are_trimmed(tiny, write_book):
    k = row_of(tiny, "Sites", "site", "mine_au")
    tiny["Sites"][k]["site"] = "mine_au "
    tiny["Sites"][k]["country"] = " Australia "
    tiny["Composition"][0]["site"] = "mine_au"  # the trimmed id matches 'mine_au '
    tiny["Composition"][1]["site"] = "  mine_au"
    data, findings = check(write_book(tiny))
    assert errors_in(findings) == []
    assert "mine_au" in set(data.tables["Sites"]["site"])
    assert set(data.tables["Composition"]["site"]) == {"mine_au"}
    assert data.tables["Sites"].set_index("site").loc["mine_au", "country"] == "Australia"


def test_trailing_spaces_in_setting_names_and_choices(tiny, write_book):
    tiny["Settings"][0]["setting"] = "first_year "
    tiny["Sites"][0]["stage"] = " mine"
    data, findings = check(write_book(tiny))
    assert errors_in(findings) == []
    assert data.settings["first_year"] == 2026
    assert data.tables["Sites"]["stage"].iloc[0] == "mine"


# ---------------------------------------------------------------- all errors, one pass


def _many_errors(tiny: dict[str, list[dict]]) -> set[str]:
    """Five unrelated errors in four sheets; returns the cells they must be reported at."""
    sep = row_of(tiny, "Sites", "site", "sep_us")
    mine = row_of(tiny, "Sites", "site", "mine_au")
    tiny["Sites"][sep]["capacity_t"] = "lots"
    tiny["Sites"][mine]["country"] = "Atlantis"
    tiny["Elements"][0]["oxide_to_metal"] = 85
    tiny["Demand"][0]["demand_t"] = None
    tiny["MarketPrices"][0]["bid_usd_per_kg"] = 999
    return {
        cell("Sites", "capacity_t", sep),
        cell("Sites", "country", mine),
        cell("Elements", "oxide_to_metal", 0),
        cell("Demand", "demand_t", 0),
        cell("MarketPrices", "bid_usd_per_kg", 0),
    }


def test_every_error_is_collected_in_one_parse(tiny, write_book):
    expected = _many_errors(tiny)
    data, findings = check(write_book(tiny))
    assert data is None
    assert expected <= {f.cell for f in errors_in(findings)}
    assert {f.sheet for f in errors_in(findings)} >= {"Sites", "Elements", "Demand", "MarketPrices"}


def test_load_workbook_data_raises_input_error_with_every_finding(tiny, write_book):
    expected = _many_errors(tiny)
    tiny["Settings"].append({"setting": "colour", "value": "blue"})  # plus a warning
    with pytest.raises(InputError) as caught:
        load_workbook_data(write_book(tiny))
    findings = caught.value.findings
    assert expected <= {f.cell for f in errors_in(findings)}
    assert any(f.severity == "warning" and "colour" in f.message for f in findings)
    text = str(caught.value)
    for where in expected:
        assert where in text
    assert text.count("ERROR ") == len(errors_in(findings))


# ---------------------------------------------------------------- unreadable files


def test_csv_file_gives_one_clear_finding(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("site,stage,country\nmine_au,mine,Australia\n")
    with pytest.raises(InputError) as caught:
        load_workbook_data(path)
    findings = caught.value.findings
    assert len(findings) == 1
    f = findings[0]
    assert f.severity == "error"
    assert f.cell == "sites.csv"
    assert ".csv file" in f.message and ".xlsx" in f.message
    assert "save it as .xlsx" in f.hint


@pytest.mark.parametrize("content", [os.urandom(4096), b""], ids=["random", "empty"])
def test_corrupt_xlsx_gives_one_clear_finding(tmp_path, content):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_workbook_data(path)
    findings = caught.value.findings
    assert len(findings) == 1
    assert findings[0].cell == "broken.xlsx"
    assert "not a readable .xlsx workbook" in findings[0].message
    assert "damaged" in findings[0].hint


def test_missing_file_gives_one_clear_finding(tmp_path):
    with pytest.raises(InputError) as caught:
        load_workbook_data(tmp_path / "nowhere.xlsx")
    (f,) = caught.value.findings
    assert "does not exist" in f.message


@pytest.mark.parametrize("name", ["plan.txt", "plan"])
def test_other_suffix_gives_one_clear_finding(tmp_path, tiny, write_book, name):
    # Even a real workbook saved under the wrong name must give a finding, not a traceback.
    path = tmp_path / name
    path.write_bytes(write_book(tiny).read_bytes())
    with pytest.raises(InputError) as caught:
        load_workbook_data(path)
    assert len(caught.value.findings) == 1


# ---------------------------------------------------------------- inputs are never written


def test_input_bytes_unchanged_by_validate_and_solve(tiny, write_book):
    path = write_book(tiny)
    before = sha256(path)
    mtime = path.stat().st_mtime_ns
    load_workbook_data(path)
    assert sha256(path) == before
    run = solve_workbook(path)
    assert run.result.ok
    assert sha256(path) == before
    assert path.stat().st_mtime_ns == mtime
    # The solution traces back to exactly these bytes.
    assert run.solution.summary["input_sha256"] == before


def test_bad_input_bytes_unchanged_by_validation(tiny, write_book):
    _many_errors(tiny)
    path = write_book(tiny)
    before = sha256(path)
    with pytest.raises(InputError):
        load_workbook_data(path)
    assert sha256(path) == before


# ---------------------------------------------------------------- misspelt names, empty sheets


def test_misspelt_optional_sheet_is_named_with_the_sheet_meant(tiny, write_book):
    tiny["Polices"] = [{"policy": "no_cn", "type": "ban_country", "stage": "separation"}]
    data, findings = check(write_book(tiny))
    f = finding_at(findings, "Polices", "did you mean 'Policies'?", severity="warning")
    assert "rename the sheet tab to Policies" in f.hint
    assert data is not None and data.tables["Policies"].empty  # ignored, as the warning says


def test_misspelt_required_sheet_error_names_the_sheet_meant(tiny, write_book):
    path = edit(write_book(tiny), lambda book: setattr(book["Demand"], "title", "Demnd"))
    data, findings = check(path)
    assert data is None
    f = finding_at(findings, "Demand", "required sheet Demand is missing", "did you mean 'Demnd'")
    assert "rename the sheet tab 'Demnd' to Demand" in f.hint


def test_misspelt_optional_column_is_named_with_the_column_meant(tiny, write_book):
    tiny["Countries"][0]["risk_scor"] = 0.9  # written beside an empty risk_score column
    for row in tiny["Countries"]:
        row.pop("risk_score", None)

    def drop_risk_score(book):
        ws = book["Countries"]
        ws.delete_cols(SHEETS_BY_NAME["Countries"].names.index("risk_score") + 1)

    path = edit(write_book(tiny), drop_risk_score)
    _data, findings = check(path)
    header = [c.value for c in next(load_workbook(path, read_only=True)["Countries"].rows)]
    where = f"Countries!{get_column_letter(header.index('risk_scor') + 1)}1"
    f = finding_at(findings, where, "'risk_scor'", "did you mean 'risk_score'?", severity="warning")
    assert "rename the header cell to risk_score" in f.hint


def test_misspelt_required_column_error_suggests_the_header_to_rename(tiny, write_book):
    column = letter("Sites", "country")

    def misspell(book):
        book["Sites"][f"{column}1"] = "contry"

    _data, findings = check(edit(write_book(tiny), misspell))
    f = finding_at(findings, "Sites!1:1", "required column country", "did you mean 'contry'?")
    assert f"rename the header cell 'contry' (Sites!{column}1) to country" in f.hint


@pytest.mark.parametrize("sheet", ["Sites", "Demand"])
def test_a_workbook_without_sites_or_demand_is_an_input_error(tiny, write_book, sheet):
    tiny[sheet] = []
    data, findings = check(write_book(tiny))
    assert data is None
    f = finding_at(findings, sheet, f"sheet {sheet} has no rows")
    assert f"add at least one row under the header of {sheet}" in f.hint


def test_network_warning_names_the_cell_of_a_moved_column(tiny, write_book):
    # a segment nobody can supply: the warning points at its grades cell, wherever the planner
    # has moved that column
    # (its grade needs Tb, which nothing provides)
    tiny["Elements"].append({"element": "Tb", "class": "heavy", "oxide_to_metal": 0.85})
    tiny["Grades"].append({"grade": "exotic", "element": "Tb", "kg_per_kg": 0.01})
    tiny["Segments"].append({"segment": "lonely", "region": "US", "grades": "exotic"})
    tiny["Demand"].append({"segment": "lonely", "year": 2026, "demand_t": 5})

    def move_grades_first(book):
        ws = book["Segments"]
        ws.insert_cols(1)
        ws["A1"] = "comment"

    path = edit(write_book(tiny), move_grades_first)
    findings = check_book(read_workbook(path))
    header = [c.value for c in next(load_workbook(path, read_only=True)["Segments"].rows)]
    cell = f"Segments!{get_column_letter(header.index('grades') + 1)}3"
    finding_at(findings, cell, "segment lonely has demand", severity="warning")


def test_rule_on_a_renamed_column_names_the_row_not_a_column_name(tiny, write_book):
    # capacity_t renamed away: the rule that needs it names the row, not 'Sites!capacity_t2'
    column = letter("Sites", "capacity_t")

    def rename(book):
        book["Sites"][f"{column}1"] = "capacity (t)"

    _data, findings = check(edit(write_book(tiny), rename))
    cells = {f.cell for f in findings if "capacity_t is required" in f.message}
    assert "Sites!2:2" in cells
    assert not any("capacity_t2" in f.cell for f in findings)
