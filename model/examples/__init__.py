"""The shipped example workbooks: `tiny` (checkable by hand, model/examples/tiny.py) and
`base_case` (realistic, model/examples/base_case.py).

`python -m model.examples inputs` rewrites inputs/tiny.xlsx and inputs/base_case.xlsx."""

from __future__ import annotations

from pathlib import Path

from model.examples.base_case import base_case_tables
from model.examples.tiny import tiny_tables
from model.workbook.writer import write_input_workbook


def write_examples(folder: str | Path) -> list[Path]:
    """Write tiny.xlsx and base_case.xlsx into `folder`."""
    folder = Path(folder)
    return [
        write_input_workbook(tiny_tables(), folder / "tiny.xlsx"),
        write_input_workbook(base_case_tables(), folder / "base_case.xlsx"),
    ]
