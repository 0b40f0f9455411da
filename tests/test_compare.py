"""Comparing options honestly: the same members in every option, paired differences with
Student-t intervals, targets, precision-driven replications and the `helpline compare` files."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import stationary_line
from scipy import stats
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.experiments.compare import Comparison, compare
from sim.scenario import Scenario, with_overrides

runner = CliRunner()

COLUMNS = ["scenario", "kpi", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low",
           "diff_ci_high", "target", "target_met_share"]
MEMBER_COLUMNS = ["contact", "source", "case_type", "resolution", "backlog", "arrived_min"]
"""What a contact is, whatever happens to it (the other columns are what happened)."""


def line(advisors: int, name: str, calls_per_hour: float = 100) -> Scenario:
    """One day of a 24/7 line with impatient callers: ~2,400 calls, a twentieth of a second."""
    return stationary_line(calls_per_hour=calls_per_hour, aht_min=3, advisors=advisors,
                           patience_min=5, days=1, warmup_days=0, name=name)


def line_file(path: Path, name: str, advisors: int, target: str) -> Path:
    """The same line as a planner writes it, with a service-level target."""
    path.write_text(f"""
name = "{name}"
[horizon]
start = 2024-01-01
end = 2024-01-01
[calendar]
open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
open_hours = ["00:00", "24:00"]
[[sources]]
name = "all"
volume = {{ per_hour = 100 }}
[[case_types]]
name = "call"
share = 1
talk = {{ dist = "exponential", mean = "3min" }}
[channel]
patience = {{ dist = "exponential", mean = "5min" }}
service_level_threshold = "20s"
[staff]
advisors = {advisors}
[targets]
service_level = "{target}"
[run]
replications = 6
seed = 4
""", encoding="utf-8")
    return path


def half_width(low: float, high: float) -> float:
    return (high - low) / 2


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % Student-t interval, computed here from first principles."""
    n = len(values)
    mean = float(np.mean(values))
    half = float(stats.t.ppf(0.975, n - 1)) * float(np.std(values, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


# --- common random numbers ------------------------------------------------------------------


def test_options_that_change_only_staffing_face_the_same_members() -> None:
    base = line(6, "base")
    option = with_overrides(base, {"name": "option", "staff.advisors": 7})
    result = compare([base, option], replications=3, seed=11, workers=1)
    for b, o in zip(result.runs[0].contacts.groupby("replication"),
                    result.runs[1].contacts.groupby("replication"), strict=True):
        before, after = b[1].reset_index(drop=True), o[1].reset_index(drop=True)
        assert len(before) > 2000
        pd.testing.assert_frame_equal(before[MEMBER_COLUMNS], after[MEMBER_COLUMNS])
        # talk time: from the start of the conversation to the answer, for members answered at
        # their first call in both options
        both = before["answered_min"].notna() & after["answered_min"].notna()
        talk_before = (before["answered_min"] - before["first_reached_min"])[both]
        talk_after = (after["answered_min"] - after["first_reached_min"])[both]
        assert both.sum() > 2000
        np.testing.assert_allclose(talk_after, talk_before, rtol=0, atol=1e-9)
        # and the staffing did change what happened to them
        assert not before["first_reached_min"].equals(after["first_reached_min"])


def test_common_random_numbers_shrink_the_variance_of_paired_differences() -> None:
    n = 30
    base = line(6, "base")
    option = with_overrides(base, {"name": "option", "staff.advisors": 7})
    paired = compare([base, option], replications=n, seed=1, workers=2)
    independent = sim.run(option, replications=n, seed=1001, workers=2)
    b, o = paired.runs[0].replications, paired.runs[1].replications
    ratios = {}
    for kpi in ("asa_s", "service_level"):
        same_members = np.var(o[kpi] - b[kpi], ddof=1)
        other_members = np.var(independent.replications[kpi] - b[kpi], ddof=1)
        ratios[kpi] = float(same_members / other_members)
    print(f"paired / independent variance of the difference (n={n}): {ratios}")
    # measured 0.14 (asa_s) and 0.06 (service_level) with these seeds
    assert all(r < 0.5 for r in ratios.values()), ratios
    # the paired interval reported by compare is correspondingly narrow
    row = paired.table.set_index(["scenario", "kpi"]).loc[("option", "service_level")]
    independent_half = stats.t.ppf(0.975, n - 1) * math.sqrt(
        np.var(independent.replications["service_level"] - b["service_level"], ddof=1) / n)
    assert half_width(row["diff_ci_low"], row["diff_ci_high"]) < 0.75 * independent_half


# --- comparison.csv -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`helpline compare` of a base and an option with one advisor more, 6 replications."""
    folder = tmp_path_factory.mktemp("compare")
    base = line_file(folder / "base.toml", "base", 6, ">=0.68")
    option = line_file(folder / "option.toml", "option", 7, ">=0.82")
    out = folder / "out"
    result = runner.invoke(app, ["compare", str(base), str(option), "--out", str(out),
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


def test_comparison_csv_has_exactly_the_documented_columns(compared: Path) -> None:
    with (compared / "comparison.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == COLUMNS
    table = pd.read_csv(compared / "comparison.csv")
    assert table["scenario"].unique().tolist() == ["base", "option"]
    assert len(table) == 2 * len(set(table["kpi"]))


def test_the_base_rows_leave_the_difference_columns_empty(compared: Path) -> None:
    with (compared / "comparison.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    base = [r for r in rows if r["scenario"] == "base"]
    assert base and all(r[c] == "" for r in base for c in ("diff_mean", "diff_ci_low",
                                                           "diff_ci_high"))
    option = [r for r in rows if r["scenario"] == "option" and r["kpi"] == "asa_s"]
    assert option[0]["diff_mean"] != ""


def test_each_scenario_has_its_replications_under_its_name(compared: Path) -> None:
    for name in ("base", "option"):
        table = pd.read_csv(compared / name / "replications.csv")
        assert table["scenario"].unique().tolist() == [name]
        assert table["replication"].tolist() == list(range(6))
        assert set(table["seed"]) == {4}


@pytest.mark.parametrize("kpi", ["asa_s", "service_level", "abandon_rate", "occupancy"])
def test_paired_difference_is_the_mean_of_per_replication_differences_with_a_t_interval(
        compared: Path, kpi: str) -> None:
    base = pd.read_csv(compared / "base" / "replications.csv").set_index("replication")
    option = pd.read_csv(compared / "option" / "replications.csv").set_index("replication")
    table = pd.read_csv(compared / "comparison.csv").set_index(["scenario", "kpi"])
    diff = (option[kpi] - base[kpi]).to_numpy()
    mean, low, high = t_interval(diff)
    row = table.loc[("option", kpi)]
    assert row["diff_mean"] == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert row["diff_ci_low"] == pytest.approx(low, rel=1e-12, abs=1e-12)
    assert row["diff_ci_high"] == pytest.approx(high, rel=1e-12, abs=1e-12)
    for name, frame in (("base", base), ("option", option)):
        mean, low, high = t_interval(frame[kpi].to_numpy())
        assert table.loc[(name, kpi), ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx(
            [mean, low, high], rel=1e-12, abs=1e-12)


def test_target_met_share_is_the_share_of_replications_meeting_the_scenarios_target(
        compared: Path) -> None:
    table = pd.read_csv(compared / "comparison.csv", keep_default_na=False)
    table = table.set_index(["scenario", "kpi"])
    shares = {}
    for name, threshold in (("base", 0.68), ("option", 0.82)):
        replications = pd.read_csv(compared / name / "replications.csv")
        expected = float(np.mean(replications["service_level"] >= threshold))
        row = table.loc[(name, "service_level")]
        assert row["target"] == f">={threshold:g}"
        assert float(row["target_met_share"]) == pytest.approx(expected)
        shares[name] = expected
    # KPIs without a target have neither a target nor a share
    assert table.loc[("base", "asa_s"), "target"] == ""
    assert table.loc[("base", "asa_s"), "target_met_share"] == ""
    # the targets were chosen so that the shares are not trivially 0 or 1
    assert 0 < shares["base"] < 1 and 0 < shares["option"] < 1, shares


def test_two_scenarios_with_the_same_name_are_refused(tmp_path: Path) -> None:
    first = line_file(tmp_path / "a.toml", "same", 6, ">=0.8")
    second = line_file(tmp_path / "b.toml", "same", 7, ">=0.8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["compare", str(first), str(second), "--out", str(out),
                                 "--workers", "1"])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "two scenarios are named 'same'" in text
    assert "Traceback" not in result.output
    assert not (out / "comparison.csv").exists()


# --- precision-driven replications ----------------------------------------------------------


def small(advisors: int, name: str) -> Scenario:
    """A quieter line (40 calls an hour) for the tests that need many replications."""
    return line(advisors, name, calls_per_hour=40)


def half_widths(result: Comparison, kpi: str) -> list[float]:
    """Every half-width `precision` governs: each option's mean and each paired difference."""
    table = result.table.set_index(["scenario", "kpi"])
    out = []
    for run in result.runs:
        row = table.loc[(run.scenario.name, kpi)]
        out.append(half_width(row["ci_low"], row["ci_high"]))
        if run is not result.base:
            out.append(half_width(row["diff_ci_low"], row["diff_ci_high"]))
    return out


def test_precision_adds_replications_until_every_half_width_is_narrow_enough() -> None:
    base, option = small(2, "base"), small(3, "option")
    wanted = 0.03
    result = compare([base, option], replications=4, seed=2, workers=1,
                     precision={"service_level": wanted}, max_replications=60)
    assert result.precision_reached and result.manifest["precision_reached"] is True
    assert result.replications > 4 and result.manifest["replications"] == result.replications
    for run in result.runs:
        assert run.replications["replication"].tolist() == list(range(result.replications))
    widths = half_widths(result, "service_level")
    assert len(widths) == 3 and max(widths) <= wanted, widths
    # adding replications in rounds gives the tables of one run of the final number
    once = compare([base, option], replications=result.replications, seed=2, workers=1)
    pd.testing.assert_frame_equal(result.table, once.table)


def test_precision_stops_at_the_cap_and_says_so() -> None:
    result = compare([small(2, "base"), small(3, "option")], replications=2, seed=2,
                     workers=1, precision={"service_level": 1e-5}, max_replications=5)
    assert result.replications == 5
    assert not result.precision_reached
    assert result.manifest["precision_reached"] is False
    assert all(len(run.replications) == 5 for run in result.runs)
    assert max(half_widths(result, "service_level")) > 1e-5


def test_precision_starting_from_one_replication_adds_replications() -> None:
    # one replication has no interval at all: the loop must still add replications
    result = compare([small(2, "base"), small(3, "option")], replications=1, seed=2,
                     workers=1, precision={"service_level": 0.05}, max_replications=8)
    assert result.replications > 1
    assert all(len(run.replications) == result.replications for run in result.runs)


def smallest_sufficient_n(std: float, wanted: float) -> int:
    """The fewest replications whose 95 % Student-t half-width is at most `wanted`."""
    n = 2
    while stats.t.ppf(0.975, n - 1) * std / math.sqrt(n) > wanted:
        n += 1
    return n


def test_precision_does_not_run_many_times_the_replications_it_needs() -> None:
    # from 2 replications, the Student t quantile (12.7) makes the first half-width huge;
    # projecting it with the 1/sqrt(n) rule alone asks for ~40 times too many replications
    base, option = small(2, "base"), small(3, "option")
    wanted = 0.03
    result = compare([base, option], replications=2, seed=2, workers=1,
                     precision={"service_level": wanted}, max_replications=30)
    b = result.runs[0].replications["service_level"].to_numpy()
    o = result.runs[1].replications["service_level"].to_numpy()
    needed = max(smallest_sufficient_n(float(np.std(x, ddof=1)), wanted) for x in (b, o, o - b))
    assert result.replications <= 2 * needed, (
        f"{result.replications} replications run where about {needed} give a half-width "
        f"of {wanted}")


def test_compare_command_prints_a_message_when_the_cap_stops_the_precision(
        tmp_path: Path) -> None:
    base = line_file(tmp_path / "base.toml", "base", 6, ">=0.8")
    option = line_file(tmp_path / "option.toml", "option", 7, ">=0.8")
    result = runner.invoke(app, ["compare", str(base), str(option), "--out",
                                 str(tmp_path / "out"), "--workers", "1", "-n", "2",
                                 "--precision", "service_level=0.00001",
                                 "--max-replications", "4"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert re.search(r"cap of 4 replications stopped before service_level reached ±1e-05: "
                     r"its widest 95 % half-width is ±0\.\d+", text), text
    table = pd.read_csv(tmp_path / "out" / "base" / "replications.csv")
    assert len(table) == 4
