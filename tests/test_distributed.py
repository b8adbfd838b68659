"""Studies on Dask: a LocalCluster of two one-thread worker processes on loopback (no
dashboard) runs sweeps, tornado, impact and the scenarios of a robust plan with the same
results as this process, a lost worker's points are run again, and an interrupted run keeps
its finished points."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from conftest import flat, invoke

from model.api import load_workbook_data
from model.studies.executor import Book, Fault, Study, Where, run_points
from model.studies.impact import impact_table
from model.studies.robust import run_robust
from model.studies.sweep import SweepWorker, run_sweep
from model.studies.tornado import run_tornado
from model.workbook.changes import parse_change

# the scheduler's HTTP routes (no dashboard) take another port when 8787 is busy, e.g. while
# another cluster runs on this machine
pytestmark = pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")

PRICES = "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg = 100:400:25"
DEMAND = "Demand[motors].demand_t = 40:120:20"


@pytest.fixture(scope="module")
def cluster():
    """The scheduler address of a LocalCluster of 2 workers, for the module's tests."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        silence_logs=logging.ERROR,
    ) as local:
        yield local.scheduler_address


@pytest.fixture
def tiny_data(tiny, write_book):
    return load_workbook_data(write_book(tiny))


def _same(a: pd.Series, b: pd.Series) -> None:
    assert a.to_numpy(dtype=float) == pytest.approx(b.to_numpy(dtype=float), rel=1e-6, abs=1e-6)


def test_a_sweep_on_dask_equals_the_local_run(tiny_data, cluster):
    changes = [parse_change(PRICES), parse_change(DEMAND)]
    here = run_sweep(tiny_data, changes).table
    there = run_sweep(tiny_data, changes, dask=cluster)
    assert not there.interrupted and len(there.table) == len(here) == 13 * 5
    assert (there.table["status"] == "optimal").all()
    assert list(there.table["point"]) == list(here["point"])
    for key in ("objective_usd", "total_cost_usd", "risk_usd", "unmet_t"):
        _same(there.table[key], here[key])


def test_tornado_and_impact_on_dask_equal_the_local_runs(tiny, write_book, cluster):
    tiny["Policies"] = [
        {"policy": "no_cn", "type": "ban_country", "stage": "separation", "country": "China"}
    ]
    data = load_workbook_data(write_book(tiny))
    here = run_tornado(data, 20).table
    there = run_tornado(data, 20, dask=cluster).table
    assert list(there["parameter"]) == list(here["parameter"])
    for key in ("objective_down_usd", "objective_up_usd"):
        _same(there[key], here[key])
    local = impact_table(data)
    remote = impact_table(data, dask=cluster)
    assert list(remote["case"]) == list(local["case"]) and len(local) == 3
    for key in ("total_cost_usd", "risk_usd", "unmet_t", "cost_change_usd"):
        _same(remote[key], local[key])


def test_scenarios_planned_alone_on_dask_equal_the_local_run(tiny, write_book, cluster):
    tiny["Scenarios"] = [
        {"scenario": "surge", "probability": 0.3, "change": "Demand[motors].demand_t *= 1.5"},
        {"scenario": "dear_dy", "probability": 0.2,
         "change": "MarketPrices[market_cn,oxide,Dy].price_usd_per_kg *= 3"},
        {"scenario": "no_dy", "probability": 0.1,
         "change": "MarketPrices[market_cn,oxide,Dy].max_t = 0"},
    ]  # fmt: skip
    data = load_workbook_data(write_book(tiny))
    here = run_robust(data)
    there = run_robust(data, dask=cluster)
    assert there.summary["status"] == "optimal" and len(there.scenarios) == 4
    for key in ("objective_usd", "planned_alone_objective_usd"):
        assert there.scenarios[key].notna().all()
        _same(there.scenarios[key], here.scenarios[key])
    assert there.summary["evpi_usd"] == pytest.approx(here.summary["evpi_usd"], abs=1e-3)
    assert there.summary["evpi_usd"] >= -1e-3


def test_a_lost_worker_s_points_are_run_again(tiny_data, cluster, tmp_path):
    changes = [parse_change(PRICES)]
    here = run_sweep(tiny_data, changes).table
    marker = tmp_path / "lost"
    outcome = run_points(
        tiny_data,
        Study(SweepWorker, (changes, ("objective_usd",))),
        [(v,) for v in changes[0].values],
        Where(dask=cluster),
        batch=3,
        fault=Fault(at=5, marker=str(marker)),
    )
    assert marker.exists()  # a worker did die at point 5
    table = pd.DataFrame(outcome.rows).sort_values("point").reset_index(drop=True)
    assert len(table) == len(here) and (table["status"] == "optimal").all()
    _same(table["objective_usd"], here["objective_usd"])


