"""Layer 1, hostile files: every damaged or crafted input ends in a plain finding, never a
traceback, and reading it is bounded.

Each file is built at test time from the tiny example (written with input_writer), by rewriting
parts of its zip with zipfile. For each kind, read_workbook raises InputError (the command
exits 2, cannot read) or returns findings (validation exits 1), and nothing else; the finding
names the sheet and cell where there is one and says what to do; the file's bytes are the same
afterwards. Zip bombs are refused from the zip's directory before anything is unpacked.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import flat, invoke, sha256

from model.api import check_book
from model.docs import workbook_reference
from model.examples.tiny import tiny_tables
from model.findings import Finding, InputError, errors_in
from model.workbook.reader import DEFAULT_LIMITS, RawBook, ReadLimits, read_workbook
from model.workbook.safety import ENTITY_MESSAGE, check_package
from model.workbook.writer import write_input_workbook

pytestmark = pytest.mark.schema

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FILE = "in.xlsx"  # the name of every workbook built here: file-level findings point at it


# ---------------------------------------------------------------- building hostile files


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The tiny example as a fresh workbook: every hostile file starts from it."""
    return write_input_workbook(tiny_tables(), tmp_path / FILE)


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def rebuild(path: Path, edits: Mapping[str, bytes | None], stored: Iterable[str] = ()) -> Path:
    """Write the zip again with parts replaced or added (bytes) or removed (None)."""
    parts = {**parts_of(path), **edits}
    temp = path.with_suffix(".tmp")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if data is not None:
                method = zipfile.ZIP_STORED if name in set(stored) else zipfile.ZIP_DEFLATED
                archive.writestr(name, data, compress_type=method)
    os.replace(temp, path)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part holding a sheet, found through workbook.xml and its relationships."""
    parts = parts_of(path)
    book_xml = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet name="{sheet}" [^>]*r:id="(rId\d+)"', book_xml).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    return re.search(rf'Target="/?([^"]+)" Id="{rid}"', rels).group(1)


def edit_part(path: Path, member: str, edit: Callable[[str], str]) -> Path:
    return rebuild(path, {member: edit(parts_of(path)[member].decode()).encode()})


def edit_sheet(path: Path, sheet: str, edit: Callable[[str], str]) -> Path:
    return edit_part(path, sheet_part(path, sheet), edit)


def set_cell(path: Path, sheet: str, ref: str, xml: str) -> Path:
    """Replace the <c r="ref"> element of a sheet with `xml`."""

    def edit(text: str) -> str:
        new, n = re.subn(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', xml, text, count=1)
        assert n == 1, f"cell {sheet}!{ref} not found"
        return new

    return edit_sheet(path, sheet, edit)


def replace_once(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} is not in the part once"
        return text.replace(old, new)

    return edit


def data_offset(path: Path, info: zipfile.ZipInfo) -> int:
    """Where a part's packed bytes start in the file (after its local header)."""
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
    return (
        info.header_offset
        + 30
        + int.from_bytes(header[26:28], "little")
        + int.from_bytes(header[28:30], "little")
    )


def stream_sheet(path: Path, sheet: str, rows: Iterable[bytes], head: str = "") -> Path:
    """Replace a sheet's XML by a header row (segment, year, demand_t) and `rows`, written in
    blocks straight into the zip, so that millions of rows cost little memory and time."""
    member = sheet_part(path, sheet)
    parts = parts_of(path)
    temp = path.with_suffix(".tmp")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            if name != member:
                archive.writestr(name, data)
                continue
            info = zipfile.ZipInfo(member)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as out:
                out.write(f'<worksheet xmlns="{MAIN}">{head}<sheetData>'.encode())
                out.write(b'<row r="1">' + b"".join(text_cell(h) for h in HEADER) + b"</row>")
                for block in rows:
                    out.write(block)
                out.write(b"</sheetData></worksheet>")
    os.replace(temp, path)
    return path


