"""What each rule of a workbook costs: solve a plain case without any policy, contract,
stock, tariff or compliance requirement, then the plain case plus each rule alone, then all
rules together, and report the change in cost, risk and unmet demand against the plain case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from model.api import solve_data
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


def impact_table(
    data: ChainData, progress: Callable[[int, int], None] | None = None
) -> pd.DataFrame:
    """One row per case: plain, plain + each rule, all rules (the workbook as it is);
    `progress(done, total)` is called as cases finish."""
    base = plain(data)
    cases: list[tuple[str, ChainData]] = [("plain case (no rules)", base)]
    for rule in rules_of(data):
        case = base.copy()
        rule.keep(case)
        cases.append((f"+ {rule.name}", case))
    cases.append(("all rules (the workbook as it is)", data.copy()))
    rows = []
    for name, case in cases:
        summary = solve_data(case).solution.summary
        if progress is not None:
            progress(len(rows) + 1, len(cases))
        rows.append(
            {
                "case": name,
                "status": summary["status"],
                "total_cost_usd": summary.get("total_cost_usd"),
                "risk_usd": summary.get("risk_usd"),
                "unmet_t": summary.get("unmet_t"),
            }
        )
    frame = pd.DataFrame(rows)
    frame["cost_change_usd"] = frame["total_cost_usd"] - frame["total_cost_usd"].iloc[0]
    frame["risk_change_usd"] = frame["risk_usd"] - frame["risk_usd"].iloc[0]
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
