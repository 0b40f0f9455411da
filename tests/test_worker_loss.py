"""On a Dask cluster, a replication that kills its worker fails alone: it is recorded in
errors.csv, every other replication completes with the numbers of a clean run, and batching
replications into fewer tasks changes no number."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_sweep import base_file, sweep_file

import sim.runs.execution
from sim.experiments.sweep import load_sweep, run_sweep
from sim.runs.execution import Task, batches

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
cloudpickle = pytest.importorskip("cloudpickle")

DEADLY = (2, 1)
"""(point, replication) whose worker process dies."""


class KillOne(distributed.WorkerPlugin):  # type: ignore[misc]
    """In every worker (restarted ones too): computing DEADLY ends the process at once."""

    def setup(self, worker: Any) -> None:
        import sim.runs.execution as execution

        compute = execution._compute

        def deadly(task: Task) -> Any:
            if (task.tag, task.replication) == DEADLY:
                os._exit(13)
            return compute(task)

        execution._compute = deadly


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two worker processes; a task that takes its worker down is given up at once."""
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as local, \
            distributed.Client(local) as client:
        client.register_plugin(KillOne(), name="kill-one")
        yield client


@pytest.fixture
def sweep_path(tmp_path: Path) -> Path:
    base_file(tmp_path)
    return sweep_file(tmp_path, '"staff.advisors" = [2, 3]\n'
                                '"demand.volume_factor" = [0.8, 1.2]', replications=3)


@pytest.mark.parametrize("per_task", [1, 3], ids=["one-per-task", "batched"])
def test_a_replication_that_kills_its_worker_is_recorded_and_the_sweep_completes(
        sweep_path: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch, per_task: int) -> None:
    sweep = load_sweep(sweep_path)
    monkeypatch.setattr(sim.runs.execution, "DASK_BATCHES", 12 // per_task)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        remote = run_sweep(sweep, scheduler=cluster)
    clean = run_sweep(sweep, workers=1)

    assert remote.replications_failed == 1
    errors = remote.errors.to_dict("records")
    assert [(e["point"], e["replication"]) for e in errors] == [DEADLY]
    assert "the worker running this replication died 2 times (KilledWorker)" in errors[0]["error"]
    survivors = clean.rows[[(p, r) != DEADLY for p, r in
                            zip(clean.rows["point"], clean.rows["replication"], strict=True)]]
    pd.testing.assert_frame_equal(remote.rows, survivors.reset_index(drop=True))
    assert remote.computed == 11
    same = remote.points["point"] != DEADLY[0]
    pd.testing.assert_frame_equal(remote.points[same].reset_index(drop=True),
                                  clean.points[same].reset_index(drop=True))
    assert remote.points.loc[~same, "n"].tolist() == [2]


def test_the_sweep_command_exits_1_with_the_lost_replication_in_errors_csv(
        sweep_path: Path, cluster: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(sweep_path), "--out", str(out),
         "--scheduler", cluster.cluster.scheduler_address], capture_output=True, text=True,
        timeout=300, check=False, cwd=tmp_path,
        env={**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    assert result.returncode == 1, result.stderr
    assert "point 2, replication 1, failed: the worker running this replication died 2 times" in (
        " ".join(result.stderr.split()))
    assert "1 replication(s) failed (listed in errors.csv)" in " ".join(result.stderr.split())
    errors = pd.read_csv(out / "errors.csv")
    assert errors[["point", "replication"]].values.tolist() == [list(DEADLY)]
    assert len(pd.read_csv(out / "sweep.csv")) == 11


def test_batches_keep_every_task_once_in_order_and_cap_the_number_of_tasks() -> None:
    tasks = [Task(None, 1, r) for r in range(35_000)]  # type: ignore[arg-type]
    parcels = batches(tasks)
    assert len(parcels) <= sim.runs.execution.DASK_BATCHES
    assert [t for parcel in parcels for t in parcel] == tasks
    assert [len(p) for p in batches(tasks[:7])] == [1] * 7


def test_a_lost_connection_or_a_cancelled_task_is_said_in_words_and_a_bug_is_not_hidden(
        ) -> None:
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    from sim.runs.execution import _lost

    assert "connection to the Dask scheduler was lost" in (_lost(CommClosedError("gone")) or "")
    assert "cancelled this replication (CancelledError)" in (_lost(CancelledError()) or "")
    assert _lost(ZeroDivisionError()) is None
