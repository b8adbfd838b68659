"""Read an input workbook into raw rows, remembering the cell each value came from.

Nothing here interprets values: that is validate's job. Formulas are read as their cached
values (what Excel last computed); the file is opened read-only and never written.

Reading is bounded and never ends in a traceback. The file itself is checked first (it exists,
is a regular file of an .xlsx kind within the size limit, not encrypted), then its zip package
(model/safety.py: declared sizes, checksums, no XML entity declarations, the workbook's list of
sheets, each sheet's declared size). The shared strings and each worksheet are then streamed
through expat in small blocks, cell by cell, stopping at the row and column limits; the date
styles come from the styles part, judged by openpyxl's rules. A problem with the file is an
InputError (the command exits 2: cannot read); a cell whose stored content contradicts its
stored type is an error finding at that cell in RawBook.findings (validation exits 1).

How cells read: numbers as int or float (a date-formatted number as a datetime, or, beyond
the dates Excel can show, as the number with a warning); text, shared or inline, as text;
true/false cells as bool; ISO dates (t="d") as datetimes; Excel error cells (#N/A, #DIV/0!...)
as their text, which validation rejects wherever a number is expected. Rows out of order are
read in row order; a cell given twice with two different values keeps the first, with an error.
"""

from __future__ import annotations

import errno
import hashlib
import io
import math
import re
import stat
import zipfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count, islice, product
from pathlib import Path
from string import ascii_uppercase
from typing import Any
from xml.parsers import expat

import defusedxml.ElementTree as SafeET
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

from model.findings import Finding, InputError
from model.memory import collection_paused
from model.workbook.cells import is_blank, to_text
from model.workbook.safety import (
    BLOCK_BYTES,
    DEFAULT_LIMITS,
    ENTITY_HINT,
    ENTITY_MESSAGE,
    RESAVE_HINT,
    ZIP_READ_ERRORS,
    BookParts,
    ReadLimits,
    check_package,
    describe_zip_error,
    too_many_columns,
    too_many_rows,
)

__all__ = [
    "DEFAULT_LIMITS",
    "RawBook",
    "RawSheet",
    "ReadLimits",
    "file_sha256",
    "lock_file",
    "read_workbook",
    "read_workbook_bytes",
]


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


def lock_file(path: Path) -> Path:
    """The owner file Excel keeps beside a workbook while it is open (~$name.xlsx)."""
    return path.with_name(f"~${path.name}")


def read_workbook(
    path: str | Path, limits: ReadLimits = DEFAULT_LIMITS, only: Collection[str] | None = None
) -> RawBook:
    """Open an .xlsx file read-only and return its sheets as raw rows (with `only`, just the
    sheets of those names: the rest are checked as parts of the package but not parsed).

    The first row of each sheet is its header; header names are trimmed. Rows whose cells
    are all blank are skipped. Raises InputError (never a traceback) when the file cannot be
    read or is beyond `limits`; cells whose content contradicts their type are error findings.
    """
    path = Path(path)
    label = path.name or str(path)
    _check_file(path, label, limits)
    with _open_archive(path, label) as archive:
        sheets, findings = _read_archive(archive, label, limits, only)
    raw = RawBook(path=path, sha256=file_sha256(path), sheets=sheets, findings=findings)
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


def read_workbook_bytes(
    book: bytes, name: str = "workbook.xlsx", limits: ReadLimits = DEFAULT_LIMITS
) -> RawBook:
    """A workbook's sheets from the bytes of its file (as a study's workers get it: the bytes
    travel, never a path), checked as read_workbook checks a file; `name` labels findings."""
    label = Path(name).name or name
    if len(book) > limits.max_file_bytes:
        raise _unreadable(
            label,
            f"{label} is refused: it is {len(book):,} bytes, more than the "
            f"{limits.max_file_bytes:,} allowed.",
        )
    if not book:
        raise _unreadable(label, f"{label} is not a readable .xlsx workbook: the file is empty.")
    if book[: len(OLE_SIGNATURE)] == OLE_SIGNATURE:
        raise _unreadable(label, f"{label} is not a readable .xlsx workbook: it is encrypted.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(book))
    except Exception as exc:  # zipfile on hostile bytes: any failure means "not a zip"
        raise _unreadable(
            label, f"{label} is not a readable .xlsx workbook ({type(exc).__name__}: {exc})."
        ) from None
    with archive:
        sheets, findings = _read_archive(archive, label, limits)
    digest = hashlib.sha256(book).hexdigest()
    return RawBook(path=Path(label), sha256=digest, sheets=sheets, findings=findings)


def _read_archive(
    archive: zipfile.ZipFile,
    label: str,
    limits: ReadLimits,
    only: Collection[str] | None = None,
) -> tuple[dict[str, RawSheet], list[Finding]]:
    """The package checked, then every sheet (or those named in `only`) read (reading makes
    millions of small objects and no reference cycles: the collector waits)."""
    with collection_paused():
        parts = check_package(archive, label, limits)
        context = _cell_context(archive, parts, label)
        return _read_sheets(archive, parts, context, limits, only)


# ---------------------------------------------------------------- the file


WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}  # the zip workbooks openpyxl opens
OTHER_FORMATS = {".xls", ".csv", ".ods", ".numbers", ".xlsb"}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx files and old .xls files
SAVE_AS_HINT = "open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook)."
DAMAGED_HINT = "check that the file is an Excel workbook and not damaged; re-save it from Excel."


