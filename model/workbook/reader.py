"""Read an input workbook into raw rows, remembering the cell each value came from.

Nothing here interprets values: that is validate's job. Formulas are read as their cached
values (what Excel last computed); the file is opened read-only and never written.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from model.findings import Finding, InputError
from model.workbook.cells import is_blank, to_text


@dataclass
class RawSheet:
    """A sheet's header and non-empty rows; `columns` maps a header name to its column letter."""

    name: str
    columns: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    hidden: bool = False
    uncached: list[tuple[str, int]] = field(default_factory=list)  # formulas with no saved value

    def cell(self, column: str, row: int) -> str:
        """Excel reference such as 'Sites!F7' for a column name and a row number."""
        letter = self.columns.get(column, "?")
        return f"{self.name}!{letter}{row}"


@dataclass
class RawBook:
    """Every sheet of a workbook as raw rows, plus where it came from."""

    path: Path
    sha256: str
    sheets: dict[str, RawSheet]
    findings: list[Finding] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    """Hex digest of the file's bytes (reported in the solution so results trace to inputs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unreadable(path: Path, message: str, hint: str) -> InputError:
    return InputError([Finding("error", path.name, path.name, message, hint)])


def read_workbook(path: str | Path) -> RawBook:
    """Open an .xlsx file read-only and return its sheets as raw rows.

    The first row of each sheet is its header; header names are trimmed. Rows whose cells
    are all blank are skipped. Raises InputError (never a traceback) when the file cannot be read.
    """
    path = Path(path)
    if not path.exists():
        raise _unreadable(path, f"file {path} does not exist.", "check the path and file name.")
    suffix = path.suffix.lower()
    if suffix in {".xls", ".csv", ".ods", ".numbers"}:
        raise _unreadable(
            path,
            f"{path.name} is a {suffix} file; mine2magnet reads Excel .xlsx workbooks.",
            "open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook).",
        )
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _unreadable(
            path,
            f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__}: {exc}).",
            "check that the file is an Excel workbook and not damaged; re-save it from Excel.",
        ) from None
    try:
        sheets = {ws.title.strip(): _read_sheet(ws) for ws in book.worksheets}
    finally:
        book.close()
    if _has_formulas(path):
        _mark_uncached_formulas(path, sheets)
    raw = RawBook(path=path, sha256=file_sha256(path), sheets=sheets)
    lock = lock_file(path)
    if lock.exists():
        raw.findings.append(
            Finding(
                "warning",
                path.name,
                path.name,
                f"{path.name} looks open in Excel ({lock.name} exists): edits not yet saved "
                "are not read.",
                "save the workbook in Excel first (or delete a stale lock file).",
            )
        )
    return raw


FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def lock_file(path: Path) -> Path:
    """The owner file Excel keeps beside a workbook while it is open (~$name.xlsx)."""
    return path.with_name(f"~${path.name}")


def _has_formulas(path: Path) -> bool:
    """Cheap scan: does any worksheet's XML hold a formula element?"""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if is_sheet and FORMULA_TAG.search(archive.read(name)):
                return True
    return False


def _mark_uncached_formulas(path: Path, sheets: dict[str, RawSheet]) -> None:
    """Record formula cells whose cached value is missing (read as blank otherwise)."""
    book = load_workbook(path, read_only=True, data_only=False)
    try:
        for ws in book.worksheets:
            sheet = sheets.get(ws.title.strip())
            if sheet is None:
                continue
            values = {(row, name): v for row, record in sheet.rows for name, v in record.items()}
            names = {letter: name for name, letter in sheet.columns.items()}
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    value, column = getattr(cell, "value", None), getattr(cell, "column", None)
                    if not (isinstance(value, str) and value.startswith("=")) or column is None:
                        continue
                    name = names.get(get_column_letter(column))
                    if name is not None and is_blank(values.get((cell.row, name))):
                        sheet.uncached.append((name, cell.row))
    finally:
        book.close()


def _read_sheet(ws: Any) -> RawSheet:
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # ignore a stale <dimension> record: read every cell there is
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    columns: dict[str, str] = {}
    positions: list[tuple[int, str]] = []
    for pos, raw in enumerate(header):
        if is_blank(raw):
            continue
        name = to_text(raw)
        if name not in columns:
            columns[name] = get_column_letter(pos + 1)
            positions.append((pos, name))
    sheet = RawSheet(
        name=ws.title.strip(),
        columns=columns,
        hidden=getattr(ws, "sheet_state", "visible") != "visible",
    )
    for offset, values in enumerate(rows, start=2):
        record = {name: values[pos] if pos < len(values) else None for pos, name in positions}
        if all(is_blank(v) for v in record.values()):
            continue
        sheet.rows.append((offset, record))
    return sheet
