"""The compliant-chain subnetwork: which arcs may carry material whose every upstream stage
ran outside restricted countries, towards segments that require it (e.g. DFARS)."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from model.workbook.data import ChainData

if TYPE_CHECKING:
    from model.chain.network import Flow, Network


def derive_compliance(data: ChainData, net: Network) -> None:
    """Arcs that may carry compliant material to a segment that requires it, and the years.

    A segment requiring compliance from compliant_from_year (blank = first year) takes only
    compliant magnets then. Walking back from it along that year's arcs, only sites outside
    restricted countries can pass compliance on; their arcs form the compliant subnetwork.
    """
    net.compliant_segments = {}
    for r in data.tables["Segments"].to_dict("records"):
        if r["requires_compliant"]:
            start = r["compliant_from_year"] or net.years[0]
            net.compliant_segments[r["segment"]] = {
                t for (s, t) in net.demand_t if s == r["segment"] and t >= start
            }
    net.compliant_flows = []
    net.compliant_sites = set()
    if not net.compliant_segments:
        return
    restricted = net.restricted
    seen_flows: set[Flow] = set()
    for s, years in net.compliant_segments.items():
        for t in years:
            queue = deque([s])
            reached = {s}
            while queue:
                j = queue.popleft()
                for f in net.inflows.get((j, t), ()):
                    i = f[0]
                    if net.sites[i].country in restricted:
                        continue
                    if f not in seen_flows:
                        seen_flows.add(f)
                        net.compliant_flows.append(f)
                    net.compliant_sites.add((i, t))
                    if i not in reached:
                        reached.add(i)
                        queue.append(i)
