"""One path through the house: workbook -> data -> network -> model -> HiGHS -> tables."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC

from model.chain.checks import check_network
from model.chain.network import Network, build_network
from model.findings import Finding
from model.lp.build import build_model
from model.memory import release_memory
from model.results.tables import Solution, extract
from model.solver.session import LpSession, SolveResult
from model.workbook.data import ChainData
from model.workbook.reader import RawBook
from model.workbook.validate import load_workbook_data, parse_book


@dataclass
class Run:
    """Everything one solve produced, for the CLI, reports and tests."""

    data: ChainData
    network: Network
    result: SolveResult
    solution: Solution


# Above this many columns a solve runs lean: while HiGHS works, nothing else of size is in
# memory (the network, about 250 bytes a column, is derived again for the reports).
LEAN_ABOVE_COLUMNS = 250_000


def solve_data(data: ChainData, read_s: float = 0.0, lean_above: int = LEAN_ABOVE_COLUMNS) -> Run:
    """Derive the network, build and solve the model, extract the tables; timings in Summary.

    A model with more than `lean_above` columns is solved lean: the session's keys are copied
    (LpSession.detach_keys), the network and the spent model are freed and their memory given
    back before HiGHS starts, and the network is derived again for the reports. A smaller
    model keeps its network, and the spent model is collected on the other core while HiGHS
    solves. Either way HiGHS's memory is given back before the reports are made.
    """
    t0 = time.perf_counter()
    net = build_network(data)
    data.findings.extend(check_network(data, net))
    network_s = time.perf_counter() - t0
    limit = data.settings["time_limit_s"]
    session = open_session(lambda: build_model(net), limit, collect=False)
    lean = session.error is None and session.stats["columns"] > lean_above
    if lean:
        clock = time.perf_counter()
        session.detach_keys()
        del net
        release_memory()
        session.handoff_s += time.perf_counter() - clock
        result = session.solve(ranging=True)
    else:
        result = session.solve(ranging=True, while_solving=_collect_spent_model)
    build_s = network_s + session.build_s
    t2 = time.perf_counter()
    del session  # the result holds the values: HiGHS's working memory can go before reporting
    release_memory(collect=False)
    if lean:
        net = build_network(data)
    result.timings = {"read_s": read_s, "build_s": build_s, **result.timings}
    solution = extract(data, net, result)
    solution.summary["report_s"] = time.perf_counter() - t2
    return Run(data, net, result, solution)


def _collect_spent_model() -> None:
    """Collect the spent model (work for the other core while HiGHS solves). It was made while
    the collector was paused, so it is all in the young generations: collecting those frees it
    without walking the old heap."""
    gc.collect(1)


def open_session(
    make_model: Callable[[], pyo.ConcreteModel],
    time_limit_s: float,
    collect: bool = True,
) -> LpSession:
    """Build a model and hand it to a live HiGHS model. Each constraint is freed as it is
    compiled; with `collect` the rest of the model is gone before anything is solved.

    Everything alive before the build is set aside from the garbage collector (gc.freeze), so
    the one collection that frees the model (Pyomo models hold reference cycles) walks the
    model's own objects only. `session.build_s` and `session.handoff_s` time the two steps.
    With collect=False the spent model is left for the caller to collect (while HiGHS solves,
    with `_collect_spent_model` or the sweep's first point).
    """
    started = time.perf_counter()
    gc.freeze()
    try:
        with PauseGC():  # the model's objects are collected once, below, not on every build
            model = make_model()
            built = time.perf_counter()
            session = LpSession(model, time_limit_s=time_limit_s, release_model=True)
            del model
            if collect:
                gc.collect()
    finally:
        gc.unfreeze()
    session.build_s = built - started
    session.handoff_s = time.perf_counter() - built
    return session


def solve_workbook(path: str | Path) -> Run:
    """Read, validate and solve a workbook (raises InputError on bad input)."""
    t0 = time.perf_counter()
    data = load_workbook_data(path)
    return solve_data(data, read_s=time.perf_counter() - t0)


def check_book(raw: RawBook) -> list[Finding]:
    """Every finding `solve` would report before solving: cells, references, chain rules and,
    when those pass, the network checks."""
    data, findings = parse_book(raw)
    if data is not None:
        findings = findings + check_network(data, build_network(data))
    return findings
