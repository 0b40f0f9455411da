"""Sweeps: grids of variants of a base scenario, resumable after a kill, the same on Dask."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import assert_in_ci99
from scipy import stats
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.experiments.sweep import load_sweep, run_sweep
from sim.glossary import KPIS
from sim.runs.store import ResultStore
from sim.scenario import ScenarioError, load_scenario

runner = CliRunner()


def base_file(folder: Path, *, days: int = 1, per_hour: float = 50, advisors: int = 3,
              extra: str = "") -> Path:
    """A 24/7 line with impatient callers, as a planner writes it."""
    path = folder / "base.toml"
    path.write_text(f"""
name = "sweep-base"
[horizon]
start = 2024-01-01
end = 2024-01-{days:02d}
[calendar]
open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
open_hours = ["00:00", "24:00"]
[[sources]]
name = "phone"
volume = {{ per_hour = {per_hour} }}
[[case_types]]
name = "call"
share = 1
talk = {{ dist = "exponential", mean = "3min" }}
[channel]
patience = {{ dist = "exponential", mean = "5min" }}
[staff]
advisors = {advisors}
{extra}
""", encoding="utf-8")
    return path


def sweep_file(folder: Path, grid: str, *, replications: int = 2, seed: int = 7,
               mode: str = "product", name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(f"""
base = "base.toml"
replications = {replications}
seed = {seed}
mode = "{mode}"
[grid]
{grid}
""", encoding="utf-8")
    return path


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    n = len(values)
    mean = float(np.mean(values))
    half = float(stats.t.ppf(0.975, n - 1)) * float(np.std(values, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


# --- the grid -------------------------------------------------------------------------------


def test_product_mode_runs_every_combination(tmp_path: Path) -> None:
    base_file(tmp_path)
    sweep = load_sweep(sweep_file(tmp_path, '"staff.advisors" = [2, 3, 4]\n'
                                            '"demand.volume_factor" = [0.5, 1.5]'))
    assert [p.values for p in sweep.points] == [
        {"staff.advisors": a, "demand.volume_factor": f} for a in (2, 3, 4) for f in (0.5, 1.5)]
    for point in sweep.points:
        assert point.scenario is not None
        assert point.scenario.staff.advisors == point.values["staff.advisors"]
        assert point.scenario.demand.volume_factor == point.values["demand.volume_factor"]


def test_zip_mode_pairs_the_lists_side_by_side(tmp_path: Path) -> None:
    base_file(tmp_path)
    sweep = load_sweep(sweep_file(tmp_path, '"staff.advisors" = [2, 3, 4]\n'
                                            '"demand.volume_factor" = [0.5, 1.0, 1.5]',
                                  mode="zip"))
    assert [(p.scenario.staff.advisors, p.scenario.demand.volume_factor)
            for p in sweep.points if p.scenario] == [(2, 0.5), (3, 1.0), (4, 1.5)]


def test_zip_mode_refuses_lists_of_unequal_length(tmp_path: Path) -> None:
    base_file(tmp_path)
    path = sweep_file(tmp_path, '"staff.advisors" = [2, 3, 4]\n'
                                '"demand.volume_factor" = [0.5, 1.5]', mode="zip")
    with pytest.raises(ScenarioError) as raised:
        load_sweep(path)
    assert "same length" in str(raised.value)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "same length" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "sweep.csv").exists()


def test_dotted_paths_reach_list_items_by_position_and_by_name(tmp_path: Path) -> None:
    base = base_file(tmp_path)
    text = base.read_text(encoding="utf-8")
    text = text.replace('volume = { per_hour = 50 }',
                        'volume = { per_hour = 50 }\n[[sources]]\nname = "web"\n'
                        'volume = { per_year = 1000 }')
    text = text.replace('name = "call"\nshare = 1\n',
                        'name = "simple"\nshare = 0.7\n')
    text = text.replace('[channel]', '[[case_types]]\nname = "complex"\nshare = 0.3\n'
                                     'talk = { dist = "exponential", mean = "9min" }\n'
                                     '[channel]')
    base.write_text(text, encoding="utf-8")
    assert load_scenario(base).sources[1].name == "web"
    sweep = load_sweep(sweep_file(tmp_path, '"sources[2].volume.per_year" = [2000, 3000]\n'
                                            '"case_types.simple.share" = [0.6, 0.9]\n'
                                            '"case_types.complex.share" = [0.4, 0.1]\n'
                                            '"sources.phone.volume.per_hour" = [40, 60]',
                                  mode="zip"))
    got = []
    for point in sweep.points:
        assert point.scenario is not None, point.error
        web, phone = point.scenario.sources[1], point.scenario.sources[0]
        shares = {c.name: c.share for c in point.scenario.case_types}
        assert web.name == "web" and web.volume.unit == "per_year"
        assert phone.name == "phone" and phone.volume.unit == "per_hour"
        got.append((web.volume.amount, shares["simple"], shares["complex"], phone.volume.amount))
    assert got == [(2000, 0.6, 0.4, 40), (3000, 0.9, 0.1, 60)]


def test_volume_factor_scales_the_expected_number_of_contacts(tmp_path: Path) -> None:
    # 50 calls an hour for 2 days: 2,400 contacts expected at factor 1
    base_file(tmp_path, days=2, advisors=6)
    sweep = load_sweep(sweep_file(tmp_path, '"demand.volume_factor" = [0.5, 2.0]',
                                  replications=10))
    result = run_sweep(sweep, workers=1)
    means = {}
    for factor, rows in result.rows.groupby("demand.volume_factor"):
        assert len(rows) == 10
        means[factor], _ = assert_in_ci99(rows["contacts"].to_numpy(), 2400 * factor,
                                          f"contacts at volume factor {factor}",
                                          max_relative_half_width=0.04)
    assert means[2.0] / means[0.5] == pytest.approx(4, rel=0.05)


# --- results --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`helpline sweep` of a grid whose first point cannot be built (-1 advisors)."""
    folder = tmp_path_factory.mktemp("sweep")
    base_file(folder)
    path = sweep_file(folder, '"staff.advisors" = [-1, 3, 4]\n'
                              '"demand.volume_factor" = [1.0, 1.5]', replications=3)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(folder / "out"),
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    return folder / "out", " ".join(result.output.split())


