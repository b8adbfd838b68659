"""The one path through the house: workbook -> data -> network -> model -> HiGHS -> tables.

    read_workbook -> parse_book (+ the registries' row checks) -> ChainData
      -> chain.build_network -> lp.build_model -> solver.open_session -> results.extract

`load_workbook_data`, `load_workbook_bytes`, `solve_workbook`, `solve_data` and `check_book`
are the Python API the command line, the studies and the tests use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from model.chain.checks import check_network
from model.chain.network import Network, build_network
from model.findings import Finding, InputError, errors_in
from model.lp.build import build_model
from model.lp.names import BUILD
from model.lp.policies import POLICY_TYPES, check_policy_rows
from model.memory import collect_young, release_memory
from model.results.sums import PreparedSums
from model.results.tables import Solution, extract
from model.solver.session import LpSession, SolveResult, open_session
from model.workbook import validate
from model.workbook.data import ChainData
from model.workbook.reader import (
    DEFAULT_LIMITS,
    RawBook,
    ReadLimits,
    read_workbook,
    read_workbook_bytes,
)

# rules of registered types, checked with the sheets' own rules
ROW_CHECKS = (check_policy_rows,)


def registered_choices() -> dict[str, tuple[str, ...]]:
    """Allowed values of columns whose choices a registry keeps (schema Column.choices_from),
    for the template's dropdowns and the docs."""
    return {"policy types": tuple(POLICY_TYPES)}


def parse_book(raw: RawBook) -> tuple[ChainData | None, list[Finding]]:
    """Typed data and every finding of a read workbook (data is None when an error remains):
    the sheets' rules (workbook.validate) and those of registered types (ROW_CHECKS)."""
    return validate.parse_book(raw, ROW_CHECKS)


def load_workbook_data(path: str | Path) -> ChainData:
    """Read and validate a workbook; raise InputError with every error when it cannot be used."""
    data, findings = parse_book(read_workbook(path))
    if data is None or errors_in(findings):
        raise InputError(findings)
    return data


def load_workbook_bytes(
    book: bytes, name: str = "workbook.xlsx", limits: ReadLimits = DEFAULT_LIMITS
) -> ChainData:
    """Read and validate a workbook from its file's bytes (a study's worker gets those, not a
    path); raise InputError with every error when it cannot be used."""
    data, findings = parse_book(read_workbook_bytes(book, name, limits))
    if data is None or errors_in(findings):
        raise InputError(findings)
    return data


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


def network_columns(net: Network) -> int:
    """The model's columns as the network counts them (variables of no row aside)."""
    stocks = len(net.stocks) * len(net.years)
    return len(net.flows) + len(net.make) + len(net.yields) + len(net.demand_t) + stocks


def solve_data(data: ChainData, read_s: float = 0.0, lean_above: int = LEAN_ABOVE_COLUMNS) -> Run:
    """Derive the network, build and solve the model, extract the tables; timings in Summary.

    A model of more than `lean_above` columns (network_columns) is solved lean: it is built
    and compiled in a child process (open_session's `in_child`), so its millions of objects
    never scatter this process's heap; the network is freed and its memory given back before
    HiGHS starts, and derived again for the reports. A smaller
    model keeps its network; while HiGHS solves, the spent model is collected and the sums the
    reports need are listed over the LP's columns (results.sums.PreparedSums) on the other
    core. Either way HiGHS's memory is given back before the reports are made.
    """
    t0 = time.perf_counter()
    net = build_network(data)
    data.findings.extend(check_network(data, net))
    network_s = time.perf_counter() - t0
    limit = data.settings["time_limit_s"]
    method = data.settings.get("solver_method", "auto")
    big = network_columns(net) > lean_above
    session = open_session(
        lambda: build_model(net),
        limit,
        collect=False,
        mip_gap=data.settings["mip_gap"],
        method=method,
        in_child=big,
    )
    session.reduced_for = {BUILD}  # the value of one more t of each project
    lean = big and session.error is None
    if lean:
        clock = time.perf_counter()
        session.detach_keys()
        del net
        release_memory()
        session.handoff_s += time.perf_counter() - clock
        result = session.solve(ranging=True)
        result.memory = session.memory
    else:
        prepared: list[PreparedSums] = []

        def while_solving(live: LpSession = session) -> None:  # HiGHS releases the GIL
            collect_young()
            prepared.append(PreparedSums(net, live.column_of))

        result = session.solve(ranging=True, while_solving=while_solving)
    build_s = network_s + session.build_s
    t2 = time.perf_counter()
    del session  # the result holds the values: HiGHS's working memory can go before reporting
    release_memory(collect=False)
    if lean:
        net = build_network(data)
    result.timings = {"read_s": read_s, "build_s": build_s, **result.timings}
    solution = extract(data, net, result, prepared=None if lean or not prepared else prepared[0])
    solution.summary["report_s"] = time.perf_counter() - t2
    return Run(data, net, result, solution)


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
