"""The helpline's calendar: when lines are open, and the clocks deadlines are counted on.

The simulation clock counts minutes from 00:00 on the first day of the horizon. The lines are
open in intervals (09:00-18:00 on open days that are not holidays; a 24/7 line is one long
interval). A deadline of "72 h" is counted on one of three clocks:

- **calendar**: 72 hours later, whatever happens;
- **business**: 72 hours of open lines later, so nights, weekends and holidays do not count
  (with lines open 9 h a day, "16h" is nearly two working days);
- **open-days**: 72 hours counted on open days only, nights included: weekends and holidays do
  not count ("48 h" from a Friday afternoon ends on Tuesday afternoon). This is what an office
  usually means by "within 48 hours".

The calendar extends past the horizon so that deadlines and overtime near the end stay well
defined.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from datetime import date, timedelta

import numpy as np

from sim.scenario import Scenario, minutes
from sim.scenario.units import WEEKDAYS
from sim.vocabulary import DAY

MARGIN_DAYS = 400
"""Days of calendar built after the horizon, for deadlines counted past its end (the calendar
grows further if a deadline needs it)."""


def easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def french_holidays(year: int) -> list[date]:
    """The eleven public holidays of metropolitan France."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [sunday + timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Whit Monday
    return sorted([date(year, m, d) for m, d in fixed] + movable)


class Calendar:
    """Open intervals of the lines and clock arithmetic, for one scenario."""

    def __init__(self, scenario: Scenario, margin_days: int = MARGIN_DAYS) -> None:
        horizon = scenario.horizon
        self._spec = scenario.calendar
        self.start: date = horizon.start
        self.days: int = horizon.days
        self.end_time: float = self.days * DAY
        self.warmup_time: float = horizon.warmup_days * DAY
        # the starting backlog arrived before the horizon: its deadlines count from then
        oldest = max((minutes(item.age) for item in scenario.backlog.items), default=0.0)
        self.first_day = -math.ceil(oldest / DAY) - 1 if oldest > 0 else 0
        self._build(self.days + margin_days)

    def _build(self, total_days: int) -> None:
        """Open days and open intervals from `first_day` to `total_days` (exclusive)."""
        cal = self._spec
        self.total_days = total_days
        holidays = set(cal.holidays)
        if cal.public_holidays == "fr":
            for year in range(self.date(self.first_day).year, self.date(total_days).year + 1):
                holidays.update(french_holidays(year))
        self.holidays = frozenset(holidays)
        open_days = {WEEKDAYS.index(d) for d in cal.open_days}
        opens, closes = cal.open_hours
        flags = np.array([(self.date(i).weekday() in open_days)
                          and (self.date(i) not in self.holidays)
                          for i in range(self.first_day, total_days)], dtype=bool)
        self.open_day = flags[-self.first_day:]  # indexed by day from the horizon start
        starts: list[float] = []
        ends: list[float] = []
        open_indices = np.flatnonzero(flags) + self.first_day
        for day in open_indices:
            begin, end = day * DAY + opens, day * DAY + closes
            if ends and ends[-1] == begin:
                ends[-1] = end  # 24/7: midnight does not close the lines
            else:
                starts.append(begin)
                ends.append(end)
        self.starts = np.array(starts, dtype=float)
        self.ends = np.array(ends, dtype=float)
        self._starts = self.starts.tolist()
        self._ends = self.ends.tolist()
        days = open_indices * DAY
        self._clocks = {"business": _Clock(self.starts, self.ends),
                        "open-days": _Clock(days.astype(float), days + DAY)}

    # -- dates -------------------------------------------------------------------------------
    def date(self, day: int) -> date:
        """The date of day index `day` (0 = horizon start)."""
        return self.start + timedelta(days=int(day))

    def weekday(self, day: int) -> int:
        """Monday = 0."""
        return self.date(day).weekday()

    # -- open lines --------------------------------------------------------------------------
    def is_open(self, t: float) -> bool:
        """Whether the lines are open at minute `t` (intervals include their start only)."""
        i = bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    def next_open(self, t: float) -> float:
        """`t` if the lines are open, else the next opening (inf if none)."""
        i = bisect_right(self._starts, t) - 1
        if i >= 0 and t < self._ends[i]:
            return t
        return self._starts[i + 1] if i + 1 < len(self._starts) else float("inf")

    def closes_at(self, t: float) -> float:
        """End of the open interval containing `t` (`t` itself if closed)."""
        i = bisect_right(self._starts, t) - 1
        return self._ends[i] if i >= 0 and t < self._ends[i] else t

    def open_minutes(self, a: float, b: float) -> float:
        """Open minutes between `a` and `b`."""
        return float(self.business_time(np.array([b]))[0] - self.business_time(np.array([a]))[0])

    # -- clocks ------------------------------------------------------------------------------
    def business_time(self, t: np.ndarray) -> np.ndarray:
        """Open minutes elapsed since the origin at each time in `t`."""
        return self._clocks["business"].elapsed(t)

    def from_business_time(self, x: np.ndarray) -> np.ndarray:
        """The earliest time at which `x` open minutes have elapsed (inverse of business_time)."""
        return self._clocks["business"].inverse(x)

    def after(self, t: float, allowed_minutes: float, clock: str) -> float:
        """The time `allowed_minutes` after `t` on the given clock (`deadline` for one time,
        without arrays or closures: it is asked during the run, once per callback owed)."""
        if clock == "calendar":
            return t + allowed_minutes
        while True:
            counted = self._clocks[clock]
            try:
                return counted.reached(counted.elapsed_at(t) + allowed_minutes)
            except _PastTheEnd:
                self._build(self.total_days * 2)  # a very long deadline: extend the calendar

    def deadline(self, t: np.ndarray, allowed_minutes: float | np.ndarray,
                 clock: str) -> np.ndarray:
        """When a deadline of `allowed_minutes` from each `t` expires on the given clock.

        On the business clock a request made while the lines are closed starts counting at the
        next opening; on the open-days clock, at the start of the next open day.
        """
        t = np.asarray(t, dtype=float)
        if clock == "calendar":
            return t + allowed_minutes
        while True:
            counted = self._clocks[clock]
            try:
                return counted.inverse(counted.elapsed(t) + allowed_minutes)
            except _PastTheEnd:
                self._build(self.total_days * 2)  # a very long deadline: extend the calendar


