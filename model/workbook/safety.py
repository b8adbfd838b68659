"""Checks on an .xlsx package before any XML parser reads it: bounded, safe work only.

An .xlsx file is a zip archive of XML parts. Before any cell is read, `check_package`
1. refuses the archive when its central directory declares too many parts, a part or a total
   that would unpack beyond the limits, or a zip-bomb compression ratio (nothing is unpacked
   yet: Python's zipfile never yields more than a part's declared size, so these declared
   sizes bound all later work);
2. streams every part once, in small blocks, which verifies each CRC-32 (a damaged part is a
   finding here, not a zlib traceback later), and scans the head of every XML part with expat
   up to its root element: a <!DOCTYPE> or <!ENTITY> (what XXE and "billion laughs" attacks
   need, and what Excel never writes) is refused before any parser could expand it;
3. reads the workbook part and its relationships (with defusedxml) to name each sheet's part,
   refusing sheets whose part is missing or shared, and checks each worksheet's <dimension>
   record against the row and column limits.
Every problem becomes an InputError carrying findings; nothing here raises anything else.
"""

from __future__ import annotations

import lzma
import math
import posixpath
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, fields, replace
from functools import partial
from typing import Any
from xml.parsers import expat

import defusedxml.ElementTree as SafeET  # openpyxl, too, parses with it once it is installed
from openpyxl.utils.cell import range_boundaries

from model.findings import Finding, InputError

# ---------------------------------------------------------------- limits

MB = 1_000_000
RATIO_CHECKED_FROM_BYTES = 1 * MB  # smaller parts may compress as well as they like
BLOCK_BYTES = 1 << 16  # parts are streamed in blocks of this size


class _DefaultsOrSelf:
    """A method callable on the class (it then scales DEFAULT_LIMITS) or on an instance."""

    def __init__(self, function: Callable[..., ReadLimits]):
        self.function = function
        self.__doc__ = function.__doc__

    def __get__(self, instance: ReadLimits | None, owner: type) -> Callable[..., ReadLimits]:
        return partial(self.function, instance if instance is not None else DEFAULT_LIMITS)