HEADER = ("segment", "year", "demand_t")


def text_cell(text: str) -> bytes:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def repeated(row: bytes, count: int, block: int = 50_000) -> Iterator[bytes]:
    """`count` copies of one row, in blocks."""
    for start in range(0, count, block):
        yield row * min(block, count - start)


# ---------------------------------------------------------------- reading them


def outcome(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[RawBook | None, list]:
    """(the book, its findings) or (None, the InputError's findings). Any other exception fails
    the test; the file's bytes must be unchanged."""
    before = sha256(path) if path.is_file() and os.access(path, os.R_OK) else None
    try:
        raw = read_workbook(path, limits)
    except InputError as exc:
        raw, findings = None, exc.findings
    else:
        findings = raw.findings
    if before is not None:
        assert sha256(path) == before
    return raw, findings


def at(findings: list[Finding], cell: str, *words: str) -> list[Finding]:
    """The findings pointing at `cell` whose message holds every word."""
    return [f for f in findings if f.cell == cell and all(w in f.message for w in words)]


# ---------------------------------------------------------------- the hostile files


def bad_crc(path: Path) -> Path:
    """A stored (unpacked) sheet part changed after its checksum was taken: the XML is fine."""
    member = sheet_part(path, "Demand")
    rebuild(path, {}, stored=[member])
    with zipfile.ZipFile(path) as archive:
        start = data_offset(path, archive.getinfo(member))
    data = bytearray(path.read_bytes())
    data[data.index(b"<v>100</v>", start) + 3] = ord("9")
    path.write_bytes(bytes(data))
    return path


def corrupt_deflate(path: Path) -> Path:
    """Garbage in the middle of a sheet's packed data: zlib fails, or the checksum does."""
    member = sheet_part(path, "Demand")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    start = data_offset(path, info) + info.compress_size // 3
    data = bytearray(path.read_bytes())
    data[start : start + 24] = b"\xff" * 24
    path.write_bytes(bytes(data))
    return path


def truncated_zip(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def truncated_sheet(path: Path) -> Path:
    return edit_sheet(path, "Demand", lambda xml: xml[: xml.index("</sheetData>")])


def truncated_sheet_head(path: Path) -> Path:
    return edit_sheet(path, "Demand", lambda xml: xml[: xml.index("<dimension") + 4])


def with_shared_strings(path: Path, xml: str) -> Path:
    """Add a shared strings part (listed in [Content_Types].xml, as Excel lists it)."""
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
    edit_part(path, "[Content_Types].xml", lambda t: t.replace("</Types>", override + "</Types>"))
    return rebuild(path, {"xl/sharedStrings.xml": xml.encode()})


def xxe(path: Path) -> Path:
    return with_shared_strings(
        path,
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<sst xmlns="{MAIN}"><si><t>&xxe;</t></si></sst>',
    )


def billion_laughs(path: Path) -> Path:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    return with_shared_strings(
        path, f'<!DOCTYPE sst [{entities}]><sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'
    )


def doctype_in_sheet(path: Path) -> Path:
    return edit_sheet(path, "Demand", lambda xml: "<!DOCTYPE worksheet>" + xml)


def demand_c2(xml: str) -> Callable[[Path], Path]:
    """Demand!C2 (demand_t of the only demand row) replaced by a crafted cell."""
    return lambda path: set_cell(path, "Demand", "C2", xml)


def declared_16_gb(path: Path) -> Path:
    """An unreferenced part whose directory entry declares 16 GB unpacked (it holds 5 bytes)."""
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/huge.bin", b"hello")
        archive.getinfo("xl/media/huge.bin").file_size = 16 * 2**30  # written by close()
    return path


def zip_bomb_ratio(path: Path) -> Path:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/media/zeros.bin", bytes(5_000_000))
    return path


def too_many_parts(path: Path) -> Path:
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(DEFAULT_LIMITS.max_members):
            archive.writestr(f"xl/media/part{i}.txt", b"x")
    return path


def dimension(ref: str) -> Callable[[Path], Path]:
    return lambda path: edit_sheet(
        path,
        "Demand",
        lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml),
    )


def twenty_thousand_columns(path: Path) -> Path:
    """A header row of 20,000 cells without references (the <dimension> stays small)."""
    cells = b"".join(text_cell(f"h{i}") for i in range(20_000)).decode()
    return edit_sheet(
        path,
        "Demand",
        lambda xml: re.sub(r'<row r="1">.*?</row>', f'<row r="1">{cells}</row>', xml),
    )


def ole_file(path: Path) -> Path:
    path.write_bytes(OLE_SIGNATURE + os.urandom(4096))
    return path


def xlsb_renamed(path: Path) -> Path:
    path.unlink()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.bin" '
            'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        )
        archive.writestr("xl/workbook.bin", os.urandom(512))
    return path


def missing_sheet_part(path: Path) -> Path:
    member = sheet_part(path, "Demand")
    return edit_part(
        path, "xl/_rels/workbook.xml.rels", replace_once(f"/{member}", "/xl/worksheets/sheet99.xml")
    )


def shared_sheet_part(path: Path) -> Path:
    demand, segments = sheet_part(path, "Demand"), sheet_part(path, "Segments")
    return edit_part(path, "xl/_rels/workbook.xml.rels", replace_once(f"/{demand}", f"/{segments}"))


def strict_xml(path: Path) -> Path:
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    return edit_part(path, "xl/workbook.xml", replace_once(f'xmlns="{MAIN}"', f'xmlns="{strict}"'))


def directory(path: Path) -> Path:
    folder = path.with_name("folder.xlsx")
    folder.mkdir()
    return folder


def symlink_loop(path: Path) -> Path:
    first, second = path.with_name("loop.xlsx"), path.with_name("back.xlsx")
    first.symlink_to(second)
    second.symlink_to(first)
    return first


def broken_link(path: Path) -> Path:
    link = path.with_name("link.xlsx")
    link.symlink_to(path.with_name("gone.xlsx"))
    return link


def fifo(path: Path) -> Path:
    pipe = path.with_name("pipe.xlsx")
    os.mkfifo(pipe)
    return pipe


@dataclass(frozen=True)
class Hostile:
    """One damaged or hostile file: how to make it, and the finding it must give."""

    make: Callable[[Path], Path]  # from the tiny workbook's path to the file to read
    cell: str  # where the finding points: FILE for the file as a whole
    words: tuple[str, ...]  # all in the finding's message
    refused: bool = True  # InputError (exit 2); else an error in RawBook.findings (exit 1)


CASES = {
    # the zip and its parts
    "bad-crc": Hostile(bad_crc, "Demand", ("is damaged", "checksum")),
    "corrupt-deflate": Hostile(corrupt_deflate, "Demand", ("Demand", "is damaged")),
    "truncated-zip": Hostile(truncated_zip, FILE, ("not a readable .xlsx workbook", "zip")),
    "truncated-sheet-xml": Hostile(truncated_sheet, "Demand!C2", ("damaged", "XML breaks")),
    "truncated-sheet-head": Hostile(truncated_sheet_head, "Demand", ("breaks before its cells",)),
    "ole-encrypted-or-xls": Hostile(ole_file, FILE, ("password-protected",)),
    "xlsb-renamed": Hostile(xlsb_renamed, FILE, ("binary workbook (.xlsb)",)),
    "no-workbook-xml": Hostile(
        lambda p: rebuild(p, {"xl/workbook.xml": None}), FILE, ("no workbook part",)
    ),
    "missing-sheet-part": Hostile(missing_sheet_part, "Demand", ("sheet99.xml", "missing")),
    "shared-sheet-part": Hostile(shared_sheet_part, "Demand", ("share one part",)),
    "strict-open-xml": Hostile(strict_xml, FILE, ("Strict Open XML",)),
    # XML entities
    "xxe-shared-strings": Hostile(xxe, FILE, (ENTITY_MESSAGE, "xl/sharedStrings.xml")),
    "billion-laughs": Hostile(billion_laughs, FILE, (ENTITY_MESSAGE,)),
    "doctype-in-sheet": Hostile(doctype_in_sheet, "Demand", (ENTITY_MESSAGE,)),
    # sizes
    "declared-16-gb": Hostile(declared_16_gb, FILE, ("xl/media/huge.bin", "17,179,869,184")),
    "zip-bomb-ratio": Hostile(zip_bomb_ratio, FILE, ("xl/media/zeros.bin", "zip bomb")),
    "too-many-parts": Hostile(too_many_parts, FILE, ("parts, more than the 1,000 allowed",)),
    "dimension-100m-rows": Hostile(dimension("A1:D100000000"), "Demand", ("100,000,000 rows",)),
    "dimension-garbage": Hostile(dimension("A1:ZZZZ9"), "Demand", ("size record",)),
    "twenty-thousand-columns": Hostile(twenty_thousand_columns, "Demand", ("columns", "1,000")),
    # cells whose content contradicts their type
    "bool-maybe": Hostile(
        demand_c2('<c r="C2" t="b"><v>maybe</v></c>'), "Demand!C2", ("maybe",), False
    ),
    "number-nan": Hostile(demand_c2('<c r="C2"><v>NaN</v></c>'), "Demand!C2", ("NaN",), False),
    "number-inf": Hostile(demand_c2('<c r="C2"><v>INF</v></c>'), "Demand!C2", ("INF",), False),
    "number-overflow": Hostile(
        demand_c2('<c r="C2"><v>1e999</v></c>'), "Demand!C2", ("finite",), False
    ),
    "number-garbage": Hostile(
        demand_c2('<c r="C2"><v>12abc</v></c>'), "Demand!C2", ("12abc",), False
    ),
    "date-garbage": Hostile(
        demand_c2('<c r="C2" t="d"><v>soon</v></c>'), "Demand!C2", ("soon",), False
    ),
    "shared-index": Hostile(
        demand_c2('<c r="C2" t="s"><v>99</v></c>'), "Demand!C2", ("99",), False
    ),
    "unknown-type": Hostile(
        demand_c2('<c r="C2" t="q"><v>1</v></c>'), "Demand!C2", ("t='q'",), False
    ),
    "ref-ZZZZZ1": Hostile(
        demand_c2('<c r="ZZZZZ1"><v>1</v></c>'), "Demand!2:2", ("ZZZZZ1",), False
    ),
    "ref-A0": Hostile(demand_c2('<c r="A0"><v>1</v></c>'), "Demand!2:2", ("'A0'",), False),
    "duplicate-ref": Hostile(
        demand_c2('<c r="C2"><v>100</v></c><c r="C2"><v>250</v></c>'),
        "Demand!C2",
        ("two values", "100", "250"),
        False,
    ),
    "row-number-garbage": Hostile(
        lambda p: edit_sheet(p, "Demand", replace_once('<row r="2">', '<row r="two">')),
        "Demand",
        ("'two'",),
        False,
    ),
    # the path
    "directory": Hostile(directory, "folder.xlsx", ("is a folder",)),
    "symlink-loop": Hostile(symlink_loop, "loop.xlsx", ("loops",)),
    "broken-link": Hostile(broken_link, "link.xlsx", ("link to a file that does not exist",)),
    "fifo": Hostile(fifo, "pipe.xlsx", ("not a regular file",)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_gives_a_plain_finding(name: str, book: Path):
    case = CASES[name]
    raw, findings = outcome(case.make(book))
    shown = [str(f) for f in findings]
    assert (raw is None) == case.refused, shown
    hits = at(findings, case.cell, *case.words)
    assert hits, f"no finding at {case.cell} with {case.words}: {shown}"
    assert all(f.severity == "error" and f.hint for f in hits)  # each says what to do
    assert all(f.sheet == case.cell.split("!")[0] for f in hits)


def test_cell_findings_stop_the_solve_with_exit_1(book: Path):
    path = CASES["bool-maybe"].make(book)
    findings = check_book(read_workbook(path))
    assert "Demand!C2" in {f.cell for f in errors_in(findings)}


def test_unreadable_file_as_root_or_not(book: Path):
    # root reads any file whatever its mode: then the workbook simply reads
    book.chmod(0)
    try:
        raw, findings = outcome(book)
        if os.geteuid() == 0:
            assert raw is not None and check_book(raw) == []
        else:
            assert raw is None and at(findings, FILE, "permission denied")
    finally:
        book.chmod(0o644)


# ---------------------------------------------------------------- cells that do read


def demand_value(raw: RawBook, column: str) -> object:
    (_row, record) = raw.sheets["Demand"].rows[0]
    return record[column]


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!"])
def test_excel_error_cell_reads_as_its_text_and_fails_a_number_column(book: Path, error: str):
    raw, findings = outcome(demand_c2(f'<c r="C2" t="e"><v>{error}</v></c>')(book))
    assert raw is not None and findings == []
    assert demand_value(raw, "demand_t") == error
    assert at(errors_in(check_book(raw)), "Demand!C2", error, "number")


def with_date_style(path: Path) -> Path:
    """Add cell style 2, formatted with the built-in date format 14 (m/d/yyyy)."""
    xf = '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" />'
    edit_part(path, "xl/styles.xml", lambda t: t.replace("</cellXfs>", xf + "</cellXfs>"))
    return path


def test_date_formatted_number_beyond_any_date_reads_as_the_number(book: Path):
    path = demand_c2('<c r="C2" s="2"><v>1e20</v></c>')(with_date_style(book))
    raw, findings = outcome(path)
    assert raw is not None and demand_value(raw, "demand_t") == 1e20
    (warning,) = findings
    assert warning.severity == "warning" and warning.cell == "Demand!C2"
    assert "formatted as a date" in warning.message


def test_date_formatted_number_in_range_reads_as_a_date(book: Path):
    raw, _ = outcome(demand_c2('<c r="C2" s="2"><v>46023</v></c>')(with_date_style(book)))
    assert demand_value(raw, "demand_t") == dt.datetime(2026, 1, 1)


def test_true_false_and_iso_date_cells_read_as_values(book: Path):
    set_cell(book, "Demand", "B2", '<c r="B2" t="d"><v>2026-01-31T00:00:00</v></c>')
    notes = '<v>100</v></c><c r="D2" t="b"><v>1</v></c>'
    edit_sheet(book, "Demand", replace_once("<v>100</v></c>", notes))
    raw, findings = outcome(book)
    assert findings == []
    assert demand_value(raw, "year") == dt.datetime(2026, 1, 31)
    assert demand_value(raw, "notes") is True


def test_rich_inline_and_shared_strings_read_as_their_text(book: Path):
    runs = (
        '<r><t>mo</t></r><r><rPr><b val="1"/></rPr><t>tors</t></r><rPh sb="0" eb="2"><t>X</t></rPh>'
    )
    with_shared_strings(book, f'<sst xmlns="{MAIN}"><si>{runs}</si></sst>')
    set_cell(book, "Demand", "A2", '<c r="A2" t="s"><v>0</v></c>')
    set_cell(book, "Segments", "A2", f'<c r="A2" t="inlineStr"><is>{runs}</is></c>')
    raw, findings = outcome(book)
    assert findings == [] and demand_value(raw, "segment") == "motors"
    assert raw.sheets["Segments"].rows[0][1]["segment"] == "motors"
    assert check_book(raw) == []


def test_rows_out_of_order_read_in_row_order(book: Path):
    def swap(xml: str) -> str:
        third = re.search(r'<row r="3">.*?</row>', xml).group(0)
        fifth = re.search(r'<row r="5">.*?</row>', xml).group(0)
        return xml.replace(third, "@3").replace(fifth, third).replace("@3", fifth)

    raw, findings = outcome(edit_sheet(book, "Sites", swap))
    assert findings == []
    sites = [(row, record["site"]) for row, record in raw.sheets["Sites"].rows]
    assert sites == [
        (2, "mine_au"),
        (3, "sep_us"),
        (4, "metal_us"),
        (5, "magnet_us"),
        (6, "market_cn"),
    ]
    assert check_book(raw) == []


def test_xlsm_renamed_xlsx_reads(book: Path):
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    raw, findings = outcome(edit_part(book, "[Content_Types].xml", replace_once(main, macro)))
    assert findings == [] and check_book(raw) == []


def test_demand_sheet_with_header_only_is_an_input_error(tmp_path: Path):
    tables = tiny_tables()
    tables["Demand"] = []
    raw, findings = outcome(write_input_workbook(tables, tmp_path / FILE))
    assert raw is not None and findings == []
    assert at(errors_in(check_book(raw)), "Demand", "no rows")


def test_demand_sheet_without_header_is_an_input_error(book: Path):
    raw, _ = outcome(
        edit_sheet(
            book, "Demand", lambda x: re.sub(r"<sheetData>.*</sheetData>", "<sheetData/>", x)
        )
    )
    assert raw.sheets["Demand"].columns == {}
    assert at(errors_in(check_book(raw)), "Demand!1:1", "required column")


# ---------------------------------------------------------------- limits


def test_ten_million_row_bomb_is_refused_at_once_in_little_memory(book: Path):
    started = time.perf_counter()
    stream_sheet(book, "Demand", repeated(b"<row><c><v>1</v></c></row>", 10_000_000))
    assert book.stat().st_size < 2_000_000  # 260 MB of XML, packed
    tracemalloc.start()
    clock = time.perf_counter()
    try:
        raw, findings = outcome(book)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - clock < 1.0
    assert peak < 20_000_000
    assert raw is None and at(findings, FILE, "would unpack to 260,", "more than")
    assert time.perf_counter() - started < 3.0


def test_rows_beyond_the_limit_stop_the_read_early(book: Path):
    # within the byte limits and with no <dimension> record: the row count stops the read
    stream_sheet(book, "Demand", repeated(b"<row><c><v>1</v></c></row>", 1_500_000))
    clock = time.perf_counter()
    raw, findings = outcome(book)
    assert time.perf_counter() - clock < 3.0
    assert raw is None and at(findings, "Demand", "100,000", "reading stopped at its row 100,001")
    assert "--max-rows N" in findings[0].hint


def numbered_rows(count: int) -> Iterator[bytes]:
    """`count` demand rows, Excel style (references on rows and cells), from row 2."""
    for start in range(2, count + 2, 10_000):
        yield "".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>motors</t></is></c>'
            f'<c r="B{r}"><v>2026</v></c><c r="C{r}"><v>{r}</v></c></row>'
            for r in range(start, min(start + 10_000, count + 2))
        ).encode()


def test_sheet_beyond_the_row_limit_reads_with_a_raised_limit(book: Path):
    rows = 120_000
    stream_sheet(book, "Demand", numbered_rows(rows), head=f'<dimension ref="A1:C{rows + 1}"/>')
    raw, findings = outcome(book)
    assert raw is None and at(findings, "Demand", f"{rows + 1:,} rows")
    raw, findings = outcome(book, ReadLimits.with_max_rows(rows + 1))
    assert findings == []
    demand = raw.sheets["Demand"].rows
    assert len(demand) == rows and demand[-1] == (
        rows + 1,
        {"segment": "motors", "year": 2026, "demand_t": rows + 1},
    )


def test_two_million_rows_are_refused_by_default_and_admitted_by_with_max_rows(book: Path):
    # Reading 2M rows takes about ten seconds, too long here: the file is shown to pass every
    # check before reading under the raised limits (sizes, checksums, <dimension>), and the
    # test above reads a sheet beyond the default row limit through the same raised limits.
    rows = 2_000_000
    stream_sheet(
        book,
        "Demand",
        repeated(b"<row><c><v>1</v></c></row>", rows),
        f'<dimension ref="A1:C{rows + 1}"/>',
    )
    raw, findings = outcome(book)
    assert raw is None and at(findings, FILE, "would unpack to", "more than the 50,000,000")
    with zipfile.ZipFile(book) as archive:
        parts = check_package(archive, FILE, ReadLimits.with_max_rows(rows + 1))
        assert "Demand" in [sheet.name for sheet in parts.sheets]
        with pytest.raises(InputError) as refused:
            check_package(archive, FILE, ReadLimits.with_max_rows(rows))  # one row short
    assert at(refused.value.findings, "Demand", f"{rows + 1:,} rows")


def test_with_max_rows_raises_the_byte_limits_in_proportion():
    bigger = ReadLimits.with_max_rows(1_000_000)
    assert bigger.max_rows == 1_000_000
    assert bigger.max_member_bytes == 10 * DEFAULT_LIMITS.max_member_bytes
    assert bigger.max_total_bytes == 10 * DEFAULT_LIMITS.max_total_bytes
    assert bigger.max_file_bytes == 10 * DEFAULT_LIMITS.max_file_bytes
    assert bigger.max_columns == DEFAULT_LIMITS.max_columns
    assert DEFAULT_LIMITS.with_max_rows(1_000_000) == bigger
    smaller = ReadLimits.with_max_rows(10)  # a stricter row limit keeps the byte limits
    assert smaller.max_rows == 10 and smaller.max_member_bytes == DEFAULT_LIMITS.max_member_bytes
    custom = ReadLimits(max_rows=10, max_member_bytes=1_000)
    assert custom.with_max_rows(20).max_member_bytes == 2_000  # scales the limits it is called on
    with pytest.raises(ValueError):
        ReadLimits.with_max_rows(0)


def test_limits_are_documented_from_the_constants():
    text = workbook_reference()
    assert "## Limits on input files" in text and "--max-rows N" in text
    for name in (
        "max_file_bytes",
        "max_member_bytes",
        "max_total_bytes",
        "max_rows",
        "max_columns",
    ):
        assert f"| {name} | {getattr(DEFAULT_LIMITS, name):,} |" in text


# ---------------------------------------------------------------- the command


@pytest.mark.parametrize(
    "name",
    ["bad-crc", "xxe-shared-strings", "declared-16-gb", "directory", "bool-maybe", "number-nan"],
)
def test_validate_exits_2_when_unreadable_and_1_on_bad_cells(name: str, book: Path):
    case = CASES[name]
    path = case.make(book)
    result = invoke("validate", path)
    assert result.exit_code == (2 if case.refused else 1), result.output
    assert case.cell in flat(result.output)


def test_validate_refuses_the_ten_million_row_bomb(book: Path):
    stream_sheet(book, "Demand", repeated(b"<row><c><v>1</v></c></row>", 10_000_000))
    result = invoke("validate", book)
    assert result.exit_code == 2 and "would unpack to" in flat(result.output)


@pytest.mark.parametrize(("name", "code"), [("billion-laughs", 2), ("number-inf", 1)])
def test_installed_command_reports_without_a_traceback(name: str, code: int, book: Path):
    path = CASES[name].make(book)
    command = [str(Path(sys.executable).parent / "mine2magnet"), "validate", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert CASES[name].words[0] in flat(result.stderr)
