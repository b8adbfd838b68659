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
