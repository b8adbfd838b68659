"""Layer 7: `mine2magnet template` writes a blank input workbook a planner can fill in.

The template is read back with openpyxl (full mode: comments, data validations, tables and
panes are only loaded outside read-only mode). The round trip fills the template's own sheets
with the tiny example's rows, then validates and solves it through the CLI and compares the
objective with the shipped inputs/tiny.xlsx.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import flat, invoke
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from model.examples.tiny import tiny_tables
from model.workbook.schema import SETTINGS, SHEETS, SHEETS_BY_NAME, STAGES

pytestmark = pytest.mark.cli

ROOT = Path(__file__).resolve().parents[1]

# Which columns must offer a dropdown, and where its list comes from: a literal list, or the
# id column of another sheet (checked against that sheet's own header below).
YES_NO = '"yes,no"'
STAGE_LIST = '"' + ",".join(STAGES) + '"'
EXPECTED_DROPDOWNS: dict[tuple[str, str], str] = {
    ("Sites", "stage"): STAGE_LIST,
    ("Policies", "stage"): STAGE_LIST,
    ("Countries", "restricted"): YES_NO,
    ("Segments", "requires_compliant"): YES_NO,
    ("Lanes", "allowed"): YES_NO,
    ("Contracts", "binding"): YES_NO,
    ("Composition", "element"): "Elements.element",
    ("Recovery", "element"): "Elements.element",
    ("Grades", "element"): "Elements.element",
    ("Policies", "element"): "Elements.element",
    ("Stocks", "element"): "Elements.element",
    ("Sites", "country"): "Countries.country",
    ("Tariffs", "from_country"): "Countries.country",
    ("Policies", "country"): "Countries.country",
    ("Capacity", "site"): "Sites.site",
    ("Composition", "site"): "Sites.site",
    ("Recovery", "site"): "Sites.site",
    ("MarketPrices", "site"): "Sites.site",
    ("Lanes", "from_site"): "Sites.site",
    ("Lanes", "to_site"): "Sites.site",
    ("Contracts", "site"): "Sites.site",
    ("Stocks", "site"): "Sites.site",
    ("Demand", "segment"): "Segments.segment",
}


# ---------------------------------------------------------------- helpers


def header(ws) -> list:
    return [c.value for c in ws[1]]


def dropdowns(ws) -> dict[str, tuple[str, str, bool]]:
    """Column letter -> (formula1, sqref, showErrorMessage) of each list validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list", (ws.title, dv.type)
        for rng in str(dv.sqref).split():
            letter = rng.split(":")[0].rstrip("0123456789")
            assert letter not in out, f"{ws.title}!{letter} has two dropdowns"
            out[letter] = (dv.formula1, rng, bool(dv.showErrorMessage))
    return out


def column_letter(sheet: str, column: str) -> str:
    return get_column_letter(SHEETS_BY_NAME[sheet].names.index(column) + 1)