def _unreadable(label: str, message: str, hint: str = DAMAGED_HINT) -> InputError:
    return InputError([Finding("error", label, label, message, hint)])


def _check_file(path: Path, label: str, limits: ReadLimits) -> None:
    """Refuse what is not a regular, readable file of a workbook kind within the size limit."""
    status = _stat(path, label)
    if stat.S_ISDIR(status.st_mode):
        raise _unreadable(
            label, f"{path} is a folder, not a workbook file.", "give the path of the .xlsx file."
        )
    suffix = path.suffix.lower()
    if suffix in OTHER_FORMATS:
        raise _unreadable(
            label,
            f"{label} is a {suffix} file; mine2magnet reads Excel .xlsx workbooks.",
            SAVE_AS_HINT,
        )
    if suffix not in WORKBOOK_SUFFIXES:
        raise _unreadable(
            label,
            f"{label} is not named as an Excel workbook ({suffix or 'no suffix'}); "
            "mine2magnet reads .xlsx workbooks.",
            "if it is a workbook, rename it to end in .xlsx; otherwise " + SAVE_AS_HINT,
        )
    if not stat.S_ISREG(status.st_mode):
        raise _unreadable(
            label, f"{path} is not a regular file.", "give the path of an .xlsx file on disk."
        )
    if status.st_size > limits.max_file_bytes:
        raise _unreadable(
            label,
            f"{label} is refused: it is {status.st_size:,} bytes, more than the "
            f"{limits.max_file_bytes:,} allowed.",
            "if the workbook really is that big, run again with --max-rows N (a larger row "
            "limit raises the byte limits in proportion).",
        )
    if status.st_size == 0:
        raise _unreadable(label, f"{label} is not a readable .xlsx workbook: the file is empty.")
    if _first_bytes(path, label) == OLE_SIGNATURE:
        raise _unreadable(
            label,
            f"{label} is not a readable .xlsx workbook: it is password-protected (encrypted) "
            "or an old .xls workbook under an .xlsx name.",
            "open it in Excel, remove the password (File > Info > Protect Workbook) and save "
            "it as .xlsx (Excel Workbook).",
        )


def _stat(path: Path, label: str) -> Any:
    """The file's status, following links; InputError in words when there is none."""
    try:
        return path.stat()
    except FileNotFoundError:
        if _is_link(path):
            raise _unreadable(
                label, f"{path} is a link to a file that does not exist.", "check the link."
            ) from None
        raise _unreadable(
            label, f"file {path} does not exist.", "check the path and file name."
        ) from None
    except OSError as exc:
        raise _os_error(path, label, exc) from None


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except OSError:
        return False


def _os_error(path: Path, label: str, exc: OSError) -> InputError:
    """An OSError on the input file, in plain words."""
    if exc.errno == errno.ELOOP:
        return _unreadable(
            label, f"{path} is a symbolic link that loops back on itself.", "check the link."
        )
    if isinstance(exc, PermissionError):
        return _unreadable(
            label,
            f"{label} cannot be opened: permission denied.",
            "ask the file's owner for read access, or copy it somewhere you can read it.",
        )
    return _unreadable(label, f"{label} cannot be read ({exc.strerror or exc}).")


def _first_bytes(path: Path, label: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(OLE_SIGNATURE))
    except OSError as exc:
        raise _os_error(path, label, exc) from None


