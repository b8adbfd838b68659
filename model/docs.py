"""Generate the workbook reference (docs/workbook.md) from the schema.

`python -m model.docs docs/workbook.md` rewrites it; a test checks the file is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from model.api import registered_choices
from model.lp.policies import POLICY_TYPES
from model.workbook.safety import limit_table
from model.workbook.schema import SETTINGS, SHEETS, Column


def choices_of(col: Column) -> tuple[str, ...]:
    """A column's allowed values: its own choices, or those of the registry it names."""
    if col.choices_from:
        return registered_choices()[col.choices_from]
    return col.choices


def _allowed(col: Column) -> str:
    parts = []
    if choices_of(col):
        parts.append(" \\| ".join(choices_of(col)))
    if col.lo is not None or col.hi is not None:
        lo = "-inf" if col.lo is None else f"{col.lo:g}"
        hi = "inf" if col.hi is None else f"{col.hi:g}"
        parts.append(f"[{lo}, {hi}]")
    if col.ref:
        parts.append("id in " + " or ".join(col.ref.split("|")))
    return "; ".join(parts)


def workbook_reference() -> str:
    """Markdown describing every sheet, column and setting of the input workbook."""
    lines = [
        "# Input workbook reference",
        "",
        "Generated from `model/schema.py` by `python -m model.docs docs/workbook.md`; do not edit.",
        "Quantities are t per year, money USD, unit costs and prices USD per kg. A blank optional",
        "cell means the default. Yes/no cells accept yes/no/true/false/1/0. Ids are",
        "case-sensitive text (surrounding spaces are ignored), unique within their sheet.",
        "Unknown extra columns and sheets are kept and ignored.",
        "",
        "Required sheets: "
        + ", ".join(s.name for s in SHEETS if s.required)
        + ". Every other sheet is optional (missing = no rows).",
        "",
        "## Setting names (rows of the Settings sheet)",
        "",
        "| setting | type | unit | default | allowed | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        if s.choices:
            default, allowed = str(s.default), ", ".join(s.choices)
        else:
            default = (
                "required" if s.required else "blank" if s.default is None else f"{s.default:g}"
            )
            lo = "-inf" if s.lo is None else f"{s.lo:g}"
            hi = "inf" if s.hi is None else f"{s.hi:g}"
            allowed = f"[{lo}, {hi}]"
        lines.append(f"| {s.name} | {s.dtype} | {s.unit} | {default} | {allowed} | {s.help} |")
    lines += [
        "",
        "## Policy types (Policies.type)",
        "",
        "| type | needs | unit of value | meaning |",
        "|---|---|---|---|",
    ]
    for kind in POLICY_TYPES.values():
        lines.append(f"| {kind.name} | {', '.join(kind.needs)} | {kind.unit} | {kind.help} |")
    for sheet in SHEETS:
        status = "required" if sheet.required else "optional"
        key = f" Key: {', '.join(sheet.key)}." if sheet.key else ""
        lines += [
            "",
            f"## {sheet.name} ({status})",
            "",
            f"{sheet.help}{key}",
            "",
            "| column | type | unit | default | allowed | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for col in sheet.columns:
            lines.append(
                f"| {col.name} | {col.dtype} | {col.unit} | {col.default_text} | {_allowed(col)} "
                f"| {col.help} |"
            )
    lines += limits_section()
    return "\n".join(lines) + "\n"


def limits_section() -> list[str]:
    """Markdown lines of the "Limits on input files" section, from model/safety.py's constants."""
    lines = [
        "",
        "## Limits on input files",
        "",
        "Before anything is read, a workbook is checked against these limits (constants in",
        "`model/safety.py`, `ReadLimits`); a file beyond one is refused as unreadable (exit 2)",
        "with a message naming the sheet or part and the limit. Sizes of parts are the unpacked",
        "sizes the zip declares, so a zip bomb is refused before any of it is unpacked. For a",
        "real input larger than this, `--max-rows N` sets the row limit to N and raises the limits",
        "marked 'yes' in proportion (by N / the default row limit, never below the defaults).",
        "",
        "| limit | default | raised by --max-rows N | what it guards |",
        "|---|---|---|---|",
    ]
    for name, value, guards, scaled in limit_table():
        lines.append(f"| {name} | {value:,} | {'yes' if scaled else 'no'} | {guards} |")
    lines += [
        "",
        "Every file is also refused, with a plain message, when it is damaged (a part whose",
        "checksum fails, XML cut short), encrypted, an .xls or .xlsb under an .xlsx name, or when",
        "any XML part declares a document type or entities (XXE, 'billion laughs'). A cell whose",
        "stored content contradicts its own type (a true/false cell holding 'maybe', a number cell",
        "holding 'NaN') is an error at that cell; Excel error cells (#N/A) read as their text.",
    ]
    return lines


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/workbook.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workbook_reference(), encoding="utf-8")
    print(f"wrote {target}")