def cell_text(value) -> object:
    """A row value as a planner would type it (lists comma-separated, booleans yes/no)."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


@pytest.fixture(scope="module")
def template_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "blank.xlsx"
    result = invoke("template", path)
    assert result.exit_code == 0, result.output
    assert "blank input workbook written to" in flat(result.output)
    return path


@pytest.fixture(scope="module")
def template(template_path):
    book = load_workbook(template_path)
    yield book
    book.close()


# ---------------------------------------------------------------- layout


def test_readme_first_then_every_contract_sheet_in_schema_order(template):
    assert template.sheetnames == ["ReadMe", *(s.name for s in SHEETS)]
    readme = [row[0] for row in template["ReadMe"].iter_rows(values_only=True) if row[0]]
    text = "\n".join(str(v) for v in readme)
    assert "mine2magnet validate" in text
    assert "mine2magnet solve" in text
    for sheet in SHEETS:  # the sheet table lists every sheet with its help text
        assert sheet.name in readme, sheet.name
    required = next(line for line in readme if str(line).startswith("Required sheets:"))
    for sheet in SHEETS:
        assert (sheet.name in required) == sheet.required, sheet.name


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_sheet_has_exactly_the_schema_columns_in_order(template, sheet):
    ws = template[sheet.name]
    assert header(ws) == sheet.names
    assert ws.max_column == len(sheet.names)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_every_header_cell_has_a_comment_with_unit_and_default(template, sheet):
    ws = template[sheet.name]
    for pos, col in enumerate(sheet.columns, start=1):
        comment = ws.cell(1, pos).comment
        assert comment is not None, f"{sheet.name}!{get_column_letter(pos)}1"
        text = comment.text
        assert "Default: " in text, text
        if col.required:
            assert "Default: required." in text, text
        if col.unit:
            assert f"Unit: {col.unit}." in text, text
        if col.choices:
            assert ", ".join(col.choices) in text, text


def test_comments_state_concrete_defaults(template):
    def comment(sheet: str, column: str) -> str:
        return template[sheet][f"{column_letter(sheet, column)}1"].comment.text

    assert "Unit: USD/kg." in comment("Sites", "cost_usd_per_kg")
    assert "Default: 0." in comment("Sites", "cost_usd_per_kg")
    assert "Default: no." in comment("Countries", "restricted")
    assert "Default: yes." in comment("Lanes", "allowed")
    assert "Default: blank." in comment("Sites", "capacity_t")
    assert "Unit: t/yr." in comment("Demand", "demand_t")
    assert "Default: required." in comment("Sites", "site")


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_header_row_is_frozen_and_sheet_is_an_excel_table(template, sheet):
    ws = template[sheet.name]
    assert ws.freeze_panes == "A2"
    assert len(ws.tables) == 1
    table = next(iter(ws.tables.values()))
    last = get_column_letter(len(sheet.names))
    start, end = table.ref.split(":")
    assert start == "A1"
    assert end.rstrip("0123456789") == last
    assert int(end[len(last) :]) >= 2  # header plus at least one (blank) data row


def test_table_names_are_unique(template):
    names = [name for ws in template.worksheets for name in ws.tables]
    assert len(names) == len(SHEETS)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(("sheet", "column"), sorted(EXPECTED_DROPDOWNS))
def test_dropdown_for_stage_yes_no_and_id_columns(template, sheet, column):
    letter = column_letter(sheet, column)
    found = dropdowns(template[sheet])
    assert letter in found, f"no dropdown on {sheet}.{column} ({letter})"
    formula, sqref, _strict = found[letter]
    assert sqref.startswith(f"{letter}2:{letter}")  # below the header, not on it
    assert int(sqref.split(":")[1][len(letter) :]) >= 100
    expected = EXPECTED_DROPDOWNS[sheet, column]
    if expected.startswith('"'):
        assert formula == expected
        return
    target_sheet, target_column = expected.split(".")
    assert formula.startswith(f"{target_sheet}!$")
    target_letter = formula.split("!$")[1].split("$")[0]
    # the list points at the id column of the target sheet, from row 2 down
    assert template[target_sheet][f"{target_letter}1"].value == target_column
    assert f"${target_letter}$2:" in formula


def test_dropdowns_on_columns_that_also_accept_star_or_segments_allow_other_values(template):
    # Tariffs.from_country may be '*', Lanes.to_site may be a segment: the dropdown suggests
    # but must not reject those values.
    assert dropdowns(template["Tariffs"])[column_letter("Tariffs", "from_country")][2] is False
    assert dropdowns(template["Lanes"])[column_letter("Lanes", "to_site")][2] is False
    assert dropdowns(template["Sites"])[column_letter("Sites", "country")][2] is True


def test_free_text_and_number_columns_have_no_dropdown(template):
    for sheet, column in [
        ("Sites", "site"),
        ("Sites", "capacity_t"),
        ("Elements", "element"),
        ("Demand", "demand_t"),
        ("Settings", "value"),
    ]:
        assert column_letter(sheet, column) not in dropdowns(template[sheet]), (sheet, column)


def test_grade_column_has_a_dropdown(template):
    found = dropdowns(template["Segments"])
    letter = column_letter("Segments", "grades")
    assert letter in found
    assert found[letter][0].startswith("Grades!$A$2:")
    assert found[letter][2] is False  # a comma-separated list must still be accepted


def test_settings_prefilled_with_every_setting(template):
    rows = list(template["Settings"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [s.name for s in SETTINGS]
    for (_name, value, notes), spec in zip(rows, SETTINGS, strict=True):
        assert value == (None if spec.required else spec.default), spec.name
        assert notes and spec.help in notes


def test_blank_template_fails_validation_only_for_the_horizon_and_emptiness(template_path):
    result = invoke("validate", template_path)
    assert result.exit_code == 1
    text = flat(result.output)
    assert "ERROR Settings!B2: setting first_year has no value." in text
    assert "ERROR Settings!B3: setting last_year has no value." in text
    assert "ERROR Sites: sheet Sites has no rows" in text
    assert "ERROR Demand: sheet Demand has no rows" in text
    assert "4 error(s), 0 warning(s) in blank.xlsx." in text


# ---------------------------------------------------------------- overwriting


def test_refuses_to_overwrite_an_existing_file(tmp_path):
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"a planner's own work")
    mtime = path.stat().st_mtime_ns
    result = invoke("template", path)
    assert result.exit_code == 2  # a usage error, as click gives
    assert "already exists" in flat(result.output)
    assert "--force" in result.output
    assert path.read_bytes() == b"a planner's own work"
    assert path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.xlsx"]  # no temporary file


def test_force_replaces_an_existing_file(tmp_path):
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"old")
    result = invoke("template", path, "--force")
    assert result.exit_code == 0, result.output
    book = load_workbook(path, read_only=True)
    try:
        assert book.sheetnames[0] == "ReadMe"
    finally:
        book.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.xlsx"]


def test_template_into_a_new_folder(tmp_path):
    path = tmp_path / "a" / "b" / "blank.xlsx"
    assert invoke("template", path).exit_code == 0
    assert path.exists()


# ---------------------------------------------------------------- round trip


def fill_template(template_path: Path, out: Path) -> Path:
    """The tiny example typed into a copy of the template's own sheets, under its headers."""
    book = load_workbook(template_path)
    for name, rows in tiny_tables().items():
        ws = book[name]
        names = header(ws)
        if name == "Settings":
            where = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
            for row in rows:
                ws.cell(where[row["setting"]], 2, row["value"])
            continue
        for k, row in enumerate(rows, start=2):
            for column, value in row.items():
                ws.cell(k, names.index(column) + 1, cell_text(value))
    book.save(out)
    book.close()
    return out


def test_filled_template_validates_and_solves_like_the_tiny_example(template_path, tmp_path):
    filled = fill_template(template_path, tmp_path / "filled.xlsx")
    result = invoke("validate", filled)
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s) in filled.xlsx." in flat(result.output)

    ours = invoke("solve", filled, "-o", tmp_path / "filled_solution.xlsx", "--json")
    assert ours.exit_code == 0, ours.output
    shipped = invoke(
        "solve", ROOT / "inputs" / "tiny.xlsx", "-o", tmp_path / "tiny_sol.xlsx", "--json"
    )
    assert shipped.exit_code == 0, shipped.output
    a, b = json.loads(ours.stdout), json.loads(shipped.stdout)
    assert a["status"] == b["status"] == "optimal"
    assert a["objective_usd"] == pytest.approx(b["objective_usd"], rel=1e-9)
    assert a["objective_usd"] == pytest.approx(3_150_316.4, rel=1e-6)  # the hand figure
    assert a["input_file"] == "filled.xlsx"
