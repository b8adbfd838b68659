"""Write an input workbook from plain rows, laid out exactly as the contract says.

Used to ship the example workbooks and to build test workbooks at test time. Columns come in
the schema's order; sheets with no rows are written with their header only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from model.files import atomic_save
from model.workbook.schema import SHEETS, SHEETS_BY_NAME
from model.workbook.template import decorate_sheet, write_readme

Rows = Sequence[Mapping[str, Any]]


def _cell_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def write_input_workbook(
    tables: Mapping[str, Rows],
    path: str | Path,
    all_sheets: bool = True,
    with_help: bool = False,
    registered: Mapping[str, tuple[str, ...]] | None = None,
    intro: list[str] | None = None,
) -> Path:
    """Write `tables` (sheet -> list of row dicts) to an .xlsx file, atomically.

    Unknown sheets are written after the contract sheets, their columns in first-seen order.
    With all_sheets, every contract sheet appears (empty optional ones as a header row).
    With `with_help`, the workbook carries the template's help (workbook.template): a ReadMe
    first (`intro` lines above its text), a comment on every contract header, dropdowns and
    number formats; `registered` gives the registries' choices for their dropdowns (api).
    """
    book = Workbook()
    book.remove(book.active)
    if with_help:
        write_readme(book, intro)
    names = [s.name for s in SHEETS if all_sheets or s.name in tables]
    names += [n for n in tables if n not in SHEETS_BY_NAME]
    for name in names:
        rows = list(tables.get(name, []))
        spec = SHEETS_BY_NAME.get(name)
        header = list(spec.names) if spec else []
        for row in rows:
            header += [k for k in row if k not in header]
        ws = book.create_sheet(name)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_cell_value(row.get(col)) for col in header])
        for pos, col in enumerate(header, start=1):
            width = max([len(col)] + [len(str(r.get(col) or "")) for r in rows[:200]])
            ws.column_dimensions[get_column_letter(pos)].width = min(max(10, width + 2), 60)
        if with_help and spec is not None:
            decorate_sheet(ws, spec, registered or {}, data_rows=len(rows))
        ws.freeze_panes = "A2"
    return atomic_save(book, Path(path))