def _scaled_by_rows(base: ReadLimits, rows: int) -> ReadLimits:
    """These limits with `rows` rows a sheet, the byte limits raised in proportion.

    `ReadLimits.with_max_rows(n)` scales DEFAULT_LIMITS; `limits.with_max_rows(n)` scales
    `limits`. Byte limits never drop below the base's; the column, part-count and ratio limits
    stay as they are.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ValueError(f"the row limit must be a whole number of at least 1, not {rows!r}")
    factor = max(1.0, rows / base.max_rows)
    return replace(
        base,
        max_rows=rows,
        max_file_bytes=math.ceil(base.max_file_bytes * factor),
        max_member_bytes=math.ceil(base.max_member_bytes * factor),
        max_total_bytes=math.ceil(base.max_total_bytes * factor),
    )


@dataclass(frozen=True)
class ReadLimits:
    """How much of an input file is read at most; beyond any limit the file is refused.

    The defaults admit the largest benchmark workbook (L: 1,341 rows in its largest sheet,
    0.07 MB on disk, 0.6 MB unpacked) with room for inputs some 75 times larger, and keep the
    worst hostile file to seconds of work. `with_max_rows(n)` raises them for big inputs.
    """

    max_file_bytes: int = 50 * MB
    max_member_bytes: int = 50 * MB
    max_total_bytes: int = 100 * MB
    max_ratio: int = 500
    max_members: int = 1_000
    max_rows: int = 100_000
    max_columns: int = 1_000

    with_max_rows = _DefaultsOrSelf(_scaled_by_rows)


LIMIT_NOTES = {
    "max_file_bytes": "size of the .xlsx file on disk",
    "max_member_bytes": "declared unpacked size of any one part of the zip (a sheet's XML, the "
    "shared strings...), whether or not a sheet uses it",
    "max_total_bytes": "declared unpacked size of all parts together",
    "max_ratio": f"unpacked-to-packed size of a part larger than {RATIO_CHECKED_FROM_BYTES:,} "
    "bytes: more is the signature of a zip bomb",
    "max_members": "number of parts in the zip (a workbook has a few dozen)",
    "max_rows": "rows of one sheet, header included (row elements in the file, formatted empty "
    "rows too), checked against the sheet's `<dimension>` record before reading, and while reading",
    "max_columns": "columns of one sheet: a cell further right than this is refused",
}
SCALED_BY_ROWS = ("max_rows", "max_file_bytes", "max_member_bytes", "max_total_bytes")
DEFAULT_LIMITS = ReadLimits()


def limit_table() -> list[tuple[str, int, str, bool]]:
    """(name, default value, what it guards, raised by --max-rows) for each limit, for the docs."""
    return [
        (f.name, getattr(DEFAULT_LIMITS, f.name), LIMIT_NOTES[f.name], f.name in SCALED_BY_ROWS)
        for f in fields(ReadLimits)
    ]


# ---------------------------------------------------------------- findings

RAISE_HINT = (
    "if the workbook really holds that much, run again with a larger row limit, --max-rows N "
    "(the byte limits grow in proportion); otherwise it may be a zip bomb: do not open it."
)
RESAVE_HINT = (
    "the file was damaged or cut short (on a copy, download or e-mail): fetch it again from "
    "its source, or open it in Excel or LibreOffice and save it again as .xlsx."
)
ENTITY_MESSAGE = "the file contains XML entity declarations, refused"
ENTITY_HINT = (
    "Excel never writes them; they can hide an XML bomb or read other files on this computer. "
    "Open the file in Excel or LibreOffice and save it again as .xlsx, or ask its sender."
)
XLSB_HINT = "open it in Excel and save it as Excel Workbook (.xlsx)."


def _file_error(label: str, message: str, hint: str = RESAVE_HINT) -> Finding:
    return Finding("error", label, label, message, hint)


def _sheet_error(sheet: str, message: str, hint: str = RESAVE_HINT) -> Finding:
    return Finding("error", sheet, sheet, message, hint)


# ---------------------------------------------------------------- declared sizes


def check_declared_sizes(archive: zipfile.ZipFile, label: str, limits: ReadLimits) -> None:
    """Refuse, from the central directory alone, an archive that would unpack too much."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise InputError(
            [
                _file_error(
                    label,
                    f"{label} is refused: it holds {len(infos):,} parts, more than the "
                    f"{limits.max_members:,} allowed (a workbook has a few dozen).",
                    "save the workbook again from Excel; a file with that many parts is "
                    "not an ordinary workbook.",
                )
            ]
        )
    findings = [f for info in infos for f in _member_size_findings(info, label, limits)]
    counts = Counter(info.filename for info in infos)
    for name in sorted(n for n, count in counts.items() if count > 1):
        findings.append(_file_error(label, f"{label} is damaged: it holds two parts named {name}."))
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        findings.append(
            _file_error(
                label,
                f"{label} is refused: its parts would unpack to {total:,} bytes, more than "
                f"the {limits.max_total_bytes:,} allowed for a whole workbook.",
                RAISE_HINT,
            )
        )
    if findings:
        raise InputError(findings)


def _member_size_findings(info: zipfile.ZipInfo, label: str, limits: ReadLimits) -> list[Finding]:
    """Findings about one part's declared size, ratio and encryption."""
    name, size = info.filename, info.file_size
    if info.flag_bits & 0x1:
        return [
            _file_error(
                label,
                f"{label} is refused: its part {name} is encrypted with a zip password.",
                "save the workbook again from Excel without a password.",
            )
        ]
    if size > limits.max_member_bytes:
        return [
            _file_error(
                label,
                f"{label} is refused: its part {name} would unpack to {size:,} bytes, more "
                f"than the {limits.max_member_bytes:,} allowed for one part.",
                RAISE_HINT,
            )
        ]
    ratio = size / max(info.compress_size, 1)
    if size >= RATIO_CHECKED_FROM_BYTES and ratio > limits.max_ratio:
        return [
            _file_error(
                label,
                f"{label} is refused: its part {name} is packed {ratio:,.0f} to 1 (at most "
                f"{limits.max_ratio:,} to 1 is accepted), the signature of a zip bomb.",
                "do not open the file; ask its sender for the workbook again.",
            )
        ]
    return []


# ---------------------------------------------------------------- streaming every part


class _HeadDone(Exception):
    """Raised from an expat handler: the head of the part has been seen."""


