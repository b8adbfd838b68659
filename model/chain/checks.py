"""Checks of the network itself, once the arcs are known: demand nobody can serve, sites cut
off from the chain, elements no source provides. They are warnings: the model still solves
(unserved demand shows as unmet), but each usually means a typo or a missing row."""

from __future__ import annotations

from collections import defaultdict

from model.chain.network import Network
from model.findings import Finding
from model.stages import RAW_SOURCES
from model.workbook.data import ChainData


def _cells(data: ChainData, sheet: str, key: str, column: str) -> dict[str, str]:
    """id -> the cell of `column` in the id's row, as the workbook lays the sheet out."""
    frame = data.tables[sheet]
    return {
        k: data.cell(sheet, column, row) for k, row in zip(frame[key], frame["_row"], strict=True)
    }


def check_network(data: ChainData, net: Network) -> list[Finding]:
    """Warnings about the derived network (see the module docstring)."""
    findings: list[Finding] = []
    site_cells = _cells(data, "Sites", "site", "site")
    seg_cells = _cells(data, "Segments", "segment", "grades")
    has_in, has_out = defaultdict(bool), defaultdict(bool)
    for i, j, _c, _x, _t in net.flows:
        has_out[i] = True
        has_in[j] = True

    demand_years = defaultdict(list)
    for s, t in net.demand_t:
        if net.demand_t[s, t] > 0:
            demand_years[s].append(t)
    for s, years in demand_years.items():
        missing = sorted(t for t in set(years) if not net.inflows.get((s, t)))
        if not missing:
            continue
        grades = ", ".join(net.segments[s].grades) or "(none known)"
        span = f"{missing[0]}" if len(missing) == 1 else f"{missing[0]}-{missing[-1]}"
        findings.append(
            Finding(
                "warning",
                "Segments",
                seg_cells.get(s, "Segments"),
                f"segment {s} has demand in {span} but no magnet plant or market can supply "
                f"its grades ({grades}) then; that demand will be unmet.",
                "accept a grade some plant can make (all its recipe elements must reach the "
                "plant) or add a market price for one of these grades.",
            )
        )

    selling = {k[0] for k, v in net.prices.items() if v["price"] is not None}
    buying = {k[0] for k, v in net.prices.items() if v["bid"] is not None}
    for i, info in net.sites.items():
        if not net.site_years[i]:
            continue
        stage = info.stage
        # raw sources take nothing in; a market needs a way out if it sells, in if it buys
        needs_in, needs_out = stage not in RAW_SOURCES, True
        if stage == "market":
            needs_out, needs_in = i in selling, i in buying
        gaps = [
            w
            for w, need, has in (("in", needs_in, has_in[i]), ("out", needs_out, has_out[i]))
            if need and not has
        ]
        if gaps:
            findings.append(
                Finding(
                    "warning",
                    "Sites",
                    site_cells.get(i, "Sites"),
                    f"{stage} site {i} has no way {' or '.join(gaps)} in any year: it cannot "
                    "take part in any plan.",
                    "check its stage, operating years, capacity, lanes and the sites it should "
                    "connect to (and for markets, their MarketPrices rows).",
                )
            )

    element_cells = _cells(data, "Elements", "element", "element")
    provided = {e for (_i, e), share in net.composition.items() if share > 0}
    for (_p, c, x, _t), info in net.prices.items():
        if info["price"] is not None:
            if c in ("oxide", "metal"):
                provided.add(x)
            else:
                provided.update(e for (g, e), k in net.recipe.items() if g == x and k > 0)
    used = {e for (_g, e), k in net.recipe.items() if k > 0}
    for e in net.elements:
        if e in used and e not in provided:
            findings.append(
                Finding(
                    "warning",
                    "Elements",
                    element_cells.get(e, "Elements"),
                    f"no mine, collection or market provides {e}, yet grades need it: every "
                    f"magnet that needs {e} must come as a finished magnet or stay unmet.",
                    f"add Composition rows with {e} for the sources that contain it, or a "
                    "market price for it.",
                )
            )
    return findings