def _open_archive(path: Path, label: str) -> zipfile.ZipFile:
    """The file as a zip archive (reading only its central directory)."""
    try:
        return zipfile.ZipFile(path)
    except OSError as exc:
        raise _os_error(path, label, exc) from None
    except Exception as exc:  # zipfile on hostile bytes: any failure means "not a zip"
        raise _unreadable(
            label,
            f"{label} is not a readable .xlsx workbook: it is not a zip archive, as every "
            f".xlsx file is ({type(exc).__name__}: {exc}).",
        ) from None


# ---------------------------------------------------------------- what cells refer to

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW, CELL, VALUE, FORMULA, INLINE, TEXT, PHONETIC, SHARED_ITEM = (
    f"{MAIN} {tag}" for tag in ("row", "c", "v", "f", "is", "t", "rPh", "si")
)
MAIN_NS = f"{{{MAIN}}}"


@dataclass(frozen=True)
class _CellContext:
    """What every sheet's cells are read with: shared texts, date styles, the date system."""

    shared: list[str]
    date_styles: frozenset[str]  # style indexes (as written in s="...") of date formats
    duration_styles: frozenset[str]
    epoch: datetime


def _cell_context(archive: zipfile.ZipFile, parts: BookParts, label: str) -> _CellContext:
    dates, durations = _date_styles(archive, parts.styles, label)
    shared = _shared_strings(archive, parts.shared_strings, label)
    epoch = CALENDAR_MAC_1904 if parts.date1904 else CALENDAR_WINDOWS_1900
    return _CellContext(shared, dates, durations, epoch)


def _date_styles(
    archive: zipfile.ZipFile, member: str | None, label: str
) -> tuple[frozenset[str], frozenset[str]]:
    """Indexes of the cell styles whose number format shows a date (and a duration).

    As openpyxl decides it: a style's numFmtId names a custom format of the styles part or
    a built-in one, and the format's first section says whether it is a date.
    """
    if member is None:
        return frozenset(), frozenset()
    try:
        root = SafeET.fromstring(archive.read(member), forbid_dtd=True)
    except (SafeET.ParseError, ValueError, *ZIP_READ_ERRORS) as exc:
        message = f"{label} is not a readable .xlsx workbook: its styles ({member}) are damaged"
        raise _unreadable(label, f"{message} ({exc}).", RESAVE_HINT) from None
    custom = {
        _format_id(fmt.get("numFmtId")): fmt.get("formatCode")
        for fmt in root.findall(f"{MAIN_NS}numFmts/{MAIN_NS}numFmt")
    }
    dates, durations = set(), set()
    for index, xf in enumerate(root.findall(f"{MAIN_NS}cellXfs/{MAIN_NS}xf")):
        number = _format_id(xf.get("numFmtId", "0"))
        code = custom.get(number) or builtin_format_code(number)
        if is_date_format(code):
            dates.add(str(index))
        if is_timedelta_format(code):
            durations.add(str(index))
    return frozenset(dates), frozenset(durations)


