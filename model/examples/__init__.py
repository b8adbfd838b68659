"""The shipped example workbooks: `tiny` (checkable by hand, model/examples/tiny.py) and
`base_case` (realistic, model/examples/base_case.py).

`python -m model.examples inputs` rewrites inputs/tiny.xlsx and inputs/base_case.xlsx."""

from __future__ import annotations

from pathlib import Path

from model.api import registered_choices
from model.examples.base_case import base_case_tables
from model.examples.tiny import tiny_tables
from model.workbook.writer import write_input_workbook

BASE_CASE_INTRO = [
    "mine2magnet base case: a US + EU NdFeB magnet supply network, 2026-2035",
    "Every row's notes give its source or say estimate (docs/base_case.md). The Sweeps sheet "
    "holds ready what-ifs: mine2magnet sweep base_case.xlsx --sweep dy_price",
    "",
]


def write_examples(folder: str | Path) -> list[Path]:
    """Write tiny.xlsx and base_case.xlsx into `folder`; the base case with the template's
    help (ReadMe, header comments, dropdowns, number formats)."""
    folder = Path(folder)
    return [
        write_input_workbook(tiny_tables(), folder / "tiny.xlsx"),
        write_input_workbook(
            base_case_tables(),
            folder / "base_case.xlsx",
            with_help=True,
            registered=registered_choices(),
            intro=BASE_CASE_INTRO,
        ),
    ]
