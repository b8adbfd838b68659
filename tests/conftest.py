"""Shared helpers: test workbooks are built from Python rows at test time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from model.examples import tiny_tables
from model.input_writer import write_input_workbook
from model.pipeline import Run, solve_workbook

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"


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
