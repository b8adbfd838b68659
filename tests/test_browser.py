"""The HTML report as a person sees it: headless Chromium opens the base case's report with
no network, draws it to a PNG and to its rendered DOM, and the page is not blank, its
Sankey's nodes are drawn (as SVG and as pixels of their colours) and the map has its land.

Chromium is required, not optional: .ci/run installs Debian's package; locally,
`apt-get install chromium`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import INPUTS
from PIL import Image

from model.api import solve_workbook
from model.report.flows import ALL, flow_data
from model.report.html import write_report
from model.report.solution import write_solution
from model.report.solution_reader import read_solution

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1400, 1300  # the header, the cards and the Sankey
PAGE_BACKGROUND = {(0xF4, 0xF6, 0xF8), (0xFF, 0xFF, 0xFF)}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        "headless Chromium is needed for the browser tests: apt-get install chromium "
        "(.ci/run installs it)"
    )


def run_chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        command = [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{HEIGHT}",
            "--virtual-time-budget=5000",
            *args,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("browser")
    solution = write_solution(solve_workbook(INPUTS / "base_case.xlsx").solution,
                              folder / "base_solution.xlsx")  # fmt: skip
    book = read_solution(solution)
    page = write_report(book, folder / "base_report.html")
    first = flow_data(book)
    return page, first.sankey[f"{ALL}|{first.years[0]}"]


@pytest.fixture(scope="module")
def screenshot(report) -> Image.Image:
    page, _ = report
    png = page.with_suffix(".png")
    done = run_chromium(f"--screenshot={png}", page.as_uri())
    assert png.is_file(), done.stderr[-2000:]
    return Image.open(png).convert("RGB")


@pytest.fixture(scope="module")
def dom(report) -> str:
    page, _ = report
    done = run_chromium("--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def colour_counts(image: Image.Image) -> Counter:
    """How many pixels of each colour the image has."""
    return Counter({c: n for n, c in image.getcolors(maxcolors=image.width * image.height)})


def hex_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def test_the_page_is_drawn_not_blank(screenshot):
    assert screenshot.size == (WIDTH, HEIGHT)
    pixels = colour_counts(screenshot)
    drawn = sum(n for colour, n in pixels.items() if colour not in PAGE_BACKGROUND)
    assert drawn > 0.25 * WIDTH * HEIGHT  # header, cards, the diagram's nodes and links
    assert len(pixels) > 500  # text, links blended over each other: many colours
    assert pixels[hex_rgb("#1F4E78")] > 50 * WIDTH  # the header band


def test_the_sankey_nodes_are_drawn(report, screenshot, dom):
    _, sankey = report
    labels = sankey["node"]["label"]
    # as SVG: one node element per node of the first year's diagram, each with its label
    assert len(re.findall(r'class="sankey-node"', dom)) == len(labels)
    assert f'data-nodes="{len(labels)}"' in dom
    for label in labels:
        assert label.replace("&", "&amp;") in dom, label
    # as pixels: the larger nodes are bars 16 px wide in their colours below the cards
    pixels = colour_counts(screenshot.crop((0, 400, WIDTH, HEIGHT)))
    through = Counter()
    for end in ("source", "target"):
        for node, value in zip(sankey["link"][end], sankey["link"]["value"], strict=True):
            through[node] += value
    largest = [node for node, _ in through.most_common(6)]
    for node in largest:
        colour = hex_rgb(sankey["node"]["color"][node])
        assert pixels[colour] >= 16 * 20, (labels[node], colour, pixels[colour])


def test_the_map_draws_its_land_without_a_network(dom):
    # the world map comes from the page itself (PlotlyGeoAssets), not from a server
    for layer in ("land", "countries", "coastlines"):
        assert f'class="layer {layer}"' in dom, layer
    assert re.search(r'class="layer land"><path[^>]+d="M', dom)
