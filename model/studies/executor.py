"""Run the points of a study of one workbook here, on local processes, or on Dask.

A study is a family of solves of one workbook: the points of a sweep, the parameters of a
tornado, the cases of an impact table, the scenarios of a robust plan planned alone.
Whatever runs them keeps, per worker, one persistent model: `Study.make(data, setup)` is
called once per worker and returns a function `solve(index, point) -> row` that re-solves
that worker's model point after point. Points travel in batches of neighbouring points, so
each worker's warm starts follow the order of the points.

Where the points run (`Where`):

    workers=1, dask=None     in this process
    workers=N, dask=None     N local processes (concurrent.futures), the data pickled to each
    dask="local[:N]"         a LocalCluster of N one-thread worker processes, made and closed here
    dask="tcp://host:8786"   a running Dask scheduler and its workers, wherever they are

On Dask the workbook travels as the bytes of its file (`Book`: bytes, name, read limits),
scattered once to every worker, never as a path: each worker reads and validates the bytes
once per study, as the command did, and keeps its model for the next batch. A batch whose
worker is lost is run again elsewhere (the scheduler reschedules it; local processes get a new
pool), up to `RETRIES` times, then its points are recorded as errors. A point that raises is
an error row and never loses the others. Ctrl-C (KeyboardInterrupt) cancels what has not run
and returns the points already finished.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

from model.api import load_workbook_bytes
from model.solver.threads import one_thread_per_process
from model.workbook.data import ChainData
from model.workbook.reader import DEFAULT_LIMITS, ReadLimits, file_sha256

# how often a batch whose worker was lost is run again before its points count as errors
RETRIES = 3
# points per batch: about four batches per worker (load balance), at most this many
MAX_BATCH = 64


@dataclass(frozen=True)
class Study:
    """What each worker needs: `make(data, setup)` returns `solve(index, point) -> row dict`.

    `make` is a class or a module-level function (it travels by name) and `setup` plain
    picklable data (e.g. the parsed changes and the KPIs to report)."""

    make: Callable[[ChainData, Any], Callable[[int, Any], dict[str, Any]]]
    setup: Any = None


@dataclass(frozen=True)
class Book:
    """A workbook as its file's bytes, the name its findings carry and the read limits."""

    data: bytes
    name: str
    sha256: str
    limits: ReadLimits = DEFAULT_LIMITS

    @classmethod
    def of(cls, data: ChainData, limits: ReadLimits = DEFAULT_LIMITS) -> Book:
        """The bytes of the file `data` was read from; ValueError when there is none or it
        changed since it was read."""
        if data.source is None or not Path(data.source).is_file():
            raise ValueError("a study on Dask needs the workbook's file; this data has none.")
        content = Path(data.source).read_bytes()
        book = cls(content, Path(data.source).name, file_sha256(Path(data.source)), limits)
        if data.sha256 and book.sha256 != data.sha256:
            raise ValueError(f"{book.name} changed on disk since it was read; run again.")
        return book


@dataclass(frozen=True)
class Where:
    """Where the points run: `workers` local processes, or a Dask cluster (`dask`: a
    scheduler's address, or 'local' / 'local:N' for a LocalCluster made for this study)."""

    workers: int = 1
    dask: str | None = None

    @property
    def label(self) -> str:
        if self.dask:
            return f"dask {self.dask}"
        return "this process" if self.workers <= 1 else f"{self.workers} local processes"


@dataclass(frozen=True)
class Fault:
    """Tests only: the worker process that reaches point `at` exits at once, the first time
    (the file `marker` records that it did), as a machine that is lost mid-batch would."""

    at: int
    marker: str

    def strike(self, index: int) -> None:
        if index == self.at and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(17)


@dataclass
class Outcome:
    """The rows of the points that ran (in no particular order), whether the run was cut
    short, notes for people (batches lost and run again), and where it ran."""

    rows: list[dict[str, Any]]
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)
    where: str = ""


def run_points(
    data: ChainData,
    study: Study,
    points: Sequence[Any],
    where: Where = Where(),
    book: Book | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int | None = None,
    fault: Fault | None = None,
) -> Outcome:
    """Solve `points` (see the module docstring); `progress(done, total)` as points finish.

    `book` is the workbook's bytes for Dask (by default read from the file `data` came from).
    Each row gets the point's position as `point`, unless the worker sets it."""
    total = len(points)
    numbered = list(enumerate(points))
    if not numbered:
        return Outcome([], where=where.label)
    if where.dask:
        return _on_dask(data, study, numbered, where, book, progress, batch, fault)
    workers = max(1, min(int(where.workers), total, os.cpu_count() or 1))
    if workers == 1:
        return _here(data, study, numbered, progress)
    return _on_processes(data, study, numbered, workers, progress, batch, fault)


def batches_of(numbered: list[tuple[int, Any]], slots: int, size: int | None = None) -> list:
    """Neighbouring points in batches of `size` (default: about four batches per slot)."""
    size = size or max(1, min(MAX_BATCH, math.ceil(len(numbered) / (4 * max(1, slots)))))
    return [numbered[k : k + size] for k in range(0, len(numbered), size)]


# --- in this process ---------------------------------------------------------------------


def _here(data, study, numbered, progress) -> Outcome:
    solve = study.make(data, study.setup)
    rows: list[dict[str, Any]] = []
    try:
        for index, point in numbered:
            rows.append(_guarded(solve, index, point))
            if progress:
                progress(len(rows), len(numbered))
    except KeyboardInterrupt:
        return Outcome(rows, True, where=Where().label)
    return Outcome(rows, where=Where().label)


