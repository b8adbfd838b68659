"""Sweeps: solve many what-ifs of one workbook on one persistent HiGHS model per worker.

Points are the product of the changes' values (or, with `paired`, their values taken side
by side). Each worker (this process, a local process or a Dask worker: studies/executor.py)
compiles the model once and re-solves point after point (persistent.Resolver, and the fast
path where it applies). A point that fails is recorded with its status; an interrupted sweep
(Ctrl-C) returns the points already finished.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from model.results.kpis import HEADLINE
from model.results.study_tables import SweepResult
from model.results.tables import extract
from model.studies.executor import Book, Study, Where, run_points
from model.studies.fastpath import FastPath, supported
from model.studies.persistent import Resolver
from model.workbook.changes import Change, apply_change, check_change
from model.workbook.data import ChainData
from model.workbook.validate import check_rules


def points_of(changes: Sequence[Change], paired: bool = False) -> list[tuple[float, ...]]:
    """The value combinations to solve: a product, or side by side when `paired`."""
    if paired:
        lengths = {len(c.values) for c in changes if len(c.values) > 1}
        if len(lengths) > 1:
            raise ValueError("paired changes need the same number of values each.")
        n = lengths.pop() if lengths else 1
        return [
            tuple(c.values[k] if len(c.values) > 1 else c.values[0] for c in changes)
            for k in range(n)
        ]
    return list(itertools.product(*(c.values for c in changes)))


def what_if(data: ChainData, changes: Sequence[Change], values: Sequence[float]) -> ChainData:
    """A copy of `data` with each change applied at its value."""
    out = data.copy()
    for change, value in zip(changes, values, strict=True):
        apply_change(out, change, value)
    return out


class SweepWorker:
    """One worker's persistent model for a sweep: `worker(index, values)` solves one point
    (executor.Study: made once per worker, with the changes and KPIs as its setup)."""

    def __init__(self, data: ChainData, setup: tuple[list[Change], tuple[str, ...]]):
        self.data = data
        self.changes, self.kpis = setup
        self.resolver: Resolver | None = None
        self.base_network = None
        self.fast: FastPath | None = None

    def __call__(self, index: int, values: tuple[float, ...]) -> dict[str, Any]:
        data, changes, kpis = self.data, self.changes, self.kpis
        row: dict[str, Any] = {"point": index}
        row.update({c.label: v for c, v in zip(changes, values, strict=True)})
        started = time.perf_counter()
        try:
            if self.resolver is None:
                self.resolver = Resolver(data)
                self.base_network = self.resolver.network
            fast = self._fast_path()
            plan = fast.plan(changes, values) if fast is not None else None
            if plan is not None:
                result = fast.solve(plan)
                row.update(status=result.status, path="fast", solve_s=result.timings["solve_s"])
                if result.ok:
                    row.update(fast.kpis(result.primal, plan))
                else:
                    row["message"] = result.message
                row["wall_s"] = time.perf_counter() - started
                return row
            case = what_if(data, changes, values)
            problems = check_rules(case)
            if problems:
                row.update(status="invalid", message=" ".join(str(f) for f in problems[:3]))
                row["wall_s"] = time.perf_counter() - started
                return row
            point = self.resolver.solve(case)
            row["status"] = point.result.status
            row["path"] = "rebuilt" if point.rebuilt else "pushed"
            row["solve_s"] = point.result.timings.get("solve_s")
            if point.result.ok:
                summary = extract(case, point.network, point.result, full=False).summary
                row.update({k: summary.get(k) for k in kpis})
            else:
                row["message"] = point.result.message
        except Exception as exc:  # one bad point must never lose the others
            row["status"] = "error"
            row["message"] = f"{type(exc).__name__}: {exc}"
        row["wall_s"] = time.perf_counter() - started
        return row

    def _fast_path(self) -> FastPath | None:
        """The fast path, on a session holding the unchanged workbook; None when these
        changes or KPIs need the general way."""
        if not all(supported(c) for c in self.changes) or not set(self.kpis) <= set(HEADLINE):
            return None
        resolver = self.resolver
        fast = self.fast
        if fast is None or fast.session is not resolver.session or fast.net is not resolver.network:
            if resolver.network is not self.base_network:
                resolver.solve(self.data)  # back to the workbook as it is after a general point
                self.base_network = resolver.network
            if resolver.session.error is not None:
                return None
            fast = self.fast = FastPath(resolver.network, resolver.session)
        return fast


def run_sweep(
    data: ChainData,
    changes: Sequence[Change],
    paired: bool = False,
    workers: int = 1,
    kpis: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    points: Sequence[Sequence[float]] | None = None,
    dask: str | None = None,
    book: Book | None = None,
) -> SweepResult:
    """Solve every point; `progress(done, total)` is called as points finish.

    `points` gives the value combinations explicitly (one value per change) instead of the
    product (or pairing) of the changes' own values. The points run in this process, on
    `workers` local processes, or on Dask (`dask`: a scheduler's address or 'local[:N]'; the
    workbook travels as `book`, by default the bytes of the file `data` was read from): see
    studies/executor.py.
    """
    for change in changes:
        check_change(change, data)
    changes = list(changes)
    wanted = tuple(dict.fromkeys((*HEADLINE, *kpis)))
    points = [tuple(p) for p in points] if points is not None else points_of(changes, paired)
    started = time.perf_counter()
    outcome = run_points(
        data,
        Study(SweepWorker, (changes, wanted)),
        points,
        Where(workers, dask),
        book=book,
        progress=progress,
    )
    table = pd.DataFrame(outcome.rows)
    if len(table):
        table = table.sort_values("point").reset_index(drop=True)
    return SweepResult(
        table, changes, outcome.interrupted, time.perf_counter() - started, outcome.notes
    )
