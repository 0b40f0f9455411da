"""Rota design: the integer program on cases solved by hand, rules that clash, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.engine.calendar import Calendar
from sim.engine.roster import build_roster
from sim.engine.streams import Streams
from sim.experiments import rota as rt
from sim.runs.intervals import Grid, grid
from sim.scenario import ScenarioError, load_scenario, to_toml, with_overrides
from sim.scenario.rules import RotaRules, load_rules

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "scenarios" / "rac-pilot-2012.toml"
MORNING = Grid(("mon",), 9 * 60, 13 * 60, 60)  # Monday 09:00-13:00, four 1-hour intervals


def rules(**table: object) -> RotaRules:
    base: dict[str, object] = {"shifts": {"lengths": ["2h"], "start_step": "1h"},
                               "week": {"days": 1}}
    base.update(table)
    return RotaRules.model_validate(base)


def test_two_hour_shifts_cover_one_two_two_one_with_three_advisors_by_hand() -> None:
    # Shifts start at 9, 10 or 11 (x9, x10, x11). Cover 9: x9 >= 1; 10: x9 + x10 >= 2;
    # 11: x10 + x11 >= 2; 12: x11 >= 1. Adding the middle two: x9 + 2 x10 + x11 >= 4, so
    # with x9, x11 >= 1 the least total is 3 (x10 = 1), i.e. 6 paid hours, and it is unique.
    rota = rt.solve(rules(), MORNING, np.array([[1.0, 2.0, 2.0, 1.0]]))
    assert rota.status == "optimal" and rota.gap == pytest.approx(0.0)
    chosen = {shape.start // 60: int(n) for (shape, _), n in zip(rota.columns, rota.counts,
                                                                  strict=True) if n}
    assert chosen == {9: 1, 10: 1, 11: 1}
    assert rota.paid_hours_per_week == 6.0 and rota.headcount == 3
    assert rota.coverage.tolist() == [[1, 2, 2, 1]] and rota.uncovered.sum() == 0


def test_with_two_advisors_the_fewest_uncovered_intervals_are_two_by_hand() -> None:
    # Two 2-hour shifts give 4 advisor-hours against 6 required: at least 2 short, and every
    # placement of two shifts inside 09:00-13:00 reaches exactly that.
    rota = rt.solve(rules(headcount=2), MORNING, np.array([[1.0, 2.0, 2.0, 1.0]]))
    assert rota.status == "optimal"
    assert rota.headcount == 2 and rota.uncovered.sum() == 2
    assert rota.uncovered.max() == 1  # spread: never two short in one interval
    table = rt.coverage_table(rota)
    assert table["uncovered"].sum() == 2
    assert set(table.columns) >= {"weekday", "start", "end", "required", "scheduled",
                                  "uncovered"}


def test_with_a_fixed_headcount_a_deep_shortfall_is_spread_when_the_total_allows() -> None:
    # Need 1, 2, 2, 1 with one 2-hour advisor: 4 advisor-hours short wherever she starts. At
    # 09:00 she leaves 11:00 two short, at 11:00 she leaves 10:00 two short; only 10:00
    # leaves every interval short by one: that is the rota chosen.
    rota = rt.solve(rules(headcount=1), MORNING, np.array([[1.0, 2.0, 2.0, 1.0]]))
    assert rota.uncovered.tolist() == [[1, 1, 1, 1]]


def test_part_timers_are_capped_by_their_share_of_the_headcount() -> None:
    # Need 1 advisor 09:00-13:00: one 4 h full-timer, or two 2 h part-timers (same hours).
    # A part-time share of at most 0.5 allows one part-timer and one full-timer at most; the
    # cheapest is the single full-timer (4 h).
    table = {"shifts": {"lengths": ["4h"], "start_step": "1h"}, "week": {"days": 1},
             "part_time": {"lengths": ["2h"], "days": 1, "max_share": 0.5}}
    rota = rt.solve(RotaRules.model_validate(table), MORNING, np.array([[1.0, 1.0, 1.0,
                                                                         1.0]]))
    assert rota.paid_hours_per_week == 4.0 and rota.headcount == 1


def test_lunch_is_taken_off_the_lines_inside_its_window() -> None:
    day = Grid(("mon",), 9 * 60, 18 * 60, 60)
    table = {"shifts": {"lengths": ["9h"], "start_step": "1h"}, "week": {"days": 1},
             "lunch": {"after": "6h", "length": "1h", "window": ["12:00", "14:00"]}}
    rota = rt.solve(RotaRules.model_validate(table), day, np.zeros((1, 9)) + 1)
    # one advisor cannot cover the lunch hour: two, lunching at 12 and 13
    lunches = sorted(shape.lunch // 60 for (shape, _), n in zip(rota.columns, rota.counts,
                                                                 strict=True) for _ in range(n))
    assert lunches == [12, 13] and rota.paid_hours_per_week == 16.0


def test_saturdays_rotate_within_the_allowed_share() -> None:
    days = Grid(("mon", "tue", "wed", "thu", "fri", "sat"), 9 * 60, 13 * 60, 60)
    table = {"shifts": {"lengths": ["4h"], "start_step": "1h"},
             "week": {"days": 5, "max_saturdays": 1, "cycle_weeks": 2}}
    rota = rt.solve(RotaRules.model_validate(table), days, np.ones((6, 4)))
    assert rota.status == "optimal" and (rota.coverage >= 1).all()
    roster = rt.roster_table(rota)
    assert rt.saturdays_per_advisor(roster) <= 1
    assert set(roster.columns) >= {"advisor", "day", "start", "end"}


@pytest.mark.parametrize(("table", "message"), [
    ({"shifts": {"lengths": ["14h"]}, "min_rest": "11h"}, "shifts.lengths and min_rest"),
    ({"week": {"days": 6}}, "week.days: 6 working days, but the lines open 5 days"),
    ({"shifts": {"lengths": ["8h"]}, "lunch": {"after": "6h", "window": ["09:00", "10:00"]}},
     "lunch.window"),
    ({"shifts": {"lengths": ["8h"], "earliest_start": "10:00", "latest_end": "18:00"}},
     "no allowed shift is on the lines at mon 09:00"),
    ({"part_time": {"lengths": ["4h"]}}, "part_time.max_share = 0"),
    ({"shifts": {"lengths": ["7h45min"]}}, "is not a whole number of 30-min intervals"),
])
def test_rules_that_cannot_hold_together_are_named_before_solving(
        table: dict[str, object], message: str) -> None:
    scenario = load_scenario(PILOT)
    the_grid = grid(scenario, 30)
    with pytest.raises(rt.RulesConflict, match=message):
        rt.check(RotaRules.model_validate(table), the_grid, np.ones((5, 18)))


def test_no_saturday_allowed_but_saturday_required_is_a_conflict() -> None:
    days = Grid(("fri", "sat"), 9 * 60, 13 * 60, 60)
    table = {"shifts": {"lengths": ["4h"]}, "week": {"days": 1, "max_saturdays": 0}}
    with pytest.raises(rt.RulesConflict, match="max_saturdays = 0"):
        rt.check(RotaRules.model_validate(table), days, np.ones((2, 4)))


def test_a_misspelt_rule_is_refused_with_its_key(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[week]\ndayz = 5\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"rules.toml: week.dayz: unknown key; did you "
                                            r"mean 'days'\?"):
        load_rules(path)


def requirement_file(tmp_path: Path, edit: object = None) -> Path:
    scenario = load_scenario(PILOT)
    frame = grid(scenario, 30).frame()[["weekday", "start", "end"]]
    frame["fte_paid"] = 2.0
    if callable(edit):
        frame = edit(frame)
    path = tmp_path / "requirements.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("edit", "message"), [
    (lambda f: f.assign(weekday=f["weekday"].replace("fri", "sat")),
     "the lines are not open on 'sat'"),
    (lambda f: f.iloc[:-1], "no requirement for 1 open interval(s): fri 17:30"),
    (lambda f: f.assign(fte_paid=-1.0), "fte_paid: must be a number >= 0"),
    (lambda f: f.assign(start=f["start"].replace("09:00", "08:00")),
     "is not a 30-min interval of the opening hours"),
])
def test_a_requirement_file_that_does_not_match_the_calendar_exits_2_before_solving(
        tmp_path: Path, edit: object, message: str) -> None:
    path = requirement_file(tmp_path, edit)
    out = tmp_path / "out"
    result = runner.invoke(app, ["roster", str(PILOT), "--requirements", str(path),
                                 "--out", str(out), "--no-simulate"])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not (out / "roster.csv").exists()


def test_rules_that_clash_exit_2_naming_them(tmp_path: Path) -> None:
    rules_path = tmp_path / "rules.toml"
    rules_path.write_text('min_rest = "11h"\n[shifts]\nlengths = ["14h"]\n', encoding="utf-8")
    result = runner.invoke(app, ["roster", str(PILOT), "--requirements",
                                 str(requirement_file(tmp_path)), "--rules", str(rules_path),
                                 "--out", str(tmp_path / "out"), "--no-simulate"])
    assert result.exit_code == 2, result.output
    assert "shifts.lengths and min_rest" in " ".join(result.output.split())


def test_roster_writes_shifts_that_load_back_as_a_scenario(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["roster", str(PILOT), "--requirements",
                                 str(requirement_file(tmp_path)), "--rules",
                                 str(ROOT / "scenarios" / "rules" / "office-week.toml"),
                                 "--out", str(out), "--no-simulate"])
    assert result.exit_code == 0, result.output
    roster = pd.read_csv(out / "roster.csv")
    assert list(roster.columns[:5]) == ["advisor", "week", "day", "start", "end"]
    fragment = (out / "shifts.toml").read_text(encoding="utf-8")
    pilot = PILOT.read_text(encoding="utf-8")
    staffed = tmp_path / "staffed.toml"
    staffed.write_text(f'extends = "{PILOT}"\nunset = ["staff.advisors", '
                       f'"staff.days_per_week"]\n{fragment}', encoding="utf-8")
    assert "[staff]" in pilot
    scenario = load_scenario(staffed)
    coverage = pd.read_csv(out / "coverage.csv")
    assert (coverage["uncovered"] == 0).all() and (coverage["scheduled"] >= 2).all()
    assert scenario.staff.headcount == len(roster["advisor"].unique())


def test_a_shift_with_lunch_is_off_the_lines_during_lunch() -> None:
    scenario = load_scenario(PILOT)
    shift = {"name": "day", "advisors": 1, "start": "09:00", "end": "18:00",
             "lunch": ["12:00", "13:00"]}
    staffed = with_overrides(scenario, {"staff": {**scenario.staff.model_dump(
        mode="json", exclude_none=True, exclude={"advisors", "days_per_week"}),
        "shifts": [shift], "shrinkage": 0.0, "meetings": []}})
    roster = build_roster(staffed, Calendar(staffed), Streams(1, 0))
    first = [(a % 1440, b % 1440) for a, b, _ in roster.available[0][:2]]
    assert first == [(540.0, 720.0), (780.0, 1080.0)]


def test_a_lunch_outside_its_shift_is_refused() -> None:
    scenario = load_scenario(PILOT)
    shift = {"name": "day", "advisors": 1, "start": "09:00", "end": "12:00",
             "lunch": ["12:00", "13:00"]}
    with pytest.raises(ScenarioError, match=r"staff.shifts\[1\].lunch: must be a break inside "
                                            r"the shift"):
        with_overrides(scenario, {"staff": {"shifts": [shift]}})


def test_staff_by_interval_then_roster_gives_a_rota_checked_interval_by_interval(
        tmp_path: Path) -> None:
    short = with_overrides(load_scenario(ROOT / "scenarios" / "rac-extension-2013.toml"),
                           {"horizon.end": "2013-03-10", "horizon.warmup_days": 7})
    path = tmp_path / "short.toml"
    path.write_text(to_toml(short), encoding="utf-8")
    out = tmp_path / "out"
    staffed = runner.invoke(app, ["staff", str(path), "--by-interval", "-n", "3",
                                  "--workers", "1", "--out", str(out)])
    assert staffed.exit_code == 0, staffed.output
    result = runner.invoke(app, ["roster", str(path), "--rules",
                                 str(ROOT / "scenarios" / "rules" / "office-week.toml"),
                                 "-n", "3", "--workers", "1", "--out", str(out), "--report"])
    assert result.exit_code == 0, result.output
    assert "Requirement:" + str(out / "requirements.csv") in "".join(result.output.split())
    intervals = pd.read_csv(out / "rota_intervals.csv")
    assert len(intervals) == 5 * 18
    assert (intervals["uncovered"] == 0).all()
    info = json.loads((out / "rota.json").read_text(encoding="utf-8"))
    # either every interval meets the targets, or each one that does not is named with its gap
    short_ones = intervals[~intervals["met"]]
    overall = pd.read_csv(out / "rota_targets.csv")
    assert info["targets_met_everywhere"] == bool(short_ones.empty and overall["met"].all())
    assert len(info["shortfalls"]) == len(short_ones)
    for line, row in zip(info["shortfalls"], short_ones.itertuples(index=False), strict=True):
        assert line.startswith(f"{row.weekday} {row.start}-{row.end}: service_level ")
    page = (out / "staffing.en.html").read_text(encoding="utf-8")
    assert "Targets over the whole period" in page and "On shift in the rota" in page


def test_a_solver_stopped_by_its_time_limit_says_so() -> None:
    week = Grid(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 0, 1440, 30)
    need = np.random.default_rng(1).uniform(2, 30, (7, 48))
    table = {"shifts": {"lengths": ["8h", "10h"]}, "week": {"days": 5, "max_saturdays": 2},
             "part_time": {"lengths": ["4h", "6h"], "max_share": 0.4},
             "lunch": {"window": ["11:00", "15:00"]}, "time_limit": "0s"}
    rota = rt.solve(RotaRules.model_validate(table), week, need)
    assert rota.status == "time limit reached"
    assert rota.time_limit_s == 0 and "Time limit" in rota.message