def test_a_point_that_cannot_be_built_is_reported_and_the_others_complete(
        swept: tuple[Path, str]) -> None:
    out, output = swept
    errors = pd.read_csv(out / "errors.csv")
    assert errors["point"].tolist() == [0, 1]
    assert errors["staff.advisors"].tolist() == [-1, -1]
    assert errors["error"].str.contains("staff.advisors").all()
    assert "point 0 failed" in output and "point 1 failed" in output
    rows = pd.read_csv(out / "sweep.csv")
    assert sorted(set(rows["point"])) == [2, 3, 4, 5]
    assert len(rows) == 4 * 3
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["points"] == 6 and manifest["points_failed"] == 2


def test_a_key_wrong_at_every_point_is_bad_input_said_once(tmp_path: Path) -> None:
    base_file(tmp_path)
    path = sweep_file(tmp_path, '"staff.advizors" = [3, 4, 5]')
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert output.count("staff.advizors: unknown key; did you mean 'advisors'?") == 1, output
    assert "at every point of the grid" in output
    assert not (tmp_path / "out").exists()


def test_validate_checks_every_point_of_a_sweep_file(tmp_path: Path) -> None:
    base_file(tmp_path)
    good = sweep_file(tmp_path, '"staff.advisors" = [3, 4]')
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    bad = sweep_file(tmp_path, '"staff.advisors" = [-1, 3]')
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "point 0 (staff.advisors = -1): staff.advisors:" in " ".join(result.output.split())


def test_sweep_csv_has_the_parameters_by_dotted_path_then_replication_seed_and_kpis(
        swept: tuple[Path, str]) -> None:
    out, _ = swept
    rows = pd.read_csv(out / "sweep.csv")
    columns = rows.columns.tolist()
    assert columns[:2] == ["staff.advisors", "demand.volume_factor"]
    assert columns.index("replication") < columns.index("seed") < columns.index("contacts")
    assert set(KPIS) <= set(columns)
    assert not rows.duplicated(["point", "replication"]).any()
    parquet = pd.read_parquet(out / "sweep.parquet")
    pd.testing.assert_frame_equal(parquet.reset_index(drop=True), rows, check_dtype=False)