@dataclass
class PartHead:
    """What the first elements of one part said, and whether the whole part unpacked cleanly."""

    root: str | None = None  # local name of the root element; None when it is not XML
    declares_entities: bool = False
    dimension: str | None = None  # a worksheet's <dimension ref="...">, as written
    xml_error: str | None = None  # an XML error before a worksheet's data
    damage: str | None = None  # why the part does not unpack (CRC, corrupt data...)


class _HeadScanner:
    """Feeds a part's first blocks to expat until its root element (for a worksheet: until
    its <dimension> or <sheetData>), refusing any document type or entity declaration."""

    def __init__(self, head: PartHead):
        self.head = head
        self.done = False
        self.parser = expat.ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._declaration
        self.parser.EntityDeclHandler = self._declaration
        self.parser.StartElementHandler = self._element

    def _declaration(self, *_args: Any) -> None:
        self.head.declares_entities = True
        raise _HeadDone

    def _element(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if self.head.root is None:
            self.head.root = local
            if local != "worksheet":
                raise _HeadDone
        elif local == "dimension":
            self.head.dimension = attrs.get("ref", "")
            raise _HeadDone
        elif local == "sheetData":
            raise _HeadDone

    def feed(self, block: bytes, last: bool = False) -> None:
        """Parse one more block (the last one with last=True) unless the head is done."""
        if self.done:
            return
        try:
            self.parser.Parse(block, last)
        except _HeadDone:
            self.done = True
        except expat.ExpatError as exc:
            self.done = True
            if self.head.root == "worksheet":
                self.head.xml_error = expat.errors.messages.get(exc.code, str(exc))
                self.head.xml_error += f" (line {exc.lineno}, column {exc.offset})"


ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)


def describe_zip_error(exc: BaseException) -> str:
    """Plain words for why a zip part does not unpack."""
    text = str(exc)
    if "CRC" in text:
        return "its checksum (CRC-32) does not match its contents"
    if isinstance(exc, zlib.error | lzma.LZMAError):
        return f"its packed data is corrupt ({text})"
    if isinstance(exc, EOFError):
        return "its packed data ends early"
    if isinstance(exc, NotImplementedError):
        return f"it is packed with a method Python cannot unpack ({text})"
    return f"{type(exc).__name__}: {text}"


def scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> PartHead:
    """Stream one part to its end in small blocks: its head, and whether it unpacks cleanly."""
    head = PartHead()
    scanner = _HeadScanner(head)
    try:
        with archive.open(info) as stream:
            while block := stream.read(BLOCK_BYTES):
                scanner.feed(block)
        scanner.feed(b"", last=True)
    except ZIP_READ_ERRORS as exc:
        head.damage = describe_zip_error(exc)
    return head


# ---------------------------------------------------------------- the workbook's structure

CONTENT_TYPES = "[Content_Types].xml"
STYLES = "xl/styles.xml"  # openpyxl, too, reads the styles from this fixed part
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
BINARY_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
STRICT_NS = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass
class SheetPart:
    """One worksheet the workbook lists: its name, the zip part holding it, its visibility."""

    name: str
    member: str
    state: str = "visible"


@dataclass
class BookParts:
    """The workbook's structure: its worksheets in order and the parts their cells refer to."""

    sheets: list[SheetPart]
    shared_strings: str | None = None
    styles: str | None = None
    date1904: bool = False


def _parse_xml(archive: zipfile.ZipFile, member: str, avoid: Collection[str] = ()) -> Any:
    """The root element of a part, parsed with defusedxml (DTDs forbidden); never one of
    `avoid` (parts found unsafe), which are an InputError instead."""
    if member in avoid:
        raise InputError([_file_error(member, f"{member} is unsafe to read.")])
    return SafeET.fromstring(archive.read(member), forbid_dtd=True)


def _content_parts(
    archive: zipfile.ZipFile, label: str, names: set[str], avoid: Collection[str]
) -> tuple[str, str | None]:
    """(workbook part, shared strings part) as [Content_Types].xml names them, like openpyxl."""
    if CONTENT_TYPES not in names:
        message = f"{label} is not a readable .xlsx workbook: it has no {CONTENT_TYPES}."
        raise InputError([_file_error(label, message)])
    workbook, strings = "xl/workbook.xml", None
    for override in _parse_xml(archive, CONTENT_TYPES, avoid).iter(f"{CT_NS}Override"):
        content_type = override.get("ContentType", "")
        part = override.get("PartName", "").lstrip("/")
        if content_type == BINARY_WORKBOOK_TYPE:
            raise InputError([_binary_workbook(label)])
        if content_type in WORKBOOK_TYPES:
            workbook = part
        elif content_type == SHARED_STRINGS_TYPE:
            strings = part
    return workbook, strings


