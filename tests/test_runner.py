"""The runner and its outputs: parallel equals serial, files are complete, provenance is kept."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.runs.execution import WorkerPool
from sim.scenario import to_toml, validate

SMALL = {
    "name": "small",
    "horizon": {"start": "2024-03-04", "end": "2024-03-15", "warmup_days": 1},
    "sources": [{"name": "a", "volume": {"per_day": 120}}],
    "case_types": [{"name": "q", "share": 1, "talk": {"dist": "exponential", "mean": "6min"}}],
    "channel": {"patience": {"dist": "exponential", "mean": "4min"}},
    "staff": {"advisors": 3, "shrinkage": 0.1, "cost_per_hour": 30.0},
}


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return validate(SMALL)


def test_parallel_run_gives_the_tables_of_a_serial_run(scenario: sim.Scenario) -> None:
    serial = sim.run(scenario, replications=4, seed=5, workers=1)
    parallel = sim.run(scenario, replications=4, seed=5, workers=2)
    for name in ("replications", "summary", "contacts", "calls", "daily", "advisor_days"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(parallel, name))


def test_a_worker_pool_serves_every_batch_of_a_command_with_the_same_processes(
        scenario: sim.Scenario) -> None:
    serial = sim.run(scenario, replications=4, seed=5, workers=1)
    with WorkerPool(2) as pool:
        first = sim.run(scenario, replications=2, seed=5, workers=pool)
        executor = pool.executor()
        workers = set(getattr(executor, "_processes", {}))
        again = sim.run(scenario, replications=4, seed=5, workers=pool)
        assert pool.executor() is executor
        # the processes of the first batch are still the pool's (none was stopped)
        assert workers and workers <= set(getattr(executor, "_processes", {}))
        assert first.manifest["workers"] == 2
    assert pool._executor is None  # stopped with the command
    for name in ("replications", "contacts", "calls", "daily", "advisor_days", "groups"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(again, name))


def test_replications_table_starts_with_scenario_replication_seed(scenario: sim.Scenario) -> None:
    result = sim.run(scenario, replications=3, seed=9, workers=1)
    assert list(result.replications.columns[:3]) == ["scenario", "replication", "seed"]
    assert result.replications["replication"].tolist() == [0, 1, 2]
    assert set(result.replications["seed"]) == {9}


def test_summary_interval_is_the_student_t_interval_of_the_replications(
        scenario: sim.Scenario) -> None:
    from scipy import stats

    result = sim.run(scenario, replications=5, seed=2, workers=1)
    values = result.replications["occupancy"]
    row = result.summary.set_index("kpi").loc["occupancy"]
    half = stats.t.ppf(0.975, 4) * values.std(ddof=1) / 5**0.5
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_high"] - row["mean"] == pytest.approx(half)
    assert row["n"] == 5


def test_written_result_has_every_file_and_a_manifest_with_their_checksums(
        scenario: sim.Scenario, tmp_path: Path) -> None:
    result = sim.run(scenario, replications=2, seed=1, workers=1)
    folder = result.write(tmp_path / "out")
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in result.FILES:
        assert (folder / name).exists(), name
        assert name in manifest["files"]
    assert manifest["seed"] == 1 and manifest["replications"] == 2
    assert len(manifest["scenario_sha256"]) == 64
    assert not list(folder.glob(".*.tmp")), "no temporary file left behind"
    resolved = validate(tomllib.loads((folder / "scenario.resolved.toml").read_text()))
    assert resolved == scenario
    csv = pd.read_csv(folder / "replications.csv")
    assert csv["contacts"].tolist() == result.replications["contacts"].tolist()


def test_a_crash_while_writing_leaves_no_half_file_under_the_real_name(
        scenario: sim.Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sim import outputs

    result = sim.run(scenario, replications=1, seed=1, workers=1)

    def broken(frame: pd.DataFrame, handle: object, index: bool) -> None:
        handle.write(b"PAR1 half")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError):
        result.write(tmp_path / "out")
    folder = tmp_path / "out"
    assert not (folder / "replications.parquet").exists()
    assert not (folder / "manifest.json").exists()
    assert not list(folder.glob(".*.tmp"))
    assert outputs is not None


def test_run_uses_the_scenario_run_section_by_default(scenario: sim.Scenario) -> None:
    quick = sim.scenario.with_overrides(scenario, {"run.replications": 2, "run.seed": 4})
    result = sim.run(quick, workers=1)
    assert len(result.replications) == 2 and result.seed == 4


def test_resolved_toml_round_trips_every_reference_scenario() -> None:
    for path in sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml")):
        scenario = sim.load_scenario(path)
        assert validate(tomllib.loads(to_toml(scenario))) == scenario, path.name
