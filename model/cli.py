"""The `mine2magnet` command line.

Exit status: 0 a plan was found (or the workbook is clean), 1 the input has errors,
2 the file cannot be read, 3 the solver found no plan (the Summary says why).
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from model import __version__
from model.api import Run, check_book, parse_book, solve_data
from model.findings import Finding, InputError, errors_in
from model.lp.costs import COST_COMPONENTS
from model.report.solution import summary_json, write_solution
from model.results.explain import sentences, unmet_reasons
from model.workbook.changes import Change, ChangeError, check_change, parse_change
from model.workbook.data import ChainData
from model.workbook.reader import DEFAULT_LIMITS, RawBook, ReadLimits, lock_file, read_workbook

T = TypeVar("T")

# Commands other than solve and validate import what they need when they run, so that the
# everyday `solve` starts quickly.

err = Console(stderr=True)
EXIT_OK, EXIT_INPUT, EXIT_UNREADABLE, EXIT_NO_PLAN = 0, 1, 2, 3
EXIT_USAGE = 2  # as click exits on a usage error
PATH = click.Path(path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="mine2magnet")
def app() -> None:
    """mine2magnet: least-cost, low-risk sourcing plans for rare-earth magnet supply chains."""


def _set_max_rows(ctx: click.Context, _param: click.Parameter, value: int | None) -> None:
    if value is not None:
        ctx.meta["read_limits"] = ReadLimits.with_max_rows(value)


def workbook_argument(function: Callable) -> Callable:
    """The input workbook (.xlsx), the first argument of most commands, and --max-rows."""
    function = click.option(
        "--max-rows",
        type=click.IntRange(min=1),
        default=None,
        expose_value=False,
        callback=_set_max_rows,
        help="Read sheets of up to N rows (default 100,000; raises the file size limits "
        "in proportion). For real inputs larger than the limits in docs/workbook.md.",
    )(function)
    return click.argument("workbook", type=PATH)(function)


def _limits() -> ReadLimits:
    """The read limits of this command line (--max-rows), else the defaults."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("read_limits", DEFAULT_LIMITS) if ctx else DEFAULT_LIMITS


def output_option(kind: str) -> Callable[[Callable], Callable]:
    """--output/-o: where the result workbook goes (default outputs/<stem>_<kind>.xlsx)."""
    return click.option(
        "--output",
        "-o",
        type=PATH,
        default=None,
        help=f"Result workbook (default outputs/<stem>_{kind}.xlsx).",
    )


def workers_option(function: Callable) -> Callable:
    """--workers/-w: how many processes solve the points; --dask: a Dask cluster instead."""
    function = click.option(
        "--dask",
        "dask",
        default=None,
        metavar="ADDRESS|local[:N]",
        help="Solve the points on Dask: a running scheduler's address (e.g. "
        "tcp://10.0.0.5:8786) or local[:N] for N worker processes on this machine. Each "
        "worker keeps one model; the workbook's bytes travel, not its path.",
    )(function)
    return click.option(
        "--workers", "-w", type=int, default=1, show_default=True, help="Parallel processes."
    )(function)


def report_option(function: Callable) -> Callable:
    """--report: also write the HTML report beside the written workbook."""
    return click.option(
        "--report",
        "html_report",
        is_flag=True,
        help="Also write the HTML report beside the written workbook (<stem>_report.html).",
    )(function)


def _book_for(data: ChainData, dask: str | None):
    """The workbook's bytes for Dask workers (None without --dask)."""
    if not dask:
        return None
    from model.studies.executor import Book, local_workers

    try:
        local_workers(dask)
    except ValueError as exc:
        err.print(f"[red]ERROR[/red] {escape(str(exc))}")
        raise _exit(EXIT_USAGE) from None
    try:
        return Book.of(data, _limits())
    except ValueError as exc:
        err.print(f"[red]ERROR[/red] {escape(str(exc))}")
        raise _exit(EXIT_UNREADABLE) from None


