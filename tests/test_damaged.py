"""Layer 1, property-based: damaged workbooks never crash the checks and never go unnoticed.

Each example starts from the tiny example laid out as the contract says (one grid of cells per
sheet, header in row 1), applies one damage drawn by hypothesis, writes the grid with openpyxl
and checks it. Every damage must leave `check_book` and `mine2magnet validate` standing (no
exception, no traceback, exit 0 or 1 by whether errors were found); damages that break a rule
must give at least one error, and harmless ones (extra columns, stray spaces) none at all.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from model.api import check_book
from model.examples.tiny import tiny_tables
from model.findings import errors_in
from model.workbook.reader import read_workbook
from model.workbook.schema import SETTINGS_BY_NAME, SHEETS, SHEETS_BY_NAME, Column

pytestmark = pytest.mark.schema

Grid = dict[str, list[list[Any]]]  # sheet -> rows of cells, row 0 the header

FAST = settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.too_slow],
)
UNICODE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
WORD = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)


# ---------------------------------------------------------------- the grid


def typed(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def tiny_grid() -> Grid:
    tables = tiny_tables()
    return {
        sheet.name: [
            list(sheet.names),
            *([typed(row.get(c)) for c in sheet.names] for row in tables.get(sheet.name, [])),
        ]
        for sheet in SHEETS
    }


TINY = tiny_grid()


def write_grid(grid: Grid, path: Path) -> Path:
    book = Workbook(write_only=True)
    for name, rows in grid.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


@dataclass
class Cell:
    sheet: str
    row: int  # index into the grid's rows (1 = first data row = Excel row 2)
    col: int

    def column(self, grid: Grid) -> Column | None:
        name = grid[self.sheet][0][self.col]
        spec = SHEETS_BY_NAME.get(self.sheet)
        return spec.column(name) if spec and name in spec.names else None

    def setting(self, grid: Grid):
        """The Setting a Settings!value cell holds, if it is one."""
        if self.sheet != "Settings" or grid["Settings"][0][self.col] != "value":
            return None
        return SETTINGS_BY_NAME.get(grid["Settings"][self.row][0])

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row + 1} col {self.col + 1}"


def data_cells(grid: Grid, keep: Callable[[Cell, Grid], bool] = lambda c, g: True) -> list[Cell]:
    cells = [
        Cell(name, r, c)
        for name, rows in grid.items()
        for r in range(1, len(rows))
        for c in range(len(rows[0]))
    ]
    return [cell for cell in cells if keep(cell, grid)]


def numeric(cell: Cell, grid: Grid) -> tuple[str, float | None, float | None] | None:
    """(dtype, lo, hi) of a number cell: a float/int column, or the value of a setting."""
    spec = cell.setting(grid)
    if spec is not None:
        return spec.dtype, spec.lo, spec.hi
    col = cell.column(grid)
    if col is not None and col.dtype in ("float", "int"):
        return col.dtype, col.lo, col.hi
    return None


def required(cell: Cell, grid: Grid) -> bool:
    spec = cell.setting(grid)
    if spec is not None:
        return spec.required
    col = cell.column(grid)
    return col is not None and col.required


def is_ref(cell: Cell, grid: Grid) -> bool:
    col = cell.column(grid)
    return col is not None and bool(col.ref)


# ---------------------------------------------------------------- damages
# Each takes (grid, draw) and returns (must_error, must_be_clean, what was done).

Outcome = tuple[bool, bool, str]


def blank_required(grid: Grid, draw) -> Outcome:
    cell = draw(st.sampled_from(data_cells(grid, required)))
    was = grid[cell.sheet][cell.row][cell.col]
    grid[cell.sheet][cell.row][cell.col] = draw(st.sampled_from([None, "", "   "]))
    return True, False, f"blanked {cell} (was {was!r})"


def text_in_number(grid: Grid, draw) -> Outcome:
    cell = draw(st.sampled_from(data_cells(grid, lambda c, g: numeric(c, g) is not None)))
    text = "x" + draw(st.text("abc 12,.%-_", max_size=6))  # never parses as a number
    grid[cell.sheet][cell.row][cell.col] = text
    return True, False, f"{text!r} into {cell}"


def negative_number(grid: Grid, draw) -> Outcome:
    cell = draw(st.sampled_from(data_cells(grid, lambda c, g: numeric(c, g) is not None)))
    dtype, lo, _hi = numeric(cell, grid)
    if dtype == "int":
        value = -draw(st.integers(1, 10**6))
    else:
        value = -draw(st.floats(1e-6, 1e12))
    grid[cell.sheet][cell.row][cell.col] = value
    return lo is not None and lo >= 0, False, f"{value!r} into {cell}"


def huge_number(grid: Grid, draw) -> Outcome:
    cell = draw(st.sampled_from(data_cells(grid, lambda c, g: numeric(c, g) is not None)))
    _dtype, _lo, hi = numeric(cell, grid)
    value = draw(st.sampled_from([1e15, 1e300, 10**30, 2**63]))
    grid[cell.sheet][cell.row][cell.col] = value
    return hi is not None, False, f"{value!r} into {cell}"


def wrong_type(grid: Grid, draw) -> Outcome:
    """An Excel boolean or a date typed into a number cell."""
    cell = draw(st.sampled_from(data_cells(grid, lambda c, g: numeric(c, g) is not None)))
    value = draw(
        st.one_of(
            st.booleans(),
            st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2099, 1, 1)),
        )
    )
    grid[cell.sheet][cell.row][cell.col] = value
    return True, False, f"{value!r} into {cell}"


def uncached_formula(grid: Grid, draw) -> Outcome:
    cell = draw(st.sampled_from(data_cells(grid)))
    grid[cell.sheet][cell.row][cell.col] = draw(st.sampled_from(["=1+1", "=A2", "=SUM(B2:B3)"]))
    return True, False, f"formula with no saved value into {cell}"


def delete_sheet(grid: Grid, draw) -> Outcome:
    name = draw(st.sampled_from(sorted(grid)))
    del grid[name]
    return SHEETS_BY_NAME[name].required, False, f"deleted sheet {name}"


def delete_column(grid: Grid, draw) -> Outcome:
    name = draw(st.sampled_from(sorted(grid)))
    col = draw(st.integers(0, len(grid[name][0]) - 1))
    column = grid[name][0][col]
    for row in grid[name]:
        del row[col]
    return SHEETS_BY_NAME[name].column(column).required, False, f"deleted {name}.{column}"


def duplicate_row(grid: Grid, draw) -> Outcome:
    name = draw(st.sampled_from(sorted(n for n, rows in grid.items() if len(rows) > 1)))
    rows = grid[name]
    row = draw(st.integers(1, len(rows) - 1))
    at = draw(st.integers(1, len(rows)))
    rows.insert(at, list(rows[row]))
    return bool(SHEETS_BY_NAME[name].key), False, f"duplicated {name} row {row + 1}"


def rename_reference(grid: Grid, draw) -> Outcome:
    """An id that points at another sheet renamed in that one place only."""
    cell = draw(st.sampled_from(data_cells(grid, is_ref)))
    value = "zz_" + draw(WORD)
    grid[cell.sheet][cell.row][cell.col] = value
    return True, False, f"{value!r} into {cell}"


def rename_id(grid: Grid, draw) -> Outcome:
    """A sheet's own id (site, element, country, grade, segment) renamed in one place."""
    cell = draw(
        st.sampled_from(data_cells(grid, lambda c, g: c.col == 0 and c.sheet not in ("Settings",)))
    )
    grid[cell.sheet][cell.row][cell.col] = draw(WORD)
    return False, False, f"renamed {cell}"


