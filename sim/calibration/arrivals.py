"""How many members call, and when: volumes, weights, day-to-day spread and retrials from a log.

A member who hangs up and calls again is one contact with two attempts: the simulator draws the
second attempt itself (`[channel] retry`), so volumes count first attempts only. Attempts are
linked through the keyed hash of the caller's number: an attempt within `RETRY_WINDOW` of the
same caller's failed attempt is a retrial.

Weights are rates, not counts: calls per hour of exposure. The exposure of each weekday and hour
is counted on the clock of the helpline's time zone, so the autumn hour that occurs twice counts
twice and the spring hour that does not exist counts zero (the duplicate-hour trap). `day_cv` is
the spread of daily volumes left once the weekday and month effects are taken out, by moments:
for a day with expected volume E and a gamma day factor of coefficient of variation c, the count
has variance E + c² E², so c² is the mean of ((N − E)² − N) / E².
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from sim.calibration.logs import CallLog, Ending

RETRY_WINDOW_H = 24.0
"""A caller's attempt within this many hours of their failed attempt is a retrial."""
PROFILE_CALLS = 2400
"""Each weekday gets its own intraday profile when every weekday with calls has this many first
attempts in the log, about a hundred per hour of the day (fewer, and one profile for all days is
steadier); twice as many, and it is given by half-hour."""
ROUNDING_S = 1.0
"""Exports round times to the second: a retrial may seem to start up to this before the hang-up."""
MAX_ATTEMPTS = 10
"""The most attempts per contact written, whatever the longest linked chain."""
OPEN_SHARE = 0.02
"""An hour whose call rate is below this share of the peak hour's is taken as closed."""


@dataclass
class Arrivals:
    """Everything about when contacts arrive, estimated from one log."""

    first: date
    last: date
    weekly: dict[str, float]  # queue -> first attempts per week
    counts: dict[str, int]  # queue -> first attempts
    weekday: np.ndarray  # 7 rates (calls per day of that weekday)
    hour: np.ndarray  # 24 rates (calls per hour of exposure)
    heat: np.ndarray  # 7 x 24 rates
    by_weekday: bool  # the data allow a profile per weekday
    half_hours: np.ndarray | None  # 7 x 48 rates, when the data allow half-hours
    month: np.ndarray | None  # 12 rates per day, when the log covers a year
    day_cv: float
    day_cv_n: int
    open_days: list[int]
    open_hours: tuple[int, int]
    retry_probability: float | None = None
    retry_n: int = 0
    retry_delay_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    max_attempts: int = 1
    attempts: int = 0

    @property
    def days(self) -> int:
        """Days in the log's period."""
        return (self.last - self.first).days + 1


