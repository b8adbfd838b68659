"""The shipped examples: they match their generator, satisfy every invariant, and the base
case's objective and size stay pinned (tests/regression/base_case.json)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import INPUTS, ROOT
from invariants import check_all

from model.api import load_workbook_data, solve_workbook
from model.docs import workbook_reference
from model.examples.base_case import base_case_tables
from model.examples.tiny import tiny_tables

PINNED = ROOT / "tests" / "regression" / "base_case.json"


@pytest.fixture(scope="module")
def base_run():
    return solve_workbook(INPUTS / "base_case.xlsx")


@pytest.mark.regression
@pytest.mark.parametrize(
    ("name", "tables"), [("tiny", tiny_tables), ("base_case", base_case_tables)]
)
def test_shipped_workbook_matches_its_generator(name, tables, write_book):
    shipped = load_workbook_data(INPUTS / f"{name}.xlsx")
    fresh = load_workbook_data(write_book(tables(), f"{name}.xlsx"))
    assert shipped.settings == fresh.settings
    for sheet, frame in fresh.tables.items():
        pd.testing.assert_frame_equal(shipped.tables[sheet], frame, obj=sheet)


@pytest.mark.regression
def test_base_case_is_clean_and_big_enough():
    data = load_workbook_data(INPUTS / "base_case.xlsx")
    assert data.findings == []
    sites = data.tables["Sites"]
    counts = sites["stage"].value_counts()
    assert counts["mine"] + counts["collection"] + counts["market"] >= 10
    assert counts["separation"] >= 5 and counts["metal"] >= 4
    assert counts["magnet"] >= 6 and counts["recycling"] >= 2
    assert len(data.tables["Segments"]) == 5
    assert set(sites["country"]) >= {"Brazil", "Chile", "Myanmar", "China"}
    for sheet, frame in data.tables.items():
        if "notes" in frame and len(frame) and sheet != "Settings":
            assert frame["notes"].notna().all(), f"{sheet} rows without a source note"


@pytest.mark.invariants
def test_base_case_invariants(base_run):
    check_all(base_run)


@pytest.mark.regression
def test_base_case_objective_and_size_are_pinned(base_run):
    pinned = json.loads(PINNED.read_text())
    summary = base_run.solution.summary
    assert summary["objective_usd"] == pytest.approx(pinned["objective_usd"], rel=1e-6)
    assert summary["unmet_t"] == pytest.approx(pinned["unmet_t"], abs=1e-3)
    for key in ("columns", "rows", "nonzeros"):
        assert summary[key] == pinned[key], key


@pytest.mark.regression
def test_workbook_reference_is_current():
    assert (ROOT / "docs" / "workbook.md").read_text(encoding="utf-8") == workbook_reference()


@pytest.mark.regression
def test_shipped_base_case_carries_the_templates_help_and_the_readmes_sweeps():
    from openpyxl import load_workbook

    from model.examples.base_case import SWEEPS
    from model.workbook.schema import SHEETS_BY_NAME

    book = load_workbook(INPUTS / "base_case.xlsx")
    assert book.sheetnames[0] == "ReadMe" and book.sheetnames[-1] == "Sweeps"
    readme = [row[0] for row in book["ReadMe"].iter_rows(values_only=True)]
    assert "mine2magnet validate" in " ".join(str(r) for r in readme if r)
    sites = book["Sites"]
    spec = SHEETS_BY_NAME["Sites"]
    for pos, column in enumerate(spec.columns, start=1):
        cell = sites.cell(1, pos)
        assert cell.value == column.name
        assert cell.comment is not None and cell.comment.text, column.name
    dropdowns = {str(v.sqref).split(":")[0]: v for v in sites.data_validations.dataValidation}
    stage = spec.names.index("stage") + 1
    assert f"{sites.cell(1, stage).column_letter}2" in dropdowns  # stage is a dropdown
    capacity = spec.names.index("capacity_t") + 1
    assert sites.cell(2, capacity).number_format == "#,##0"
    composition = book["Composition"]
    shares = [c for c in composition["C"][1:] if isinstance(c.value, float)]
    assert shares and all(c.number_format in ("General", "#,##0") for c in shares)
    # the Sweeps sheet holds the README's what-ifs, and each one validates
    readme_text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = list(book["Sweeps"].iter_rows(min_row=2, values_only=True))
    assert [r[:2] for r in rows] == [s[:2] for s in SWEEPS]
    for name, change, _ in SWEEPS:
        assert change in readme_text, change
        assert f"--sweep {name}" in readme_text or name in readme_text
    assert load_workbook_data(INPUTS / "base_case.xlsx").findings == []
