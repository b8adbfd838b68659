"""Read a saved solution workbook back into plain tables, so reports and comparisons work on
any solution without solving again.

The hardened reader of workbook/ does the reading (sizes and parts checked before a cell is
read, rows streamed), and only the sheets a report draws are parsed. A table that was too
long for a sheet was written to a CSV beside the workbook (the Summary's `<sheet>_csv`); it
is read from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from model.findings import Finding, InputError
from model.workbook.reader import DEFAULT_LIMITS, ReadLimits, read_workbook

REPORT_SHEETS = (
    "Summary",
    "Costs",
    "Flows",
    "ElementFlows",
    "Sites",
    "Demand",
    "Shares",
    "Risk",
    "ElementBalance",
    "Explanations",
    "Scenarios",
)
# optional solution sheets and the columns a report needs of them
SCENARIO_COLUMNS = ("scenario", "probability", "total_cost_usd", "unmet_t", "china_share_magnet")


@dataclass
class SolutionBook:
    """A solution workbook as data: the Summary as a dict, each read sheet as a DataFrame."""

    path: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def has_plan(self) -> bool:
        return self.summary.get("status") == "optimal" or bool(self.table("Flows").shape[0])

    def table(self, name: str) -> pd.DataFrame:
        """The sheet's table, or an empty one when the workbook has no such sheet."""
        return self.tables.get(name, pd.DataFrame())


def not_a_solution(path: Path, message: str) -> InputError:
    return InputError(
        [
            Finding(
                "error",
                path.name,
                path.name,
                message,
                "give a solution workbook written by `mine2magnet solve` (it has a Summary "
                "sheet of item and value).",
            )
        ]
    )


def read_solution(
    path: str | Path, limits: ReadLimits = DEFAULT_LIMITS, sheets=REPORT_SHEETS
) -> SolutionBook:
    """The Summary and the named sheets of a solution workbook; InputError (never a
    traceback) when the file cannot be read or is not a solution workbook."""
    path = Path(path)
    raw = read_workbook(path, limits, only=set(sheets))
    summary_sheet = raw.sheets.get("Summary")
    if summary_sheet is None or not {"item", "value"} <= set(summary_sheet.columns):
        raise not_a_solution(path, f"{path.name} has no Summary sheet of item and value.")
    summary = {
        str(row["item"]): row.get("value")
        for _, row in summary_sheet.rows
        if row.get("item") not in (None, "")
    }
    tables: dict[str, pd.DataFrame] = {}
    for name in sheets:
        if name == "Summary":
            continue
        csv = summary.get(f"{name}_csv")
        # only a plain file name beside the workbook, as solve writes it
        if csv and Path(str(csv)).name == str(csv) and (path.parent / str(csv)).is_file():
            tables[name] = pd.read_csv(path.parent / str(csv))
            continue
        sheet = raw.sheets.get(name)
        if sheet is None:
            continue
        columns = list(sheet.columns)
        tables[name] = pd.DataFrame([row for _, row in sheet.rows], columns=columns)
    return SolutionBook(path, summary, tables)