def is_id(cell: Cell, grid: Grid) -> bool:
    """A cell of a key column (site, element, ...) or of a column pointing at one."""
    col = cell.column(grid)
    spec = SHEETS_BY_NAME.get(cell.sheet)
    return col is not None and (bool(col.ref) or col.name in spec.key)


def unicode_text(grid: Grid, draw) -> Outcome:
    cell = draw(st.sampled_from(data_cells(grid, is_id)))
    grid[cell.sheet][cell.row][cell.col] = draw(UNICODE)
    return False, False, f"unicode into {cell}"


def swap_columns(grid: Grid, draw) -> Outcome:
    name = draw(st.sampled_from(sorted(n for n, rows in grid.items() if len(rows) > 1)))
    rows = grid[name]
    r = draw(st.integers(1, len(rows) - 1))
    a, b = draw(st.lists(st.integers(0, len(rows[0]) - 1), min_size=2, max_size=2, unique=True))
    rows[r][a], rows[r][b] = rows[r][b], rows[r][a]
    return False, False, f"swapped {name} row {r + 1} columns {a + 1} and {b + 1}"


def any_value_anywhere(grid: Grid, draw) -> Outcome:
    cell = draw(st.sampled_from(data_cells(grid)))
    value = draw(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(10**20), 10**20),
            st.floats(allow_nan=False, allow_infinity=False),
            UNICODE,
        )
    )
    grid[cell.sheet][cell.row][cell.col] = value
    return False, False, f"{value!r} into {cell}"


def extra_column(grid: Grid, draw) -> Outcome:
    """Unknown extra columns are kept and ignored: the tiny example stays clean."""
    name = draw(st.sampled_from(sorted(grid)))
    title = "my_" + draw(WORD)
    grid[name][0].append(title)
    for row in grid[name][1:]:
        row.append(draw(st.one_of(st.none(), UNICODE, st.integers(-5, 5))))
    return False, True, f"extra column {name}.{title}"


def stray_spaces(grid: Grid, draw) -> Outcome:
    """Spaces around text are ignored: the tiny example stays clean."""
    cell = draw(
        st.sampled_from(data_cells(grid, lambda c, g: isinstance(g[c.sheet][c.row][c.col], str)))
    )
    value = grid[cell.sheet][cell.row][cell.col]
    grid[cell.sheet][cell.row][cell.col] = draw(st.sampled_from([" ", "  ", "\t"])) + value + " "
    return False, True, f"spaces around {cell}"