def _dask_error(exc: Exception) -> click.exceptions.Exit:
    """The exit for a Dask cluster that cannot be reached (printed in words)."""
    err.print(
        f"[red]ERROR[/red] cannot use the Dask cluster: {escape(f'{type(exc).__name__}: {exc}')}. "
        "Fix: check the scheduler's address and that it is running (dask scheduler), "
        "or use --dask local."
    )
    return _exit(EXIT_USAGE)


def _exit(code: int) -> click.exceptions.Exit:
    """The exception that ends a command with exit status `code` (raise it)."""
    return click.exceptions.Exit(code)


def _print_findings(findings: list[Finding]) -> None:
    for f in findings:
        colour = "red" if f.severity == "error" else "yellow"
        err.print(
            f"[{colour}]{f.severity.upper()}[/{colour}] [bold]{escape(f.cell)}[/bold]: "
            f"{escape(f.message)}"
        )
        if f.hint:
            err.print(f"    fix: {escape(f.hint)}", highlight=False)


def _refuse_input_as_output(out: Path, *inputs: Path) -> None:
    """Exit 1 when `out` is one of the `inputs`: they are never overwritten."""
    if any(out.resolve() == p.resolve() for p in inputs):
        err.print(
            "[red]ERROR[/red] the output path is an input workbook; inputs are never "
            "overwritten. Fix: choose another --output."
        )
        raise _exit(EXIT_INPUT)


def _read_or_exit(workbook: Path) -> RawBook:
    """The raw workbook, or exit 2 with a clear message when the file cannot be read."""
    try:
        return read_workbook(workbook, _limits())
    except InputError as exc:
        _print_findings(exc.findings)
        raise _exit(EXIT_UNREADABLE) from None


def _load_or_exit(workbook: Path) -> ChainData:
    """Validated data, or exit 1 listing every error (2 when the file cannot be read)."""
    data, findings = parse_book(_read_or_exit(workbook))
    if data is None:
        _print_findings(findings)
        n = len(errors_in(findings))
        err.print(f"[red]{n} error(s): no solve was attempted.[/red]")
        raise _exit(EXIT_INPUT)
    return data


def default_output(input_path: Path, kind: str = "solution") -> Path:
    """outputs/<input stem>_<kind>.xlsx under the current folder."""
    return Path("outputs") / f"{input_path.stem}_{kind}.xlsx"


def _output_path(workbook: Path, output: Path | None, kind: str) -> Path:
    """The given output, else the default one; never the input workbook itself."""
    out = output or default_output(workbook, kind)
    _refuse_input_as_output(out, workbook)
    return out


def report_path(solution: Path) -> Path:
    """Where a solution's HTML report goes by default: beside it, <stem>_report.html
    (a trailing _solution dropped from the stem)."""
    return solution.with_name(f"{solution.stem.removesuffix('_solution')}_report.html")


@app.command()
@workbook_argument
@output_option("solution")
@click.option("--json", "json_out", is_flag=True, help="Print the Summary as one JSON object.")
@report_option
def solve(workbook: Path, output: Path | None, json_out: bool, html_report: bool) -> None:
    """Solve a workbook and write its solution workbook."""
    started = time.perf_counter()
    out = _output_path(workbook, output, "solution")
    if lock_file(out).exists():
        err.print(
            f"[red]ERROR[/red] {out} is open in Excel ({lock_file(out).name} exists). "
            "Fix: close it in Excel, or choose another --output."
        )
        raise _exit(EXIT_INPUT)
    data = _load_or_exit(workbook)
    run = solve_data(data, read_s=time.perf_counter() - started)
    _print_findings(data.findings)
    t0 = time.perf_counter()
    write_solution(run.solution, out)
    run.solution.summary["write_s"] = time.perf_counter() - t0
    if json_out:
        sys.stdout.write(summary_json(run.solution.summary) + "\n")
    _print_summary(run, out)
    scenarios = data.tables["Scenarios"]["scenario"].dropna().nunique()
    if scenarios:
        err.print(
            f"note: the workbook has {scenarios} scenario(s); this plan is for the workbook as "
            "it is. `mine2magnet robust` plans for all of them."
        )
    if html_report:
        _write_html_report(run.solution, out)
    if not run.result.ok:
        raise _exit(EXIT_NO_PLAN)


