"""Staffing search: the fewest advisors meeting every target, with a stated confidence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ALWAYS_OPEN, START, exponential, stationary_line
from typer.testing import CliRunner

from sim import analytic
from sim.cli import app
from sim.experiments.staffing import (
    Evaluation,
    _margin,
    _search_count,
    parse_target,
    search,
)
from sim.scenario import Scenario, Target, to_toml, validate

runner = CliRunner()

SERVICE_LEVEL_85 = {"service_level": Target(op=">=", value=0.85)}


def erlang_c_line() -> Scenario:
    """Erlang C: 200 calls an hour, AHT 3 min, nobody hangs up, threshold 20 s.

    Exact service level: 13 advisors 0.7956, 14 advisors 0.8884, so 14 is the answer for 0.85
    with both neighbours clearly on their side of the target.
    """
    return stationary_line(calls_per_hour=200, aht_min=3, advisors=10, days=2, warmup_days=1,
                           name="erlang-c")


def test_the_erlang_c_case_needs_14_advisors_by_the_formula() -> None:
    assert analytic.advisors_needed(200, 3, 20 / 60, service_level=0.85) == 14
    assert analytic.estimate(13, 200, 3, 20 / 60, None).service_level < 0.80
    assert analytic.estimate(14, 200, 3, 20 / 60, None).service_level > 0.88


def test_search_finds_the_analytic_staffing_of_an_erlang_c_line() -> None:
    result = search(erlang_c_line(), SERVICE_LEVEL_85, replications=8, seed=3, workers=1)
    assert result.chosen == (14,)
    tried = {e.level[0]: e for e in result.evaluations}
    assert tried[14].met and tried[14].margins["service_level"] > 0
    assert 13 in tried and not tried[13].met and tried[13].margins["service_level"] < 0
    assert all(len(e.kpis) == 8 for e in result.evaluations)
    table = result.table
    assert table["chosen"].sum() == 1
    assert table.loc[table["chosen"], "advisors"].tolist() == [14]
    assert result.chosen_scenario is not None and result.chosen_scenario.staff.advisors == 14


def test_staff_command_writes_every_level_tried_and_marks_the_chosen_one(
        tmp_path: Path) -> None:
    path = tmp_path / "erlang-c.toml"
    path.write_text(to_toml(erlang_c_line()), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["staff", str(path), "--target", "service_level>=0.85",
                                 "-n", "8", "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Fewest advisors meeting every target: 14" in " ".join(result.output.split())
    table = pd.read_csv(out / "staffing.csv")
    assert table["chosen"].dtype == bool
    assert table.loc[table["chosen"], "advisors"].tolist() == [14]
    for column in ("advisors", "replications", "service_level_mean", "service_level_ci_low",
                   "service_level_ci_high", "met", "chosen"):
        assert column in table.columns, column
    assert table["advisors"].is_unique and (table["replications"] == 8).all()
    assert (table["service_level_ci_low"] < table["service_level_mean"]).all()
    assert (table["service_level_mean"] < table["service_level_ci_high"]).all()
    below = table[table["advisors"] < 14]
    assert not below.empty and not below["met"].any()
    assert table.loc[table["advisors"] == 14, "met"].item()
    # every level tried is listed, sorted, with its means
    assert table["advisors"].tolist() == sorted(table["advisors"])
    assert table["service_level_mean"].notna().all()


def two_shifts() -> Scenario:
    """A 24/7 line whose afternoon and evening are three times as busy as the night and
    morning, staffed by an early and a late shift."""
    return validate({
        "name": "shifts",
        "horizon": {"start": START, "end": START, "warmup_days": 0},
        "calendar": ALWAYS_OPEN,
        "sources": [{"name": "all", "volume": {"per_day": 1440}}],
        "demand": {"hour_weights": [1.0] * 12 + [3.0] * 12},
        "case_types": [{"name": "call", "share": 1.0, "talk": exponential(3.0),
                        "resolution": "first-contact"}],
        "channel": {"mode": "inbound", "service_level_threshold": "20s"},
        "staff": {"shifts": [
            {"name": "early", "advisors": 2, "start": "00:00", "end": "12:00"},
            {"name": "late", "advisors": 4, "start": "12:00", "end": "24:00"},
        ]},
    })


def test_shift_search_returns_a_level_per_shift_that_no_single_removal_keeps_met() -> None:
    targets = {"service_level": Target(op=">=", value=0.8)}
    result = search(two_shifts(), targets, replications=6, seed=5, workers=1)
    assert result.chosen is not None
    tried = {e.level: e for e in result.evaluations}
    early, late = result.chosen
    assert tried[(early, late)].met
    for fewer in ((early - 1, late), (early, late - 1)):
        assert fewer in tried, f"{fewer} was never tried"
        assert not tried[fewer].met, f"{fewer} also meets the target"
    assert late > early  # the busy half of the day gets more advisors
    table = result.table
    assert table.columns[:3].tolist() == ["shift.early", "shift.late", "total_advisors"]
    chosen = table[table["chosen"]]
    assert len(chosen) == 1
    assert chosen[["shift.early", "shift.late"]].iloc[0].tolist() == [early, late]


# --- the search itself, on a known answer ----------------------------------------------------


def fake(answer: int, calls: list[int]) -> object:
    """An evaluation that meets the target from `answer` advisors up, its margin improving
    steadily with each advisor (as a real KPI does)."""

    def evaluate(level: tuple[int, ...]) -> Evaluation:
        calls.append(level[0])
        margin = float(level[0] - answer)
        return Evaluation(level, pd.DataFrame(), margin >= 0, {"kpi": margin})

    return evaluate


def test_search_stops_when_more_advisors_no_longer_bring_a_target_closer() -> None:
    calls: list[int] = []

    def evaluate(level: tuple[int, ...]) -> Evaluation:
        calls.append(level[0])  # a target limited by something else: never closer
        return Evaluation(level, pd.DataFrame(), False, {"kpi": -0.01})

    assert _search_count(evaluate, 10, 5000) is None
    assert max(calls) < 40, calls  # it did not gallop to the cap


@pytest.mark.parametrize("answer", [1, 2, 3, 7, 14, 50])
@pytest.mark.parametrize("start", [1, 2, 5, 14, 15, 40, 100])
def test_gallop_and_bisection_find_the_smallest_level_meeting_the_target(
        answer: int, start: int) -> None:
    calls: list[int] = []
    assert _search_count(fake(answer, calls), start, 5000) == (answer,)
    assert answer in calls
    if answer > 1:
        assert answer - 1 in calls  # the level below was seen to fail
    assert len(set(calls)) <= 2 * (abs(start - answer).bit_length() + 2)


def test_search_gives_up_when_even_the_cap_does_not_meet_the_target() -> None:
    assert _search_count(fake(60, []), 5, 40) is None


def test_targets_are_read_from_the_command_line_form() -> None:
    assert parse_target("callback_on_time_rate>=0.95") == (
        "callback_on_time_rate", Target(op=">=", value=0.95))
    assert parse_target(" abandon_rate <= 5% ") == ("abandon_rate", Target(op="<=", value=0.05))
    with pytest.raises(ValueError, match="unknown KPI"):
        parse_target("servise_level>=0.8")
    with pytest.raises(ValueError, match="cannot read target"):
        parse_target("service_level=0.8")


def _noisy(trend: float, calls: list[int]) -> Callable[[tuple[int, ...]], Evaluation]:
    """A KPI whose replications scatter by ±3.5 points around 0.80 + trend * log2(advisors):
    each level shuffles the same scatter (same mean and spread), as chance does."""
    scatter = np.linspace(-0.035, 0.035, 8)
    target = Target(op=">=", value=0.95)

    def evaluate(level: tuple[int, ...]) -> Evaluation:
        calls.append(level[0])
        values = (0.80 + trend * np.log2(level[0])
                  + np.random.default_rng(level[0]).permutation(scatter))
        frame = pd.DataFrame({"kpi": values})
        margin = _margin(frame["kpi"], target, 0.95)
        return Evaluation(level, frame, margin >= 0, {"kpi": margin})

    return evaluate


def test_search_stops_on_a_flat_rate_whose_mean_only_drifts_by_chance() -> None:
    # the mean creeps up by 1 point per doubling: more than 1 % of the gap, so the margin
    # alone looks like progress; paired over the same members, the move is lost in the noise
    calls: list[int] = []
    assert _search_count(_noisy(0.01, calls), 22, 5000) is None
    assert max(calls) < 40, calls


def test_search_keeps_going_while_a_target_really_moves() -> None:
    calls: list[int] = []
    evaluate = _noisy(0.05, calls)
    found = _search_count(evaluate, 4, 5000)
    assert found is not None and found[0] > 4, calls
    assert evaluate(found).met and not evaluate((found[0] - 1,)).met


def test_shifts_scaled_together_keep_the_files_proportions() -> None:
    from sim.experiments.staffing import spread
    assert spread(10, (2, 3)) == (4, 6)
    assert spread(7, (1, 1, 2)) == (2, 2, 3)
    assert sum(spread(13, (5, 0, 3))) == 13 and spread(13, (5, 0, 3))[1] == 0
