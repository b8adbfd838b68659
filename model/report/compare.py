"""Solution workbooks side by side: headline figures, cost by component, China's share of
each stage, the flows that changed most, and the scenarios of workbooks that have them; as a
workbook (one table per sheet, header in row 1) and as an HTML page.

The first workbook is the reference: changes are each other workbook minus the first. One
workbook with a Scenarios sheet compares its scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.files import atomic_write_text
from model.lp.costs import COST_COMPONENTS
from model.report.colours import ordered_colours
from model.report.html import (
    CHINA,
    SHARE_STAGES,
    card,
    china_share_total,
    figure,
    page,
    scenario_figure,
    scenario_table,
    section,
    style_figure,
    table_html,
)
from model.report.money import EXCEL_MILLIONS, money_scale, money_text
from model.report.solution_reader import SolutionBook
from model.report.xlsx import fit_width, open_book, write_table

# (Summary key, label, unit) of the figures compared; China's shares are added per stage
FIGURES = (
    ("status", "status", ""),
    ("objective_usd", "objective", "USD"),
    ("total_cost_usd", "total cost (discounted)", "USD"),
    ("risk_usd", "risk (discounted)", "USD"),
    ("demand_t", "demand", "t"),
    ("unmet_t", "unmet demand", "t"),
    ("restricted_share_mine", "restricted share: mine", "share"),
    ("restricted_share_separation", "restricted share: separation", "share"),
    ("restricted_share_metal", "restricted share: metal", "share"),
    ("restricted_share_magnet", "restricted share: magnet", "share"),
    ("heavy_self_sufficiency", "heavy self-sufficiency", "share"),
    ("recycled_share", "recycled share", "share"),
    ("top_country_magnet", "largest country: magnet", ""),
    ("top_country_share_magnet", "its share", "share"),
)
TOP_FLOWS = 30


@dataclass
class Comparison:
    """The tables of a comparison; `names` are the workbooks' short names, first the
    reference."""

    names: list[str]
    kpis: pd.DataFrame
    costs: pd.DataFrame
    shares: pd.DataFrame
    flows: pd.DataFrame
    scenarios: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"KPIs": self.kpis, "Costs": self.costs, "Shares": self.shares}
        out["FlowChanges"] = self.flows
        if not self.scenarios.empty:
            out["Scenarios"] = self.scenarios
        return out


def short_names(books: list[SolutionBook]) -> list[str]:
    """Each workbook's file stem; its folder too when two stems are equal, then a number."""
    names = [b.path.stem for b in books]
    if len(set(names)) < len(names):
        names = [f"{b.path.parent.name}/{b.path.stem}" for b in books]
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _value(book: SolutionBook, key: str):
    value = book.summary.get(key)
    return None if value == "" else value


def compare(books: list[SolutionBook]) -> Comparison:
    """Compare solution workbooks (the first is the reference)."""
    names = short_names(books)
    first = names[0]
    rows = []
    for key, label, unit in FIGURES:
        rows.append({"figure": label, "key": key, "unit": unit,
                     **{n: _value(b, key) for n, b in zip(names, books, strict=True)}})  # fmt: skip
    for stage in SHARE_STAGES:
        rows.append(
            {
                "figure": f"China share: {stage}",
                "key": f"china_share_{stage}",
                "unit": "share",
                **{
                    n: china_share_total(b.table("Shares"), stage)
                    for n, b in zip(names, books, strict=True)
                },
            }
        )
    kpis = pd.DataFrame(rows)
    for name in names[1:]:
        kpis[f"{name} - {first}"] = [
            _difference(row[name], row[first]) for _, row in kpis.iterrows()
        ]
    costs = _costs(books, names)
    shares = _shares(books, names)
    flows = _flow_changes(books, names)
    scenarios = _scenarios(books, names)
    return Comparison(names, kpis, costs, shares, flows, scenarios)