class _Clock:
    """A clock that runs only inside given intervals (open lines, open days)."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.starts, self.ends = starts, ends
        self.before = np.concatenate([[0.0], np.cumsum(ends - starts)])  # counted before each
        # the same as lists, for one time at a time (same arithmetic, same results)
        self._starts, self._ends = starts.tolist(), ends.tolist()
        self._before = self.before.tolist()

    def elapsed(self, t: np.ndarray) -> np.ndarray:
        """Minutes counted from the origin to each time in `t`."""
        t = np.asarray(t, dtype=float)
        i = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.maximum(i, 0)
        inside = np.clip(t - self.starts[safe], 0.0, self.ends[safe] - self.starts[safe])
        return np.where(i >= 0, self.before[safe] + inside, 0.0)

    def inverse(self, x: np.ndarray) -> np.ndarray:
        """The earliest time at which `x` minutes have been counted."""
        x = np.asarray(x, dtype=float)
        j = np.searchsorted(self.before[1:], x, side="left")
        if np.any(j >= len(self.starts)):
            raise _PastTheEnd
        return self.starts[j] + (x - self.before[j])


    def elapsed_at(self, t: float) -> float:
        """`elapsed` for one time."""
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0.0
        start = self._starts[i]
        return self._before[i] + min(max(t - start, 0.0), self._ends[i] - start)

    def reached(self, x: float) -> float:
        """`inverse` for one count of minutes."""
        j = bisect_left(self._before, x, 1) - 1
        if j >= len(self._starts):
            raise _PastTheEnd
        return self._starts[j] + (x - self._before[j])


class _PastTheEnd(Exception):
    """A time beyond the calendar built so far."""