def test_points_csv_has_per_point_means_and_intervals(swept: tuple[Path, str]) -> None:
    out, _ = swept
    rows = pd.read_csv(out / "sweep.csv")
    points = pd.read_csv(out / "points.csv").set_index("point")
    assert points.index.tolist() == [2, 3, 4, 5]
    for point, frame in rows.groupby("point"):
        assert points.loc[point, "n"] == 3
        for kpi in ("service_level", "asa_s", "contacts"):
            mean, low, high = t_interval(frame[kpi].to_numpy())
            got = points.loc[point, [f"{kpi}_mean", f"{kpi}_ci_low", f"{kpi}_ci_high"]]
            assert got.tolist() == pytest.approx([mean, low, high], rel=1e-12)


def test_parameters_keep_their_types(swept: tuple[Path, str]) -> None:
    out, _ = swept
    for table in (pd.read_csv(out / "points.csv"), pd.read_csv(out / "sweep.csv"),
                  pd.read_parquet(out / "sweep.parquet")):
        assert pd.api.types.is_integer_dtype(table["staff.advisors"])
        assert pd.api.types.is_float_dtype(table["demand.volume_factor"])
    text = (out / "points.csv").read_text(encoding="utf-8").splitlines()
    assert text[1].split(",")[:3] == ["2", "3", "1.0"]


def test_a_second_sweep_into_the_same_folder_reuses_every_result(tmp_path: Path) -> None:
    base_file(tmp_path)
    sweep = load_sweep(sweep_file(tmp_path, '"staff.advisors" = [3, 4]'))
    store = ResultStore(tmp_path / ".store")
    first = run_sweep(sweep, store=store, workers=1)
    again = run_sweep(sweep, store=store, workers=1)
    assert (first.computed, first.reused) == (4, 0)
    assert (again.computed, again.reused) == (0, 4)
    pd.testing.assert_frame_equal(first.rows, again.rows)


# --- killed and restarted -------------------------------------------------------------------


