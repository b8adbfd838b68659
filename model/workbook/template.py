"""A blank input workbook a planner can fill in: every contract sheet and column, a ReadMe,
a comment on each header (meaning, unit, default), dropdowns for stages, yes/no, elements,
countries, sites and grades, number formats, frozen headers and Excel tables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from model.files import atomic_save
from model.workbook.schema import SETTINGS, SHEETS, Column, Sheet

ROWS = 500  # how far down dropdowns and formats reach
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
ID_LISTS = {
    "Elements.element": ("Elements", "element"),
    "Countries.country": ("Countries", "country"),
    "Countries.region": ("Countries", "region"),
    "Sites.site": ("Sites", "site"),
    "Grades.grade": ("Grades", "grade"),
    "Segments.segment": ("Segments", "segment"),
}
NUMBER_FORMATS = {"float": "#,##0.####", "int": "0"}

README = """mine2magnet input workbook

Fill one sheet per kind of data; each header has a comment with its meaning, unit and default.
Red headers are required; a blank optional cell means its default.
Quantities are t per year, money USD, unit costs and prices USD per kg.
Shares are fractions: type 0.25 or 25%.
Yes/no cells accept yes/no/true/false/1/0. Ids are case-sensitive text, unique in their sheet.
Required sheets: {required}. Other sheets may stay empty.
Check the workbook with:  mine2magnet validate THIS.xlsx
Solve it with:            mine2magnet solve THIS.xlsx
The full reference is docs/workbook.md in the mine2magnet repository."""


def _comment(col: Column, choices: tuple[str, ...]) -> Comment:
    parts = [col.help or col.name]
    if col.unit:
        parts.append(f"Unit: {col.unit}.")
    parts.append(f"Default: {col.default_text}.")
    if choices:
        parts.append(f"One of: {', '.join(choices)}.")
    comment = Comment(" ".join(parts), "mine2magnet")
    comment.width, comment.height = 300, 120
    return comment


def _validation(col: Column, choices: tuple[str, ...]) -> DataValidation | None:
    """A dropdown for choices, yes/no and ids that live in another sheet.

    Closed lists (choices, yes/no, single-sheet ids) refuse other values; lists that also take
    '*' or another sheet's ids, and comma-separated lists (Segments.grades), only suggest.
    """
    if choices:
        return DataValidation(
            type="list",
            formula1=f'"{",".join(choices)}"',
            allow_blank=True,
            showErrorMessage=True,
        )
    if col.dtype == "bool":
        return DataValidation(
            type="list", formula1='"yes,no"', allow_blank=True, showErrorMessage=True
        )
    first_ref = col.ref.split("|")[0] if col.ref else ""
    if first_ref in ID_LISTS:
        sheet, column = ID_LISTS[first_ref]
        letter = get_column_letter(_sheet(sheet).names.index(column) + 1)
        return DataValidation(
            type="list",
            formula1=f"{sheet}!${letter}$2:${letter}${ROWS}",
            allow_blank=True,
            showErrorMessage=col.ref.count("|") == 0 and col.dtype != "list",
        )
    return None


def _sheet(name: str) -> Sheet:
    return next(s for s in SHEETS if s.name == name)


def _table_name(sheet: str) -> str:
    return f"tbl{sheet}"


def number_format_of(col: Column, value: object = None) -> str | None:
    """The number format of a cell of `col`: years and other whole-number columns as plain
    integers; decimals with thousands separators, whole values without a trailing point, and
    small fractions as General so 0.0045 is not shown as 0.005. With no value (a blank
    template row) the column's general format (NUMBER_FORMATS)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return NUMBER_FORMATS.get(col.dtype)
    if col.dtype == "int":
        return "0"
    if col.dtype != "float":
        return None
    if float(value).is_integer():
        return "0" if col.unit == "year" else "#,##0"
    return "#,##0.0###" if abs(value) >= 1000 else "General"


def decorate_sheet(
    ws,
    sheet: Sheet,
    registered: Mapping[str, tuple[str, ...]],
    data_rows: int = 0,
) -> None:
    """The template's help on a contract sheet whose header is in row 1 in schema order:
    header colours (red = required), a comment on each header (meaning, unit, default,
    choices), dropdowns from row 2 down past the data, column widths, and number formats on
    the `data_rows` rows of data (on row 2 when there are none)."""
    last = max(ROWS, data_rows + ROWS)
    for pos, col in enumerate(sheet.columns, start=1):
        cell = ws.cell(1, pos)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = REQUIRED_FILL if col.required else HEADER_FILL
        choices = col.choices or tuple(registered.get(col.choices_from, ()))
        cell.comment = _comment(col, choices)
        letter = get_column_letter(pos)
        width = ws.column_dimensions[letter].width or 0
        ws.column_dimensions[letter].width = max(width, 12, len(col.name) + 4)
        validation = _validation(col, choices)
        if validation is not None:
            validation.error = f"Choose a value from the list for {col.name}."
            validation.prompt = col.help
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last}")
        if not data_rows:  # a blank row 2 in the column's format (no cell made without one)
            fmt = number_format_of(col)
            if fmt:
                ws.cell(2, pos).number_format = fmt
        for row in range(2, data_rows + 2):
            target = ws.cell(row, pos)
            fmt = number_format_of(col, target.value)
            if fmt:
                target.number_format = fmt


def write_readme(book: Workbook, intro: list[str] | None = None):
    """The ReadMe sheet, first in the book: how to fill the workbook, then each sheet."""
    readme = book.create_sheet("ReadMe", 0)
    required = ", ".join(s.name for s in SHEETS if s.required)
    for line in [*(intro or []), *README.format(required=required).splitlines()]:
        readme.append([line])
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 100
    readme.append([])
    readme.append(["sheet", "what it holds"])
    readme.cell(readme.max_row, 1).font = Font(bold=True)
    for sheet in SHEETS:
        readme.append([sheet.name, sheet.help])
    return readme


def _add_sheet(book: Workbook, sheet: Sheet, registered: Mapping[str, tuple[str, ...]]) -> None:
    ws = book.create_sheet(sheet.name)
    ws.append(sheet.names)
    decorate_sheet(ws, sheet, registered)
    if sheet.name == "Settings":
        for spec in SETTINGS:
            value = None if spec.required else spec.default
            ws.append([spec.name, value, f"{spec.help} Unit: {spec.unit or '-'}."])
    end_row = max(ws.max_row, 2)
    table = Table(
        displayName=_table_name(sheet.name),
        ref=f"A1:{get_column_letter(len(sheet.columns))}{end_row}",
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"


def write_template(
    path: str | Path,
    force: bool = False,
    registered: Mapping[str, tuple[str, ...]] | None = None,
) -> Path:
    """Write a blank input workbook; refuse to replace an existing file unless `force`.

    `registered` gives the choices of columns whose values a registry of a higher layer
    keeps (Column.choices_from -> names, e.g. the policy types), for their dropdowns."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists; use --force to replace it.")
    book = Workbook()
    book.remove(book.active)
    write_readme(book)
    for sheet in SHEETS:
        _add_sheet(book, sheet, registered or {})
    return atomic_save(book, path)
