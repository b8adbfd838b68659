"""Scale benchmark: how close the whole pipeline gets to HiGHS alone on the same LP.

    .venv/bin/python benchmarks/run.py [--size base|M|L|XL ...] [--sweep N] [--repeat N]
        [--method auto|simplex|ipm|hipo] [--dask-sweep N] [--no-alone]

For each size (default: base and M) it generates the workbook (benchmarks/generate.py), then
in a fresh process times read, validate, build, hand-off to HiGHS, HiGHS run, extraction,
write and total (from the read to the written workbook; the imports are timed before it),
with peak memory; and in another fresh process solves the same LP exported to MPS with
highspy alone. It prints columns, rows, nonzeros, every time, and the ratios total / HiGHS
run (also with the imports included) and peak memory / HiGHS alone (peak memory: this
process's largest resident size, or the largest sum, sampled every 50 ms, of its resident
size and the unshared memory of the child process that builds a lean solve's model,
whichever is larger), and appends the figures to benchmarks/results/scale.json. With
--sweep N it also times an N-point price sweep on the persistent model against the sum of
HiGHS's warm re-solves. With --repeat N every measurement runs N times, alternating with
HiGHS alone, and the medians are printed (this VM's timings vary by 10 to 30% between runs),
with each run's ratios and times.
--method picks HiGHS's algorithm for both the pipeline and HiGHS alone; --dask-sweep N times an
N-point sweep here and on LocalClusters of 1 and 2 workers (base and M only).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_mps(workbook: str, mps: str) -> dict:
    """Write the workbook's LP as MPS for HiGHS alone (called in a child of its own, so the
    export costs neither time nor memory in the timed run)."""
    sys.path.insert(0, str(ROOT))
    from model.api import load_workbook_data
    from model.chain.network import build_network
    from model.lp.build import build_model
    from model.solver.session import open_session

    net = build_network(load_workbook_data(workbook))
    open_session(lambda: build_model(net), 3600).write_model(mps)
    return {}


class MemorySampler:
    """Every 50 ms: this process's resident size plus the memory its child processes do not
    share with it (a lean solve builds its model in a child); the largest sum is kept."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from model.memory import rss_mb

        me = os.getpid()
        while not self._stop.wait(0.05):
            total = rss_mb()
            for child in _children(me):
                total += _private_mb(child)
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in task.read_text().split()]
    return out


def _private_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return (
        sum(int(fields.get(k, "0 kB").split()[0]) for k in ("Private_Clean", "Private_Dirty"))
        / 1024
    )


