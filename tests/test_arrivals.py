"""Demand profiles (sim/arrivals.py): volumes, weights, ramp-up, start dates and random factors.

Two kinds of checks: exact ones on the expected counts of the rate segments (arithmetic), and
statistical ones on drawn arrivals, with a fixed seed: chi-square goodness of fit at a
significance level of 0.001, or a 99 % confidence interval for a mean or a variance.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from helpers import ALWAYS_OPEN, DAY_MIN, WEEK, WORKING_WEEK, assert_in_ci99, scenario
from scipy import stats

from sim.engine.arrivals import DemandProfile, arrival_times
from sim.engine.calendar import Calendar
from sim.engine.model import draw
from sim.engine.streams import Streams
from sim.scenario import Scenario

ALPHA = 0.001
SEED = 4242
HOUR_MIN = 60.0


def demand_scenario(*, days: int, volume: dict[str, float], calendar: dict[str, Any] | None = None,
                    demand: dict[str, Any] | None = None, start: date = date(2024, 1, 1),
                    source: dict[str, Any] | None = None) -> Scenario:
    """One source and the demand section under test; the rest does not matter here."""
    return scenario(days=days, start=start, calendar=calendar or ALWAYS_OPEN, demand=demand,
                    sources=[{"name": "all", "volume": volume, **(source or {})}])


def profile_of(sc: Scenario) -> DemandProfile:
    return DemandProfile(sc, Calendar(sc))


def expected(sc: Scenario) -> float:
    return profile_of(sc).segments(sc.sources[0]).expected()


def arrivals(sc: Scenario, replication: int = 0, seed: int = SEED) -> np.ndarray:
    return arrival_times(profile_of(sc), Streams(seed, replication))[0]


def assert_fits(observed: np.ndarray, weights: np.ndarray, what: str) -> None:
    """Chi-square goodness of fit of counts to shares proportional to `weights` (> 0 only)."""
    weights = np.asarray(weights, dtype=float)
    assert (observed[weights == 0] == 0).all(), f"{what}: arrivals where the weight is 0"
    keep = weights > 0
    f_exp = weights[keep] / weights[keep].sum() * observed[keep].sum()
    result = stats.chisquare(observed[keep], f_exp)
    assert result.pvalue > ALPHA, (f"{what}: chi-square {result.statistic:.1f} on "
                                   f"{keep.sum() - 1} df, p = {result.pvalue:.2g}")


def assert_poisson_count(count: int, mean: float, what: str) -> None:
    """A Poisson count within its two-sided 0.001 acceptance region."""
    low, high = stats.poisson.ppf([ALPHA / 2, 1 - ALPHA / 2], mean)
    assert low <= count <= high, f"{what}: {count} arrivals, expected {mean:.1f}"


# --- the model draws its members from these arrivals ------------------------------------------


def test_the_model_meets_members_at_the_arrival_times_of_the_profile():
    sc = demand_scenario(days=7, volume={"per_hour": 20})
    np.testing.assert_array_equal(draw(sc, SEED, 3).contacts.arrived, arrivals(sc, 3))


# --- volume arithmetic --------------------------------------------------------------------------

WEEKDAY_TABLE = {"mon": 5, "tue": 4, "wed": 4, "thu": 3, "fri": 2, "sat": 1}  # no Sunday
HOUR_LIST = [0.0] * 7 + [1, 3, 5, 5, 4, 2, 3, 4, 4, 3, 2, 1, 0.5] + [0.0] * 4


def test_per_day_is_per_day_with_demand():
    # 4 whole weeks, 6 days a week with demand: 24 days
    sc = demand_scenario(days=28, volume={"per_day": 50},
                         demand={"weekday_weights": WEEKDAY_TABLE})
    assert expected(sc) == pytest.approx(50 * 24, rel=1e-12)
    # a part week with the default weights (the open days): Mon..Fri, Mon..Wed = 8 days
    sc = demand_scenario(days=10, volume={"per_day": 50},
                         calendar={"open_days": WORKING_WEEK, "open_hours": ["09:00", "18:00"]})
    assert expected(sc) == pytest.approx(50 * 8, rel=1e-12)


def test_per_week_is_per_seven_days():
    sc = demand_scenario(days=21, volume={"per_week": 700},
                         demand={"weekday_weights": WEEKDAY_TABLE, "hour_weights": HOUR_LIST})
    assert expected(sc) == pytest.approx(700 * 3, rel=1e-12)


def test_per_year_is_per_365_25_days():
    sc = demand_scenario(days=364, volume={"per_year": 3496})
    assert expected(sc) == pytest.approx(3496 * 364 / 365.25, rel=1e-12)


def test_per_hour_is_per_hour_with_demand():
    # default profile: the open hours, 09:30-18:00 = 8.5 h, on 10 weekdays
    office = {"open_days": WORKING_WEEK, "open_hours": ["09:30", "18:00"]}
    sc = demand_scenario(days=14, volume={"per_hour": 12}, calendar=office)
    assert expected(sc) == pytest.approx(12 * 8.5 * 10, rel=1e-12)
    # explicit hour weights: the 13 hours with a positive weight, on 24 days
    sc = demand_scenario(days=28, volume={"per_hour": 12},
                         demand={"weekday_weights": WEEKDAY_TABLE, "hour_weights": HOUR_LIST})
    assert expected(sc) == pytest.approx(12 * 13 * 24, rel=1e-12)


def test_total_is_the_expected_count_over_the_horizon_with_every_weight_and_the_ramp():
    sc = demand_scenario(days=45, volume={"total": 1234},
                         demand={"weekday_weights": WEEKDAY_TABLE, "hour_weights": HOUR_LIST},
                         source={"start": "2024-01-10", "ramp_up": "3w"})
    assert expected(sc) == pytest.approx(1234, rel=1e-12)
    profile = profile_of(sc)
    counts = np.array([len(arrival_times(profile, Streams(SEED, r))[0]) for r in range(100)])
    assert_in_ci99(counts, 1234, "mean count per replication with volume.total", 0.02)


# --- weekday and hour-of-day shape --------------------------------------------------------------


@pytest.mark.parametrize("form", ["table", "list"])
def test_counts_per_weekday_and_hour_follow_the_weights(form):
    weekday = np.array([WEEKDAY_TABLE.get(d, 0.0) for d in WEEK], dtype=float)
    hours = np.array(HOUR_LIST)
    if form == "table":
        demand = {"weekday_weights": WEEKDAY_TABLE,
                  "hour_weights": {f"{h:02d}:00": w for h, w in enumerate(HOUR_LIST) if w}}
    else:
        demand = {"weekday_weights": weekday.tolist(), "hour_weights": hours.tolist()}
    sc = demand_scenario(days=56, volume={"per_week": 3000}, demand=demand)
    times = arrivals(sc)
    assert len(times) > 20_000
    day, clock = (times // DAY_MIN).astype(int), times % DAY_MIN
    by_weekday = np.bincount(day % 7, minlength=7)  # the horizon starts on a Monday
    by_hour = np.bincount((clock // HOUR_MIN).astype(int), minlength=24)
    assert_fits(by_weekday, weekday, "arrivals per weekday")
    assert_fits(by_hour, hours, "arrivals per hour of day")
    cells = np.bincount((day % 7) * 24 + (clock // HOUR_MIN).astype(int), minlength=7 * 24)
    assert_fits(cells, np.outer(weekday, hours).ravel(), "arrivals per weekday and hour")
    assert_poisson_count(len(times), 3000 * 8, "arrivals over 8 weeks")


def test_default_hour_profile_keeps_arrivals_inside_the_open_hours():
    office = {"open_days": WORKING_WEEK, "open_hours": ["09:30", "18:00"]}
    sc = demand_scenario(days=28, volume={"per_hour": 40}, calendar=office)
    times = arrivals(sc)
    day, clock = times // DAY_MIN, times % DAY_MIN
    assert ((day % 7) < 5).all(), "an arrival on a closed day"
    assert (clock >= 9.5 * 60).all() and (clock < 18 * 60).all(), "an arrival while closed"
    # evenly spread over the open hours: 17 half hours with the same expected count
    half_hours = np.bincount(((clock - 9.5 * 60) // 30).astype(int), minlength=17)
    assert len(half_hours) == 17
    assert_fits(half_hours, np.ones(17), "arrivals per half hour")
    assert_poisson_count(len(times), 40 * 8.5 * 20, "arrivals over 4 weeks")


# --- months, start dates and ramp-up ------------------------------------------------------------

MONTHS = [1.0, 1.4, 1.2, 1.0, 0.9, 0.8, 0.7, 0.3, 1.0, 1.1, 1.2, 0.9]


def test_month_weights_scale_the_daily_rate_of_each_month():
    start = date(2023, 1, 1)
    sc = demand_scenario(days=365, volume={"per_day": 40}, start=start,
                         demand={"month_weights": MONTHS})
    profile = profile_of(sc)
    segments = profile.segments(sc.sources[0])
    month_of = np.array([(start + timedelta(days=int(t // DAY_MIN))).month - 1
                         for t in segments.start])
    per_month = np.bincount(month_of, weights=segments.rate * segments.length, minlength=12)
    days_in_month = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    average_days = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    # weights are normalised over an average year, so the yearly volume is kept
    factor = np.array(MONTHS) / (np.dot(MONTHS, average_days) / 365.25)
    np.testing.assert_allclose(per_month, 40 * days_in_month * factor, rtol=1e-12)

    times = arrivals(sc)
    months = np.array([(start + timedelta(days=int(d))).month - 1
                       for d in range(365)])[(times // DAY_MIN).astype(int)]
    assert_fits(np.bincount(months, minlength=12), days_in_month * factor, "arrivals per month")


def test_month_weights_move_demand_between_months_without_changing_the_yearly_volume():
    plain = demand_scenario(days=365, volume={"per_year": 3496}, start=date(2023, 1, 1),
                            calendar=ALWAYS_OPEN)
    shaped = demand_scenario(days=365, volume={"per_year": 3496}, start=date(2023, 1, 1),
                             calendar=ALWAYS_OPEN, demand={"month_weights": {"aug": 0.5}})
    # 2023 has 365 days and a 28-day February: both differ from the average year by a day's
    # fraction only
    assert expected(plain) == pytest.approx(3496 * 365 / 365.25, rel=1e-12)
    assert expected(shaped) == pytest.approx(3496, rel=2e-3)


def test_source_with_a_start_date_has_no_arrival_before_it():
    sc = demand_scenario(days=28, volume={"per_hour": 30}, source={"start": "2024-01-10"})
    begin = 9 * DAY_MIN
    assert expected(sc) == pytest.approx(30 * 24 * 19, rel=1e-12)
    for replication in range(5):
        times = arrivals(sc, replication)
        assert times.min() >= begin
        assert_poisson_count(len(times), 30 * 24 * 19, "arrivals after the start")


def _ramp_share(begin: float, end: float, ramp: float) -> float:
    """Integral over [begin, end] of min(t / ramp, 1) dt (t from the source's start)."""
    def integral(t: float) -> float:
        return t * t / (2 * ramp) if t <= ramp else ramp / 2 + (t - ramp)
    return integral(end) - integral(begin)


def test_ramp_up_makes_the_first_weeks_follow_a_linear_ramp():
    ramp_days = 14
    sc = demand_scenario(days=35, volume={"per_hour": 60},
                         source={"start": "2024-01-08", "ramp_up": f"{ramp_days}d"})
    profile = profile_of(sc)
    segments = profile.segments(sc.sources[0])
    week = (segments.start // (7 * DAY_MIN)).astype(int)
    weekly = np.bincount(week, weights=segments.rate * segments.length, minlength=5)
    # nothing in week 0, then a quarter, three quarters, full weeks
    np.testing.assert_allclose(weekly, 60 * 168 * np.array([0.0, 0.25, 0.75, 1.0, 1.0]),
                               rtol=1e-12)

    # statistically: daily counts follow the integral of the linear ramp
    ramp, rate = ramp_days * DAY_MIN, 1.0  # 60 per hour = 1 per minute
    expected_by_day = np.array([
        0.0 if d < 7 else rate * _ramp_share((d - 7) * DAY_MIN, (d - 6) * DAY_MIN, ramp)
        for d in range(35)])
    times = arrivals(sc)
    by_day = np.bincount((times // DAY_MIN).astype(int), minlength=35)
    assert_fits(by_day, expected_by_day, "arrivals per day during and after the ramp")
    assert_poisson_count(int(by_day[7:21].sum()), float(expected_by_day[7:21].sum()),
                         "arrivals during the ramp")


# --- random day and volume factors ------------------------------------------------------------


def test_day_cv_adds_gamma_variance_to_the_daily_counts():
    mean, cv = 200.0, 0.25
    sc = demand_scenario(days=1461, volume={"per_day": mean}, demand={"day_cv": cv},
                         start=date(2020, 1, 1))
    times = arrivals(sc)
    by_day = np.bincount((times // DAY_MIN).astype(int), minlength=1461)
    assert_in_ci99(by_day, mean, "mean daily count", 0.03)
    # Var N = m + m^2 cv^2 for a Poisson count whose mean is scaled by a gamma factor
    variance = mean + mean**2 * cv**2
    deviations = (by_day - mean) ** 2
    assert_in_ci99(deviations, variance, "variance of the daily count", 0.15)
    _, half = assert_in_ci99(deviations, variance, "variance of the daily count")
    assert deviations.mean() - half > 2 * mean, "the daily counts are not over-dispersed"


def test_without_day_cv_daily_counts_are_poisson():
    mean = 200.0
    sc = demand_scenario(days=1461, volume={"per_day": mean}, start=date(2020, 1, 1))
    by_day = np.bincount((arrivals(sc) // DAY_MIN).astype(int), minlength=1461)
    assert_in_ci99((by_day - mean) ** 2, mean, "variance of the daily count", 0.15)


def test_volume_cv_adds_gamma_variance_to_the_replication_total():
    cv = 0.3
    sc = demand_scenario(days=14, volume={"per_day": 50}, source={"volume_cv": cv})
    total = 50 * 14
    profile = profile_of(sc)
    counts = np.array([len(arrival_times(profile, Streams(SEED, r))[0]) for r in range(1000)])
    assert_in_ci99(counts, total, "mean replication total", 0.03)
    variance = total + total**2 * cv**2
    deviations = (counts - total) ** 2.0
    _, half = assert_in_ci99(deviations, variance, "variance of the replication total", 0.2)
    assert deviations.mean() - half > 10 * total, "the totals are not over-dispersed"
    assert math.isclose(profile.segments(sc.sources[0]).expected(), total, rel_tol=1e-12)


# -- a profile per weekday (issue 13) ---------------------------------------------------------
MONDAY_PEAK = [0.2] * 8 + [3, 4, 3, 2, 1, 1, 1, 1, 1, 1] + [0.2] * 6
SATURDAY_MORNING = [0] * 9 + [2, 2, 2, 1] + [0] * 11


def test_each_weekday_follows_its_own_intraday_profile() -> None:
    demand = {"hour_weights": [1] * 24,
              "hour_weights_by_weekday": {"mon": MONDAY_PEAK, "samedi": SATURDAY_MORNING}}
    sc = demand_scenario(days=28, volume={"per_week": 3000}, demand=demand)
    times = arrivals(sc)
    day, hour = (times // DAY_MIN).astype(int) % 7, (times % DAY_MIN // HOUR_MIN).astype(int)
    for weekday, weights in ((0, MONDAY_PEAK), (5, SATURDAY_MORNING), (2, [1] * 24)):
        counts = np.bincount(hour[day == weekday], minlength=24)
        assert_fits(counts, np.array(weights), f"weekday {WEEK[weekday]}")


def test_a_weekday_profile_leaves_the_share_of_each_day_to_the_weekday_weights() -> None:
    demand = {"weekday_weights": [2, 1, 1, 1, 1, 1, 1],
              "hour_weights_by_weekday": {"mon": MONDAY_PEAK, "sat": SATURDAY_MORNING}}
    sc = demand_scenario(days=28, volume={"per_week": 8000}, demand=demand)
    profile = profile_of(sc)
    segments = profile.segments(sc.sources[0])
    per_day = np.bincount((segments.start // DAY_MIN).astype(int),
                          weights=segments.rate * segments.length)
    assert per_day[:7] == pytest.approx(np.array([2, 1, 1, 1, 1, 1, 1]) / 8 * 8000)
    assert expected(sc) == pytest.approx(4 * 8000)


def test_without_a_weekday_profile_the_single_profile_is_unchanged() -> None:
    weights = [0] * 8 + [1, 2, 2, 1] + [0] * 12
    one = demand_scenario(days=7, volume={"per_week": 700}, demand={"hour_weights": weights})
    both = demand_scenario(days=7, volume={"per_week": 700}, demand={
        "hour_weights": weights, "hour_weights_by_weekday": {"tue": weights}})
    a, b = profile_of(one).segments(one.sources[0]), profile_of(both).segments(both.sources[0])
    assert np.array_equal(a.rate, b.rate) and np.array_equal(a.start, b.start)


@pytest.mark.parametrize(("table", "message"), [
    ({"mon": [1] * 23}, "mon: give 24 hour weights (00 to 23) or 48 half-hour weights, got 23"),
    ({"mon": [1] * 24, "tue": [1] * 47}, "tue: give 24 hour weights (00 to 23) or 48 half-hour "
                                         "weights, got 47"),
    ({"mon": [0] * 24}, "mon: at least one weight must be positive"),
    ({"funday": [1] * 24}, "unknown weekday 'funday'"),
    ({"mon": [1] * 24, "monday": [1] * 24}, "weekday 'mon' is given twice"),
])
def test_a_wrong_weekday_profile_is_refused_naming_the_day(table: dict[str, Any],
                                                            message: str) -> None:
    from sim.scenario import ScenarioError
    with pytest.raises(ScenarioError) as caught:
        demand_scenario(days=7, volume={"per_week": 700},
                        demand={"hour_weights_by_weekday": table})
    text = "\n".join(str(i) for i in caught.value.issues)
    assert "demand.hour_weights_by_weekday" in text and message in text, text


def test_a_weekday_profile_of_48_weights_shapes_demand_by_half_hour() -> None:
    half = [0.0] * 48
    half[18], half[19] = 3.0, 1.0  # 09:00-09:30 three times as busy as 09:30-10:00
    demand = {"hour_weights": [1] * 24, "hour_weights_by_weekday": {"mon": half}}
    sc = demand_scenario(days=28, volume={"per_week": 7000}, demand=demand)
    profile = profile_of(sc)
    assert profile.slots == 48
    times = arrivals(sc)
    day = (times // DAY_MIN).astype(int) % 7
    slot = (times % DAY_MIN // 30).astype(int)
    assert_fits(np.bincount(slot[day == 0], minlength=48), np.array(half), "monday halves")
    # other days keep the hourly shape, each hour's weight split evenly between its halves
    assert_fits(np.bincount(slot[day == 3], minlength=48), np.ones(48), "thursday halves")
    segments = profile.segments(sc.sources[0])
    assert segments.expected() == pytest.approx(4 * 7000)
