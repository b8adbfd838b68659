"""The HTML report of a solution workbook: one self-contained file a planner opens in any
browser, with no network needed (plotly.js and the world map are embedded).

It shows, top to bottom: KPI cards; a Sankey of each element's path from mine to segment with
an element and a year selector; a map of sites and the flows between them (the same
selectors); China's share of each stage over the years; who supplies each stage; the cost
waterfall and the cost per year; risk by country; unmet demand (when there is any); the
scenarios (when the workbook has a Scenarios sheet); and how the figures were made. It reads
a saved solution workbook (report.solution_reader), so it works on any solution without
solving again. Flows are aggregated as report.flows says, so an L solution draws at once.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from model import __version__
from model.files import atomic_write_text
from model.lp.costs import COST_COMPONENTS
from model.report.charts import year_pivot
from model.report.colours import component_colour, country_colour, series_colours
from model.report.flows import ALL, FlowData, flow_data
from model.report.money import money_scale, money_text
from model.report.solution_reader import SCENARIO_COLUMNS, SolutionBook
from model.stages import SUPPLY_STAGES

SHARE_STAGES = ("mine", "separation", "metal", "magnet")
CHINA = "China"
CONFIG = {"displaylogo": False, "responsive": True}
FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"

CSS = f"""
body {{ font-family: {FONT}; margin: 0; background: #F4F6F8; color: #1F2933; }}
header {{ background: #1F4E78; color: #FFF; padding: 18px 32px; }}
header h1 {{ margin: 0; font-size: 24px; font-weight: 600; }}
header p {{ margin: 4px 0 0; opacity: .85; font-size: 14px; }}
main {{ max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(175px, 1fr));
         gap: 12px; margin: 8px 0 12px; }}
.card {{ background: #FFF; border-radius: 8px; padding: 14px 16px;
        box-shadow: 0 1px 3px rgba(0,0,0,.12); border-top: 4px solid #1F4E78; }}
.card.warn {{ border-top-color: #EF6C00; }} .card.bad {{ border-top-color: #C62828; }}
.card .label {{ font-size: 12px; text-transform: uppercase; letter-spacing: .04em;
               color: #52606D; }}
.card .value {{ font-size: 22px; font-weight: 600; margin: 4px 0 2px; white-space: nowrap; }}
.card .note {{ font-size: 12px; color: #52606D; }}
section {{ background: #FFF; border-radius: 8px; padding: 14px 18px 8px; margin: 14px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
section h2 {{ font-size: 18px; margin: 2px 0 4px; }}
section p.how {{ font-size: 13px; color: #52606D; margin: 0 0 6px; }}
.explain {{ background: #FFF8E1; border-left: 4px solid #EF6C00; padding: 8px 14px;
           font-size: 14px; border-radius: 4px; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 14px; }}
.grid section {{ min-width: 0; }}
.grid section {{ margin: 0; }}
.controls {{ display: flex; gap: 24px; align-items: center; font-size: 14px; margin: 6px 0; }}
.controls select, .controls input {{ font-size: 14px; }}
.empty {{ color: #52606D; font-style: italic; padding: 24px; }}
table.data {{ border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }}
table.data th, table.data td {{ border-bottom: 1px solid #E4E7EB; padding: 4px 10px;
                               text-align: right; }}
table.data th:first-child, table.data td:first-child {{ text-align: left; }}
table.data th {{ background: #F0F4F8; }}
footer {{ font-size: 12px; color: #52606D; margin-top: 18px; }}
"""

FLOW_SCRIPT = """
const FLOWS = JSON.parse(document.getElementById('flow-data').textContent);
function sankeyHeight(n) { return Math.max(520, Math.min(1100, 60 + 30 * n)); }
function drawFlows() {
  const element = document.getElementById('element').value;
  const year = FLOWS.years[Number(document.getElementById('year').value)];
  document.getElementById('year-label').textContent = year;
  const key = element + '|' + year;
  const s = FLOWS.sankey[key];
  const sankey = document.getElementById('sankey');
  if (!s) {
    Plotly.purge(sankey);
    const empty = document.createElement('div');
    empty.className = 'empty';
    empty.textContent = 'No flows of ' + element + ' in ' + year + '.';
    sankey.replaceChildren(empty);
  } else {
    sankey.replaceChildren();
    const trace = {type: 'sankey', arrangement: 'snap', valueformat: ',.1f',
      node: Object.assign({pad: 14, thickness: 16, line: {width: 0},
        hovertemplate: '%{label}<br>%{customdata}<br>%{value:,.1f} ' + FLOWS.unit +
                       '<extra></extra>'}, s.node),
      link: Object.assign({hovertemplate: '%{source.label} → %{target.label}<br>' +
                           '%{value:,.1f} ' + FLOWS.unit + '<extra></extra>'}, s.link)};
    Plotly.react(sankey, [trace], {height: sankeyHeight(s.column),
      margin: {l: 10, r: 10, t: 30, b: 10},
      font: {size: 12, family: FONT}, title: {text: element + ', ' + year + ' (' + FLOWS.unit +
      ')', font: {size: 14}, x: 0.01}}, CONFIG);
    sankey.dataset.nodes = s.node.label.length;
  }
  const traces = (FLOWS.map_lines[key] || []).concat(FLOWS.map_sites[String(year)] || []);
  Plotly.react('map', traces, {height: 560, margin: {l: 0, r: 0, t: 30, b: 0},
    title: {text: 'Sites and flows, ' + element + ', ' + year, font: {size: 14}, x: 0.01},
    legend: {title: {text: 'country'}, itemsizing: 'constant'},
    geo: {projection: {type: 'natural earth'}, showcountries: true, countrycolor: '#BCCCDC',
          showland: true, landcolor: '#F0F4F8', showocean: true, oceancolor: '#FFFFFF',
          coastlinecolor: '#9AA5B1', fitbounds: 'locations', showframe: false},
    font: {family: FONT}}, CONFIG);
}
document.getElementById('element').addEventListener('change', drawFlows);
document.getElementById('year').addEventListener('input', drawFlows);
drawFlows();
"""


# ---------------------------------------------------------------- page pieces


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def plotly_js() -> str:
    """plotly.js itself, to embed in the page (the plotly package ships it)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def geo_assets() -> str:
    """The world map plotly.js draws geo plots on, registered before plotly.js loads so it is
    never fetched (report/assets/README.md)."""
    world = files("model.report").joinpath("assets", "world_110m.json").read_text("utf-8")
    return f"window.PlotlyGeoAssets = {{topojson: {{'world_110m': {world}}}}};"


def to_json(value: Any) -> str:
    """JSON for a <script> block (NaN as null, no closing tag inside)."""
    from plotly.io.json import to_json_plotly

    return to_json_plotly(value).replace("</", "<\\/")


def figure(div_id: str, fig, height: int = 420) -> str:
    """A div and the script that draws a plotly figure into it."""
    spec = fig.to_plotly_json()
    spec["layout"].setdefault("height", height)
    div_id = f"fig-{div_id}"  # apart from the sections' anchors
    return (
        f'<div id="{div_id}" class="figure"></div>\n'
        f"<script>FIGURES.push(['{div_id}', {to_json(spec['data'])}, "
        f"{to_json(spec['layout'])}]);</script>"
    )


def section(title: str, how: str, body: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f"<section{ident}><h2>{esc(title)}</h2><p class='how'>{esc(how)}</p>{body}</section>"


def card(label: str, value: str, note: str = "", level: str = "") -> str:
    return (
        f"<div class='card {level}'><div class='label'>{esc(label)}</div>"
        f"<div class='value'>{esc(value)}</div><div class='note'>{esc(note)}</div></div>"
    )


def table_html(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A small HTML table; `formats` maps a column to a format spec (e.g. ',.0f', '.1%')."""
    formats = formats or {}
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            spec = formats.get(column)
            if spec and isinstance(value, int | float) and pd.notna(value):
                text = format(value, spec)
            else:
                text = (
                    "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
                )
            cells.append(f"<td>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='data'><tr>{head}</tr>{''.join(rows)}</table>"


def page(title: str, subtitle: str, body: str) -> str:
    """The whole document: styles, the embedded map and plotly.js, then the body."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f"<script>{geo_assets()}</script>\n<script>{plotly_js()}</script>\n"
        f"<script>const CONFIG = {json.dumps(CONFIG)}; const FONT = {json.dumps(FONT)};"
        "const FIGURES = [];</script>"
        "</head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header><main>{body}"
        f"<footer>Made by mine2magnet {esc(__version__)}. Self-contained: opens without a "
        "network.</footer></main>"
        # the figures are drawn once the page is laid out, so each takes its box's width
        "<script>FIGURES.forEach(function (f) { Plotly.newPlot(f[0], f[1], f[2], CONFIG); });"
        "</script></body></html>\n"
    )


def style_figure(fig, title: str, y_title: str = "", x_title: str = "") -> None:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}, "x": 0.01},
        font={"family": FONT, "size": 12},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        plot_bgcolor="#FFFFFF",
        legend={"font": {"size": 11}},
        hovermode="closest",
    )
    fig.update_yaxes(title_text=y_title, gridcolor="#E4E7EB", zerolinecolor="#9AA5B1")
    fig.update_xaxes(title_text=x_title, showgrid=False)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


# ---------------------------------------------------------------- figures


def china_share(shares: pd.DataFrame, element: str | None = None) -> pd.DataFrame:
    """China's share of the t handled at each stage per year (year x stage), all tracked
    elements or one."""
    if shares.empty:
        return pd.DataFrame()
    rows = shares if element is None else shares[shares["element"] == element]
    rows = rows[rows["stage"].isin(SHARE_STAGES)]
    total = rows.groupby(["year", "stage"])["t"].sum()
    china = rows[rows["country"] == CHINA].groupby(["year", "stage"])["t"].sum()
    share = (china.reindex(total.index, fill_value=0.0) / total.where(total > 0)).unstack()
    return share.reindex(columns=[s for s in SHARE_STAGES if s in share.columns]).sort_index()


def china_share_total(shares: pd.DataFrame, stage: str) -> float | None:
    """China's share of all t handled at `stage` over the horizon."""
    if shares.empty:
        return None
    rows = shares[shares["stage"] == stage]
    whole = float(rows["t"].sum())
    return float(rows.loc[rows["country"] == CHINA, "t"].sum()) / whole if whole else None


def _china_figure(book: SolutionBook):
    import plotly.graph_objects as go

    shares = book.table("Shares")
    elements = [None, *dict.fromkeys(shares["element"])] if not shares.empty else [None]
    fig = go.Figure()
    stage_colours = series_colours(list(SHARE_STAGES))
    visible_sets = []
    for k, element in enumerate(elements):
        table = china_share(shares, element)
        start = len(fig.data)
        for stage in table.columns:
            fig.add_trace(
                go.Scatter(
                    x=list(table.index),
                    y=list(table[stage]),
                    name=stage,
                    mode="lines+markers",
                    line={"color": stage_colours[stage], "width": 2.5},
                    visible=k == 0,
                    hovertemplate=f"{stage} %{{x}}: %{{y:.1%}}<extra></extra>",
                )
            )
        visible_sets.append((element or ALL, start, len(fig.data)))
    style_figure(fig, "China's share of each stage", "share of t handled", "year")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(dtick=1)
    _add_selector(fig, visible_sets, least=2)
    return fig


def _add_selector(fig, ranges: list[tuple[str, int, int]], least: int = 1) -> None:
    """A drop-down at the top right that shows one group of traces, `(label, first, end)`
    each, when there are at least `least` groups."""
    if len(ranges) < least:
        return
    n = len(fig.data)
    buttons = [
        {"label": label, "method": "update", "args": [{"visible": [a <= i < b for i in range(n)]}]}
        for label, a, b in ranges
    ]
    fig.update_layout(
        updatemenus=[
            {"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.15, "direction": "down"}
        ]
    )


def _supply_figure(book: SolutionBook):
    import plotly.graph_objects as go

    shares = book.table("Shares")
    stages = [s for s in SUPPLY_STAGES if not shares.empty and s in set(shares["stage"])]
    fig = go.Figure()
    ranges = []
    for k, stage in enumerate(stages):
        table = year_pivot(shares[shares["stage"] == stage], "country", "t")
        order = table.sum().sort_values(ascending=False).index
        start = len(fig.data)
        for country in order:
            fig.add_trace(
                go.Bar(
                    x=list(table.index),
                    y=list(table[country]),
                    name=str(country),
                    marker_color=country_colour(str(country)),
                    visible=k == 0,
                    hovertemplate=f"{country} %{{x}}: %{{y:,.0f}} t<extra></extra>",
                )
            )
        ranges.append((stage, start, len(fig.data)))
    style_figure(fig, "Who supplies each stage (t of tracked elements)", "t", "year")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=1)
    _add_selector(fig, ranges)
    return fig


def _waterfall_figure(book: SolutionBook):
    import plotly.graph_objects as go

    s = book.summary
    names = [c for c in COST_COMPONENTS if _number(s.get(f"{c}_usd"))]
    values = [_number(s.get(f"{c}_usd")) or 0.0 for c in names]
    total = _number(s.get("total_cost_usd"))
    divisor, unit = money_scale([*values, total or 0.0])
    labels = [c.replace("_", " ") for c in names]
    long = [COST_COMPONENTS[c].label if c in COST_COMPONENTS else c for c in names]
    fig = go.Figure(
        go.Waterfall(
            x=[*labels, "total cost"],
            customdata=[*long, "Total cost, discounted"],
            y=[*(v / divisor for v in values), (total or sum(values)) / divisor],
            measure=["relative"] * len(values) + ["total"],
            text=[f"{v / divisor:,.1f}" for v in [*values, total or sum(values)]],
            textposition="outside",
            connector={"line": {"color": "#9AA5B1", "width": 1}},
            increasing={"marker": {"color": "#EF5350"}},
            decreasing={"marker": {"color": "#26A69A"}},
            totals={"marker": {"color": "#1F4E78"}},
            hovertemplate="%{customdata}: %{y:,.2f} " + unit + "<extra></extra>",
        )
    )
    style_figure(fig, f"Cost waterfall, discounted ({unit})", unit)
    fig.update_xaxes(tickangle=-30)
    fig.update_layout(showlegend=False)
    return fig


def _cost_year_figure(book: SolutionBook):
    import plotly.graph_objects as go

    costs = book.table("Costs")
    if costs.empty:
        return None
    table = year_pivot(costs, "component", "cost_usd")
    table = table.loc[:, (table.abs() > 0.5).any()]
    divisor, unit = money_scale(table.abs().sum(axis=1).tolist())
    fig = go.Figure()
    for component in [c for c in dict.fromkeys(costs["component"]) if c in table.columns]:
        label = COST_COMPONENTS[component].label if component in COST_COMPONENTS else component
        fig.add_trace(
            go.Bar(
                x=list(table.index),
                y=list(table[component] / divisor),
                name=component.replace("_", " "),
                marker_color=component_colour(component),
                hovertemplate=f"{label} %{{x}}: %{{y:,.2f}} {unit}<extra></extra>",
            )
        )
    net = table.sum(axis=1) / divisor
    fig.add_trace(
        go.Scatter(
            x=list(net.index), y=list(net), name="net cost", mode="lines+markers",
            line={"color": "#1F2933", "width": 2},
            hovertemplate=f"net cost %{{x}}: %{{y:,.2f}} {unit}<extra></extra>",
        )
    )  # fmt: skip
    style_figure(fig, f"Cost per year ({unit} of each year)", unit, "year")
    fig.update_layout(barmode="relative", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(dtick=1)
    return fig


def _risk_figure(book: SolutionBook):
    import plotly.graph_objects as go

    risk = book.table("Risk")
    if risk.empty or "risk_usd" not in risk:
        return None
    table = year_pivot(risk, "country", "risk_usd")
    table = table[table.sum().sort_values(ascending=False).index]
    divisor, unit = money_scale(table.sum(axis=1).tolist())
    fig = go.Figure()
    for country in table.columns:
        fig.add_trace(
            go.Bar(
                x=list(table.index),
                y=list(table[country] / divisor),
                name=str(country),
                marker_color=country_colour(str(country)),
                hovertemplate=f"{country} %{{x}}: %{{y:,.2f}} {unit}<extra></extra>",
            )
        )
    style_figure(fig, f"Supply risk by country ({unit} of each year)", unit, "year")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=1)
    return fig


def _unmet_figure(book: SolutionBook):
    import plotly.graph_objects as go

    demand = book.table("Demand")
    if demand.empty or not (demand["unmet_t"].fillna(0) > 1e-6).any():
        return None
    table = year_pivot(demand, "segment", "unmet_t")
    table = table.loc[:, (table > 1e-6).any()]
    colours = series_colours(list(table.columns))
    fig = go.Figure()
    for segment in table.columns:
        fig.add_trace(
            go.Bar(
                x=list(table.index), y=list(table[segment]), name=str(segment),
                marker_color=colours[segment],
                hovertemplate=f"{segment} %{{x}}: %{{y:,.1f}} t<extra></extra>",
            )
        )  # fmt: skip
    style_figure(fig, "Unmet demand by segment (t of magnets)", "t", "year")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=1)
    return fig


def scenario_table(book: SolutionBook) -> pd.DataFrame:
    """The Scenarios sheet with its numeric columns as numbers (empty when there is none)."""
    frame = book.table("Scenarios")
    if frame.empty or "scenario" not in frame:
        return pd.DataFrame()
    frame = frame.copy()
    for column in SCENARIO_COLUMNS[1:]:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def scenario_figure(frame: pd.DataFrame, title_suffix: str = ""):
    """Cost per scenario as bars labelled with their probability, and the expected cost."""
    import plotly.graph_objects as go

    cost = frame.get("total_cost_usd", pd.Series(dtype=float))
    divisor, unit = money_scale(cost.dropna().tolist())
    probability = frame.get("probability", pd.Series([None] * len(frame)))
    labels = [f"p = {p:.0%}" if pd.notna(p) else "" for p in probability]
    hover = []
    for _, row in frame.iterrows():
        parts = [f"<b>{esc(row['scenario'])}</b>"]
        if pd.notna(row.get("total_cost_usd")):
            parts.append(f"cost {money_text(row['total_cost_usd'])}")
        if pd.notna(row.get("probability")):
            parts.append(f"probability {row['probability']:.1%}")
        if pd.notna(row.get("unmet_t")):
            parts.append(f"unmet {row['unmet_t']:,.1f} t")
        if pd.notna(row.get("china_share_magnet")):
            parts.append(f"China share of magnets {row['china_share_magnet']:.1%}")
        hover.append("<br>".join(parts))
    colours = series_colours([str(s) for s in frame["scenario"]])
    fig = go.Figure(
        go.Bar(
            x=[str(s) for s in frame["scenario"]],
            y=list(cost / divisor),
            text=labels,
            textposition="outside",
            marker_color=[colours[str(s)] for s in frame["scenario"]],
            hovertext=hover,
            hoverinfo="text",
            name="cost",
        )
    )
    weights = probability.fillna(0.0)
    if len(frame) and float(weights.sum()) > 0 and cost.notna().all():
        expected = float((weights * cost).sum() / weights.sum()) / divisor
        fig.add_hline(
            y=expected,
            line_dash="dash",
            line_color="#1F2933",
            annotation_text=f"expected {expected:,.2f} {unit}",
            annotation_position="top right",
        )
    style_figure(fig, f"Total cost per scenario ({unit}){title_suffix}", unit)
    fig.update_layout(showlegend=False)
    return fig


# ---------------------------------------------------------------- the report


def kpi_cards(book: SolutionBook) -> str:
    s = book.summary
    if not book.has_plan:
        return card("status", str(s.get("status", "?")), str(s.get("message", "")), "bad")
    out = []
    total = _number(s.get("total_cost_usd"))
    objective = _number(s.get("objective_usd"))
    weight = _number(s.get("risk_weight")) or 0.0
    note = f"objective {money_text(objective)} with risk x {weight:g}" if weight else ""
    out.append(card("total cost (discounted)", money_text(total), note or "all years, discounted"))
    demand, unmet = _number(s.get("demand_t")) or 0.0, _number(s.get("unmet_t")) or 0.0
    served = 1 - unmet / demand if demand else 1.0
    out.append(
        card(
            "demand served",
            f"{served:.1%}",
            f"{unmet:,.0f} t of {demand:,.0f} t unmet" if unmet > 0.05 else "all demand served",
            "warn" if unmet > 0.05 else "",
        )
    )
    shares = book.table("Shares")
    for stage in ("separation", "magnet"):
        share = china_share_total(shares, stage)
        if share is not None:
            top = s.get(f"top_country_{stage}")
            note = f"largest: {top} ({_number(s.get(f'top_country_share_{stage}')) or 0:.0%})"
            level = "bad" if share > 0.5 else "warn" if share > 0.2 else ""
            out.append(card(f"China share, {stage}", f"{share:.1%}", note, level))
    for key, label, note in (
        ("heavy_self_sufficiency", "heavy self-sufficiency", "Dy, Tb in magnets, unrestricted"),
        ("recycled_share", "recycled share", "of metal into magnet plants"),
    ):
        value = _number(s.get(key))
        if value is not None:
            out.append(card(label, f"{value:.1%}", note))
    risk = _number(s.get("risk_usd"))
    if risk is not None:
        out.append(card("supply risk", money_text(risk), "discounted, t x risk x value"))
    scenarios = scenario_table(book)
    if not scenarios.empty and "total_cost_usd" in scenarios and "probability" in scenarios:
        weights = scenarios["probability"].fillna(0.0)
        if float(weights.sum()) > 0:
            expected = float((weights * scenarios["total_cost_usd"]).sum() / weights.sum())
            note = f"over {len(scenarios)} scenarios"
            out.insert(1, card("expected cost", money_text(expected), note))
    return "<div class='cards'>" + "".join(out) + "</div>"


def flow_section(flows: FlowData) -> str:
    if not flows.sankey:
        return section("Flows from mine to magnet", "", "<div class='empty'>No flows.</div>")
    options = "".join(f"<option>{esc(e)}</option>" for e in flows.elements)
    last = len(flows.years) - 1
    controls = (
        "<div class='controls'><label>element <select id='element'>"
        f"{options}</select></label><label>year <input id='year' type='range' min='0' "
        f"max='{last}' step='1' value='0'> <b id='year-label'></b></label></div>"
    )
    payload = {
        "unit": flows.unit,
        "years": flows.years,
        "sankey": flows.sankey,
        "map_lines": flows.map_lines,
        "map_sites": flows.map_sites,
    }
    unplaced = (
        f" {len(flows.unplaced)} site(s) have no lat/lon and a country the map does not know, "
        f"so they are not drawn: {', '.join(flows.unplaced[:8])}."
        if flows.unplaced
        else ""
    )
    how = (
        f"Each element's path from mines and recyclers through separation, metal and magnet "
        f"plants to the segments, in {flows.unit}; node colours are countries; hover for "
        "figures, drag nodes to untangle. " + " ".join(flows.notes)
    )
    body = (
        controls
        + "<div id='sankey'></div>"
        + "<div id='map'></div>"
        + f"<p class='how'>Map: sites at their lat/lon from the Sites sheet, else near their "
        f"country's centre; size = t handled in the year; lines = the element's flows between "
        f"sites (into segments not drawn).{esc(unplaced)}</p>"
        + f"<script type='application/json' id='flow-data'>{to_json(payload)}</script>"
        + f"<script>{FLOW_SCRIPT}</script>"
    )
    return section("Flows from mine to magnet", how, body, "flows")


# the report's charts in grid order: (anchor, title, how to read it, figure of a solution
# workbook, or None when the workbook has nothing to draw); the scenarios follow them
CHART_SECTIONS = (
    (
        "china",
        "China's share of each stage",
        "t handled in China over all t handled at the stage, per year (markets count at the "
        "stage of what they sell); pick an element at the top right.",
        _china_figure,
    ),
    (
        "supply",
        "Who supplies each stage",
        "t of tracked elements handled per country and year; pick a stage at the top right. "
        "One colour per country, as on the map.",
        _supply_figure,
    ),
    (
        "waterfall",
        "What the plan costs",
        "Each cost component over the horizon, discounted to the first year, adding up to the "
        "total; sales and incentives lower it.",
        _waterfall_figure,
    ),
    (
        "costyear",
        "Cost per year",
        "Components in each year's USD; sales and incentives below zero, the line is the net cost.",
        _cost_year_figure,
    ),
    (
        "risk",
        "Supply risk",
        "Risk = t handled x risk score x value at risk, per country and year.",
        _risk_figure,
    ),
    (
        "unmet",
        "Unmet demand",
        "t of magnets not delivered, by segment; the explanation above says why.",
        _unmet_figure,
    ),
)


def report_html(book: SolutionBook) -> str:
    """The whole report of one solution workbook as an HTML document."""
    s = book.summary
    source = s.get("input_file") or book.path.name
    title = f"mine2magnet plan: {source}"
    years = sorted({int(y) for y in book.table("Costs").get("year", [])})
    span = f"{years[0]}-{years[-1]}" if years else ""
    subtitle = " · ".join(p for p in (book.path.name, f"status {s.get('status', '?')}", span) if p)
    parts = [kpi_cards(book)]
    explanation = s.get("explanation")
    if explanation and explanation != "All demand is served.":
        parts.append(f"<p class='explain'>{esc(explanation)}</p>")
    if not book.has_plan:
        return page(title, subtitle, "".join(parts))
    flows = flow_data(book)
    parts.append(flow_section(flows))
    grid = [
        section(heading, how, figure(anchor, fig))
        for anchor, heading, how, make in CHART_SECTIONS
        if (fig := make(book)) is not None
    ]
    scenarios = scenario_table(book)
    if not scenarios.empty:
        grid.append(
            section(
                "Scenarios",
                "Total cost of the plan in each scenario; bar labels are the probabilities, "
                "the dashed line the probability-weighted expected cost.",
                figure("scenarios", scenario_figure(scenarios))
                + table_html(
                    scenarios.reindex(
                        columns=[c for c in scenarios.columns if c in SCENARIO_COLUMNS]
                    ),
                    {
                        "probability": ".1%",
                        "total_cost_usd": ",.0f",
                        "unmet_t": ",.1f",
                        "china_share_magnet": ".1%",
                    },
                ),
                "scenarios",
            )
        )
    parts.append("<div class='grid'>" + "".join(grid) + "</div>")
    notes = [
        f"Read from {book.path.name}: the solution of {source}"
        + (
            f" (input SHA-256 {str(s.get('input_sha256'))[:12]}...)"
            if s.get("input_sha256")
            else ""
        )
        + ".",
        "Money is in M or bn USD as each title says; shares are of t handled.",
        *flows.notes,
    ]
    parts.append(
        section(
            "How this report was made",
            "",
            "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>",
        )
    )
    return page(title, subtitle, "".join(parts))


def write_report(book: SolutionBook, path: str | Path) -> Path:
    """Write the report of a solution workbook to `path` (whole or not at all)."""
    return atomic_write_text(report_html(book), Path(path))
