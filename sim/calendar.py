"""The helpline's calendar: when lines are open, and the two clocks deadlines are counted on.

The simulation clock counts minutes from 00:00 on the first day of the horizon. The lines are
open in intervals (09:00-18:00 on open days that are not holidays; a 24/7 line is one long
interval). A deadline of "72 h" on the **calendar clock** is 72 hours later whatever happens; on the
**business clock** it is 72 hours of open lines later, so nights, weekends and holidays do not
count. The calendar extends past the horizon so that deadlines and overtime near the end stay
well defined.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

import numpy as np

from sim.scenario import Scenario
from sim.scenario.units import WEEKDAYS

DAY = 1440.0
"""Minutes in a day."""

MARGIN_DAYS = 400
"""Days of calendar kept after the horizon, for deadlines counted past its end."""


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
        horizon, cal = scenario.horizon, scenario.calendar
        self.start: date = horizon.start
        self.days: int = horizon.days
        self.end_time: float = self.days * DAY
        self.warmup_time: float = horizon.warmup_days * DAY
        total_days = self.days + margin_days
        holidays = set(cal.holidays)
        if cal.public_holidays == "fr":
            last = self.start + timedelta(days=total_days)
            for year in range(self.start.year, last.year + 1):
                holidays.update(french_holidays(year))
        self.holidays = frozenset(holidays)
        open_days = {WEEKDAYS.index(d) for d in cal.open_days}
        opens, closes = cal.open_hours
        self.open_day = np.array([
            (self.date(i).weekday() in open_days) and (self.date(i) not in self.holidays)
            for i in range(total_days)
        ])
        starts: list[float] = []
        ends: list[float] = []
        for day in np.flatnonzero(self.open_day):
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
        lengths = self.ends - self.starts
        self._before = np.concatenate([[0.0], np.cumsum(lengths)])  # open minutes before interval

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
        t = np.asarray(t, dtype=float)
        i = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.maximum(i, 0)
        inside = np.clip(t - self.starts[safe], 0.0, self.ends[safe] - self.starts[safe])
        return np.where(i >= 0, self._before[safe] + inside, 0.0)

    def from_business_time(self, x: np.ndarray) -> np.ndarray:
        """The earliest time at which `x` open minutes have elapsed (inverse of business_time)."""
        x = np.asarray(x, dtype=float)
        j = np.searchsorted(self._before[1:], x, side="left")
        if np.any(j >= len(self.starts)):
            raise ValueError("a business-clock deadline falls past the end of the calendar")
        return self.starts[j] + (x - self._before[j])

    def deadline(self, t: np.ndarray, allowed_minutes: float, clock: str) -> np.ndarray:
        """When a deadline of `allowed_minutes` from each `t` expires on the given clock.

        On the business clock a request made while the lines are closed starts counting at the
        next opening.
        """
        t = np.asarray(t, dtype=float)
        if clock == "calendar":
            return t + allowed_minutes
        return self.from_business_time(self.business_time(t) + allowed_minutes)