def _guarded(solve, index: int, point) -> dict[str, Any]:
    """One point's row; an exception becomes an error row (one bad point never loses the
    others)."""
    started = time.perf_counter()
    try:
        row = solve(index, point)
    except Exception as exc:
        row = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
        row["wall_s"] = time.perf_counter() - started
    row.setdefault("point", index)
    return row


# --- worker side: one model per worker (thread), per study --------------------------------
_STATES: dict[tuple[str, int], Callable[[int, Any], dict[str, Any]]] = {}
_LOCAL_DATA: dict[str, ChainData] = {}
_STATES_LOCK = threading.Lock()


def _init_local(run: str, data: ChainData) -> None:
    _LOCAL_DATA.clear()
    _LOCAL_DATA[run] = data


def _solver_of(run: str, source: Book | None, study: Study):
    """This worker thread's solve function for the study `run`: made once, from the data a
    local pool was given or from the workbook's bytes (read and validated here, once).
    Models of earlier studies are dropped, so a long-lived Dask worker holds one at a time."""
    key = (run, threading.get_ident())
    with _STATES_LOCK:
        solve = _STATES.get(key)
        if solve is None:
            for old in [k for k in _STATES if k[0] != run]:
                del _STATES[old]
    if solve is None:
        one_thread_per_process()  # one point at a time on this worker's core
        if source is None:
            data = _LOCAL_DATA[run]
        else:
            data = load_workbook_bytes(source.data, source.name, source.limits)
        solve = study.make(data, study.setup)
        with _STATES_LOCK:
            _STATES[key] = solve
    return solve


def run_batch(
    run: str, source: Book | None, study: Study, batch: list, fault: Fault | None = None
) -> list[dict[str, Any]]:
    """Solve one batch of (index, point) on this worker's model of the study `run`."""
    solve = _solver_of(run, source, study)
    rows = []
    for index, point in batch:
        if fault is not None:
            fault.strike(index)
        rows.append(_guarded(solve, index, point))
    return rows


def _lost(batch: list, why: str) -> list[dict[str, Any]]:
    return [{"point": index, "status": "error", "message": why} for index, _ in batch]


# --- local processes ------------------------------------------------------------------------


def _on_processes(data, study, numbered, workers, progress, size, fault) -> Outcome:
    """Batches on a pool of local processes; when a process is lost the pool breaks, and the
    batches it left unfinished go to a new pool (each at most RETRIES times)."""
    run = uuid4().hex
    outcome = Outcome([], where=Where(workers).label)
    todo = batches_of(numbered, workers, size)
    losses = [0] * len(todo)
    remaining = list(range(len(todo)))
    while remaining:
        broken: list[int] = []
        with ProcessPoolExecutor(workers, initializer=_init_local, initargs=(run, data)) as pool:
            pending = {
                pool.submit(run_batch, run, None, study, todo[k], fault): k for k in remaining
            }
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        k = pending.pop(future)
                        try:
                            outcome.rows.extend(future.result())
                        except BrokenProcessPool:
                            broken.append(k)
                    if progress:
                        progress(len(outcome.rows), len(numbered))
            except KeyboardInterrupt:
                for future in pending:
                    future.cancel()
                outcome.interrupted = True
                return outcome
        remaining = []
        for k in broken:
            losses[k] += 1
            if losses[k] <= RETRIES:
                remaining.append(k)
            else:
                why = f"worker lost {losses[k]} times while solving this batch"
                outcome.rows.extend(_lost(todo[k], why))
        if remaining:
            outcome.notes.append(
                f"a worker process was lost: {len(remaining)} batch(es) run again."
            )
    return outcome


# --- Dask ------------------------------------------------------------------------------------


def local_workers(address: str) -> int | None:
    """How many workers 'local' or 'local:N' asks for (N, or this machine's cores); None for
    a scheduler's address. ValueError when N is not a positive whole number."""
    if address != "local" and not address.startswith("local:"):
        return None
    if address == "local":
        return os.cpu_count() or 1
    count = address.split(":", 1)[1]
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"--dask {address}: N in local:N must be a whole number from 1.")
    return int(count)


def dask_client(address: str):
    """A Dask client (and the LocalCluster it owns, or None) for `address`: a scheduler's
    address, or 'local' / 'local:N' for N one-thread worker processes on this machine
    (dashboard off, loopback only)."""
    from distributed import Client, LocalCluster

    n = local_workers(address)
    if n is not None:
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster
    return Client(address), None  # waits distributed.comm.timeouts.connect (30 s) at most


def _on_dask(data, study, numbered, where, book, progress, size, fault) -> Outcome:
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    book = book or Book.of(data)
    client, cluster = dask_client(where.dask)
    outcome = Outcome([], where=where.label)
    try:
        client.wait_for_workers(1, timeout=60)
        slots = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        run = uuid4().hex
        source = client.scatter(book, broadcast=True, hash=False)
        batches = batches_of(numbered, slots, size)
        futures = {
            client.submit(run_batch, run, source, study, b, fault, pure=False): b for b in batches
        }
        try:
            for future in as_completed(futures):
                batch = futures.pop(future)
                try:
                    outcome.rows.extend(future.result())
                except FutureCancelledError:
                    outcome.rows.extend(_lost(batch, "cancelled"))
                except Exception as exc:  # KilledWorker: lost more often than the scheduler allows
                    outcome.rows.extend(_lost(batch, f"{type(exc).__name__}: {exc}"))
                    outcome.notes.append(f"a batch failed on Dask: {type(exc).__name__}")
                if progress:
                    progress(len(outcome.rows), len(numbered))
        except KeyboardInterrupt:
            client.cancel(list(futures))
            outcome.interrupted = True
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return outcome