DAMAGES = [
    blank_required,
    text_in_number,
    negative_number,
    huge_number,
    wrong_type,
    uncached_formula,
    delete_sheet,
    delete_column,
    duplicate_row,
    rename_reference,
    rename_id,
    unicode_text,
    swap_columns,
    any_value_anywhere,
    extra_column,
    stray_spaces,
]


def damaged(data) -> tuple[Grid, bool, bool, str]:
    grid = copy.deepcopy(TINY)
    damage = data.draw(st.sampled_from(DAMAGES), label="damage")
    must_error, must_be_clean, what = damage(grid, data.draw)
    return grid, must_error, must_be_clean, f"{damage.__name__}: {what}"


# ---------------------------------------------------------------- properties


def test_undamaged_grid_is_clean(tmp_path):
    path = write_grid(copy.deepcopy(TINY), tmp_path / "tiny.xlsx")
    assert check_book(read_workbook(path)) == []


@FAST
@given(st.data())
def test_damage_is_found_and_never_crashes(data):
    grid, must_error, must_be_clean, what = damaged(data)
    with tempfile.TemporaryDirectory() as folder:
        path = write_grid(grid, Path(folder) / "damaged.xlsx")
        findings = check_book(read_workbook(path))  # no exception of any kind
        errors = errors_in(findings)
        shown = [str(f) for f in findings]
        if must_error:
            assert errors, f"{what}: no error found"
        if must_be_clean:
            assert findings == [], f"{what}: {shown}"
        for finding in findings:
            assert finding.severity in ("error", "warning"), shown
            assert finding.message, shown
        result = invoke("validate", path)
        assert result.exit_code in (0, 1, 2)
        assert result.exit_code == (1 if errors else 0), f"{what}: {result.output}"
        assert f"{len(errors)} error(s), {len(findings) - len(errors)} warning(s)" in " ".join(
            result.output.split()
        )


@settings(FAST, max_examples=25)
@given(st.data())
def test_damaged_input_bytes_unchanged_by_validate_and_solve(data):
    grid, _must_error, _clean, what = damaged(data)
    with tempfile.TemporaryDirectory() as folder:
        path = write_grid(grid, Path(folder) / "damaged.xlsx")
        before = path.read_bytes()
        stamp = os.stat(path).st_mtime_ns
        validated = invoke("validate", path)
        assert validated.exit_code in (0, 1), what
        solved = invoke("solve", path, "-o", Path(folder) / "out.xlsx")
        assert solved.exit_code in (0, 1, 3), f"{what}: {solved.output}"
        assert (solved.exit_code == 1) == (validated.exit_code == 1), what
        assert path.read_bytes() == before, what
        assert os.stat(path).st_mtime_ns == stamp, what
        assert sorted(p.name for p in Path(folder).iterdir()) == (
            ["damaged.xlsx"] if solved.exit_code == 1 else ["damaged.xlsx", "out.xlsx"]
        ), what


# ---------------------------------------------------------------- found by hand


def recycler_grid(oxide_to_metal: float) -> Grid:
    """The tiny example plus end-of-life scrap through a long-loop (oxide) recycler."""
    grid = copy.deepcopy(TINY)

    def add(sheet: str, **values: Any) -> None:
        grid[sheet].append([values.get(c) for c in grid[sheet][0]])

    add("Sites", site="eol_us", stage="collection", country="USA", capacity_t=10)
    add("Sites", site="ll_us", stage="recycling", country="USA", capacity_t=100, output="oxide")
    add("Composition", site="eol_us", element="NdPr", share=0.28)
    add("Composition", site="eol_us", element="Dy", share=0.02)
    grid["Elements"][2][2] = oxide_to_metal  # Dy
    assert grid["Elements"][0][2] == "oxide_to_metal" and grid["Elements"][2][0] == "Dy"
    return grid


def test_recycler_grid_is_clean(tmp_path):
    path = write_grid(recycler_grid(0.871), tmp_path / "rec.xlsx")
    assert check_book(read_workbook(path)) == []


def test_zero_oxide_to_metal_with_an_oxide_recycler_does_not_crash(tmp_path):
    path = write_grid(recycler_grid(0), tmp_path / "rec.xlsx")
    findings = check_book(read_workbook(path))
    assert errors_in(findings), "0 kg metal per kg oxide should be refused"


def test_site_named_like_a_segment_is_an_error(tmp_path):
    grid = copy.deepcopy(TINY)
    header = grid["Sites"][0]
    market = next(r for r in grid["Sites"][1:] if r[0] == "market_cn")
    market[0] = "motors"  # renamed consistently, so every reference still resolves
    prices = grid["MarketPrices"]
    prices[1][0] = "motors"
    bid = dict.fromkeys(prices[0])
    bid.update(site="motors", commodity="oxide", item="NdPr", bid_usd_per_kg=20)
    prices.append([bid[c] for c in prices[0]])
    assert header[0] == "site"
    path = write_grid(grid, tmp_path / "clash.xlsx")
    findings = check_book(read_workbook(path))
    errors = errors_in(findings)
    assert any("motors" in f.message for f in errors), [str(f) for f in findings]
