"""Shared helpers: test workbooks are built from Python rows at test time."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from model.api import Run, solve_workbook
from model.examples.tiny import tiny_tables
from model.workbook.writer import write_input_workbook

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"


def invoke(*args: object):
    """Run the CLI in-process; no run may end in an unhandled exception or a traceback."""
    from click.testing import CliRunner

    from model.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unhandled {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output
    return result


def flat(text: str) -> str:
    """Output with rich's line wrapping undone (the console is 80 columns in tests)."""
    return " ".join(text.split())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tiny() -> dict[str, list[dict]]:
    """A fresh, editable copy of the tiny example's rows."""
    return copy.deepcopy(tiny_tables())


@pytest.fixture
def write_book(tmp_path: Path) -> Callable[..., Path]:
    """write_book(tables, name='in.xlsx') -> path of a workbook written in tmp_path."""

    def write(tables: dict[str, list[dict]], name: str = "in.xlsx") -> Path:
        return write_input_workbook(tables, tmp_path / name)

    return write


@pytest.fixture
def solve_tables(write_book: Callable[..., Path]) -> Callable[..., Run]:
    """solve_tables(tables) -> Run of the whole pipeline on a workbook of those rows."""

    def solve(tables: dict[str, list[dict]], name: str = "in.xlsx") -> Run:
        return solve_workbook(write_book(tables, name))

    return solve
