"""This tree against another checkout of mine2magnet on the same workbook: the pipeline's
phases, run alternately in fresh processes, with the ratio this / other taken within each
repetition (timings on a shared machine vary by 10-30% from run to run).

    .venv/bin/python benchmarks/versus.py ../other-checkout --size M --repeat 5

The other checkout needs its own .venv (make test there). Prints the medians and every
repetition's ratio of the total (read to written workbook, imports excluded).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("read_s", "validate_s", "build_s", "handoff_s", "highs_s", "extract_s", "write_s")


def pipeline(tree: Path, workbook: Path, out: Path) -> dict:
    """One run of `tree`'s benchmarks/run.py pipeline in a fresh process of its own venv."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(tree / 'benchmarks')!r}); import run; "
        f"print(json.dumps(run.pipeline({str(workbook)!r}, {str(out)!r})))"
    )
    python = tree / ".venv" / "bin" / "python"
    done = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="another checkout with its own .venv")
    parser.add_argument("--size", default="M", choices=("base", "M", "L"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workbook = Path(tmp) / f"{args.size}.xlsx"
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), args.size, str(workbook)],
            check=True,
            capture_output=True,
        )
        this, other = [], []
        for _ in range(args.repeat):
            other.append(pipeline(args.other.resolve(), workbook, Path(tmp) / "o.xlsx"))
            this.append(pipeline(ROOT, workbook, Path(tmp) / "t.xlsx"))
    assert {r["objective"] for r in this} | {r["objective"] for r in other}, "no objective"
    print(f"{'phase (s)':14s}{'other':>10s}{'this':>10s}{'this/other':>12s}")
    for key in (*PHASES, "total_s"):
        a = statistics.median(r[key] for r in other)
        b = statistics.median(r[key] for r in this)
        print(f"{key:14s}{a:10.3f}{b:10.3f}{b / a:12.2f}")
    ratios = sorted(t["total_s"] / o["total_s"] for t, o in zip(this, other, strict=True))
    print("total this/other per repetition:", " ".join(f"{r:.2f}" for r in ratios))
    print("objectives:", this[0]["objective"], other[0]["objective"])


if __name__ == "__main__":
    main()