def _difference(value, reference):
    if isinstance(value, bool) or isinstance(reference, bool):
        return None
    if isinstance(value, int | float) and isinstance(reference, int | float):
        return value - reference
    return None


def _costs(books: list[SolutionBook], names: list[str]) -> pd.DataFrame:
    """Discounted USD per cost component (the Summary's <component>_usd) and the total: the
    registry's components, then any other a workbook's Costs sheet lists (one written by
    another version of mine2magnet)."""
    components = list(COST_COMPONENTS)
    for book in books:
        listed = book.table("Costs").get("component", pd.Series(dtype=object))
        components += [c for c in dict.fromkeys(listed) if c not in components]
    rows = []
    for component in [*components, "total_cost"]:
        row = {"component": component}
        for name, book in zip(names, books, strict=True):
            value = book.summary.get(f"{component}_usd")
            row[name] = float(value) if isinstance(value, int | float) else None
        if any(v for k, v in row.items() if k != "component"):
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["component", *names])
    frame[names] = frame[names].apply(pd.to_numeric, errors="coerce")  # no plan: blank
    for name in names[1:]:
        frame[f"{name} - {names[0]}"] = frame[name] - frame[names[0]]
    return frame


def _shares(books: list[SolutionBook], names: list[str]) -> pd.DataFrame:
    """China's share of t handled per stage and year, one column per workbook."""
    frames = []
    for name, book in zip(names, books, strict=True):
        shares = book.table("Shares")
        if shares.empty:
            continue
        rows = shares[shares["stage"].isin(SHARE_STAGES)]
        total = rows.groupby(["stage", "year"])["t"].sum()
        china = rows[rows["country"] == CHINA].groupby(["stage", "year"])["t"].sum()
        frames.append((china.reindex(total.index, fill_value=0.0) / total).rename(name))
    if not frames:
        return pd.DataFrame(columns=["stage", "year", *names])
    frame = pd.concat(frames, axis=1).reset_index()
    order = {s: k for k, s in enumerate(SHARE_STAGES)}
    return frame.sort_values(["stage", "year"], key=lambda c: c.map(order) if c.name == "stage"
                             else c).reset_index(drop=True)  # fmt: skip


def _flow_changes(books: list[SolutionBook], names: list[str]) -> pd.DataFrame:
    """The flows whose t over the horizon differ most between the workbooks (the largest
    change against the reference first)."""
    keys = ["from", "to", "commodity", "item"]
    totals = []
    for name, book in zip(names, books, strict=True):
        flows = book.table("Flows")
        if flows.empty:
            continue
        totals.append(flows.groupby(keys)["t"].sum().rename(name))
    columns = [*keys, *names, "change_t"]
    if len(totals) < 2:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(totals, axis=1).fillna(0.0)
    others = frame[[n for n in names[1:] if n in frame]]
    change = others.sub(frame[names[0]], axis=0)
    frame["change_t"] = change.apply(lambda r: r.loc[r.abs().idxmax()], axis=1)
    frame = frame[frame["change_t"].abs() > 1e-6]
    frame = frame.reindex(frame["change_t"].abs().sort_values(ascending=False).index)
    return frame.head(TOP_FLOWS).reset_index().reindex(columns=columns)


def _scenarios(books: list[SolutionBook], names: list[str]) -> pd.DataFrame:
    frames = []
    for name, book in zip(names, books, strict=True):
        table = scenario_table(book)
        if not table.empty:
            frames.append(table.assign(workbook=name))
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame[["workbook", *[c for c in frame.columns if c != "workbook"]]]


# ---------------------------------------------------------------- the workbook


