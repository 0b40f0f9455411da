"""Scenario builders and small statistics shared by the simulation tests.

Scenarios are built the way a planner writes them (a plain table in the TOML format, validated
by `sim.scenario.validate`), so the tests exercise the same path as a scenario file.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy import stats

from sim.scenario import Scenario, validate

WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKING_WEEK = ["mon", "tue", "wed", "thu", "fri"]
ALWAYS_OPEN = {"open_days": WEEK, "open_hours": ["00:00", "24:00"]}
START = date(2024, 1, 1)  # a Monday
DAY_MIN = 1440.0


def duration(minutes: float) -> str:
    """A duration string in seconds, exact for the values used in tests ("180s")."""
    seconds = minutes * 60
    return f"{seconds:g}s" if seconds != int(seconds) else f"{int(seconds)}s"


def exponential(mean_min: float) -> dict[str, str]:
    """An exponential distribution table with the given mean in minutes."""
    return {"dist": "exponential", "mean": duration(mean_min)}


def stationary_line(
    *,
    calls_per_hour: float,
    aht_min: float,
    advisors: int,
    patience_min: float | None = None,
    days: int,
    warmup_days: int = 1,
    threshold: str = "20s",
    name: str = "mmc",
) -> Scenario:
    """The M/M/c (+M) queue of design note 6: 24/7, one source, exponential talk.

    `days` counts the measured days; the horizon is `warmup_days + days` long.
    """
    channel: dict[str, Any] = {"mode": "inbound", "service_level_threshold": threshold}
    if patience_min is not None:
        channel["patience"] = exponential(patience_min)
    return validate({
        "name": name,
        "horizon": {"start": START, "end": START + timedelta(days=warmup_days + days - 1),
                    "warmup_days": warmup_days},
        "calendar": ALWAYS_OPEN,
        "sources": [{"name": "all", "volume": {"per_hour": calls_per_hour}}],
        "case_types": [{"name": "call", "share": 1.0, "talk": exponential(aht_min),
                        "resolution": "first-contact"}],
        "channel": channel,
        "staff": {"advisors": advisors},
    })


def scenario(
    *,
    days: int = 3,
    warmup_days: int = 0,
    calendar: dict[str, Any] | None = None,
    sources: list[dict[str, Any]] | None = None,
    demand: dict[str, Any] | None = None,
    case_types: list[dict[str, Any]] | None = None,
    channel: dict[str, Any] | None = None,
    staff: dict[str, Any] | None = None,
    start: date = START,
    name: str = "small",
) -> Scenario:
    """A small scenario with sensible defaults, any section replaced by the caller."""
    data: dict[str, Any] = {
        "name": name,
        "horizon": {"start": start, "end": start + timedelta(days=days - 1),
                    "warmup_days": warmup_days},
        "calendar": calendar if calendar is not None else ALWAYS_OPEN,
        "sources": sources if sources is not None else [{"name": "all",
                                                         "volume": {"per_hour": 30}}],
        "case_types": case_types if case_types is not None else [
            {"name": "call", "share": 1.0, "talk": exponential(4.0)}],
        "channel": channel if channel is not None else {"patience": exponential(3.0)},
        "staff": staff if staff is not None else {"advisors": 2},
    }
    if demand is not None:
        data["demand"] = demand
    return validate(data)


def ci99(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the 99 % Student-t confidence interval of the mean."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    half = float(stats.t.ppf(0.995, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return float(values.mean()), half


def assert_in_ci99(values: np.ndarray, exact: float, what: str,
                   max_relative_half_width: float | None = None) -> tuple[float, float]:
    """Assert `exact` lies in the 99 % interval of the mean of `values` (one per replication).

    When `max_relative_half_width` is given, also assert the interval is that tight, so that a
    noisy estimate cannot pass by being vague.
    """
    mean, half = ci99(values)
    report = (f"{what}: simulated {mean:.6g} ± {half:.3g} (99 % CI, n={len(values)}, "
              f"relative half-width {half / abs(exact):.2%}), exact {exact:.6g}")
    assert abs(mean - exact) <= half, report
    if max_relative_half_width is not None:
        assert half <= max_relative_half_width * abs(exact), f"interval too wide: {report}"
    return mean, half