def _binary_workbook(label: str) -> Finding:
    return _file_error(
        label,
        f"{label} is not a readable .xlsx workbook: it is a binary workbook (.xlsb) under "
        "another name; mine2magnet reads .xlsx.",
        XLSB_HINT,
    )


def _relationships(
    archive: zipfile.ZipFile, workbook: str, names: set[str], avoid: Collection[str]
) -> dict:
    """Relationship id -> (zip part, type), targets resolved as openpyxl resolves them."""
    folder, base = posixpath.split(workbook)
    rels = posixpath.join(folder, "_rels", f"{base}.rels")
    if rels not in names:
        return {}
    found = {}
    for rel in _parse_xml(archive, rels, avoid).iter(f"{REL_NS}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        if target.startswith("/"):
            member = target[1:]
        else:
            member = posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id")] = (member, rel.get("Type", ""))
    return found


def read_structure(archive: zipfile.ZipFile, label: str, avoid: Collection[str] = ()) -> BookParts:
    """The workbook's worksheets and shared parts; InputError when a listed sheet is missing
    (or the structure would need a part of `avoid`)."""
    names = set(archive.namelist())
    try:
        workbook, strings = _content_parts(archive, label, names, avoid)
        if workbook not in names:
            raise InputError([_no_workbook(label, workbook, names)])
        relationships = _relationships(archive, workbook, names, avoid)
        book = _parse_xml(archive, workbook, avoid)
    except (SafeET.ParseError, ValueError) as exc:
        message = f"{label} is damaged: the list of its sheets is unreadable ({exc})."
        raise InputError([_file_error(label, message)]) from None
    if book.tag.startswith(STRICT_NS):
        raise InputError([_strict_workbook(label)])
    parts = BookParts(sheets=[], shared_strings=strings if strings in names else None)
    parts.styles = STYLES if STYLES in names else None
    properties = book.find(f"{MAIN_NS}workbookPr")
    flag = properties.get("date1904", "") if properties is not None else ""
    parts.date1904 = flag.strip().lower() in ("1", "true")
    findings = []
    for element in book.findall(f"{MAIN_NS}sheets/{MAIN_NS}sheet"):
        name, rel_id = element.get("name", ""), element.get(DOC_REL_ID)
        member, kind = relationships.get(rel_id, (None, ""))
        if kind.endswith("/chartsheet"):
            continue  # a chart on a sheet of its own holds no cells
        if member is None or member not in names:
            where = f"part {member}" if member else f"relationship {rel_id}"
            message = f"sheet {name} is listed in {workbook}, but its {where} is missing."
            findings.append(_sheet_error(name, message))
            continue
        parts.sheets.append(SheetPart(name, member, element.get("state", "visible")))
    findings += _shared_parts(parts.sheets, label)
    if findings:
        raise InputError(findings)
    return parts


def _no_workbook(label: str, workbook: str, names: set[str]) -> Finding:
    if any(n.startswith("xl/workbook") and n.endswith(".bin") for n in names):
        return _binary_workbook(label)
    return _file_error(
        label,
        f"{label} is not a readable .xlsx workbook: it has no workbook part ({workbook}), "
        "the list of its sheets.",
    )


def _strict_workbook(label: str) -> Finding:
    return _file_error(
        label,
        f"{label} is saved as Strict Open XML, which mine2magnet does not read.",
        "open it in Excel and save it as Excel Workbook (.xlsx), not Strict Open XML.",
    )


def _shared_parts(sheets: list[SheetPart], label: str) -> list[Finding]:
    """Two sheets reading one part would read it twice: a crafted file, refused."""
    seen: dict[str, str] = {}
    findings = []
    for sheet in sheets:
        if sheet.member in seen:
            findings.append(
                _sheet_error(
                    sheet.name,
                    f"sheets {seen[sheet.member]} and {sheet.name} of {label} share one part "
                    f"({sheet.member}).",
                )
            )
        seen.setdefault(sheet.member, sheet.name)
    return findings


# ---------------------------------------------------------------- the whole package


def check_package(archive: zipfile.ZipFile, label: str, limits: ReadLimits) -> BookParts:
    """Run every check of this module on an open archive: its structure, or InputError."""
    check_declared_sizes(archive, label, limits)
    heads = {
        info.filename: scan_part(archive, info) for info in archive.infolist() if not info.is_dir()
    }
    unsafe = {m for m, head in heads.items() if head.declares_entities or head.damage}
    if unsafe:
        raise InputError(_head_findings(heads, label, _sheet_names(archive, label, unsafe)))
    parts = read_structure(archive, label)
    findings = [f for sheet in parts.sheets for f in _sheet_head_findings(sheet, heads, limits)]
    if findings:
        raise InputError(findings)
    return parts


def _sheet_names(archive: zipfile.ZipFile, label: str, unsafe: set[str]) -> dict[str, str]:
    """Part -> sheet name, to name sheets in findings; empty when the structure is unsafe too."""
    try:
        parts = read_structure(archive, label, avoid=unsafe)
    except InputError:
        return {}
    return {sheet.member: sheet.name for sheet in parts.sheets}


def _head_findings(heads: dict[str, PartHead], label: str, names: dict[str, str]) -> list[Finding]:
    """Entity declarations and damaged parts, each named (by its sheet when it is one)."""
    findings = []
    for member, head in heads.items():
        sheet = names.get(member)
        where = f"sheet {sheet} ({member})" if sheet else f"{label}'s part {member}"
        place = sheet or label
        if head.declares_entities:
            message = f"{ENTITY_MESSAGE}: {where} declares a document type (<!DOCTYPE>)."
            findings.append(Finding("error", place, place, message, ENTITY_HINT))
        if head.damage:
            message = f"{label} is not a readable .xlsx workbook: {where} is damaged: "
            message += f"{head.damage}."
            findings.append(Finding("error", place, place, message, RESAVE_HINT))
    return findings


def _sheet_head_findings(
    sheet: SheetPart, heads: dict[str, PartHead], limits: ReadLimits
) -> list[Finding]:
    """A worksheet whose XML breaks before its data, or whose <dimension> is beyond the limits."""
    head = heads[sheet.member]
    if head.xml_error:
        return [
            _sheet_error(
                sheet.name,
                f"sheet {sheet.name} is damaged: its XML ({sheet.member}) breaks before its "
                f"cells: {head.xml_error}.",
            )
        ]
    if head.dimension is None:
        return []
    box = dimension_box(head.dimension)
    if box is None:
        return [
            _sheet_error(
                sheet.name,
                f"sheet {sheet.name} is damaged: its size record <dimension ref="
                f'"{head.dimension[:40]}"> is not a cell range.',
            )
        ]
    rows, columns = box
    if rows > limits.max_rows:
        return [too_many_rows(sheet.name, f"its size record claims {rows:,} rows", limits)]
    if columns > limits.max_columns:
        claim = f"its size record claims {columns:,} columns"
        return [too_many_columns(sheet.name, claim, limits)]
    return []


def dimension_box(ref: str) -> tuple[int, int] | None:
    """(rows, columns) a <dimension ref> spans, or None when openpyxl could not read it."""
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return None
    rows = 0 if min_row is None or max_row is None else max_row - min_row + 1
    columns = 0 if min_col is None or max_col is None else max_col - min_col + 1
    return rows, columns


def too_many_rows(sheet: str, evidence: str, limits: ReadLimits) -> Finding:
    """The finding for a sheet beyond the row limit; `evidence` says how that was seen."""
    return _sheet_error(
        sheet,
        f"sheet {sheet} has more rows than the {limits.max_rows:,} read at most ({evidence}).",
        f"delete the unused rows below the data of {sheet} (formatted empty rows count too), "
        "or, if it really holds that many rows, run again with --max-rows N.",
    )


def too_many_columns(sheet: str, evidence: str, limits: ReadLimits) -> Finding:
    """The finding for a sheet beyond the column limit; `evidence` says where."""
    return _sheet_error(
        sheet,
        f"sheet {sheet} has more columns than the {limits.max_columns:,} read at most "
        f"({evidence}).",
        f"delete the unused columns to the right of the data of {sheet} (formatted empty "
        "cells count too); the column limit is fixed (ReadLimits.max_columns).",
    )
