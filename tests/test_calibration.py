"""Calibration closes the loop: a log simulated from known parameters gives them back.

One scenario with known parameters (24/7, two queues, weekday weights and a weekend intraday
profile of its own, a gamma day factor, lognormal talk, gamma wrap-up, exponential patience,
retrials) is simulated once by the engine; its call attempts are written as an Asterisk
`queue_log`, as a per-call CSV and as 30-minute interval reports, each is calibrated, and every
estimate must fall within its sampling error of the truth. Tolerances are standard errors times
the normal quantile of a 0.001 two-sided level, Bonferroni-corrected over the `k` values
checked together (`z(k)`), never widened by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from bench.calibrate import simulated_calls, write_calls_csv, write_queue_log
from sim.calibration.calibrate import Calibration, calibrate
from sim.calibration.fits import Fit
from sim.calibration.writer import write_scenario
from sim.engine.arrivals import DemandProfile
from sim.engine.calendar import Calendar
from sim.scenario import Scenario, validate
from sim.scenario.register import register

WEEKS = 8
PER_WEEK = {"retraite": 4500.0, "sante": 3000.0}
WEEKDAY = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3])
WEEKDAY_HOURS = np.array([0.2] * 7 + [1, 2, 3, 3, 2, 2, 2.5, 2.5, 2, 1.5, 1, 0.6, 0.4, 0.3, 0.2,
                                      0.2, 0.2])
WEEKEND_HOURS = np.array([0.2] * 9 + [2, 3, 3, 2, 1, 1, 1, 1, 0.8, 0.5, 0.3, 0.2, 0.2, 0.2,
                                      0.2])
DAY_CV = 0.15
TALK = (4.0, 0.8)  # lognormal mean (min), cv
WRAP = (1.0, 0.5)  # gamma mean (min), cv
PATIENCE_MIN = 3.0
RETRY_P, RETRY_DELAY_MIN, MAX_ATTEMPTS = 0.3, 15.0, 3
LEVEL = 0.001


def z(k: int) -> float:
    """The two-sided normal quantile for level 0.001 shared by k checks."""
    return float(stats.norm.ppf(1 - LEVEL / (2 * k)))


def truth() -> Scenario:
    weekend = WEEKEND_HOURS.tolist()
    return validate({
        "name": "truth",
        "horizon": {"start": "2024-01-01", "end": f"2024-02-{7 * WEEKS - 31:02d}"},
        "calendar": {"open_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                     "open_hours": ["00:00", "24:00"]},
        "sources": [{"name": q, "volume": {"per_week": v}} for q, v in PER_WEEK.items()],
        "demand": {"weekday_weights": WEEKDAY.tolist(), "hour_weights": WEEKDAY_HOURS.tolist(),
                   "hour_weights_by_weekday": {"sat": weekend, "sun": weekend},
                   "day_cv": DAY_CV},
        "case_types": [{"name": "call", "share": 1.0,
                        "talk": {"dist": "lognormal", "mean": f"{TALK[0]}min", "cv": TALK[1]},
                        "wrap_up": {"dist": "gamma", "mean": f"{WRAP[0]}min", "cv": WRAP[1]}}],
        "channel": {"patience": {"dist": "exponential", "mean": f"{PATIENCE_MIN}min"},
                    "retry": {"probability": RETRY_P, "max_attempts": MAX_ATTEMPTS,
                              "delay": {"dist": "exponential", "mean": f"{RETRY_DELAY_MIN}min"}}},
        "staff": {"advisors": 6},
    })


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulated_calls(truth(), seed=11)


@pytest.fixture(scope="module")
def from_queue_log(simulated: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
                   ) -> Calibration:
    path = tmp_path_factory.mktemp("qlog") / "queue_log"
    write_queue_log(simulated, path)
    return calibrate(path, "queue-log", advisors=6)


@pytest.fixture(scope="module")
def from_csv(simulated: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Calibration:
    path = tmp_path_factory.mktemp("csv") / "calls.csv"
    write_calls_csv(simulated, path)
    return calibrate(path, "calls-csv", advisors=6)


def expected_cells() -> np.ndarray:
    """True expected first attempts per (weekday, hour) per day of that weekday."""
    shares = WEEKDAY / WEEKDAY.sum() * sum(PER_WEEK.values())
    rows = [WEEKEND_HOURS if d >= 5 else WEEKDAY_HOURS for d in range(7)]
    return np.array([shares[d] * rows[d] / rows[d].sum() for d in range(7)])


def day_factor_se(expected_per_day: np.ndarray, days: int) -> np.ndarray:
    """SE of a mean over `days` days of a count with Poisson noise and the gamma day factor."""
    return np.sqrt((expected_per_day + DAY_CV**2 * expected_per_day**2) / days)


@pytest.mark.parametrize("which", ["from_queue_log", "from_csv"])
def test_volumes_weekdays_and_hours_come_back_within_their_sampling_error(
        which: str, request: pytest.FixtureRequest, simulated: pd.DataFrame) -> None:
    cal: Calibration = request.getfixturevalue(which)
    arr = cal.arrivals
    assert arr.days == 7 * WEEKS and arr.open_days == list(range(7))
    assert arr.open_hours == (0, 24)
    # first attempts are exactly the members: retrials were linked through the hashed numbers
    assert sum(arr.counts.values()) == simulated["contact"].nunique()
    daily = WEEKDAY / WEEKDAY.sum() * 1.0  # share of a week's volume per weekday
    for queue, weekly in PER_WEEK.items():
        per_day = weekly * daily
        se = math.sqrt(WEEKS * np.sum(per_day + DAY_CV**2 * per_day**2)) / WEEKS
        assert abs(arr.weekly[queue] - weekly) <= z(2) * se, (queue, arr.weekly[queue], se)
    per_weekday = WEEKDAY / WEEKDAY.sum() * sum(PER_WEEK.values())
    se = day_factor_se(per_weekday, WEEKS)
    assert np.all(np.abs(arr.weekday - per_weekday) <= z(7) * se), (arr.weekday, per_weekday)
    cells = expected_cells()
    # within a day the hours share the day factor: a cell's variance is e + c² e² per day
    se = day_factor_se(cells, WEEKS)
    worst = np.max(np.abs(arr.heat - cells) / se)
    assert worst <= z(168), f"worst cell {worst:.2f} standard errors away"
    assert arr.by_weekday


@pytest.mark.parametrize("which", ["from_queue_log", "from_csv"])
def test_day_cv_comes_back_within_its_sampling_error(which: str,
                                                     request: pytest.FixtureRequest) -> None:
    cal: Calibration = request.getfixturevalue(which)
    arr = cal.arrivals
    c2, e = DAY_CV**2, sum(PER_WEEK.values()) / 7
    # variance of one day's ((N - E)^2 - N) / E^2 for a gamma factor: 2c^4 + 6c^6 + Poisson
    var = 2 * c2**2 + 6 * c2**3 + 4 * c2 / e + 2 / e**2
    se_c2 = math.sqrt(var / (arr.day_cv_n - 7))
    assert abs(arr.day_cv**2 - c2) <= z(1) * se_c2, (arr.day_cv, se_c2)


def lognormal_cv_se(fit: Fit) -> float:
    sigma = fit.params["lognormal"][1]
    return sigma * math.exp(sigma**2) / fit.cv * sigma / math.sqrt(2 * fit.n)


def gamma_cv_se(fit: Fit) -> float:
    k = fit.params["gamma"][0]
    se_k = math.sqrt(k / (fit.n * (k * float(special.polygamma(1, k)) - 1)))
    return se_k / (2 * k**1.5)


@pytest.mark.parametrize("which", ["from_queue_log", "from_csv"])
def test_talk_time_is_found_lognormal_with_its_mean_and_cv(which: str,
                                                           request: pytest.FixtureRequest
                                                           ) -> None:
    cal: Calibration = request.getfixturevalue(which)
    for queue in PER_WEEK:
        fit = cal.talk[queue]
        assert fit is not None and fit.dist == "lognormal", fit
        assert abs(fit.mean_s - TALK[0] * 60) <= z(4) * fit.se_mean_s, fit.mean_s
        assert abs(fit.cv - TALK[1]) <= z(4) * lognormal_cv_se(fit), fit.cv


def test_wrap_up_is_found_gamma_from_the_per_call_csv(from_csv: Calibration) -> None:
    for queue in PER_WEEK:
        fit = from_csv.wrap[queue]
        assert fit is not None and fit.dist == "gamma", fit
        assert abs(fit.mean_s - WRAP[0] * 60) <= z(4) * fit.se_mean_s, fit.mean_s
        assert abs(fit.cv - WRAP[1]) <= z(4) * gamma_cv_se(fit), fit.cv


def test_a_queue_log_has_no_wrap_up_and_the_scenario_says_it_is_an_assumption(
        from_queue_log: Calibration, tmp_path: Path) -> None:
    assert all(fit is None for fit in from_queue_log.wrap.values())
    text = write_scenario(from_queue_log, tmp_path / "c.toml")
    assert 'wrap_up = "0s"  # assumption: the export has no wrap-up time' in text


@pytest.mark.parametrize("which", ["from_queue_log", "from_csv"])
def test_patience_from_censored_waits_recovers_the_true_mean(which: str,
                                                             request: pytest.FixtureRequest,
                                                             simulated: pd.DataFrame) -> None:
    cal: Calibration = request.getfixturevalue(which)
    p = cal.patience
    assert p.identifiable and p.abandoned == (simulated["outcome"] == "abandoned").sum()
    assert abs(p.mean_s - PATIENCE_MIN * 60) <= z(1) * p.se_s, (p.mean_s, p.se_s)
    # the naive mean wait of those who hung up is far below: the censoring matters here
    naive = simulated.loc[simulated["outcome"] == "abandoned", "wait_s"].mean()
    assert naive < PATIENCE_MIN * 60 - 10 * p.se_s
    assert p.curve is not None and p.weibull is not None
    assert (np.diff(p.curve["survival"]) <= 1e-12).all()


@pytest.mark.parametrize("which", ["from_queue_log", "from_csv"])
def test_retrials_are_recovered_from_the_same_callers_attempts(
        which: str, request: pytest.FixtureRequest) -> None:
    cal: Calibration = request.getfixturevalue(which)
    arr = cal.arrivals
    assert arr.retry_probability is not None and arr.max_attempts == MAX_ATTEMPTS
    se = math.sqrt(RETRY_P * (1 - RETRY_P) / arr.retry_n)
    assert abs(arr.retry_probability - RETRY_P) <= z(2) * se, (arr.retry_probability, se)
    delay = cal.retry_delay
    assert delay is not None
    assert abs(delay.mean_s - RETRY_DELAY_MIN * 60) <= z(2) * delay.se_mean_s, delay.mean_s


def test_the_calibrated_scenario_runs_and_carries_the_estimates(from_csv: Calibration,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "calibrated.toml"
    out.write_text(write_scenario(from_csv, out), encoding="utf-8")
    from sim.scenario import load_scenario
    sc = load_scenario(out)
    assert [s.name for s in sc.sources] == ["retraite", "sante"] or \
        sorted(s.name for s in sc.sources) == ["retraite", "sante"]
    profile = DemandProfile(sc, Calendar(sc))
    total = sum(profile.segments(s).expected() for s in sc.sources)
    assert total == pytest.approx(sum(from_csv.arrivals.weekly.values()) * WEEKS, rel=1e-3)
    weekend = np.array(sc.demand.hour_weights_by_weekday["sat"])  # type: ignore[index]
    assert np.argmax(weekend) in (10, 11)  # the weekend's own late-morning peak
    table = register(out)
    numbers = table[table["value"].str.contains(r"\d")]
    assert set(numbers["kind"]) <= {"derived", "assumption"}, \
        numbers[~numbers["kind"].isin(["derived", "assumption"])]
    derived = numbers[numbers["kind"] == "derived"]
    digest = from_csv.log.digest
    assert derived["note"].str.contains(digest).all()
    assert derived["note"].str.contains("2024-01-01 to 2024-02-25").all()