def stored(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.rep")) if folder.exists() else 0


def group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies waiting to be reaped do not count)."""
    proc = Path("/proc")
    if not proc.exists():  # pragma: no cover - not Linux
        time.sleep(1)
        return False
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def test_a_sweep_killed_mid_run_and_restarted_loses_and_duplicates_nothing(
        tmp_path: Path) -> None:
    points, replications = 8, 3
    total = points * replications
    base_file(tmp_path, days=5, per_hour=300, advisors=16)  # ~0.2-0.3 s per replication
    path = sweep_file(tmp_path, '"staff.advisors" = [14, 15, 16, 17]\n'
                                '"demand.volume_factor" = [0.9, 1.1]',
                      replications=replications)

    def command(out: Path) -> list[str]:
        return [sys.executable, "-m", "sim", "sweep", str(path), "--workers", "2",
                "--out", str(out)]

    out = tmp_path / "out"
    store = out / ".store"
    with (tmp_path / "killed.log").open("wb") as log:
        proc = subprocess.Popen(command(out), cwd=tmp_path, stdout=log, stderr=log,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while stored(store) < total // 4:
                assert proc.poll() is None, "the sweep ended before it could be killed"
                assert time.monotonic() < deadline, "no result appeared"
                time.sleep(0.01)
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    deadline = time.monotonic() + 10
    while group_alive(proc.pid):
        assert time.monotonic() < deadline, "a worker survived the kill"
        time.sleep(0.05)
    kept = stored(store)
    assert 0 < kept < total, f"{kept} of {total} results stored when the sweep was killed"
    assert not (out / "sweep.csv").exists() and not (out / "manifest.json").exists()

    restarted = subprocess.run(command(out), cwd=tmp_path, capture_output=True, text=True,
                               timeout=300, check=False)
    assert restarted.returncode == 0, restarted.stderr
    assert f"{total - kept} computed, {kept} reused" in restarted.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["results_reused"] == kept > 0
    assert manifest["results_computed"] + manifest["results_reused"] == total
    assert stored(store) == total

    rows = pd.read_csv(out / "sweep.csv")
    assert len(rows) == total
    assert not rows.duplicated(["point", "replication"]).any()
    assert set(zip(rows["point"], rows["replication"], strict=True)) == {
        (p, r) for p in range(points) for r in range(replications)}

    reference = tmp_path / "reference"
    whole = subprocess.run(command(reference), cwd=tmp_path, capture_output=True, text=True,
                           timeout=300, check=False)
    assert whole.returncode == 0, whole.stderr
    pd.testing.assert_frame_equal(rows, pd.read_csv(reference / "sweep.csv"))
    pd.testing.assert_frame_equal(pd.read_csv(out / "points.csv"),
                                  pd.read_csv(reference / "points.csv"))
    print(f"killed with {kept} of {total} results stored; restart computed {total - kept}")


# --- Dask -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as dask_client:
        yield dask_client


def test_a_sweep_on_a_dask_cluster_gives_the_tables_of_a_local_run(
        tmp_path: Path, client: object) -> None:
    base_file(tmp_path)
    sweep = load_sweep(sweep_file(tmp_path, '"staff.advisors" = [2, 3]\n'
                                            '"demand.volume_factor" = [0.8, 1.2]'))
    local = run_sweep(sweep, workers=1)
    remote = run_sweep(sweep, scheduler=client)
    assert len(local.rows) == 8 and local.computed == 8
    pd.testing.assert_frame_equal(remote.rows, local.rows)
    pd.testing.assert_frame_equal(remote.points, local.points)


def test_a_run_on_a_dask_cluster_gives_the_tables_of_a_local_run(
        tmp_path: Path, client: object) -> None:
    scenario = load_scenario(base_file(tmp_path))
    local = sim.run(scenario, replications=3, seed=5, workers=1)
    remote = sim.run(scenario, replications=3, seed=5, scheduler=client)
    for name in ("replications", "summary", "contacts", "calls", "daily", "advisor_days",
                 "groups"):
        pd.testing.assert_frame_equal(getattr(remote, name), getattr(local, name))


def test_break_even_interval_is_where_the_differences_interval_contains_zero() -> None:
    from sim.experiments.sweep import BreakEven, breakeven_table
    prices = np.array([0.0, 25.0, 50.0, 75.0, 100.0])
    diff = 2 * (prices - 50)  # crosses zero at 50; its interval is ±20 around it
    points = pd.DataFrame({"outsourcing.price.per_contact": prices,
                           "cost_total_diff_mean": diff, "cost_total_diff_ci_low": diff - 20,
                           "cost_total_diff_ci_high": diff + 20})
    table = breakeven_table(points, ["outsourcing.price.per_contact"],
                            BreakEven(parameter="outsourcing.price.per_contact"))
    row = table.iloc[0]
    assert row["outsourcing.price.per_contact at break-even"] == pytest.approx(50)
    assert row["ci_low"] == pytest.approx(40, abs=0.05)
    assert row["ci_high"] == pytest.approx(60, abs=0.05)
    assert row["note"] == ""


def test_a_break_even_is_said_with_no_more_digits_than_its_interval_supports() -> None:
    from sim.report.language import Words
    from sim.report.precision import interval_text
    en, fr = Words("en"), Words("fr")
    key = "outsourcing.price.per_contact"
    assert interval_text(key, 61.64, 40.2, 72.9, "", en) == "€62 (95 % interval €40 to €73)"
    assert interval_text(key, 61.64, 61.2, 62.1, "", en) == "€61.6 (95 % interval €61.2 to €62.1)"
    assert interval_text("outsourcing.defect_rate", 0.2317, 0.19, 0.27, "", fr) == (
        "23\u00a0% (intervalle à 95 % : 19\u00a0% à 27\u00a0%)")
    assert "end of the range" in interval_text(key, 61.64, 24, 72, "reaches", en)
