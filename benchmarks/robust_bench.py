"""The extensive form of the two-stage stochastic LP at scale: N scenarios of a workbook
(the base case, or a synthetic M from benchmarks/generate.py), each moving demand, Dy and Tb
prices and a few capacities by random factors (numbers only, so every scenario shares the
nominal's structure), timed phase by phase in a fresh process, against HiGHS alone on the
same LP (exported to MPS, solved in another process).

    .venv/bin/python benchmarks/robust_bench.py --size base --scenarios 5 20 50
    .venv/bin/python benchmarks/robust_bench.py --size M --scenarios 5 20

Prints columns, rows, time per phase, peak memory and the ratios; appends the figures to
benchmarks/results/robust.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scenario_rows(data, count: int, seed: int = 7) -> list[dict]:
    """`count` scenarios of equal probability: demand of each segment x U(0.8, 1.3), the
    market's Dy and Tb oxide prices x U(0.7, 2.5), three random capacities x U(0.5, 1.0)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    segments = list(dict.fromkeys(data.tables["Demand"]["segment"]))
    prices = data.tables["MarketPrices"]
    heavy = prices[
        prices["commodity"].eq("oxide")
        & prices["item"].isin(["Dy", "Tb"])
        & prices["price_usd_per_kg"].notna()
    ]
    sites = data.tables["Sites"]
    capped = list(sites.loc[sites["capacity_t"].fillna(0) > 0, "site"])
    rows = []
    for k in range(count):
        name = f"s{k}"
        changes = [f"Demand[{s}].demand_t *= {rng.uniform(0.8, 1.3):.4f}" for s in segments]
        changes += [
            f"MarketPrices[{r.site},oxide,{r.item}].price_usd_per_kg *= {rng.uniform(0.7, 2.5):.4f}"
            for r in heavy.drop_duplicates(["site", "item"]).itertuples()
        ]
        changes += [
            f"Sites[{s}].capacity_t *= {rng.uniform(0.5, 1.0):.4f}"
            for s in rng.choice(capped, size=min(3, len(capped)), replace=False)
        ]
        for j, change in enumerate(changes):
            rows.append({"scenario": name, "probability": 1 / count if j == 0 else None,
                         "change": change})  # fmt: skip
    return rows


def extensive(workbook: str, count: int, mps: str) -> dict:
    """Build and solve the extensive form of `count` scenarios (called in a child)."""
    from model.api import load_workbook_data
    from model.lp.stochastic import build_extensive_form
    from model.solver.session import open_session
    from model.studies.robust import networks
    from model.workbook.changes import parse_change
    from model.workbook.scenarios import Scenario, reveal_year

    start = time.perf_counter()
    data = load_workbook_data(workbook)
    read = time.perf_counter() - start
    rows = scenario_rows(data, count)
    scenarios = [Scenario("nominal", 0.0)]
    for name in dict.fromkeys(r["scenario"] for r in rows):
        own = [r for r in rows if r["scenario"] == name]
        scenarios.append(Scenario(name, 1 / count, tuple(parse_change(r["change"]) for r in own)))
    clock = time.perf_counter()
    datas = [s.data(data) for s in scenarios]
    nets, groups = networks(datas)
    network_s = time.perf_counter() - clock
    reveal = reveal_year(data, scenarios)
    session = open_session(
        lambda: build_extensive_form(
            [(s.name, s.probability, n) for s, n in zip(scenarios, nets, strict=True)],
            reveal, 0.9, 0.0)[0],
        3600,
    )  # fmt: skip
    result = session.solve()
    figures = {
        "scenarios": count,
        "structures": groups,
        "read_s": read,
        "network_s": network_s,
        "build_s": session.build_s,
        "handoff_s": session.handoff_s or result.timings.get("handoff_s", 0.0),
        "highs_s": result.timings["solve_s"],
        "extract_s": result.timings["extract_s"],
        "total_s": time.perf_counter() - start,
        "peak_mb": _peak_mb(),
        "status": result.status,
        **session.stats,
    }
    session.write_model(mps)
    return figures


def highs_alone(mps: str) -> dict:
    """Read the MPS file and solve it with HiGHS only (called in a child)."""
    from model.solver.session import new_highs

    highs = new_highs()
    highs.readModel(mps)
    clock = time.perf_counter()
    highs.run()
    return {"highs_alone_s": time.perf_counter() - clock, "highs_alone_mb": _peak_mb()}


def _child(function: str, *args) -> dict:
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
        f"import robust_bench as b; print(json.dumps(b.{function}(*{args!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="base", choices=("base", "M", "L"))
    parser.add_argument("--scenarios", type=int, nargs="+", default=[5, 20, 50])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workbook = Path(tmp) / f"{args.size}.xlsx"
        if args.size == "base":
            workbook = ROOT / "inputs" / "base_case.xlsx"
        else:
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), args.size,
                            str(workbook)], check=True, capture_output=True)  # fmt: skip
        for count in args.scenarios:
            mps = str(Path(tmp) / f"x{count}.mps")
            figures = _child("extensive", str(workbook), count, mps)
            figures.update(_child("highs_alone", mps))
            figures["total_over_highs"] = figures["total_s"] / figures["highs_alone_s"]
            figures["memory_over_highs"] = figures["peak_mb"] / figures["highs_alone_mb"]
            figures["size"] = args.size
            rows.append(figures)
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                              for k, v in figures.items()}))  # fmt: skip
    out = ROOT / "benchmarks" / "results" / "robust.json"
    history = json.loads(out.read_text()) if out.exists() else []
    stamp = time.strftime("%Y-%m-%d %H:%M")
    out.write_text(json.dumps([*history, *({"date": stamp, **r} for r in rows)], indent=2) + "\n")


if __name__ == "__main__":
    main()
