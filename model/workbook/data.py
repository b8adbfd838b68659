"""The plain, typed data object that everything after validation works from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from model.findings import Finding


@dataclass
class ChainData:
    """A validated workbook: settings as a dict and one typed DataFrame per contract sheet.

    Every table has the schema's columns (blank cells filled with their defaults) plus `_row`,
    the Excel row each record came from, so later checks can still name the cell.
    """

    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    source: Path | None = None
    sha256: str = ""
    findings: list[Finding] = field(default_factory=list)
    # column letters as read: sheet -> {column name: letter}, so later checks name real cells
    letters: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return list(range(self.settings["first_year"], self.settings["last_year"] + 1))

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def cell(self, sheet: str, column: str, row: int | None) -> str:
        """'Sheet!F7' for a column and an Excel row, with the workbook's own column letters
        (validate.cell_ref); the whole row 'Sheet!7:7' when the column is not in the sheet."""
        return cell_ref(self.letters, sheet, column, row)

    def copy(self) -> ChainData:
        """A deep copy whose tables can be edited without touching this one."""
        return ChainData(
            settings=dict(self.settings),
            tables={k: v.copy() for k, v in self.tables.items()},
            source=self.source,
            sha256=self.sha256,
            findings=list(self.findings),
            letters=self.letters,
        )


def cell_ref(letters: dict[str, dict[str, str]], sheet: str, column: str, row: int | None) -> str:
    """'Sheet!F7' for a column name and row, using the workbook's own column letters; the whole
    row ('Sheet!7:7') when the sheet has no such column, the sheet when the row is unknown."""
    if row is None:
        return sheet
    letter = letters.get(sheet, {}).get(column)
    return f"{sheet}!{letter}{row}" if letter else f"{sheet}!{row}:{row}"


def first_online_year(row: dict, first: int) -> int:
    """A Projects row's earliest year online: max(earliest_year, first_year + lead_time_years)
    (a blank earliest_year is the first year, a blank lead time 0)."""
    lead = row["lead_time_years"] or 0
    earliest = row["earliest_year"] if row["earliest_year"] is not None else first
    return max(earliest, first + lead)
