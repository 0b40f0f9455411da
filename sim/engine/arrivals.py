"""When members get in touch: non-homogeneous Poisson arrivals for each source.

A source's arrival rate is a weekly volume shaped by weekday, hour-of-day and month weights,
switched on at the source's start date and ramped up linearly over `ramp_up` (a new service being
publicised), multiplied by a random factor per day (`demand.day_cv`: busy and quiet days for
everyone) and by one random factor per replication (`volume_cv`: we are not sure of the volume).
The rate is constant within each hour (each half-hour when a weekday profile gives 48
weights), so rate changes are never skipped. Arrival times come
from time rescaling: unit-rate Poisson points mapped through the inverse of the cumulative rate,
which is exact for this piecewise-constant rate.

Volume keys: `per_year` is per 365.25 days and `per_week` per 7 days; `per_day` is per day with
demand (a weekday with a positive weight) and `per_hour` per hour with demand; `total` is the
expected number over the whole horizon with every weight and the ramp-up applied. Month weights
move demand between months without changing the yearly volume (they are normalised over an
average year of 365.25 days). When
`hour_weights` is not given, demand is spread evenly over the open hours and arrives only while
the lines are scheduled to be open; members still call on holidays and find the lines closed.
`hour_weights_by_weekday` gives a weekday its own intraday shape (a Monday morning peak, a quiet
Friday afternoon); the weekday weights still share the week between the days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.calendar import Calendar
from sim.engine.streams import Streams
from sim.scenario import Scenario, minutes
from sim.scenario.sections import Source
from sim.scenario.units import WEEKDAYS
from sim.vocabulary import DAY, FILES_SOURCE, HOUR

AVERAGE_MONTH_DAYS = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
"""Days per month in an average year of 365.25 days."""


@dataclass(frozen=True)
class Segments:
    """Pieces of time (minutes) with a constant arrival rate per minute."""

    start: np.ndarray
    length: np.ndarray
    rate: np.ndarray

    def expected(self) -> float:
        """Expected arrivals over all segments."""
        return float(np.sum(self.rate * self.length))


class DemandProfile:
    """The deterministic shape of demand of one scenario (before random day and volume factors)."""

    def __init__(self, scenario: Scenario, calendar: Calendar) -> None:
        demand, cal = scenario.demand, scenario.calendar
        self.scenario, self.calendar = scenario, calendar
        open_days = {d for d in cal.open_days}
        weekday = np.array(demand.weekday_weights if demand.weekday_weights is not None else
                           [1.0 if d in open_days else 0.0
                            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")])
        self.weekday = weekday / weekday.sum()
        opens, closes = cal.open_hours
        slot = np.arange(24) * HOUR
        by_weekday = demand.hour_weights_by_weekday
        # half-hour slots when a weekday profile gives 48 weights, hours otherwise
        self.slots = 48 if by_weekday and any(len(r) == 48 for r in by_weekday.values()) else 24
        width = DAY / self.slots
        if demand.hour_weights is None:
            offset = np.clip(opens - slot, 0.0, HOUR)
            length = np.clip(np.minimum(closes, slot + HOUR) - slot, 0.0, HOUR)
            length = np.maximum(length - offset, 0.0)
            hours = length / HOUR
        else:
            hours = np.array(demand.hour_weights, dtype=float)
        if demand.hour_weights is None and not by_weekday:
            self.slot_offset, self.slot_length = offset, length
        else:
            self.slot_offset = np.zeros(self.slots)
            self.slot_length = np.full(self.slots, width)
        self.hour = hours / hours.sum()
        # the shape of each weekday's demand (rows normalised within the day; an hour's
        # weight is split evenly between its halves)
        rows = [np.array(by_weekday[day], dtype=float) if by_weekday and day in by_weekday
                else hours for day in WEEKDAYS]
        rows = [np.repeat(row, self.slots // len(row)) for row in rows]
        self.hour_by_weekday = np.array([row / row.sum() for row in rows])
        month = np.array(demand.month_weights if demand.month_weights is not None else [1.0] * 12)
        # normalised over an average year, so that month weights move demand between months
        # without changing the yearly volume
        self.month = month / (np.dot(month, AVERAGE_MONTH_DAYS) / 365.25)
        self.day_weekday = np.array([calendar.weekday(d) for d in range(calendar.days)])
        self.day_month = np.array([calendar.date(d).month - 1 for d in range(calendar.days)])
        # demand hours per week: how `per_hour` and `per_day` translate to a weekly volume
        self.days_per_week = float(np.count_nonzero(self.weekday))
        demand_hours = np.where(self.hour_by_weekday > 0, self.slot_length / HOUR, 0.0)
        self.hours_per_day = (float(np.sum(demand_hours[self.weekday > 0])) / self.days_per_week
                              if by_weekday else float(np.sum(np.where(
                                  self.hour > 0, self.slot_length / HOUR, 0.0))))

    def weekly(self, source: Source) -> float:
        """The plateau weekly volume of a source (`total` is resolved in `segments`)."""
        unit, amount = source.volume.unit, source.volume.amount
        if unit == "per_week":
            return amount
        if unit == "per_year":
            return amount * 7.0 / 365.25
        if unit == "per_day":
            return amount * self.days_per_week
        if unit == "per_hour":
            return amount * self.days_per_week * self.hours_per_day
        return 1.0  # "total": scaled afterwards

    def segments(self, source: Source, day_factor: np.ndarray | None = None) -> Segments:
        """Hour-by-hour rates of a source over the horizon."""
        cal = self.calendar
        days = np.arange(cal.days)
        per_day = (self.weekday[self.day_weekday] * self.month[self.day_month])[:, None]
        # share of a week's volume in each slot
        rate_per_slot = per_day * self.hour_by_weekday[self.day_weekday]
        start = (days[:, None] * DAY + np.arange(self.slots)[None, :] * (DAY / self.slots)
                 + self.slot_offset[None, :])
        length = np.broadcast_to(self.slot_length, start.shape)
        mid = start + length / 2
        active = self._active(source, mid)
        shape = rate_per_slot * active
        if day_factor is not None:
            shape = shape * day_factor[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(length > 0, shape / length, 0.0)
        weekly = self.weekly(source)
        if source.volume.unit == "total":
            base = np.sum(rate_per_slot * active)
            weekly = source.volume.amount / base if base > 0 else 0.0
        weekly *= self.scenario.demand.volume_factor
        keep = length.ravel() > 0
        return Segments(start.ravel()[keep], length.ravel()[keep], (rate * weekly).ravel()[keep])

    def _active(self, source: Source, t: np.ndarray) -> np.ndarray:
        """Share of the plateau rate at times `t`: 0 before the start, the ramp, 1 afterwards."""
        cal = self.calendar
        begin = ((source.start - cal.start).days * DAY) if source.start else 0.0
        stop = ((source.end - cal.start).days + 1) * DAY if source.end else np.inf
        ramp = minutes(source.ramp_up)
        level = np.clip((t - begin) / ramp, 0.0, 1.0) if ramp > 0 else (t >= begin) * 1.0
        return np.where((t >= begin) & (t < stop), level, 0.0)


def gamma_factor(rng: np.random.Generator, cv: float, size: int | None = None) -> np.ndarray:
    """Random multipliers with mean 1 and coefficient of variation `cv` (1 if cv is 0)."""
    if cv == 0:
        return np.ones(() if size is None else size)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, size)


def contact_sources(scenario: Scenario) -> list[Source]:
    """The scenario's sources, then (when `[files] volume` is set) the source of files arriving
    directly, named "files"."""
    sources = list(scenario.sources)
    if scenario.files is not None and scenario.files.volume is not None:
        sources.append(Source(name=FILES_SOURCE, volume=scenario.files.volume))
    return sources


def arrival_times(profile: DemandProfile, streams: Streams) -> list[np.ndarray]:
    """Sorted arrival times (minutes) of each contact source, for one replication."""
    scenario = profile.scenario
    day_factor = gamma_factor(streams.get("day-factor"), scenario.demand.day_cv,
                              profile.calendar.days)
    out = []
    for source in contact_sources(scenario):
        volume = float(gamma_factor(streams.get("volume", source.name), source.volume_cv))
        segments = profile.segments(source, day_factor)
        out.append(_rescale(segments, volume, streams.get("arrivals", source.name)))
    return out


def _rescale(segments: Segments, volume: float, rng: np.random.Generator) -> np.ndarray:
    """Map unit-rate Poisson points through the inverse cumulative rate."""
    mass = segments.rate * segments.length * volume
    cumulative = np.concatenate([[0.0], np.cumsum(mass)])
    total = cumulative[-1]
    if total <= 0:
        return np.empty(0)
    points: list[np.ndarray] = []
    last = 0.0
    while last <= total:
        size = int(total - last + 5 * np.sqrt(total)) + 16
        chunk = last + np.cumsum(-np.log1p(-rng.random(size)))
        points.append(chunk)
        last = float(chunk[-1])
    units = np.concatenate(points)
    units = units[units < total]
    k = np.searchsorted(cumulative, units, side="right") - 1
    return segments.start[k] + (units - cumulative[k]) / (segments.rate[k] * volume)


def expected_per_open_hour(scenario: Scenario) -> float:
    """Contacts expected per hour the lines are open, on average over the horizon (0 when
    there is no demand or no open hour): the offered load of an Erlang estimate."""
    calendar = Calendar(scenario)
    profile = DemandProfile(scenario, calendar)
    expected = sum(profile.segments(s).expected() for s in contact_sources(scenario))
    open_hours = float(np.sum(np.clip(np.minimum(calendar.ends, calendar.end_time)
                                      - np.maximum(calendar.starts, 0.0), 0.0, None))) / HOUR
    if open_hours <= 0 or expected <= 0:
        return 0.0
    return float(expected / open_hours)
