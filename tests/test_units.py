"""Units planners write by hand (durations, clock times, weekdays, months) and the distributions
built from them: their stated means, and the quantile draws of `sim.engine.sampling`."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from sim.engine.sampling import mean_minutes, quantile
from sim.scenario.distributions import Constant, Distribution
from sim.scenario.units import (
    format_clock,
    format_duration,
    parse_clock,
    parse_duration,
    parse_month,
    parse_weekday,
)

SPEC: TypeAdapter[Any] = TypeAdapter(Distribution)

# -- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("45s", timedelta(seconds=45)),
    ("12min", timedelta(minutes=12)),
    ("1h30min", timedelta(minutes=90)),
    ("1h 30min", timedelta(minutes=90)),
    (" 5 min", timedelta(minutes=5)),
    ("0.5h", timedelta(minutes=30)),
    (".5min", timedelta(seconds=30)),
    ("1.5s", timedelta(seconds=1.5)),
    ("72h", timedelta(hours=72)),
    ("5d", timedelta(days=5)),
    ("8w", timedelta(weeks=8)),
    ("2 hours", timedelta(hours=2)),
    ("90 seconds", timedelta(seconds=90)),
    ("3 Days", timedelta(days=3)),
    ("1 week", timedelta(weeks=1)),
    ("2wk 1d 3hrs 4mins 5secs", timedelta(weeks=2, days=1, hours=3, minutes=4, seconds=5)),
    ("0s", timedelta(0)),
])
def test_duration_with_units_is_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_every_unit_spelling_is_read() -> None:
    seconds = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
               "min": 60, "mins": 60, "minute": 60, "minutes": 60,
               "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
               "d": 86400, "day": 86400, "days": 86400,
               "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800}
    for unit, size in seconds.items():
        assert parse_duration(f"2{unit}") == timedelta(seconds=2 * size), unit


def test_timedelta_passes_through_unchanged() -> None:
    assert parse_duration(timedelta(minutes=3)) == timedelta(minutes=3)


@pytest.mark.parametrize(("value", "message"), [
    (5, "a duration needs a unit, for example \"5min\" or \"5s\""),
    (2.5, "a duration needs a unit, for example \"2.5min\" or \"2.5s\""),
    ("5", "a duration needs a unit, for example \"5min\" or \"5s\""),
    ("-5min", "a duration cannot be negative"),
    ("5m", "unknown unit 'm' in '5m' (write \"min\" for minutes)"),
    ("5mn", "unknown unit 'mn' in '5mn' (write \"min\" for minutes)"),
    ("5 parsecs", "unknown unit 'parsecs' in '5 parsecs'"),
    ("", "empty duration"),
    (True, "a duration is a string with a unit, for example \"12min\""),
    (None, "a duration is a string with a unit, for example \"12min\""),
    ("min", "cannot read 'min' as a duration; write e.g. \"45s\", \"12min\", \"1h30min\", \"72h\", "
            "\"5d\" or \"8w\""),
    ("1h30", "cannot read '1h30' as a duration; write e.g. \"45s\", \"12min\", \"1h30min\", "
             "\"72h\", \"5d\" or \"8w\""),
    ("99999999999w", "'99999999999w' is too long a duration"),
])
def test_duration_that_cannot_be_read_is_refused(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert str(caught.value) == message


@pytest.mark.parametrize(("value", "text"), [
    (timedelta(0), "0s"),
    (timedelta(seconds=45), "45s"),
    (timedelta(seconds=90), "90s"),
    (timedelta(minutes=12), "12min"),
    (timedelta(minutes=90), "90min"),
    (timedelta(hours=1), "1h"),
    (timedelta(hours=24), "24h"),
    (timedelta(hours=72), "72h"),
    (timedelta(hours=96), "96h"),
    (timedelta(hours=100), "100h"),
    (timedelta(days=5), "5d"),
    (timedelta(weeks=8), "8w"),
    (timedelta(seconds=1.5), "1.5s"),
    (timedelta(microseconds=1), "0.000001s"),
    (timedelta(minutes=2, microseconds=250), "120.00025s"),
])
def test_duration_is_written_with_the_largest_exact_unit(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@given(st.integers(min_value=0, max_value=10**9))
def test_whole_seconds_round_trip_through_text(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


@given(st.integers(min_value=0, max_value=10**13))
def test_microseconds_round_trip_through_text(micros: int) -> None:
    value = timedelta(microseconds=micros)
    assert parse_duration(format_duration(value)) == value


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["s", "min", "h", "d", "w"]))
def test_written_durations_read_back_unchanged(amount: int, unit: str) -> None:
    value = parse_duration(f"{amount}{unit}")
    assert parse_duration(format_duration(value)) == value


# -- clock times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "minute"), [
    ("00:00", 0), ("09:30", 570), ("9:30", 570), ("9h30", 570), (" 18:00 ", 1080),
    ("23:59", 1439), ("24:00", 1440),
])
def test_clock_time_is_read_as_minutes_after_midnight(text: str, minute: int) -> None:
    assert parse_clock(text) == minute


@pytest.mark.parametrize(("value", "message"), [
    ("24:01", "'24:01' is not a time of day between 00:00 and 24:00"),
    ("25:00", "'25:00' is not a time of day between 00:00 and 24:00"),
    ("09:60", "'09:60' is not a time of day between 00:00 and 24:00"),
    ("930", "cannot read '930' as a clock time \"HH:MM\""),
    ("9am", "cannot read '9am' as a clock time \"HH:MM\""),
    (930, "write clock times as \"HH:MM\", for example \"09:30\""),
    (9, "write clock times as \"HH:MM\", for example \"09:00\""),
    (2500, "write clock times as \"HH:MM\", for example \"09:30\""),
    (9.5, "write clock times as \"HH:MM\""),
    (True, "write clock times as \"HH:MM\""),
])
def test_clock_time_that_is_not_a_time_of_day_is_refused(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_clock(value)
    assert str(caught.value) == message


@given(st.integers(min_value=0, max_value=1440))
def test_clock_times_round_trip_through_text(minute: int) -> None:
    assert parse_clock(format_clock(minute)) == minute


# -- weekdays and months -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "day"), [
    ("mon", "mon"), ("Monday", "mon"), ("lundi", "mon"), (" SUN ", "sun"), ("dimanche", "sun"),
    ("mercredi", "wed"), ("Thursday", "thu"), ("samedi", "sat"),
])
def test_weekday_names_in_english_or_french_are_read(text: str, day: str) -> None:
    assert parse_weekday(text) == day


@pytest.mark.parametrize("value", ["funday", "mo", "sunshine", 1, None])
def test_unknown_weekday_is_refused(value: Any) -> None:
    with pytest.raises(ValueError) as caught:
        parse_weekday(value)
    assert str(caught.value) == f"{value!r} is not a weekday; use one of mon, tue, wed, thu, " \
                                "fri, sat, sun"


@pytest.mark.parametrize(("text", "month"), [
    ("jan", "jan"), ("January", "jan"), ("janvier", "jan"), ("février", "feb"),
    ("fevrier", "feb"), ("mai", "may"), ("août", "aug"), ("Sept", "sep"), ("décembre", "dec"),
])
def test_month_names_in_english_or_french_are_read(text: str, month: str) -> None:
    assert parse_month(text) == month


@pytest.mark.parametrize("value", ["junk", "marmalade", "13", 3])
def test_unknown_month_is_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="is not a month"):
        parse_month(value)


# -- distributions: stated means -----------------------------------------------------------------


@pytest.mark.parametrize(("spec", "mean_min"), [
    ({"dist": "exponential", "mean": "6min"}, 6.0),
    ({"dist": "lognormal", "mean": "12min", "cv": 0.6}, 12.0),
    ({"dist": "gamma", "mean": "90s", "cv": 2.0}, 1.5),
    ({"dist": "constant", "value": "5min"}, 5.0),
    ("5min", 5.0),
    ({"dist": "uniform", "min": "2min", "max": "8min"}, 5.0),
    ({"dist": "triangular", "min": "1min", "mode": "2min", "max": "6min"}, 3.0),
    ({"dist": "empirical", "values": ["1min", "2min", "6min"]}, 3.0),
])
def test_distribution_states_its_mean(spec: Any, mean_min: float) -> None:
    parsed = SPEC.validate_python(spec)
    assert parsed.expected() == timedelta(minutes=mean_min)
    assert mean_minutes(parsed) == pytest.approx(mean_min)


def test_duration_text_is_a_constant_distribution() -> None:
    assert SPEC.validate_python("5min") == Constant(dist="constant", value=timedelta(minutes=5))


# -- distributions: draws by quantile ------------------------------------------------------------

DRAWS = 200_000
BATCHES = 50


def stated_cv(spec: Any) -> float:
    """The coefficient of variation each distribution has by construction."""
    if spec.dist == "exponential":
        return 1.0
    if spec.dist in ("lognormal", "gamma"):
        return float(spec.cv)
    if spec.dist == "constant":
        return 0.0
    mean = mean_minutes(spec)
    if spec.dist == "uniform":
        low, high = spec.min.total_seconds() / 60, spec.max.total_seconds() / 60
        return (high - low) / math.sqrt(12) / mean
    if spec.dist == "triangular":
        a, c, b = (x.total_seconds() / 60 for x in (spec.min, spec.mode, spec.max))
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18) / mean
    values = np.array([v.total_seconds() / 60 for v in spec.values])
    return float(values.std() / values.mean())


RANDOM_SPECS = [
    {"dist": "exponential", "mean": "6min"},
    {"dist": "lognormal", "mean": "12min", "cv": 0.6},
    {"dist": "lognormal", "mean": "3min", "cv": 1.5},
    {"dist": "gamma", "mean": "90s", "cv": 0.5},
    {"dist": "gamma", "mean": "20min", "cv": 2.0},
    {"dist": "uniform", "min": "2min", "max": "8min"},
    {"dist": "triangular", "min": "1min", "mode": "2min", "max": "6min"},
    {"dist": "triangular", "min": "1min", "mode": "6min", "max": "6min"},
    {"dist": "empirical", "values": ["1min", "2min", "2min", "10min"]},
]


@pytest.mark.parametrize("raw", RANDOM_SPECS, ids=lambda raw: f"{raw['dist']}")
def test_quantile_draws_match_the_stated_mean_and_cv(raw: Any) -> None:
    spec = SPEC.validate_python(raw)
    u = np.random.default_rng(20240101).random(DRAWS)
    x = quantile(spec, u)
    mean, cv = mean_minutes(spec), stated_cv(spec)
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    # the sample mean: standard error from the CLT
    assert abs(x.mean() - mean) <= 4 * x.std(ddof=1) / math.sqrt(DRAWS)
    # the sample cv: standard error from the spread of the cv over independent batches
    batches = x.reshape(BATCHES, -1)
    batch_cv = batches.std(axis=1, ddof=1) / batches.mean(axis=1)
    cv_se = batch_cv.std(ddof=1) / math.sqrt(BATCHES)
    assert abs(x.std(ddof=1) / x.mean() - cv) <= 4 * cv_se


@pytest.mark.parametrize("raw", [*RANDOM_SPECS, {"dist": "constant", "value": "5min"}],
                         ids=lambda raw: f"{raw['dist']}")
def test_quantile_is_monotone_in_u(raw: Any) -> None:
    spec = SPEC.validate_python(raw)
    u = np.concatenate([[0.0], np.linspace(1e-9, 1 - 1e-9, 10_001)])
    x = quantile(spec, u)
    assert np.all(np.diff(x) >= 0)
    assert np.all(np.isfinite(x))


def test_quantile_of_a_constant_is_the_constant_whatever_u() -> None:
    spec = SPEC.validate_python("5min")
    u = np.random.default_rng(1).random((3, 4))
    assert np.array_equal(quantile(spec, u), np.full((3, 4), 5.0))


def test_quantile_keeps_the_shape_of_u() -> None:
    spec = SPEC.validate_python({"dist": "lognormal", "mean": "12min", "cv": 0.6})
    assert quantile(spec, np.full((2, 5), 0.5)).shape == (2, 5)


def test_quantile_of_exponential_is_the_textbook_formula() -> None:
    spec = SPEC.validate_python({"dist": "exponential", "mean": "6min"})
    u = np.array([0.0, 0.5, 0.9])
    assert quantile(spec, u) == pytest.approx([0.0, 6 * math.log(2), 6 * math.log(10)])


def test_quantile_of_empirical_takes_each_value_equally_often() -> None:
    spec = SPEC.validate_python({"dist": "empirical", "values": ["1min", "2min", "4min", "8min"]})
    u = (np.arange(400) + 0.5) / 400
    values, counts = np.unique(quantile(spec, u), return_counts=True)
    assert values.tolist() == [1.0, 2.0, 4.0, 8.0]
    assert counts.tolist() == [100, 100, 100, 100]
