"""Demand and service by interval of the week: what a planner staffs by the half-hour.

A planner's week is cut into intervals (30 minutes by default) of each open weekday's opening
hours. For each interval this module gives the **expected offered calls** from the scenario's
demand profile (weekday, hour and month weights, sources' start dates and ramp-ups), averaged
over the open days of that weekday in the measured window, and, from simulated calls, what
happened in it: calls offered (retries included), answered, abandoned, answered within the
threshold. It is the experiments' way of asking the engine about load, so that they never
import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.engine.arrivals import DemandProfile, contact_sources
from sim.engine.calendar import Calendar
from sim.engine.sampling import mean_minutes
from sim.scenario import Resolution, Scenario, minutes
from sim.scenario.units import WEEKDAYS, format_clock
from sim.vocabulary import DAY


class IntervalError(ValueError):
    """The interval does not fit the calendar (the message says why)."""


@dataclass(frozen=True)
class Grid:
    """The intervals of a week: open weekdays times equal intervals of the opening hours."""

    weekdays: tuple[str, ...]
    opens_min: int
    closes_min: int
    interval_min: int

    @property
    def starts(self) -> list[int]:
        """Interval starts, minutes after midnight."""
        return list(range(self.opens_min, self.closes_min, self.interval_min))

    def frame(self) -> pd.DataFrame:
        """One row per weekday and interval: weekday, start, end (HH:MM), start_min, end_min."""
        rows = [{"weekday": day, "start": format_clock(s),
                 "end": format_clock(s + self.interval_min), "start_min": s,
                 "end_min": s + self.interval_min}
                for day in self.weekdays for s in self.starts]
        return pd.DataFrame(rows)


def grid(scenario: Scenario, interval_min: float) -> Grid:
    """The scenario's weekly grid, or IntervalError if the interval does not divide the
    opening hours (or starts off the interval's boundaries)."""
    opens, closes = scenario.calendar.open_hours
    if interval_min <= 0 or interval_min != int(interval_min):
        raise IntervalError(f"--interval: must be a whole number of minutes ({interval_min:g})")
    step = int(interval_min)
    span = closes - opens
    if span % step or opens % step:
        raise IntervalError(
            f"--interval: {step} min does not divide the opening hours "
            f"{format_clock(opens)}-{format_clock(closes)} ({span} min); choose a divisor "
            f"such as {math.gcd(span, opens or span, 60)} min")
    order = {d: i for i, d in enumerate(WEEKDAYS)}
    days = tuple(sorted(scenario.calendar.open_days, key=order.__getitem__))
    return Grid(days, opens, closes, step)


def _measured_open_days(scenario: Scenario, calendar: Calendar) -> dict[str, list[int]]:
    """Per weekday, the open days (holidays excluded) of the measured window."""
    first = scenario.horizon.warmup_days
    out: dict[str, list[int]] = {d: [] for d in WEEKDAYS}
    for day in range(first, calendar.days):
        date = calendar.date(day)
        if date not in calendar.holidays:
            out[WEEKDAYS[date.weekday()]].append(day)
    return out


def offered_calls(scenario: Scenario, the_grid: Grid) -> pd.DataFrame:
    """The grid with `open_days` (how many such days are measured) and `calls_per_hour`:
    expected first attempts arriving in the interval, averaged over those days."""
    calendar = Calendar(scenario)
    profile = DemandProfile(scenario, calendar)
    frame = the_grid.frame()
    days = _measured_open_days(scenario, calendar)
    totals = np.zeros(len(frame))
    for source in contact_sources(scenario):
        segments = profile.segments(source)
        knots = np.column_stack([segments.start, segments.start + segments.length]).ravel()
        mass = segments.rate * segments.length
        cumulative = np.concatenate([[0.0], np.cumsum(mass)])
        values = np.column_stack([cumulative[:-1], cumulative[1:]]).ravel()
        for row, (weekday, start, end) in enumerate(
                zip(frame["weekday"], frame["start_min"], frame["end_min"], strict=True)):
            base = np.asarray(days[weekday], dtype=float) * DAY
            if len(base) == 0:
                continue
            got = np.interp(base + end, knots, values) - np.interp(base + start, knots, values)
            totals[row] += float(got.sum())
    count = frame["weekday"].map(lambda d: len(days[d])).to_numpy()
    hours = (frame["end_min"] - frame["start_min"]).to_numpy() / 60
    frame["open_days"] = count
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["calls_per_hour"] = np.where(count > 0, totals / np.maximum(count, 1) / hours, 0.0)
    return frame


@dataclass(frozen=True)
class Workload:
    """Mean times of the scenario, in minutes, as Erlang formulas take them."""

    handle_min: float  # talk + wrap-up of a live call
    other_min_per_call: float  # research, callback talk and preparation, files, per call
    patience_min: float | None  # mean patience (None: infinitely patient)
    threshold_min: float  # service-level threshold


def workload(scenario: Scenario) -> Workload:
    """Mean handle time of a live call and the other advisor work each call brings."""
    cases = scenario.case_types
    handle = sum(c.share * (mean_minutes(c.talk) + mean_minutes(c.wrap_up)) for c in cases)
    prepare = mean_minutes(scenario.callbacks.prepare)
    other = sum(c.share * (mean_minutes(c.research) + mean_minutes(c.answer_talk)
                           + prepare)
                for c in cases if c.resolution in (Resolution.CALLBACK, Resolution.EXPERT))
    if scenario.files is not None:
        other += mean_minutes(scenario.files.process) * (scenario.files.from_calls or 0.0)
    patience = scenario.channel.patience
    return Workload(handle, other, mean_minutes(patience) if patience is not None else None,
                    minutes(scenario.channel.service_level_threshold))


def interval_calls(calls: pd.DataFrame, scenario: Scenario, the_grid: Grid) -> pd.DataFrame:
    """Per replication, weekday and interval (by arrival time, measured window): calls
    `offered`, `answered`, `abandoned`, `within` the threshold (intervals without a call have
    no row)."""
    threshold = minutes(scenario.channel.service_level_threshold)
    lo, hi = scenario.horizon.warmup_days * DAY, scenario.horizon.days * DAY
    kept = calls[(calls["arrived_min"] >= lo) & (calls["arrived_min"] < hi)]
    outcome = kept["outcome"].astype(str).to_numpy()
    arrived = kept["arrived_min"].to_numpy()
    day = np.floor(arrived / DAY).astype(np.int64)
    first = scenario.horizon.start.weekday()
    weekday = np.asarray(WEEKDAYS)[(first + day) % 7]
    clock = arrived - day * DAY
    slot = np.floor((clock - the_grid.opens_min) / the_grid.interval_min).astype(np.int64)
    inside = (clock >= the_grid.opens_min) & (clock < the_grid.closes_min)
    frame = pd.DataFrame({
        "replication": kept["replication"].to_numpy() if "replication" in kept else 0,
        "weekday": weekday,
        "start_min": the_grid.opens_min + slot * the_grid.interval_min,
        "offered": outcome != "closed",
        "answered": outcome == "answered",
        "abandoned": outcome == "abandoned",
        "within": (outcome == "answered") & (kept["wait_min"].to_numpy() <= threshold),
    })[inside]
    sums = frame.groupby(["replication", "weekday", "start_min"]).sum().reset_index()
    return sums