def _format_id(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _shared_strings(archive: zipfile.ZipFile, member: str | None, label: str) -> list[str]:
    """The shared strings table (texts that cells of type s point at), streamed with expat."""
    if member is None:
        return []
    table = _SharedStrings()

    def broken(exc: expat.ExpatError) -> Finding:
        reason = expat.errors.messages.get(exc.code, str(exc))
        message = (
            f"{label} is not a readable .xlsx workbook: its shared texts ({member}) are "
            f"damaged at line {exc.lineno}, column {exc.offset} ({reason})."
        )
        return Finding("error", label, label, message, RESAVE_HINT)

    _stream_xml(archive, member, table, label, broken)
    return table.strings


class _SharedStrings:
    """expat handlers collecting each <si> item's text: its <t> runs, phonetic runs left out
    (as openpyxl reads them, including its removal of the 'x005F_' escape)."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.runs: list[str] | None = None
        self.collecting: list[str] | None = None
        self.phonetic = 0

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        if name == TEXT and self.runs is not None and not self.phonetic:
            self.collecting = []
        elif name == SHARED_ITEM:
            self.runs = []
        elif name == PHONETIC:
            self.phonetic += 1

    def end(self, name: str) -> None:
        if name == TEXT and self.collecting is not None and self.runs is not None:
            self.runs.append("".join(self.collecting))
            self.collecting = None
        elif name == SHARED_ITEM:
            self.strings.append("".join(self.runs or ()).replace("x005F_", ""))
            self.runs = None
        elif name == PHONETIC:
            self.phonetic -= 1

    def characters(self, data: str) -> None:
        if self.collecting is not None:
            self.collecting.append(data)


def _stream_xml(
    archive: zipfile.ZipFile,
    member: str,
    handlers: Any,
    where: str,
    broken: Callable[[expat.ExpatError], Finding],
) -> None:
    """Parse one part with expat in small blocks, calling `handlers`' start, end and
    characters methods; InputError when the part does not unpack, its XML breaks (`broken`
    words it) or it declares a document type."""

    def refuse(*_args: Any) -> None:
        message = f"{ENTITY_MESSAGE}: {where} ({member}) declares a document type."
        raise InputError([Finding("error", where, where, message, ENTITY_HINT)])

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.characters
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        for block in _blocks(archive, member, where):
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise InputError([broken(exc)]) from None


def _blocks(archive: zipfile.ZipFile, member: str, where: str) -> Iterator[bytes]:
    """A part's bytes in small blocks; InputError when it does not unpack."""
    try:
        with archive.open(member) as stream:
            while block := stream.read(BLOCK_BYTES):
                yield block
    except ZIP_READ_ERRORS as exc:
        message = f"{where} is damaged: its part {member}: {describe_zip_error(exc)}."
        raise InputError([Finding("error", where, where, message, RESAVE_HINT)]) from None


# ---------------------------------------------------------------- the sheets


def _read_sheets(
    archive: zipfile.ZipFile,
    parts: BookParts,
    context: _CellContext,
    limits: ReadLimits,
    only: Collection[str] | None = None,
) -> tuple[dict[str, RawSheet], list[Finding]]:
    """Every worksheet (or those named in `only`) as a RawSheet, plus the cell findings;
    InputError if one is refused."""
    sheets: dict[str, RawSheet] = {}
    findings: list[Finding] = []
    refusals: list[Finding] = []
    for part in parts.sheets:
        if only is not None and part.name.strip() not in only:
            continue
        reader = _SheetReader(part.name.strip(), context, limits)
        try:
            sheet = reader.read(archive, part.member)
        except InputError as exc:
            refusals += exc.findings
            continue
        sheet.hidden = part.state != "visible"
        sheets[sheet.name] = sheet
        findings += reader.findings
    if refusals:
        raise InputError(refusals)
    return sheets, findings


EXCEL_COLUMNS = 16_384  # XFD, Excel's last column


def _column_letters() -> dict[str, int]:
    """{"A": 1, ..., "XFD": 16384}: every column Excel has, by its letters."""
    names = (
        "".join(letters)
        for width in (1, 2, 3)
        for letters in product(ascii_uppercase, repeat=width)
    )
    return dict(islice(zip(names, count(1)), EXCEL_COLUMNS))


COLUMN_NUMBERS = _column_letters()
DIGITS = "0123456789"
NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
LAYOUT_HINT = (
    "the file was written by a faulty program or damaged: open it in Excel or LibreOffice, "
    "check this row's values, and save it again as .xlsx."
)
RETYPE_HINT = (
    "type the value again in Excel (or LibreOffice) and save; the stored cell contradicts its "
    "own type, so the file was written by a faulty program or damaged."
)


def _any_value(record: dict[str, Any]) -> bool:
    """Whether a record holds a value that is not blank (is_blank, inlined for speed)."""
    for value in record.values():
        if value.__class__ is str:
            if value.strip():
                return True
        elif value is not None and not (value.__class__ is float and math.isnan(value)):
            return True
    return False


def _column_number(letters: str) -> int:
    """Column number of letters such as 'c' or '$C$' (what the fast lookup missed); 0 if none."""
    return COLUMN_NUMBERS.get(letters.replace("$", "").upper(), 0)


def parse_number(text: str) -> int | float | None:
    """A number cell's text as int or float; None unless it is a finite number."""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    if NUMBER.fullmatch(text) is None:
        return None
    text = text.strip()
    if len(text) <= 18 and not any(mark in text for mark in ".eE"):
        return int(text)
    value = float(text)
    return value if math.isfinite(value) else None


class _SheetReader:
    """expat handlers reading one worksheet into a RawSheet, within the limits.

    Values are kept by (row, column) as the cells say, so rows out of order still land where
    Excel shows them; the header is row 1. A cell with an impossible reference, a second value
    for one cell, or content that contradicts its type is an error finding at that cell.
    """

    def __init__(self, name: str, context: _CellContext, limits: ReadLimits):
        self.name = name
        self.context = context
        self.limits = limits
        self.findings: list[Finding] = []
        self.cells: dict[int, dict[int, Any]] = {}
        self.formula_blanks: list[tuple[int, int]] = []  # formulas with no saved value
        self.rows_read = 0
        self.row = 0  # number of the row being read
        self.column = 0  # column of the row's last cell
        self.last_cell: tuple[int, int] | None = None  # (row, column): where broken XML breaks
        self.collected: str | None = None  # text of the <v> or <t> being read
        self.phonetic = 0  # depth in phonetic runs, whose text is not the cell's
        self._open_cell({})

    def read(self, archive: zipfile.ZipFile, member: str) -> RawSheet:
        """Parse the sheet's part; InputError when it is damaged or beyond the limits."""
        _stream_xml(archive, member, self, self.name, self._broken_xml)
        return self._raw_sheet()

    # ------------------------------------------------------------ expat handlers

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == CELL:
            self._open_cell(attrs)
        elif name == VALUE:
            self.collected = ""
        elif name == ROW:
            self._open_row(attrs.get("r"))
        elif name == FORMULA:
            self.formula = True
        elif name == INLINE:
            self.inline = []
        elif name == TEXT and self.inline is not None and not self.phonetic:
            self.collected = ""
        elif name == PHONETIC:
            self.phonetic += 1

    def end(self, name: str) -> None:
        if name == VALUE:
            self.text = self.collected
            self.collected = None
        elif name == CELL:
            self._close_cell()
        elif name == TEXT and self.collected is not None and self.inline is not None:
            self.inline.append(self.collected)
            self.collected = None
        elif name == PHONETIC:
            self.phonetic -= 1

    def characters(self, data: str) -> None:
        if self.collected is not None:
            self.collected += data

    # ------------------------------------------------------------ rows and cells

    def _open_row(self, number: str | None) -> None:
        self.rows_read += 1
        if self.rows_read > self.limits.max_rows:
            evidence = f"reading stopped at its row {self.rows_read:,}"
            raise InputError([too_many_rows(self.name, evidence, self.limits)])
        self.column = 0
        if number is None:
            self.row += 1
            return
        value = int(number) if number.isdigit() and number.isascii() and len(number) <= 10 else 0
        if value > 0:
            self.row = value
            return
        self.row += 1
        self._error(
            self.name,
            f"a row of sheet {self.name} has the impossible number {number[:20]!r}; it is read "
            f"as row {self.row}.",
        )

    def _open_cell(self, attrs: dict[str, str]) -> None:
        self.ref = attrs.get("r")
        self.kind = attrs.get("t", "n")
        self.style = attrs.get("s")
        self.text: str | None = None  # the <v> text
        self.inline: list[str] | None = None  # the <is> runs
        self.formula = False

    def _close_cell(self) -> None:
        place = self._place()
        if place is None:
            return
        row, column = place
        if column > self.limits.max_columns:
            evidence = f"cell {self.name}!{get_column_letter(column)}{row}"
            raise InputError([too_many_columns(self.name, evidence, self.limits)])
        value = self._value(row, column)
        if self.formula and is_blank(value):
            self.formula_blanks.append((row, column))
        if value is None:
            return
        row_cells = self.cells.get(row)
        if row_cells is None:
            self.cells[row] = {column: value}
        elif column not in row_cells:
            row_cells[column] = value
        elif row_cells[column] != value:
            self._error(
                f"{self.name}!{get_column_letter(column)}{row}",
                f"the file holds two values for this cell, {row_cells[column]!r} and "
                f"{value!r}; the first is read.",
            )

    def _place(self) -> tuple[int, int] | None:
        """(row, column) of the cell just read; None (with a finding) for an impossible one."""
        ref = self.ref
        if ref is None:  # a cell may leave out its reference: it follows the one before
            self.column += 1
            row, column = self.row, self.column
        else:
            letters = ref.rstrip(DIGITS)
            column = COLUMN_NUMBERS.get(letters) or _column_number(letters)
            digits = ref[len(letters) :]
            row = int(digits) if 0 < len(digits) <= 10 else 0
            self.column = column
        if 0 < column <= EXCEL_COLUMNS and row > 0:
            self.last_cell = (row, column)
            return row, column
        shown = ref[:20] if ref is not None else f"column {self.column:,}"
        self._error(
            f"{self.name}!{self.row}:{self.row}",
            f"a cell in row {self.row} of sheet {self.name} has the reference {shown!r}, which "
            "names no cell (Excel's columns run from A to XFD, its rows from 1); it is not read.",
        )
        return None

    def _value(self, row: int, column: int) -> Any:
        """The cell's value as its type says, or None (with a finding) when it contradicts it."""
        kind, text = self.kind, self.text or None
        if kind == "n":
            return self._number(text, row, column)
        if kind == "s":
            return self._shared_text(text, row, column)
        if kind == "inlineStr":
            return "".join(self.inline) if self.inline is not None else text
        if kind in ("str", "e"):  # formula text; an Excel error such as #N/A, read as its text
            return text
        if kind == "b":
            return self._boolean(text, row, column)
        if kind == "d":
            return self._iso_date(text, row, column)
        self._cell_error(row, column, f"the cell has the unknown type t={kind[:20]!r}.")
        return None

    def _number(self, text: str | None, row: int, column: int) -> Any:
        if text is None:
            return None
        number = parse_number(text)
        if number is None:
            self._cell_error(
                row, column, f"a number cell holds {text[:40]!r}, which is not a finite number."
            )
            return None
        if self.style is None or self.style not in self.context.date_styles:
            return number
        try:
            duration = self.style in self.context.duration_styles
            return from_excel(number, self.context.epoch, timedelta=duration)
        except (OverflowError, ValueError):
            self._cell_error(
                row,
                column,
                f"the cell is formatted as a date but holds {number:g}, beyond the dates Excel "
                "can show; it is read as that number.",
                severity="warning",
            )
            return number

    def _shared_text(self, text: str | None, row: int, column: int) -> str | None:
        if text is None:
            return None
        index = text.strip()
        shared = self.context.shared
        if index.isascii() and index.isdigit() and len(index) <= 10 and int(index) < len(shared):
            return shared[int(index)]
        self._cell_error(
            row, column, f"the cell points at shared text {index[:20]!r}, which the file lacks."
        )
        return None

    def _boolean(self, text: str | None, row: int, column: int) -> bool | None:
        if text is None:
            return None
        word = text.strip().lower()
        if word in ("1", "true"):
            return True
        if word in ("0", "false"):
            return False
        self._cell_error(row, column, f"a true/false cell holds {text[:40]!r}.")
        return None

    def _iso_date(self, text: str | None, row: int, column: int) -> Any:
        if text is None:
            return None
        try:
            return from_ISO8601(text.strip())
        except (ValueError, TypeError, OverflowError):
            self._cell_error(row, column, f"a date cell holds {text[:40]!r}, which is no date.")
            return None

    # ------------------------------------------------------------ findings and the result

    def _cell_error(self, row: int, column: int, message: str, severity: str = "error") -> None:
        """A finding at one cell whose stored content contradicts its type."""
        hint = RETYPE_HINT if severity == "error" else "format the cell as a number."
        where = f"{self.name}!{get_column_letter(column)}{row}"
        self.findings.append(Finding(severity, self.name, where, message, hint))

    def _error(self, where: str, message: str) -> None:
        """A finding about the file's layout of cells (references, row numbers, duplicates)."""
        self.findings.append(Finding("error", self.name, where, message, LAYOUT_HINT))

    def _broken_xml(self, exc: expat.ExpatError) -> Finding:
        reason = expat.errors.messages.get(exc.code, str(exc))
        where, after = self.name, ""
        if self.last_cell is not None:
            row, column = self.last_cell
            where = f"{self.name}!{get_column_letter(column)}{row}"
            after = f", just after cell {where}"
        return Finding(
            "error",
            self.name,
            where,
            f"sheet {self.name} is damaged: its XML breaks at line {exc.lineno}, column "
            f"{exc.offset} ({reason}){after}.",
            RESAVE_HINT,
        )

    def _raw_sheet(self) -> RawSheet:
        """Header from row 1, then every row below with a non-blank value, in row order."""
        columns: dict[str, str] = {}
        positions: dict[int, str] = {}
        header = self.cells.get(1, {})
        for column in sorted(header):
            if is_blank(header[column]):
                continue
            name = to_text(header[column])
            if name not in columns:
                columns[name] = get_column_letter(column)
                positions[column] = name
        sheet = RawSheet(name=self.name, columns=columns)
        for row, column in self.formula_blanks:
            name = positions.get(column)
            if row >= 2 and name is not None and is_blank(self.cells.get(row, {}).get(column)):
                sheet.uncached.append((name, row))
        named = list(positions.items())
        for number in sorted(self.cells):
            cells = self.cells.pop(number)  # freed as its record is made: half the peak memory
            record = {name: cells.get(c) for c, name in named}
            if number >= 2 and _any_value(record):
                sheet.rows.append((number, record))
        return sheet
