"""What each rule of a workbook costs: solve a plain case without any policy, contract,
stock, tariff or compliance requirement, then the plain case plus each rule alone, then all
rules together, and report the change in cost, risk and unmet demand against the plain case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.results.tables import extract
from model.studies.executor import Book, Study, Where, run_points
from model.studies.persistent import Resolver
from model.workbook.data import ChainData

RULE_SHEETS = ("Policies", "Contracts", "Stocks", "Tariffs")


@dataclass(frozen=True)
class Rule:
    name: str
    keep: Callable[[ChainData], None]  # puts this one rule back into a plain copy


def _label(sheet: str, row: dict) -> str:
    if sheet == "Policies":
        return f"policy {row['policy']}"
    if sheet == "Contracts":
        return f"contract {row['contract']}"
    if sheet == "Stocks":
        return f"stock of {row['element']} at {row['site']}"
    years = f" from {row['first_year']}" if row.get("first_year") else ""
    return (
        f"tariff {row['tariff_pct']:g}% on {row['commodity']} "
        f"{row['from_country']}->{row['to_region']}{years}"
    )


def rules_of(data: ChainData) -> list[Rule]:
    """Every rule of the workbook that can be switched off on its own."""
    rules = []
    for sheet in RULE_SHEETS:
        frame = data.tables[sheet]
        for pos in range(len(frame)):
            row = frame.iloc[pos]

            def keep(d: ChainData, sheet=sheet, row=row) -> None:
                d.tables[sheet] = pd.concat([d.tables[sheet], row.to_frame().T])

            rules.append(Rule(_label(sheet, row.to_dict()), keep))
    segments = data.tables["Segments"]
    for s in segments.loc[segments["requires_compliant"] == True, "segment"]:  # noqa: E712

        def comply(d: ChainData, s=s) -> None:
            seg = d.tables["Segments"]
            seg.loc[seg["segment"] == s, "requires_compliant"] = True

        rules.append(Rule(f"compliant chains for {s}", comply))
    return rules


def plain(data: ChainData) -> ChainData:
    """A copy with no policy, contract, stock, tariff or compliance requirement."""
    out = data.copy()
    for sheet in RULE_SHEETS:
        out.tables[sheet] = out.tables[sheet].iloc[0:0]
    out.tables["Segments"]["requires_compliant"] = False
    out.findings = []
    return out


def impact_cases(data: ChainData) -> list[tuple[str, Callable[[], ChainData]]]:
    """(name, make the case) per case: plain, plain + each rule, all rules (the workbook as
    it is). A case is made when it is solved, so a worker holds one at a time."""
    rules = rules_of(data)

    def plus(rule: Rule) -> ChainData:
        case = plain(data)
        rule.keep(case)
        return case

    cases: list[tuple[str, Callable[[], ChainData]]] = [
        ("plain case (no rules)", lambda: plain(data))
    ]
    cases += [(f"+ {rule.name}", lambda rule=rule: plus(rule)) for rule in rules]
    cases.append(("all rules (the workbook as it is)", data.copy))
    return cases


class ImpactWorker:
    """One worker's persistent model for the impact cases (executor.Study): each case is
    solved on the same live model, rebuilt when the case's rules change its structure."""

    def __init__(self, data: ChainData, _setup: Any = None):
        self.cases = impact_cases(data)
        self.resolver: Resolver | None = None

    def __call__(self, index: int, _point: Any = None) -> dict[str, Any]:
        name, make = self.cases[index]
        case = make()
        row: dict[str, Any] = {"point": index, "case": name}
        if self.resolver is None:
            self.resolver = Resolver(case)
        point = self.resolver.solve(case)
        row["status"] = point.result.status
        if point.result.ok:
            summary = extract(case, point.network, point.result, full=False).summary
            row.update({key: summary.get(key) for key in FIGURES})
        else:
            row["message"] = point.result.message
        return row


FIGURES = ("total_cost_usd", "risk_usd", "unmet_t")


def impact_table(
    data: ChainData,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    dask: str | None = None,
    book: Book | None = None,
) -> pd.DataFrame:
    """One row per case: plain, plain + each rule, all rules (the workbook as it is);
    `progress(done, total)` is called as cases finish. The cases run in this process, on
    `workers` local processes or on Dask (studies/executor.py); an interrupted run keeps
    the cases that finished (`interrupted` in the frame's attrs)."""
    names = [name for name, _make in impact_cases(data)]
    outcome = run_points(
        data, Study(ImpactWorker), [None] * len(names), Where(workers, dask), book, progress
    )
    by_point = {row["point"]: row for row in outcome.rows}
    rows = []
    for k, name in enumerate(names):
        row = by_point.get(k, {"status": "not run"})
        rows.append(
            {
                "case": name,
                "status": row.get("status"),
                **{key: row.get(key) for key in FIGURES},
            }
        )
    frame = pd.DataFrame(rows)
    for key in FIGURES:
        frame[key] = pd.to_numeric(frame[key])
    frame["cost_change_usd"] = frame["total_cost_usd"] - frame["total_cost_usd"].iloc[0]
    frame["risk_change_usd"] = frame["risk_usd"] - frame["risk_usd"].iloc[0]
    frame.attrs["interrupted"] = outcome.interrupted
    return frame


def impact_markdown(table: pd.DataFrame) -> str:
    """The impact table as Markdown (USD in millions)."""
    lines = [
        "| case | cost (M USD) | change | risk (M USD) | change | unmet (t) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in table.to_dict("records"):
        cost, risk = r["total_cost_usd"] / 1e6, r["risk_usd"] / 1e6
        lines.append(
            f"| {r['case']} | {cost:,.0f} | {r['cost_change_usd'] / 1e6:+,.0f} "
            f"| {risk:,.0f} | {r['risk_change_usd'] / 1e6:+,.0f} | {r['unmet_t']:,.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    from model.api import load_workbook_data

    print(impact_markdown(impact_table(load_workbook_data(sys.argv[1]))))
