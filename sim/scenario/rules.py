"""Rota rules: what shifts a planner may give advisors (`helpline roster --rules rules.toml`).

A rules file says which shift lengths exist (full-time and part-time), between which times
shifts may start and must end, how many days a week each advisor works and whether the days off
come in pairs, whether an advisor keeps the same start all week, how many Saturdays an advisor
may work in a cycle of weeks, when lunch is taken, the rest between two shifts, and optionally a
fixed headcount. Every key has its default here; unknown keys are refused, like a scenario's.

    [shifts]
    lengths = ["8h"]                  # full-time shift lengths, lunch included
    earliest_start = "09:00"          # default: the opening time
    latest_end = "18:00"              # default: the closing time
    [week]
    days = 5                          # working days a week
    paired_days_off = true
    max_saturdays = 2                 # in a cycle of `cycle_weeks` weeks
    cycle_weeks = 4
    [part_time]
    lengths = ["4h"]
    days = 5
    max_share = 0.3                   # of the headcount
    [lunch]
    after = "6h"                      # shifts longer than this have a lunch break
    length = "1h"
    window = ["12:00", "14:00"]
    min_rest = "11h"
    headcount = 15                    # optional: minimise uncovered intervals instead
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from sim.scenario.issues import Issue, ScenarioError, validation_issues
from sim.scenario.reading import read_toml
from sim.scenario.sections import Section, Share
from sim.scenario.units import ClockTime, Duration, Integer, format_clock, raise_issues


class ShiftRules(Section):
    """Shift lengths and the window they fit in."""

    lengths: tuple[Duration, ...] = Field(default=(timedelta(hours=8),), min_length=1)
    earliest_start: ClockTime | None = None
    latest_end: ClockTime | None = None
    start_step: Duration = timedelta(minutes=30)

    @model_validator(mode="after")
    def _window(self) -> ShiftRules:
        if (self.earliest_start is not None and self.latest_end is not None
                and self.latest_end <= self.earliest_start):
            raise_issues([("latest_end", "is not after earliest_start "
                                         f"({format_clock(self.earliest_start)})")])
        if any(length <= timedelta(0) for length in self.lengths):
            raise_issues([("lengths", "every length must be more than 0")])
        return self


class WeekRules(Section):
    """Days worked per week and which days off."""

    days: Integer = Field(default=5, ge=1, le=7)
    paired_days_off: bool = True
    same_start: bool = True
    max_saturdays: Integer | None = Field(default=None, ge=0)
    cycle_weeks: Integer = Field(default=4, ge=1, le=52)

    @model_validator(mode="after")
    def _supported(self) -> WeekRules:
        issues = []
        if not self.same_start:
            issues.append(("same_start", "false is not supported: every advisor keeps one "
                                         "start time all week"))
        if self.max_saturdays is not None and self.max_saturdays > self.cycle_weeks:
            issues.append(("max_saturdays", f"is more than cycle_weeks ({self.cycle_weeks})"))
        raise_issues(issues)
        return self


class PartTimeRules(Section):
    """Shorter shifts, and how many advisors may work them."""

    lengths: tuple[Duration, ...] = ()
    days: Integer = Field(default=5, ge=1, le=7)
    max_share: Share = 0.0


class LunchRules(Section):
    """A lunch break, off the lines and unpaid, in shifts longer than `after`."""

    after: Duration = timedelta(hours=6)
    length: Duration = timedelta(hours=1)
    window: tuple[ClockTime, ClockTime]

    @model_validator(mode="after")
    def _fits(self) -> LunchRules:
        begin, end = self.window
        if end <= begin:
            raise_issues([("window", f"ends before it starts ({format_clock(begin)}-"
                                     f"{format_clock(end)})")])
        if self.length > timedelta(minutes=end - begin):
            raise_issues([("length", "is longer than the lunch window "
                                     f"({format_clock(begin)}-{format_clock(end)})")])
        return self


class RotaRules(Section):
    """Everything `helpline roster` may and may not do."""

    shifts: ShiftRules = ShiftRules()
    week: WeekRules = WeekRules()
    part_time: PartTimeRules = PartTimeRules()
    lunch: LunchRules | None = None
    min_rest: Duration = timedelta(hours=11)
    headcount: Integer | None = Field(default=None, ge=1, le=10_000)
    time_limit: Duration = timedelta(seconds=60)


def load_rules(path: str | Path | None) -> RotaRules:
    """Read a rules file (the defaults without one), or raise ScenarioError listing every
    problem with its dotted key."""
    if path is None:
        return RotaRules()
    path = Path(path)
    if not path.exists():
        raise ScenarioError([Issue(str(path), "", "no such file")])
    data: dict[str, Any] = read_toml(path)  # any file: its text, or a located problem
    try:
        return RotaRules.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_issues(exc, data, str(path), RotaRules)) from None
