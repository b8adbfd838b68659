"""Sweep speed: a persistent sweep of the base case against separate CLI solves, and two
workers against one. Run on demand (not part of the tests):

    .venv/bin/python benchmarks/sweep_bench.py [--points 50] [--workbook inputs/base_case.xlsx]

Prints wall times and the ratios; the persistent sweep should be at least 5x faster than the
same points solved one CLI call at a time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.api import load_workbook_data  # noqa: E402
from model.studies.sweep import run_sweep  # noqa: E402
from model.workbook.changes import apply_change, parse_change  # noqa: E402
from model.workbook.writer import write_input_workbook  # noqa: E402

CHANGE = "MarketPrices[china_market,oxide,Dy].price_usd_per_kg = {values}"


def _rows(data) -> dict[str, list[dict]]:
    """A ChainData's tables as rows for the input writer (Settings as setting/value rows)."""
    tables = {
        name: frame.drop(columns="_row").to_dict("records")
        for name, frame in data.tables.items()
        if name != "Settings"
    }
    tables["Settings"] = [{"setting": k, "value": v} for k, v in data.settings.items()]
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--workbook", default=str(ROOT / "inputs" / "base_case.xlsx"))
    args = parser.parse_args()
    data = load_workbook_data(args.workbook)
    values = [round(200 + 800 * k / max(1, args.points - 1), 3) for k in range(args.points)]
    change = parse_change(CHANGE.format(values=",".join(str(v) for v in values)))

    timings: dict[str, float] = {}
    for workers in (1, 2):
        started = time.perf_counter()
        sweep = run_sweep(data, [change], workers=workers)
        timings[f"sweep_workers_{workers}_s"] = time.perf_counter() - started
        assert (sweep.table["status"] == "optimal").all()
        timings[f"solve_sum_workers_{workers}_s"] = float(sweep.table["solve_s"].sum())

    cli = ROOT / ".venv" / "bin" / "mine2magnet"
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        for k, value in enumerate(values):
            case = data.copy()
            apply_change(case, change, value)
            path = write_input_workbook(_rows(case), Path(tmp) / f"p{k}.xlsx")
            subprocess.run(
                [str(cli), "solve", str(path), "-o", str(Path(tmp) / f"s{k}.xlsx"), "--json"],
                check=True,
                capture_output=True,
            )
        timings["separate_cli_s"] = time.perf_counter() - started

    ratios = {
        "separate_cli / persistent_sweep": timings["separate_cli_s"] / timings["sweep_workers_1_s"],
        "workers_1 / workers_2": timings["sweep_workers_1_s"] / timings["sweep_workers_2_s"],
    }
    print(f"{args.points} points of {Path(args.workbook).name}")
    for key, value in timings.items():
        print(f"  {key:32s} {value:8.2f}")
    for key, value in ratios.items():
        print(f"  {key:32s} {value:8.2f}x")
    out = ROOT / "benchmarks" / "results" / "sweep.json"
    out.parent.mkdir(exist_ok=True)
    record = {"date": time.strftime("%Y-%m-%d %H:%M"), "points": args.points, **timings, **ratios}
    history = json.loads(out.read_text()) if out.exists() else []
    out.write_text(json.dumps([*history, record], indent=2) + "\n")


if __name__ == "__main__":
    main()