def pipeline(workbook: str, out: str, method: str = "auto") -> dict:
    """One full run in this process (called in a child) through the pipeline's own
    `solve_data`; returns the timings. `total_s` runs from the read to the written workbook;
    `import_s` (Python start-up excluded) comes before it."""
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from model.api import parse_book, solve_data
    from model.report.solution import write_solution
    from model.workbook.reader import read_workbook

    t = {"import_s": time.perf_counter() - start}
    sampler = MemorySampler()
    clock = time.perf_counter()
    raw = read_workbook(workbook)
    t["read_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    data, findings = parse_book(raw)
    assert data is not None, findings[:3]
    data.settings["solver_method"] = method
    del raw
    t["validate_s"] = time.perf_counter() - clock
    run = solve_data(data)
    timings, summary = run.result.timings, run.solution.summary
    t["build_s"] = timings["build_s"]
    t["handoff_s"] = timings["handoff_s"]
    t["highs_s"] = timings["solve_s"]
    t["extract_s"] = timings["extract_s"] + summary["report_s"]
    clock = time.perf_counter()
    write_solution(run.solution, out)
    t["write_s"] = time.perf_counter() - clock
    done = time.perf_counter()
    t["total_s"] = done - start - t["import_s"]
    t["total_with_import_s"] = done - start
    t["peak_mb"] = _peak_mb()
    # this process and the child that builds a lean solve's model, at once (sampled)
    t["sampled_peak_mb"] = sampler.stop()
    t["peak_mb"] = max(t["peak_mb"], t["sampled_peak_mb"])
    t.update(run.result.stats)
    t["solver_method"] = run.result.method
    t["status"] = run.result.status
    t["objective"] = run.result.objective
    return t


def highs_alone(mps: str, method: str = "auto") -> dict:
    """Read the MPS file and solve it with highspy only (called in a child), with the
    algorithm the pipeline's `method` picks for this size."""
    sys.path.insert(0, str(ROOT))
    from model.solver.session import chosen_method, new_highs, use_method

    start = time.perf_counter()
    highs = new_highs()  # a plain Highs, made without its banner
    highs.readModel(mps)
    use_method(highs, chosen_method(method, highs.getNumCol()))
    clock = time.perf_counter()
    highs.run()
    run = time.perf_counter() - clock
    return {
        "highs_alone_iterations": int(highs.getInfo().simplex_iteration_count),
        "highs_alone_run_s": run,
        "highs_alone_total_s": time.perf_counter() - start,
        "highs_alone_peak_mb": _peak_mb(),
        "highs_alone_objective": highs.getInfo().objective_function_value,
    }


def sweep_at(workbook: str, points: str) -> dict:
    """A price sweep on the persistent model (called in a child): wall time against the sum of
    HiGHS's warm re-solve times."""
    sys.path.insert(0, str(ROOT))
    from model.api import load_workbook_data
    from model.studies.sweep import run_sweep
    from model.workbook.changes import parse_change

    data = load_workbook_data(workbook)
    n = int(points)
    values = ",".join(f"{600 + 400 * k / max(1, n - 1):.3f}" for k in range(n))
    change = parse_change(f"MarketPrices[china_market,oxide,Dy].price_usd_per_kg = {values}")
    clock = time.perf_counter()
    table = run_sweep(data, [change]).table
    wall = time.perf_counter() - clock
    solves = float(table["solve_s"].sum())
    return {
        "sweep_points": n,
        "sweep_wall_s": wall,
        "sweep_highs_s": solves,
        "sweep_over_highs": wall / solves,
        "sweep_fast_points": int((table["path"] == "fast").sum()),
    }


def dask_sweep_at(workbook: str, points: str) -> dict:
    """An N-point price sweep (called in a child) in this process, on 2 local processes,
    then on a LocalCluster of 1 and of 2 one-thread workers, each cluster started before the
    clock (as a standing cluster would be) and warmed by importing the model; wall times and
    throughputs."""
    import logging

    sys.path.insert(0, str(ROOT))
    from distributed import Client, LocalCluster

    from model.api import load_workbook_data
    from model.studies.sweep import run_sweep
    from model.workbook.changes import parse_change

    data = load_workbook_data(workbook)
    n = int(points)
    values = ",".join(f"{600 + 400 * k / max(1, n - 1):.3f}" for k in range(n))
    change = parse_change(f"MarketPrices[china_market,oxide,Dy].price_usd_per_kg = {values}")
    out: dict = {"dask_sweep_points": n}
    clock = time.perf_counter()
    run_sweep(data, [change])
    out["sweep_here_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    table = run_sweep(data, [change], workers=2).table
    out["sweep_local2_s"] = time.perf_counter() - clock
    assert (table["status"] == "optimal").all() and len(table) == n
    for workers in (1, 2):
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            host="127.0.0.1", silence_logs=logging.ERROR,
        ) as cluster, Client(cluster) as client:  # fmt: skip
            client.run(lambda: __import__("model.studies.sweep"))
            clock = time.perf_counter()
            table = run_sweep(data, [change], dask=cluster.scheduler_address).table
            out[f"sweep_dask{workers}_s"] = time.perf_counter() - clock
            assert (table["status"] == "optimal").all() and len(table) == n
    # 2 workers against twice one worker's throughput: 1.0 is perfect scaling
    out["dask2_vs_2x_dask1"] = 2 * out["sweep_dask2_s"] / out["sweep_dask1_s"]
    out["dask2_vs_2x_here"] = 2 * out["sweep_dask2_s"] / out["sweep_here_s"]
    out["local2_vs_2x_here"] = 2 * out["sweep_local2_s"] / out["sweep_here_s"]
    return out


def _child(function: str, *args: str) -> dict:
    here = str(Path(__file__).parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import run; "
        f"print(json.dumps(run.{function}(*{args!r})))"
    )
    done = subprocess.run([PY, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(
    size: str,
    sweep_points: int = 0,
    repeat: int = 1,
    method: str = "auto",
    alone: bool = True,
    dask_points: int = 0,
) -> dict:
    """Every figure of one size. With `repeat` above 1 the pipeline, HiGHS alone (and the CLI
    and sweep) run that many times, alternating, each ratio is taken within one repetition,
    and the medians are reported, with each repetition's ratios and times under `runs`."""
    data_dir = ROOT / "benchmarks" / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    workbook = data_dir / f"{size}.xlsx"
    clock = time.perf_counter()
    subprocess.run([PY, str(ROOT / "benchmarks" / "generate.py"), size, str(workbook)], check=True)
    generate_s = time.perf_counter() - clock
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        mps = str(Path(tmp) / f"{size}.mps")
        if alone:
            _child("export_mps", str(workbook), mps)
        for _ in range(repeat):
            figures = _child("pipeline", str(workbook), str(Path(tmp) / "solution.xlsx"), method)
            if alone:
                figures.update(_child("highs_alone", mps, method))
            if size == "base":
                figures.update(_cli_end_to_end(workbook, Path(tmp)))
            if sweep_points:
                figures.update(_child("sweep_at", str(workbook), str(sweep_points)))
            if dask_points:
                figures.update(_child("dask_sweep_at", str(workbook), str(dask_points)))
            runs.append(_with_ratios(figures))
    summary = _medians(runs)
    summary.update(size=size, generate_s=generate_s, repeat=repeat)
    if repeat > 1:
        summary["runs"] = [{k: r[k] for k in PER_RUN if k in r} for r in runs]
    return summary


def _cli_end_to_end(workbook: Path, tmp: Path) -> dict:
    """Wall seconds of `mine2magnet solve` on the workbook, start-up included."""
    cli = ROOT / ".venv" / "bin" / "mine2magnet"
    if not cli.exists():
        return {}
    clock = time.perf_counter()
    subprocess.run([str(cli), "solve", str(workbook), "-o", str(tmp / "s.xlsx")],
                   check=True, capture_output=True)  # fmt: skip
    return {"cli_end_to_end_s": time.perf_counter() - clock}


def _with_ratios(figures: dict) -> dict:
    # the MPS text rounds a few coefficients, so HiGHS alone may take another pivot path
    # (see the iteration counts); this ratio is against HiGHS's run inside the same process
    figures["total_over_own_highs"] = figures["total_s"] / figures["highs_s"]
    # the model's own overhead: build, hand-off and extraction (reading and writing excluded)
    model_s = figures["build_s"] + figures["handoff_s"] + figures["extract_s"]
    figures["overhead_over_own_highs"] = model_s / figures["highs_s"]
    if "highs_alone_run_s" in figures:
        figures["total_over_highs"] = figures["total_s"] / figures["highs_alone_run_s"]
        figures["total_with_import_over_highs"] = (
            figures["total_with_import_s"] / figures["highs_alone_run_s"]
        )
        figures["memory_over_highs"] = figures["peak_mb"] / figures["highs_alone_peak_mb"]
    return figures


def _medians(runs: list[dict]) -> dict:
    """The median of every numeric figure over the repetitions (other figures: the first)."""
    out = {}
    for key, first in runs[0].items():
        numeric = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        plain = isinstance(first, int | float) and not isinstance(first, bool)
        out[key] = statistics.median(numeric) if plain and len(numeric) == len(runs) else first
    return out


# kept for every repetition, and printed lowest to highest after the medians
PER_RUN = ("total_over_highs", "total_with_import_over_highs", "total_over_own_highs",
           "overhead_over_own_highs", "memory_over_highs", "total_s", "highs_s",
           "highs_alone_run_s", "peak_mb", "cli_end_to_end_s", "sweep_over_highs",
           "dask2_vs_2x_dask1", "dask2_vs_2x_here", "local2_vs_2x_here")  # fmt: skip


ORDER = ("columns", "rows", "nonzeros", "import_s", "read_s", "validate_s", "build_s",
         "handoff_s", "highs_s", "extract_s", "write_s", "total_s", "total_with_import_s",
         "peak_mb", "sampled_peak_mb",
         "simplex_iterations", "highs_alone_iterations",
         "highs_alone_run_s", "highs_alone_peak_mb", "total_over_highs",
         "total_with_import_over_highs", "total_over_own_highs",
         "overhead_over_own_highs", "memory_over_highs",
         "cli_end_to_end_s", "sweep_points", "sweep_wall_s", "sweep_highs_s",
         "sweep_over_highs", "dask_sweep_points", "sweep_here_s", "sweep_dask1_s",
         "sweep_dask2_s", "dask2_vs_2x_dask1", "dask2_vs_2x_here", "sweep_local2_s",
         "local2_vs_2x_here")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", choices=("base", "M", "L", "XL"))
    parser.add_argument(
        "--sweep", type=int, default=0, help="also time a sweep of this many points (not at L)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each size this many times; print medians"
    )
    parser.add_argument(
        "--method", default="auto", choices=("auto", "simplex", "ipm", "hipo"),
        help="HiGHS's algorithm (Settings: solver_method), for the pipeline and HiGHS alone",
    )  # fmt: skip
    parser.add_argument(
        "--dask-sweep", type=int, default=0,
        help="also time a sweep of this many points here and on LocalClusters of 1 and 2",
    )  # fmt: skip
    parser.add_argument(
        "--no-alone", action="store_true", help="skip HiGHS alone (e.g. for XL: another solve)"
    )
    args = parser.parse_args()
    sizes = args.size or ["base", "M"]
    small = ("base", "M")
    rows = [
        measure(
            size,
            args.sweep if size in small else 0,
            args.repeat,
            args.method,
            not args.no_alone,
            args.dask_sweep if size in small else 0,
        )
        for size in sizes
    ]
    print(f"{'':22s}" + "".join(f"{r['size']:>14s}" for r in rows))
    print(f"{'solver_method':22s}" + "".join(f"{r.get('solver_method', ''):>14.14s}" for r in rows))
    for key in ORDER:
        cells = []
        for r in rows:
            value = r.get(key)
            cells.append(f"{'-':>14s}" if value is None else f"{value:14,.2f}")
        if all(c.strip() == "-" for c in cells):
            continue
        print(f"{key:22s}" + "".join(cells))
    if args.repeat > 1:
        print(f"medians of {args.repeat} runs; each run's figures, lowest to highest:")
        for key in PER_RUN:
            spreads = [sorted(run[key] for run in r["runs"] if key in run) for r in rows]
            if any(spreads):
                cells = [" ".join(f"{v:.2f}" for v in spread) or "-" for spread in spreads]
                print(f"  {key:30s}" + " | ".join(cells))
    out = ROOT / "benchmarks" / "results" / "scale.json"
    out.parent.mkdir(exist_ok=True)
    history = json.loads(out.read_text()) if out.exists() else []
    stamp = time.strftime("%Y-%m-%d %H:%M")
    out.write_text(json.dumps([*history, *({"date": stamp, **r} for r in rows)], indent=2) + "\n")


if __name__ == "__main__":
    main()