def write_comparison_workbook(comparison: Comparison, path: str | Path) -> Path:
    """ReadMe, KPIs, Costs, Shares, FlowChanges (and Scenarios) as tables, and a Charts
    sheet with the discounted cost by component side by side."""
    path = Path(path)
    with open_book(path) as book:
        readme = book.sheet("ReadMe")
        readme.write(0, 0, "mine2magnet comparison", book.title)
        lines = [
            f"Workbooks: {', '.join(comparison.names)}; the first is the reference and "
            "'X - first' columns are changes against it.",
            "KPIs: headline figures (money in USD, discounted; shares as fractions).",
            "Costs: each cost component over the horizon, discounted USD.",
            "Shares: China's share of t handled per stage and year.",
            f"FlowChanges: the {TOP_FLOWS} flows (t over the horizon) that changed most.",
        ]
        if not comparison.scenarios.empty:
            lines.append("Scenarios: each workbook's Scenarios sheet, one row per scenario.")
        for row, line in enumerate(lines, start=1):
            readme.write(row, 0, line)
        readme.set_column(0, 0, 110)
        fit_width(readme, landscape=False)
        charts = book.sheet("Charts")
        for name, frame in comparison.tables().items():
            ws = book.sheet(name)
            write_table(book, ws, frame)
            fit_width(ws, header_rows=1)
            if name == "KPIs":
                _kpi_formats(book, ws, frame)
        _cost_chart(book, charts, comparison)
    return path


def _kpi_formats(book, ws, frame: pd.DataFrame) -> None:
    """Figures in KPIs by their unit: percent for shares, M USD for money, t with commas."""
    formats = {"share": "0.0%", "USD": EXCEL_MILLIONS, "t": "#,##0.0"}
    value_columns = [c for c in frame.columns if c not in ("figure", "key", "unit")]
    for row, unit in enumerate(frame["unit"], start=1):
        fmt = formats.get(unit)
        if fmt is None:
            continue
        for name in value_columns:
            value = frame.iloc[row - 1][name]
            col = list(frame.columns).index(name)
            if isinstance(value, int | float) and pd.notna(value):
                ws.write_number(row, col, float(value), book.fmt(fmt))