def _write_html_report(solution, out: Path) -> None:
    """The HTML report of a solution just written to `out`, beside it."""
    from model.report.html import write_report
    from model.report.solution_reader import SolutionBook

    book = SolutionBook(out, dict(solution.summary), dict(solution.tables))
    written = write_report(book, report_path(out))
    err.print(f"report written to [bold]{written}[/bold]")


def _read_solution_or_exit(path: Path):
    """A solution workbook's tables, or exit 2 saying why it cannot be read."""
    from model.report.solution_reader import read_solution

    try:
        return read_solution(path, _limits())
    except InputError as exc:
        _print_findings(exc.findings)
        raise _exit(EXIT_UNREADABLE) from None


@app.command()
@workbook_argument
@click.option(
    "--output",
    "-o",
    type=PATH,
    default=None,
    help="The HTML file (default: beside the solution workbook, <stem>_report.html).",
)
def report(workbook: Path, output: Path | None) -> None:
    """Write the HTML report of a solution workbook: KPIs, flow Sankey and map, China's share
    per stage, cost waterfall, risk and scenarios; one file that opens without a network."""
    from model.report.html import write_report

    book = _read_solution_or_exit(workbook)
    out = output or report_path(workbook)
    _refuse_input_as_output(out, workbook)
    write_report(book, out)
    err.print(f"report written to [bold]{out}[/bold]")


def compare_path(solutions: list[Path]) -> Path:
    """outputs/compare_<A>_<B>.xlsx (with more than three workbooks, _and_<n>_more)."""
    stems = [p.stem for p in solutions]
    name = "_".join(stems) if len(stems) <= 3 else f"{stems[0]}_and_{len(stems) - 1}_more"
    return Path("outputs") / f"compare_{name}.xlsx"


@app.command()
@click.argument("solutions", nargs=-1, required=True, type=PATH)
@click.option(
    "--output",
    "-o",
    type=PATH,
    default=None,
    help="The comparison workbook (default outputs/compare_<A>_<B>.xlsx); the HTML page "
    "goes beside it with the suffix .html.",
)
def compare(solutions: tuple[Path, ...], output: Path | None) -> None:
    """Compare solution workbooks side by side (the first is the reference): KPIs, cost by
    component, China's share per stage, the flows that changed most, and scenarios. One
    workbook with a Scenarios sheet compares its scenarios."""
    from model.report.compare import compare as compare_books
    from model.report.compare import write_comparison_html, write_comparison_workbook

    books = [_read_solution_or_exit(p) for p in solutions]
    if len(books) == 1 and books[0].table("Scenarios").empty:
        err.print(
            "[red]ERROR[/red] one workbook without a Scenarios sheet has nothing to compare. "
            "Fix: give two or more solution workbooks."
        )
        raise _exit(EXIT_USAGE)
    out = output or compare_path(list(solutions))
    _refuse_input_as_output(out, *solutions)
    comparison = compare_books(books)
    write_comparison_workbook(comparison, out)
    page = write_comparison_html(comparison, books, out.with_suffix(".html"))
    table = Table(show_header=True, header_style="bold")
    table.add_column("figure")
    for name in comparison.names:
        table.add_column(name, justify="right")
    for row in comparison.kpis.to_dict("records"):
        if row["key"] in ("total_cost_usd", "unmet_t", "china_share_magnet"):
            cells = []
            for name in comparison.names:
                value = row[name]
                if value is None or (isinstance(value, float) and value != value):
                    cells.append("-")  # a workbook without a plan
                elif not isinstance(value, int | float):
                    cells.append(str(value))
                elif row["unit"] == "share":
                    cells.append(f"{value:.1%}")
                else:
                    cells.append(f"{value:,.0f}")
            table.add_row(row["figure"], *cells)
    err.print(table)
    err.print(f"comparison written to [bold]{out}[/bold] and [bold]{page}[/bold]")


