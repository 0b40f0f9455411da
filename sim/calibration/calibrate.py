"""A log in, a calibration out: every estimate of `helpline calibrate`, in one object.

`calibrate` reads the export (`sim.calibration.formats`), links attempts and drops the caller
keys as soon as retrials are counted, then estimates arrivals, durations and patience; the
scenario file (`writer`), the page (`page`) and the backtest (`backtest`) are written from the
`Calibration` it returns, which holds no caller key and no column other than durations, times,
queues and endings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import analytic
from sim.calibration import arrivals as arrivals_
from sim.calibration.fits import (
    Fit,
    Patience,
    fit_duration,
    patience_from_calls,
    patience_from_intervals,
)
from sim.calibration.formats import load_map, read_log
from sim.calibration.logs import CallLog, Ending, read_secret

THRESHOLD_S = 20.0
"""The service-level threshold used for the observed figures and written (as an assumption)."""


@dataclass
class Calibration:
    """What a log says about a helpline (no personal data)."""

    log: CallLog
    arrivals: arrivals_.Arrivals
    queues: dict[str, str]  # the log's queue name -> the scenario's name
    talk: dict[str, Fit | None]  # per queue
    wrap: dict[str, Fit | None]
    aht_s: dict[str, float]  # interval reports: mean handle time per queue
    patience: Patience
    retry_delay: Fit | None
    advisors: int
    advisors_given: bool
    observed: pd.DataFrame  # per hour of day: offered, abandon_rate, service_level, asa_s
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> str:
        """The log's period, for the notes of every value."""
        return f"{self.arrivals.first} to {self.arrivals.last}"


def slug(name: str) -> str:
    """A queue's name as a scenario name: `Q_Retraite 1` -> `q-retraite-1`."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return (text or "queue")[:60]


def calibrate(path: Path, kind: str, columns: Path | None = None, timezone: str = "Europe/Paris",
              start: date | None = None, end: date | None = None, advisors: int | None = None,
              secret_file: Path | None = None) -> Calibration:
    """Read a telephony export and estimate a scenario from it (ScenarioError on bad input)."""
    log = read_log(path, kind, load_map(columns), timezone, read_secret(secret_file), start, end)
    if log.intervals is not None:
        arr = arrivals_.from_intervals(log)
        frame = log.intervals
        queues_seen = list(dict.fromkeys(frame["queue"]))
        talk: dict[str, Fit | None] = {q: None for q in queues_seen}
        wrap: dict[str, Fit | None] = {q: None for q in queues_seen}
        aht = {str(q): float(np.average(g["aht_s"].fillna(0), weights=g["answered"]))
               if g["answered"].sum() > 0 else math.nan for q, g in frame.groupby("queue")}
        patience = patience_from_intervals(log)
        retry_delay = None
        observed = _observed_intervals(frame)
    else:
        arr, links = arrivals_.estimate(log)
        log.calls = log.calls.drop(columns="caller")  # keys only linked attempts: gone now
        del links
        calls = log.calls
        queues_seen = list(dict.fromkeys(calls["queue"]))
        answered = calls[calls["ending"] == Ending.ANSWERED.value]
        talk = {str(q): fit_duration(g["talk_s"].to_numpy())
                for q, g in answered.groupby("queue")}
        wrap = {str(q): fit_duration(g["wrap_s"].to_numpy())
                for q, g in answered.groupby("queue")}
        aht = {}
        patience = patience_from_calls(log)
        retry_delay = fit_duration(arr.retry_delay_s) if len(arr.retry_delay_s) > 1 else None
        observed = _observed_calls(calls)
    names: dict[str, str] = {}
    for queue in queues_seen:
        name = slug(queue)
        while name in names.values():
            name = f"{name}-2"
        names[queue] = name
    out = Calibration(log=log, arrivals=arr, queues=names, talk=talk, wrap=wrap, aht_s=aht,
                      patience=patience, retry_delay=retry_delay, advisors=advisors or 0,
                      advisors_given=advisors is not None, observed=observed)
    if advisors is None:
        out.advisors = estimate_advisors(out)
    return out


def handle_s(cal: Calibration) -> float:
    """The mean handle time (talk and wrap-up) over all answered calls, in seconds."""
    total, weight = 0.0, 0.0
    for queue, n in cal.arrivals.counts.items():
        fit, wrap = cal.talk.get(queue), cal.wrap.get(queue)
        mean = fit.mean_s if fit else cal.aht_s.get(queue, math.nan)
        mean += wrap.mean_s if wrap else 0.0
        if math.isfinite(mean):
            total, weight = total + n * mean, weight + n
    return total / weight if weight else math.nan


def estimate_advisors(cal: Calibration) -> int:
    """Advisors on the lines that reproduce the log's abandon rate (or its service level when
    nobody hung up) at its mean load, by Erlang A: an estimate, not a head count."""
    arr = cal.arrivals
    open_hours = (arr.open_hours[1] - arr.open_hours[0]) * len(arr.open_days) * arr.days / 7
    per_hour = arr.attempts / max(open_hours, 1.0)
    aht_min = handle_s(cal) / 60
    if not math.isfinite(aht_min) or aht_min <= 0:
        return 1
    observed = cal.observed
    offered = observed["offered"].sum()
    abandon = float((observed["abandon_rate"] * observed["offered"]).sum() / offered)
    patience = cal.patience.mean_s / 60 if cal.patience.identifiable else None
    if patience is not None and abandon > 0:
        return analytic.advisors_needed(per_hour, aht_min, THRESHOLD_S / 60,
                                        patience_min=patience, abandon_rate=abandon)
    level = float((observed["service_level"] * observed["offered"]).sum() / offered)
    if not math.isfinite(level):
        level = 0.8
    return analytic.advisors_needed(per_hour, aht_min, THRESHOLD_S / 60, patience_min=patience,
                                    service_level=min(level, 0.99))


def _observed_calls(calls: pd.DataFrame) -> pd.DataFrame:
    """Per hour of the day: offered calls, abandon rate, service level and ASA of the log."""
    hour = calls["wall"].dt.hour
    answered = calls["ending"] == Ending.ANSWERED.value
    frame = pd.DataFrame({
        "hour": hour, "offered": 1, "abandoned": calls["ending"] == Ending.ABANDONED.value,
        "within": answered & (calls["wait_s"] <= THRESHOLD_S), "answered": answered,
        "answered_wait_s": np.where(answered, calls["wait_s"], 0.0)})
    return _rates(frame.groupby("hour").sum())


def _observed_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    sums = pd.DataFrame({"hour": frame["wall"].dt.hour, "offered": frame["offered"],
                         "abandoned": frame["abandoned"], "answered": frame["answered"],
                         "within": np.nan,
                         "answered_wait_s": frame["answered"] * frame["asa_s"]})
    return _rates(sums.groupby("hour").sum(min_count=1))


def _rates(sums: pd.DataFrame) -> pd.DataFrame:
    offered = sums["offered"].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "offered": offered,
            "abandon_rate": sums["abandoned"] / offered,
            "service_level": sums["within"].astype(float) / offered,
            "asa_s": sums["answered_wait_s"] / sums["answered"].astype(float),
        })
    return out.reindex(range(24))


def summary(cal: Calibration) -> dict[str, Any]:
    """The headline numbers, for the command's output and the page."""
    p = cal.patience
    return {
        "attempts": cal.arrivals.attempts,
        "period": cal.period,
        "queues": len(cal.queues),
        "weekly": sum(cal.arrivals.weekly.values()),
        "patience_min": p.mean_s / 60 if p.identifiable else math.nan,
        "advisors": cal.advisors,
    }