def _cost_chart(book, ws, comparison: Comparison) -> None:
    costs = comparison.costs
    n = len(costs)
    ws.write(0, 0, "Discounted cost by component (data in the Costs sheet)", book.title)
    ws.set_column(0, 20, 8.43)
    fit_width(ws)
    if not n:
        return
    chart = book.workbook.add_chart({"type": "bar"})
    colours = ordered_colours(comparison.names)
    for col, name in enumerate(comparison.names, start=1):
        chart.add_series(
            {
                "name": ["Costs", 0, col],
                "categories": ["Costs", 1, 0, n, 0],
                "values": ["Costs", 1, col, n, col],
                "fill": {"color": colours[name]},
                "border": {"none": True},
            }
        )
    chart.set_title({"name": "Discounted cost by component (USD, shown in M)"})
    chart.set_y_axis({"reverse": True, "label_position": "low", "crossing": "max"})
    chart.set_x_axis({"num_format": '#,##0,," M"', "name": "M USD"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": max(360, 40 + 22 * n * len(comparison.names))})
    ws.insert_chart(2, 0, chart)


# ---------------------------------------------------------------- the page


def comparison_html(comparison: Comparison, books: list[SolutionBook]) -> str:
    import plotly.graph_objects as go

    names = comparison.names
    colours = ordered_colours(names)
    cards = []
    for name, book in zip(names, books, strict=True):
        s = book.summary
        unmet = s.get("unmet_t")
        share = china_share_total(book.table("Shares"), "magnet")
        note = f"unmet {unmet:,.0f} t" if isinstance(unmet, int | float) else str(s.get("status"))
        if share is not None:
            note += f" · China share of magnets {share:.0%}"
        cards.append(card(name, money_text(s.get("total_cost_usd")), note))
    parts = ["<div class='cards'>" + "".join(cards) + "</div>"]
    kpis = comparison.kpis.drop(columns=["key"])
    shown = kpis.copy().astype(object)
    for i, unit in enumerate(kpis["unit"]):
        for column in kpis.columns[2:]:
            value = kpis.iloc[i][column]
            if isinstance(value, int | float) and pd.notna(value) and not isinstance(value, bool):
                shown.iloc[i, list(kpis.columns).index(column)] = (
                    f"{value:.1%}" if unit == "share"
                    else money_text(value) if unit == "USD"
                    else f"{value:,.1f}"
                )  # fmt: skip
    parts.append(
        section(
            "Headline figures",
            f"Each workbook's Summary; the last columns are changes against {names[0]}.",
            table_html(shown),
        )
    )
    grid = []
    costs = comparison.costs[comparison.costs["component"] != "total_cost"]
    if not costs.empty:
        divisor, unit = money_scale(costs[names].abs().stack().tolist())
        fig = go.Figure()
        for name in names:
            fig.add_trace(
                go.Bar(
                    y=[c.replace("_", " ") for c in costs["component"]],
                    x=list(costs[name] / divisor),
                    name=name,
                    orientation="h",
                    marker_color=colours[name],
                    hovertemplate=f"{name}: %{{x:,.2f}} {unit}<extra>%{{y}}</extra>",
                )
            )
        style_figure(fig, f"Cost by component, discounted ({unit})", "", unit)
        fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
        fig.update_yaxes(autorange="reversed")
        grid.append(section("Cost by component", "Discounted over the horizon.",
                            figure("costs", fig, 120 + 28 * len(costs) * len(names))))  # fmt: skip
    shares = comparison.kpis[comparison.kpis["key"].str.startswith("china_share_")]
    if not shares.empty:
        fig = go.Figure()
        for name in names:
            fig.add_trace(
                go.Bar(
                    x=[k.removeprefix("china_share_") for k in shares["key"]],
                    y=list(shares[name]),
                    name=name,
                    marker_color=colours[name],
                    hovertemplate=f"{name} %{{x}}: %{{y:.1%}}<extra></extra>",
                )
            )
        style_figure(fig, "China's share of each stage, over the horizon", "share of t handled")
        fig.update_layout(barmode="group")
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
        grid.append(section("Supply security", "t handled in China over all t handled.",
                            figure("shares", fig)))  # fmt: skip
    flows = comparison.flows
    if not flows.empty:
        top = flows.head(15)
        keys = zip(top["from"], top["to"], top["commodity"], top["item"], strict=True)
        labels = [f"{a} → {b} ({c} {x})" for a, b, c, x in keys]
        fig = go.Figure(
            go.Bar(
                y=labels,
                x=list(top["change_t"]),
                orientation="h",
                marker_color=["#C62828" if v > 0 else "#1565C0" for v in top["change_t"]],
                hovertemplate="%{y}: %{x:+,.0f} t<extra></extra>",
            )
        )
        style_figure(fig, f"Flows that changed most (t over the horizon, against {names[0]})", "",
                "change (t)")  # fmt: skip
        fig.update_yaxes(autorange="reversed", automargin=True)
        grid.append(
            section(
                "Flows that changed most",
                "Red: more than in the reference; blue: less. The table lists the top "
                f"{len(flows)}.",
                figure("flows", fig, 140 + 24 * len(top))
                + table_html(flows, {n: ",.0f" for n in [*names, "change_t"]}),
            )
        )
    if not comparison.scenarios.empty:
        scen = comparison.scenarios.copy()
        if len(set(scen["workbook"])) > 1:
            scen["scenario"] = scen["workbook"] + ": " + scen["scenario"].astype(str)
        grid.append(
            section(
                "Scenarios",
                "Cost per scenario; labels are probabilities, the dashed line the expected cost.",
                figure("scenarios", scenario_figure(scen)),
            )
        )
    parts.append("<div class='grid'>" + "".join(grid) + "</div>")
    title = "mine2magnet comparison: " + " vs ".join(names)
    return page(title, f"reference: {names[0]}", "".join(parts))


def write_comparison_html(comparison: Comparison, books: list[SolutionBook], path) -> Path:
    return atomic_write_text(comparison_html(comparison, books), Path(path))