def link_attempts(calls: pd.DataFrame) -> pd.DataFrame:
    """Per attempt: `retrial` (follows the same caller's failed attempt within the window),
    `retried` (a failed attempt followed by one), `number` (attempt number in its chain) and
    `delay_s` (from hanging up to calling again, on the retrial)."""
    out = pd.DataFrame({"retrial": False, "retried": False, "number": 1,
                        "delay_s": np.nan}, index=calls.index)
    known = calls[calls["caller"] >= 0]
    if known.empty:
        return out
    order = known.sort_values(["caller", "start"], kind="stable")
    start = (order["start"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    leave = start + order["wait_s"].to_numpy()
    failed = (order["ending"] != Ending.ANSWERED.value).to_numpy()
    same = np.r_[False, order["caller"].to_numpy()[1:] == order["caller"].to_numpy()[:-1]]
    gap = np.r_[np.inf, start[1:] - leave[:-1]]
    retrial = (same & np.r_[False, failed[:-1]] & (gap <= RETRY_WINDOW_H * 3600)
               & (gap >= -ROUNDING_S))
    chain = np.cumsum(~retrial)
    number = pd.Series(1, index=order.index).groupby(chain).cumsum().to_numpy()
    retried = np.r_[retrial[1:], False]
    out.loc[order.index, "retrial"] = retrial
    out.loc[order.index, "retried"] = retried
    out.loc[order.index, "number"] = number
    out.loc[order.index, "delay_s"] = np.where(retrial, np.maximum(gap, 0.0), np.nan)
    return out


def exposure(first: date, last: date, timezone: str) -> np.ndarray:
    """Hours of each (weekday, hour) on the local clock over the period (7 x 24)."""
    begin = pd.Timestamp(first).tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    end = (pd.Timestamp(last) + pd.Timedelta(days=1)).tz_localize(
        timezone, ambiguous=True, nonexistent="shift_forward")
    hours = pd.date_range(begin.tz_convert("UTC"), end.tz_convert("UTC"), freq="h",
                          inclusive="left").tz_convert(timezone)
    out = np.zeros((7, 24))
    np.add.at(out, (hours.day_of_week, hours.hour), 1.0)
    return out


def estimate(log: CallLog) -> tuple[Arrivals, pd.DataFrame]:
    """Arrivals from a log of call attempts; also the per-attempt links (dropped by the caller
    once counted: they hold no caller key, only flags)."""
    calls = log.calls
    links = link_attempts(calls)
    fresh = calls[~links["retrial"].to_numpy()]
    first, last = log.first, log.last
    wall = fresh["wall"]
    halves = np.zeros((7, 48))
    np.add.at(halves, (wall.dt.day_of_week.to_numpy(),
                       wall.dt.hour.to_numpy() * 2 + wall.dt.minute.to_numpy() // 30), 1.0)
    arrivals = _shape(halves, first, last, log.timezone, wall.dt.normalize(),
                      fresh["queue"].value_counts())
    failed = (calls["ending"] != Ending.ANSWERED.value).to_numpy() & (calls["caller"] >= 0
                                                                       ).to_numpy()
    if failed.any():
        arrivals.max_attempts = int(min(MAX_ATTEMPTS, max(2, links["number"].max())))
        eligible = failed & (links["number"].to_numpy() < arrivals.max_attempts)
        arrivals.retry_n = int(eligible.sum())
        arrivals.retry_probability = float(links["retried"].to_numpy()[eligible].mean()) \
            if eligible.any() else None
        arrivals.retry_delay_s = links["delay_s"].dropna().to_numpy()
    arrivals.attempts = len(calls)
    return arrivals, links


def from_intervals(log: CallLog) -> Arrivals:
    """Arrivals from interval reports (offered calls; retrials cannot be told apart)."""
    frame = log.intervals
    assert frame is not None
    wall = frame["wall"]
    halves = np.zeros((7, 48))
    np.add.at(halves, (wall.dt.day_of_week.to_numpy(),
                       wall.dt.hour.to_numpy() * 2 + wall.dt.minute.to_numpy() // 30),
              frame["offered"].to_numpy())
    per_day = frame.groupby(wall.dt.normalize())["offered"].sum()
    arrivals = _shape(halves, log.first, log.last, log.timezone, per_day,
                      frame.groupby("queue")["offered"].sum(), daily=True,
                      half_hours=log.interval_min <= 30)
    arrivals.attempts = int(frame["offered"].sum())
    return arrivals


def _day_cv2(counts: np.ndarray, weekdays: np.ndarray, month: np.ndarray, open_days: list[int]
             ) -> tuple[float, int]:
    """c² of the day factor: per weekday, the variance of the month-adjusted daily counts
    around their own mean (m − 1 degrees of freedom, so the fitted mean does not shrink it)
    less the Poisson part, over the squared mean; weekdays pooled by degrees of freedom."""
    total, dof = 0.0, 0
    for day in open_days:
        mine = weekdays == day
        n, m = counts[mine] / month[mine], int(mine.sum())
        if m < 2 or n.mean() <= 0:
            continue
        level = n.mean()
        # a month-adjusted count n = N / f has Poisson variance level / f
        poisson = float(np.mean(level / month[mine]))
        total += (m - 1) * (n.var(ddof=1) - poisson) / level**2
        dof += m - 1
    return (total / dof if dof else 0.0), dof + len(open_days)


def _shape(halves: np.ndarray, first: date, last: date, timezone: str, days: pd.Series,
           per_queue: pd.Series, daily: bool = False, half_hours: bool = True) -> Arrivals:
    counts = halves[:, 0::2] + halves[:, 1::2]
    hours = exposure(first, last, timezone)
    with np.errstate(invalid="ignore", divide="ignore"):
        heat = np.where(hours > 0, counts / hours, 0.0)
    day_exposure = hours.sum(axis=1) / 24  # days of each weekday (DST days count 23/25 h)
    weekday = np.where(day_exposure > 0, counts.sum(axis=1) / day_exposure, 0.0)
    hour = counts.sum(axis=0) / np.maximum(hours.sum(axis=0), 1e-9)
    peak = hour.max()
    open_hours = np.flatnonzero(hour >= OPEN_SHARE * peak)
    open_days = [d for d in range(7) if weekday[d] >= OPEN_SHARE * weekday.max()]
    per_day = days.value_counts().sort_index() if not daily else days
    index = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
    per_day = per_day.reindex(index, fill_value=0).astype(float)
    months = index.month.to_numpy() - 1
    weekdays = index.day_of_week.to_numpy()
    month = None
    if (last - first).days + 1 >= 364:
        month_rate = per_day.groupby(months).sum() / per_day.groupby(months).size()
        weekday_mean = per_day.groupby(weekdays).mean()
        # the weekday mix of each month would bias its rate: divide it out
        mix = pd.Series(weekday_mean.reindex(weekdays).to_numpy()).groupby(months).mean()
        month = (month_rate / mix).reindex(range(12)).to_numpy()
        month = month / np.nanmean(month)
    day_cv2, day_n = _day_cv2(per_day.to_numpy(), weekdays, month[months] if month is not None
                              else np.ones(len(index)), open_days)
    # a week is one day of each weekday: a log ending on a Friday has no weekend to count
    per_week = float(weekday.sum())
    total = float(per_queue.sum())
    return Arrivals(
        first=first, last=last,
        weekly={str(q): float(n) / total * per_week for q, n in per_queue.items() if n > 0},
        counts={str(q): int(n) for q, n in per_queue.items() if n > 0},
        weekday=weekday, hour=hour, heat=heat,
        by_weekday=bool(all(counts[d].sum() >= PROFILE_CALLS for d in open_days)),
        half_hours=np.where(np.repeat(hours, 2, axis=1) > 0,
                            halves / np.maximum(np.repeat(hours, 2, axis=1), 1e-9), 0.0)
        if half_hours and all(counts[d].sum() >= 2 * PROFILE_CALLS for d in open_days)
        else None,
        month=month, day_cv=math.sqrt(max(day_cv2, 0.0)), day_cv_n=day_n,
        open_days=open_days,
        open_hours=(int(open_hours.min()), int(open_hours.max()) + 1),
    )