def test_a_lost_local_process_s_points_are_run_again(tiny_data, tmp_path):
    changes = [parse_change(DEMAND)]
    here = run_sweep(tiny_data, changes).table
    marker = tmp_path / "lost"
    outcome = run_points(
        tiny_data,
        Study(SweepWorker, (changes, ("objective_usd",))),
        [(v,) for v in changes[0].values],
        Where(workers=2),
        batch=1,
        fault=Fault(at=2, marker=str(marker)),
    )
    assert marker.exists() and outcome.notes
    table = pd.DataFrame(outcome.rows).sort_values("point").reset_index(drop=True)
    assert (table["status"] == "optimal").all()
    _same(table["objective_usd"], here["objective_usd"])


def test_an_interrupted_dask_sweep_keeps_finished_points(tiny_data, cluster):
    def stop_after_first_batch(done, total):
        if done >= 1:
            raise KeyboardInterrupt

    sweep = run_sweep(
        tiny_data, [parse_change(PRICES)], dask=cluster, progress=stop_after_first_batch
    )
    assert sweep.interrupted
    assert 1 <= len(sweep.table) < 13 and (sweep.table["status"] == "optimal").all()


def test_workers_get_the_workbook_s_bytes_not_its_path(tiny_data, tmp_path):
    book = Book.of(tiny_data)
    assert book.sha256 == tiny_data.sha256 and book.data[:2] == b"PK"
    # the file changed after it was read: its bytes are not the data's any more
    tiny_data.source.write_bytes(book.data + b"\0")
    with pytest.raises(ValueError, match="changed"):
        Book.of(tiny_data)


def test_the_sweep_command_takes_a_dask_address(tiny, write_book, tmp_path, cluster):
    path = write_book(tiny)
    out = tmp_path / "sweep.xlsx"
    result = invoke("sweep", path, "-c", DEMAND, "--dask", cluster, "-o", out)
    assert result.exit_code == 0, result.output
    table = pd.read_excel(out, sheet_name="Sweep")
    assert len(table) == 5 and (table["status"] == "optimal").all()


def test_an_unreachable_scheduler_is_a_usage_error(tiny, write_book, tmp_path):
    import dask

    path = write_book(tiny)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = invoke("tornado", path, "--dask", "tcp://127.0.0.1:9", "-o", tmp_path / "t.xlsx")
    assert result.exit_code == 2 and "Dask" in result.output


def test_local_clusters_are_named_local_or_local_n(tiny, write_book, tmp_path):
    from model.studies.executor import local_workers

    assert local_workers("local:3") == 3 and local_workers("local") >= 1
    assert local_workers("tcp://10.1.2.3:8786") is None
    with pytest.raises(ValueError, match="whole number"):
        local_workers("local:0")
    result = invoke("sweep", write_book(tiny), "-c", DEMAND, "--dask", "local:x")
    assert result.exit_code == 2 and "local:N" in flat(result.output)


def test_a_local_cluster_of_one_runs_a_sweep(tiny_data):
    here = run_sweep(tiny_data, [parse_change(DEMAND)]).table
    there = run_sweep(tiny_data, [parse_change(DEMAND)], dask="local:1").table
    _same(there["objective_usd"], here["objective_usd"])


def _thread_probe(data, setup):
    """A study whose points report the worker's BLAS and HiGHS thread counts, after a solve."""
    import threadpoolctl

    from model.solver.session import new_highs

    def solve(index, point):
        highs = new_highs()
        highs.passModel(_one_column_lp())
        highs.run()
        pools = threadpoolctl.threadpool_info()
        threads = highs.getOptionValue("threads")  # (status, value) in some highspy versions
        return {
            "status": highs.modelStatusToString(highs.getModelStatus()),
            "highs_threads": threads[1] if isinstance(threads, tuple) else threads,
            "blas_threads": max((pool["num_threads"] for pool in pools), default=1),
        }

    return solve


def _one_column_lp():
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 1, 0
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = [1.0], [2.0], [5.0]
    return lp


@pytest.mark.parametrize("where", ["processes", "dask"])
def test_each_worker_solves_on_one_thread(tiny_data, cluster, where):
    """Two workers on two cores: neither HiGHS's scheduler nor numpy's BLAS may start a pool
    that spins on the other worker's core."""
    place = Where(workers=2) if where == "processes" else Where(dask=cluster)
    outcome = run_points(tiny_data, Study(_thread_probe), list(range(4)), place, batch=1)
    table = pd.DataFrame(outcome.rows)
    assert len(table) == 4 and (table["status"] == "Optimal").all()
    assert (table["highs_threads"] == 1).all() and (table["blas_threads"] == 1).all()