@app.command()
@workbook_argument
@click.option("--json", "json_out", is_flag=True, help="Print the findings as one JSON object.")
def validate(workbook: Path, json_out: bool) -> None:
    """Check a workbook and list every finding; exit 0 clean, 1 errors, 2 unreadable."""
    try:
        raw = read_workbook(workbook, _limits())
    except InputError as exc:
        _report_findings(workbook, exc.findings, json_out)
        raise _exit(EXIT_UNREADABLE) from None
    findings = check_book(raw)
    n_err = _report_findings(workbook, findings, json_out)
    raise _exit(EXIT_INPUT if n_err else EXIT_OK)


def _report_findings(workbook: Path, findings: list[Finding], json_out: bool) -> int:
    """Print the findings (and, with `json_out`, one JSON object on stdout); the error count."""
    _print_findings(findings)
    n_err = len(errors_in(findings))
    err.print(f"{n_err} error(s), {len(findings) - n_err} warning(s) in {workbook.name}.")
    if json_out:
        document = {
            "file": workbook.name,
            "errors": n_err,
            "warnings": len(findings) - n_err,
            "findings": [asdict(f) for f in findings],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return n_err


@app.command()
@click.argument("output", type=PATH)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def template(output: Path, force: bool) -> None:
    """Write a blank input workbook to OUTPUT: every sheet, column, dropdown and a ReadMe."""
    from model.api import registered_choices
    from model.workbook.template import write_template

    try:
        write_template(output, force=force, registered=registered_choices())
    except FileExistsError:
        err.print(
            f"[red]ERROR[/red] {output} already exists and was left untouched. "
            "Fix: choose another name, or add --force to replace it."
        )
        raise _exit(EXIT_USAGE) from None
    err.print(f"blank input workbook written to [bold]{output}[/bold]")


@app.command()
@workbook_argument
@click.option(
    "--points", "-n", type=int, default=7, show_default=True, help="Points on the frontier."
)
@click.option(
    "--cvar",
    is_flag=True,
    help="Expected cost against CVaR over the Scenarios sheet's scenarios (cvar_alpha).",
)
@output_option("frontier")
def frontier(workbook: Path, points: int, cvar: bool, output: Path | None) -> None:
    """Trace the cost-risk efficient frontier (epsilon-constraint on risk, or on CVaR)."""
    from model.report.solution import write_frontier

    out = _output_path(workbook, output, "frontier")
    data = _load_or_exit(workbook)
    if cvar:
        from model.studies.robust import cvar_frontier as trace
    else:
        from model.studies.frontier import efficient_frontier as trace
    try:
        result = _with_progress("solves", lambda progress: trace(data, points, progress=progress))
    except RuntimeError as exc:
        err.print(f"[red]no frontier[/red]: {escape(str(exc))}")
        raise _exit(EXIT_NO_PLAN) from None
    write_frontier(result, out)
    columns = (
        [("expected cost (USD)", "expected_cost_usd"), ("CVaR (USD)", "cvar_usd")]
        if cvar
        else [("total cost (USD)", "total_cost_usd"), ("risk (USD)", "risk_usd")]
    )
    table = Table(show_header=True, header_style="bold")
    for title in ("point", *(c[0] for c in columns), *([] if cvar else ["unmet (t)"])):
        table.add_column(title, justify="right")
    for row in result.table.to_dict("records"):
        cells = [f"{row.get(key, float('nan')):,.0f}" for _title, key in columns]
        if not cvar:
            cells.append(f"{row.get('unmet_t', float('nan')):,.1f}")
        table.add_row(str(row["point"]), *cells)
    err.print(table)
    err.print(f"frontier written to [bold]{out}[/bold]")


@app.command()
@workbook_argument
@output_option("robust")
@click.option("--json", "json_out", is_flag=True, help="Print the Summary as one JSON object.")
@report_option
@workers_option
def robust(
    workbook: Path,
    output: Path | None,
    json_out: bool,
    html_report: bool,
    workers: int,
    dask: str | None,
) -> None:
    """A plan that holds up in every scenario of the Scenarios sheet (two-stage, CVaR).

    --workers/--dask spread the scenarios planned alone (for EVPI)."""
    from model.report.studies import write_robust
    from model.studies.robust import run_robust

    out = _output_path(workbook, output, "robust")
    data = _load_or_exit(workbook)
    book = _book_for(data, dask)
    result = _with_progress(
        "solves",
        lambda progress: run_robust(data, progress, workers=workers, dask=dask, book=book),
        dask,
    )
    write_robust(result, out)
    s = result.summary
    if json_out:
        sys.stdout.write(summary_json(s) + "\n")
    ok = s["status"] == "optimal"
    colour = "green" if ok else "red"
    err.print(f"[{colour}]{s['status']}[/{colour}]: {escape(str(s['message']))}")
    if not ok:
        err.print(f"  - {escape(str(s.get('explanation', '')))}", highlight=False)
        err.print(f"robust plan written to [bold]{out}[/bold]")
        raise _exit(EXIT_NO_PLAN)
    table = Table(show_header=True, header_style="bold")
    for column in ("scenario", "p", "cost (USD)", "nominal plan (USD)", "unmet (t)", "China"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for row in result.scenarios.to_dict("records"):
        table.add_row(
            escape(str(row["scenario"])),
            f"{row['probability']:.0%}",
            f"{row['objective_usd']:,.0f}",
            f"{row.get('nominal_plan_objective_usd', float('nan')):,.0f}",
            f"{row['unmet_t']:,.1f}",
            f"{row['china_share_magnet']:.0%}",
        )
    err.print(table)
    for key in ("expected_cost_usd", "cvar_usd", "evpi_usd", "vss_usd"):
        if key in s:
            err.print(f"{key.removesuffix('_usd').replace('_', ' ')}: {s[key]:,.0f} USD")
    for sentence in result.sentences:
        err.print(f"  - {escape(sentence)}", highlight=False)
    err.print(f"robust plan written to [bold]{out}[/bold]")
    if html_report:
        _write_html_report(result.solution, out)


@app.command()
@workbook_argument
@workers_option
@output_option("impact")
def impact(workbook: Path, workers: int, dask: str | None, output: Path | None) -> None:
    """What each policy, contract, stock, tariff and compliance rule changes in cost and risk."""
    from model.report.solution import write_table_book
    from model.studies.impact import impact_table

    out = _output_path(workbook, output, "impact")
    data = _load_or_exit(workbook)
    book = _book_for(data, dask)
    table = _with_progress(
        "cases",
        lambda progress: impact_table(data, progress, workers=workers, dask=dask, book=book),
        dask,
    )
    if table.attrs.get("interrupted"):
        err.print("[yellow]interrupted[/yellow]: the finished cases are kept.")
    write_table_book({"Impact": table}, out)
    shown = Table(show_header=True, header_style="bold")
    for column in ("case", "cost change (USD)", "risk change (USD)", "unmet (t)"):
        shown.add_column(column, justify="left" if column == "case" else "right")
    for row in table.to_dict("records"):
        shown.add_row(
            row["case"],
            f"{row['cost_change_usd']:,.0f}",
            f"{row['risk_change_usd']:,.0f}",
            f"{row['unmet_t']:,.1f}",
        )
    err.print(shown)
    err.print(f"impact table written to [bold]{out}[/bold]")


CHANGE_HELP = (
    "A what-if: Sheet[key,...].column OP values, OP one of = *= +=, values a number, a list "
    "a,b,c or a range start:stop:step; optional @YEAR or @FROM-TO after the keys, e.g. "
    "'Sites[carina].capacity_t *= 0.5' or "
    "'MarketPrices[china_market,oxide,Dy].price_usd_per_kg = 200:1000:100'. Repeatable."
)


def _progress():
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def _with_progress(label: str, run: Callable[[Callable[[int, int], None]], T], dask=None) -> T:
    """`run(progress)` under a progress bar counting `label`. Bad input (InputError) prints
    its findings and exits 1; an OSError is a Dask cluster that cannot be reached (exit 2)
    when `dask` is given, else printed in words (exit 2)."""
    try:
        with _progress() as bar:
            task = bar.add_task(label, total=None)
            return run(lambda done, total: bar.update(task, completed=done, total=total))
    except InputError as exc:
        _print_findings(exc.findings)
        raise _exit(EXIT_INPUT) from None
    except OSError as exc:
        if dask:
            raise _dask_error(exc) from None
        err.print(f"[red]ERROR[/red] {escape(f'{type(exc).__name__}: {exc}')}")
        raise _exit(EXIT_USAGE) from None


def _changes_from(data: ChainData, texts: list[str], sweep_name: str | None) -> list[Change]:
    if texts:
        try:
            changes = [parse_change(t) for t in texts]
            for change in changes:
                check_change(change, data)
        except ChangeError as exc:
            err.print(f"[red]ERROR[/red] {escape(str(exc))}")
            raise _exit(EXIT_INPUT) from None
        return changes
    sweeps = data.tables["Sweeps"]
    names = list(dict.fromkeys(sweeps["sweep"]))
    if sweep_name is None and len(names) == 1:
        sweep_name = names[0]
    if sweep_name is None or sweep_name not in names:
        known = ", ".join(names) or "none"
        err.print(
            "[red]ERROR[/red] name what to sweep: --change 'Sheet[key].column = values', or "
            f"--sweep NAME from the Sweeps sheet (sweeps there: {known})."
        )
        raise _exit(EXIT_INPUT)
    return [parse_change(t) for t in sweeps.loc[sweeps["sweep"] == sweep_name, "change"]]


@app.command()
@workbook_argument
@click.option("--change", "-c", multiple=True, help=CHANGE_HELP)
@click.option("--sweep", "sweep_name", default=None, help="A sweep named in the Sweeps sheet.")
@click.option("--paired", is_flag=True, help="Take the changes' values side by side.")
@workers_option
@click.option("--kpi", multiple=True, help="Extra Summary figure to tabulate (repeatable).")
@output_option("sweep")
def sweep(
    workbook: Path,
    change: tuple[str, ...],
    sweep_name: str | None,
    paired: bool,
    workers: int,
    dask: str | None,
    kpi: tuple[str, ...],
    output: Path | None,
) -> None:
    """Solve every combination of the changes' values on one persistent model per worker."""
    from model.report.studies import write_sweep
    from model.studies.sweep import run_sweep

    out = _output_path(workbook, output, "sweep")
    data = _load_or_exit(workbook)
    changes = _changes_from(data, list(change), sweep_name)
    book = _book_for(data, dask)
    result = _with_progress(
        "points",
        lambda progress: run_sweep(
            data,
            changes,
            paired=paired,
            workers=workers,
            kpis=list(kpi),
            progress=progress,
            dask=dask,
            book=book,
        ),
        dask,
    )
    for note in result.notes:
        err.print(f"[yellow]note[/yellow]: {escape(note)}", highlight=False)
    write_sweep(result, out)
    failed = int((result.table.get("status") != "optimal").sum()) if len(result.table) else 0
    if result.interrupted:
        err.print("[yellow]interrupted[/yellow]: the finished points are kept.")
    err.print(
        f"{len(result.table)} points in {result.seconds:.1f} s ({failed} without a plan); "
        f"sweep written to [bold]{out}[/bold]"
    )


@app.command()
@workbook_argument
@click.option(
    "--pct", type=float, default=20.0, show_default=True, help="Move each parameter by this %."
)
@click.option(
    "--param",
    multiple=True,
    help="Parameter to move, e.g. 'Sites[carina].capacity_t' (repeatable; default: every "
    "market price, site capacity and segment demand).",
)
@click.option("--top", type=int, default=15, show_default=True, help="Rows to print.")
@workers_option
@output_option("tornado")
def tornado(
    workbook: Path,
    pct: float,
    param: tuple[str, ...],
    top: int,
    workers: int,
    dask: str | None,
    output: Path | None,
) -> None:
    """Rank parameters by how much moving them -/+pct changes the objective."""
    from model.report.studies import write_tornado
    from model.studies.tornado import run_tornado

    out = _output_path(workbook, output, "tornado")
    data = _load_or_exit(workbook)
    book = _book_for(data, dask)
    try:
        result = _with_progress(
            "points",
            lambda progress: run_tornado(
                data, pct, list(param) or None, workers, progress=progress, dask=dask, book=book
            ),
            dask,
        )
    except ChangeError as exc:
        err.print(f"[red]ERROR[/red] {escape(str(exc))}")
        raise _exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow] before the base case was solved: no tornado.")
        raise _exit(EXIT_NO_PLAN) from None
    if result.interrupted:
        err.print("[yellow]interrupted[/yellow]: the finished parameters are kept.")
    write_tornado(result, out)
    shown = Table(show_header=True, header_style="bold")
    for column in ("parameter", f"-{pct:g}% (USD)", f"+{pct:g}% (USD)"):
        shown.add_column(column, justify="left" if column == "parameter" else "right")
    for row in result.moving.head(top).to_dict("records"):
        shown.add_row(
            escape(row["parameter"]),
            f"{row['change_down_usd']:+,.0f}",
            f"{row['change_up_usd']:+,.0f}",
        )
    err.print(shown)
    flat_rows = result.of("none")
    if len(flat_rows):
        names = ", ".join(flat_rows["parameter"].head(8))
        more = f" and {len(flat_rows) - 8} more" if len(flat_rows) > 8 else ""
        err.print(
            f"{len(flat_rows)} parameter(s) do not move the objective: {escape(names)}{more}.",
            highlight=False,
        )
    for row in result.of("failed").to_dict("records"):
        err.print(
            f"[yellow]failed[/yellow] {escape(row['parameter'])}: {escape(row['reason'])}",
            highlight=False,
        )
    err.print(f"tornado written to [bold]{out}[/bold]")


def _print_summary(run: Run, out: Path) -> None:
    s = run.solution.summary
    colour = "green" if run.result.ok else "red"
    err.print(f"[{colour}]{s['status']}[/{colour}]: {s['message']}")
    for sentence in sentences(
        run.network,
        run.result,
        run.solution.tables.get("Explanations", unmet_reasons(run.network, run.result)),
    ):
        err.print(f"  - {escape(sentence)}", highlight=False)
    if run.result.ok:
        table = Table(show_header=True, header_style="bold")
        table.add_column("figure")
        table.add_column("value", justify="right")
        table.add_row("objective (USD, discounted)", f"{s['objective_usd']:,.0f}")
        table.add_row("  total cost", f"{s['total_cost_usd']:,.0f}")
        for component in COST_COMPONENTS:
            table.add_row(f"    {component.replace('_', ' ')}", f"{s[component + '_usd']:,.0f}")
        if s.get("risk_weight"):
            weighted = s["risk_weight"] * s["risk_usd"]
            table.add_row(f"  risk x weight {s['risk_weight']:g}", f"{weighted:,.0f}")
        table.add_row("demand served (t)", f"{s['served_t']:,.0f} of {s['demand_t']:,.0f}")
        table.add_row("unmet demand (t)", f"{s['unmet_t']:,.1f}")
        table.add_row(
            "times read/build/solve (s)",
            f"{s['read_s']:.2f} / {s['build_s'] + s['handoff_s']:.2f} / {s['solve_s']:.2f}",
        )
        err.print(table)
    err.print(f"solution written to [bold]{out}[/bold]")


def _keep_stdout_for_results() -> None:
    """Point file descriptor 1 at stderr and give `sys.stdout` a private copy of the real one.

    Only what a command promises (the JSON) is written to sys.stdout; anything else that
    writes to fd 1, a solver's banner or log from C or C++ code, lands on stderr instead."""
    sys.stdout.flush()
    encoding = sys.stdout.encoding or "utf-8"
    private = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = io.TextIOWrapper(io.FileIO(private, "w"), encoding=encoding, write_through=True)


def main() -> None:
    """Run the command, then leave at once with its exit status.

    Every file is written and closed by then (workbooks atomically, pools joined), so the
    process skips Python's teardown: freeing every object of a run one by one takes a
    quarter of a second on the base case, a tenth of the whole command."""
    _keep_stdout_for_results()
    try:
        app(prog_name="mine2magnet")
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # a message instead of a status: print it, as Python would
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
