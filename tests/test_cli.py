"""Layer 7: the `mine2magnet` command line in a temporary folder, including the error paths.

Exit status (model/cli.py): 0 plan found or workbook clean, 1 input errors, 2 unreadable file,
3 no plan. Findings and the summary table go to standard error; `--json` writes only the Summary
object to standard output. Workbooks are built from the tiny example's rows at test time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import flat, invoke, sha256
from openpyxl import load_workbook

from model.lp.costs import COST_COMPONENTS

pytestmark = pytest.mark.cli

SOLUTION_HEADERS = {
    "Flows": ["from", "to", "stage", "commodity", "item", "year", "t", "cost_usd"],
    "Sites": [
        "site",
        "year",
        "throughput_t",
        "capacity_t",
        "utilisation",
        "capacity_value_usd_per_kg",
    ],
    "Demand": ["segment", "year", "demand_t", "served_t", "unmet_t", "marginal_usd_per_kg"],
    "Shares": ["stage", "country", "element", "year", "t", "share"],
}
SOLUTION_SHEETS = ["Summary", "Costs", "Flows", "Sites", "Demand", "Shares"]


# ---------------------------------------------------------------- helpers


def header(ws) -> list[str]:
    return [c.value for c in next(ws.iter_rows(max_row=1))]


def summary_of(path: Path) -> dict:
    book = load_workbook(path, read_only=True)
    try:
        return {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    finally:
        book.close()


@pytest.fixture
def tiny_book(tiny, write_book) -> Path:
    return write_book(tiny, "tiny.xlsx")


@pytest.fixture
def bad_book(tiny, write_book) -> tuple[Path, list[str]]:
    """A workbook with four unrelated errors, and the cells they are at."""
    mine = next(k for k, r in enumerate(tiny["Sites"]) if r["site"] == "mine_au")
    tiny["Sites"][mine]["country"] = "Atlantis"  # Sites!D2
    tiny["Elements"][0]["oxide_to_metal"] = 85  # Elements!C2
    tiny["Demand"][0]["demand_t"] = None  # Demand!C2
    tiny["MarketPrices"][0]["bid_usd_per_kg"] = 999  # MarketPrices!G2
    assert mine == 0
    return write_book(tiny, "bad.xlsx"), [
        "Sites!D2",
        "Elements!C2",
        "Demand!C2",
        "MarketPrices!G2",
    ]


# ---------------------------------------------------------------- solve


def test_solve_writes_the_solution_workbook(tiny_book, tmp_path):
    out = tmp_path / "out.xlsx"
    result = invoke("solve", tiny_book, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert "optimal" in result.stderr
    assert "out.xlsx" in flat(result.stderr)
    book = load_workbook(out, read_only=True)
    try:
        assert set(SOLUTION_SHEETS) <= set(book.sheetnames)
        assert book.sheetnames[0] == "Summary"
        for sheet, names in SOLUTION_HEADERS.items():
            assert set(names) <= set(header(book[sheet])), sheet
        assert book["Flows"].max_row > 1  # the tiny plan moves material
    finally:
        book.close()
    summary = summary_of(out)
    assert summary["status"] == "optimal"
    assert summary["input_file"] == "tiny.xlsx"
    assert summary["input_sha256"] == sha256(tiny_book)
    assert summary["unmet_t"] == pytest.approx(0.0, abs=1e-6)


def test_solve_json_prints_one_summary_object(tiny_book, tmp_path):
    result = invoke("solve", tiny_book, "-o", tmp_path / "out.xlsx", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert isinstance(summary, dict)
    assert result.stdout.strip().startswith("{") and result.stdout.strip().endswith("}")
    assert summary["status"] == "optimal"
    components = [f"{c}_usd" for c in COST_COMPONENTS]
    for key in ["objective_usd", "total_cost_usd", "unmet_t", "solve_s", *components]:
        assert key in summary, key
    assert summary["total_cost_usd"] == pytest.approx(sum(summary[k] for k in components))
    assert summary["objective_usd"] > 0
    assert summary["unmet_t"] == pytest.approx(0.0, abs=1e-6)
    assert summary["solve_s"] >= 0
    # The same figures as the Summary sheet.
    sheet = summary_of(tmp_path / "out.xlsx")
    assert sheet["objective_usd"] == pytest.approx(summary["objective_usd"])
    # Human-readable output went to stderr, not into the JSON.
    assert "solution written to" in result.stderr


def test_json_stays_clean_when_there_are_warnings(tiny, write_book, tmp_path):
    tiny["Settings"].append({"setting": "colour", "value": "blue"})
    row = len(tiny["Settings"]) + 1
    path = write_book(tiny, "warn.xlsx")
    result = invoke("solve", path, "-o", tmp_path / "out.xlsx", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "optimal"
    assert f"WARNING Settings!A{row}" in flat(result.stderr)
    assert "colour" in result.stderr


def test_default_output_is_outputs_stem_solution_in_the_working_folder(
    tiny_book, tmp_path, monkeypatch
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = invoke("solve", tiny_book)  # the input lives in another folder
    assert result.exit_code == 0, result.output
    assert (work / "outputs" / "tiny_solution.xlsx").exists()
    assert not (tmp_path / "outputs").exists()  # not beside the input
    assert f"outputs{os.sep}tiny_solution.xlsx" in flat(result.stderr)


def test_default_output_with_a_relative_input(tiny_book, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("solve", "tiny.xlsx")
    assert result.exit_code == 0, result.output
    assert summary_of(tmp_path / "outputs" / "tiny_solution.xlsx")["status"] == "optimal"


def test_output_into_a_new_folder(tiny_book, tmp_path):
    out = tmp_path / "new" / "deeper" / "plan.xlsx"
    result = invoke("solve", tiny_book, "--output", out)
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert not list(out.parent.glob("*.part"))  # no temporary file left behind


@pytest.mark.parametrize("spelling", ["same", "relative", "dotted"])
def test_output_equal_to_input_is_refused(tiny_book, tmp_path, monkeypatch, spelling):
    monkeypatch.chdir(tmp_path)
    out = {
        "same": str(tiny_book),
        "relative": "tiny.xlsx",
        "dotted": str(tmp_path / "sub" / ".." / "tiny.xlsx"),
    }[spelling]
    (tmp_path / "sub").mkdir()
    before = sha256(tiny_book)
    mtime = tiny_book.stat().st_mtime_ns
    result = invoke("solve", tiny_book, "-o", out)
    assert result.exit_code == 1
    assert "never overwritten" in flat(result.output)
    assert sha256(tiny_book) == before
    assert tiny_book.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub", "tiny.xlsx"]


def test_solve_with_input_errors_exits_1_and_writes_nothing(bad_book, tmp_path, monkeypatch):
    path, cells = bad_book
    monkeypatch.chdir(tmp_path)
    before = sha256(path)
    out = tmp_path / "out.xlsx"
    result = invoke("solve", path, "-o", out)
    assert result.exit_code == 1
    text = flat(result.output)
    for where in cells:
        assert f"ERROR {where}:" in text
    assert "'Atlantis'" in text
    assert "4 error(s): no solve was attempted." in text
    assert not out.exists()
    assert not (tmp_path / "outputs").exists()
    assert sha256(path) == before
    assert result.stdout == ""  # nothing that looks like a result


def test_solve_with_input_errors_and_json_prints_no_json(bad_book, tmp_path):
    path, _ = bad_book
    result = invoke("solve", path, "-o", tmp_path / "out.xlsx", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("broken.xlsx", os.urandom(2048), "not a readable .xlsx workbook"),
        ("empty.xlsx", b"", "not a readable .xlsx workbook"),
        ("sites.csv", b"site,stage\nmine_au,mine\n", ".csv file"),
        ("missing.xlsx", None, "does not exist"),
    ],
    ids=["random", "empty", "csv", "missing"],
)
def test_solve_unreadable_file_exits_2(tmp_path, monkeypatch, name, content, words):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = invoke("solve", path)
    assert result.exit_code == 2, result.output
    text = flat(result.output)
    assert f"ERROR {name}:" in text
    assert words in text
    assert not (tmp_path / "outputs").exists()


def test_solve_missing_file_without_extension_exits_2(tmp_path):
    result = invoke("solve", tmp_path / "plan")
    assert "does not exist" in flat(result.output)
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["solve", "validate"])
def test_text_file_is_unreadable_not_a_traceback(tmp_path, command):
    path = tmp_path / "plan.txt"
    path.write_text("not a workbook\n")
    result = invoke(command, path)
    assert result.exit_code == 2


# ---------------------------------------------------------------- validate


def test_validate_clean_workbook_exits_0(tiny_book):
    before = sha256(tiny_book)
    result = invoke("validate", tiny_book)
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s) in tiny.xlsx." in flat(result.output)
    assert sha256(tiny_book) == before


def test_validate_lists_every_error_and_exits_1(bad_book):
    path, cells = bad_book
    before = sha256(path)
    result = invoke("validate", path)
    assert result.exit_code == 1
    text = flat(result.output)
    for where in cells:
        assert f"ERROR {where}:" in text
    assert text.count("ERROR ") == len(cells)
    assert "4 error(s), 0 warning(s) in bad.xlsx." in text
    assert "fix: add it to Countries.country" in text  # hints are printed too
    assert sha256(path) == before


def test_validate_warnings_only_exits_0(tiny, write_book):
    tiny["Settings"].append({"setting": "colour", "value": "blue"})
    result = invoke("validate", write_book(tiny, "warn.xlsx"))
    assert result.exit_code == 0, result.output
    assert "0 error(s), 1 warning(s)" in flat(result.output)


@pytest.mark.parametrize("name", ["broken.xlsx", "missing.xlsx", "sites.csv"])
def test_validate_unreadable_file_exits_2(tmp_path, name):
    path = tmp_path / name
    if name != "missing.xlsx":
        path.write_bytes(os.urandom(1024))
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert f"ERROR {name}:" in flat(result.output)


# ---------------------------------------------------------------- the installed command


def _command() -> list[str]:
    script = Path(sys.executable).parent / "mine2magnet"
    return [str(script)] if script.exists() else [sys.executable, "-m", "model.cli"]


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a command line in its own process, in `cwd`, capturing its text output."""
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_installed_command_solves_in_a_temporary_folder(tiny_book, tmp_path):
    result = _run([*_command(), "solve", "tiny.xlsx", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert json.loads(result.stdout)["status"] == "optimal"
    # the command leaves without Python's teardown: the workbook must be whole by then
    book = load_workbook(tmp_path / "outputs" / "tiny_solution.xlsx", read_only=True)
    assert {"Summary", "Flows", "Costs"} <= set(book.sheetnames)
    book.close()


def test_installed_command_exits_2_on_a_usage_error(tmp_path):
    result = _run([*_command(), "solve", "tiny.xlsx", "--no-such-option"], tmp_path)
    assert result.returncode == 2
    assert "No such option" in result.stderr and "Traceback" not in result.stderr


def test_module_entry_point_reports_a_bad_workbook(bad_book, tmp_path):
    path, cells = bad_book
    result = _run([sys.executable, "-m", "model.cli", "validate", path.name], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    text = flat(result.stderr)
    for where in cells:
        assert where in text


def test_installed_command_prints_only_json_on_stdout_for_every_command(bad_book, tmp_path):
    # the solver's banner and logs never reach file descriptor 1: what a script reads from the
    # installed command's stdout parses whole, for solve, validate and the version
    path, _cells = bad_book
    tiny = tmp_path / "tiny.xlsx"
    from model.examples.tiny import tiny_tables
    from model.workbook.writer import write_input_workbook

    write_input_workbook(tiny_tables(), tiny)
    solved = _run([*_command(), "solve", "tiny.xlsx", "-o", "plan.xlsx", "--json"], tmp_path)
    assert solved.returncode == 0, solved.stderr
    assert json.loads(solved.stdout)["status"] == "optimal"
    checked = _run([*_command(), "validate", path.name, "--json"], tmp_path)
    assert checked.returncode == 1
    document = json.loads(checked.stdout)
    assert document["errors"] == 4 and document["file"] == "bad.xlsx"
    assert {f["cell"] for f in document["findings"]} == {
        "Sites!D2",
        "Elements!C2",
        "Demand!C2",
        "MarketPrices!G2",
    }
    assert "Running HiGHS" not in solved.stdout + checked.stdout + solved.stderr


def test_version_option_prints_the_version():
    from model import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mine2magnet, version {__version__}"


def test_validate_json_of_a_clean_workbook(tiny_book):
    result = invoke("validate", tiny_book, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "file": "tiny.xlsx",
        "errors": 0,
        "warnings": 0,
        "findings": [],
    }


def test_validate_json_of_an_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(os.urandom(512))
    result = invoke("validate", path, "--json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["errors"] == 1
    assert "not a readable .xlsx workbook" in document["findings"][0]["message"]


def test_terminal_summary_shows_every_cost_component_and_adds_up(tiny, write_book, tmp_path):
    # a take-or-pay contract, a stock with holding cost and a soft policy make the three
    # components the terminal used to leave out non-zero
    tiny["Contracts"] = [{"contract": "offtake", "site": "mine_au", "min_t": 300, "max_t": 900}]
    tiny["Stocks"] = [
        {
            "site": "metal_us",
            "element": "Dy",
            "initial_t": 1,
            "min_t": 1,
            "holding_usd_per_kg_yr": 5,
        }
    ]
    tiny["Policies"] = [
        {"policy": "cap_cn", "type": "max_country_share", "stage": "separation",
         "element": "Dy", "country": "China", "value": 0.2, "penalty_usd_per_kg": 100}
    ]  # fmt: skip
    out = tmp_path / "out.xlsx"
    result = invoke("solve", write_book(tiny), "-o", out, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    lines = {}
    for line in result.stderr.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) == 2:
            lines[cells[0]] = cells[1]
    shown = 0.0
    for component in COST_COMPONENTS:
        label = component.replace("_", " ")
        assert label in lines, label
        shown += float(lines[label].replace(",", ""))
    for component in ("contracts", "holding", "policy_penalty"):
        assert summary[f"{component}_usd"] > 0, component
    assert shown == pytest.approx(summary["total_cost_usd"], abs=len(COST_COMPONENTS))
    assert float(lines["total cost"].replace(",", "")) == pytest.approx(
        summary["objective_usd"], abs=1
    )


def test_max_rows_sets_the_row_limit_of_the_read(tiny_book):
    # the tiny Sites sheet has 6 rows (header and 5 sites): a limit of 3 refuses it, naming
    # the sheet and the flag; the default admits it
    result = invoke("validate", tiny_book, "--max-rows", "3")
    assert result.exit_code == 2, result.output
    text = flat(result.stderr)
    assert "Sites" in text and "--max-rows" in text
    assert invoke("validate", tiny_book).exit_code == 0
    assert invoke("validate", tiny_book, "--max-rows", "0").exit_code == 2  # a usage error
