"""KPIs: pure pandas functions of the record tables (DESIGN.md section 7).

Nothing here knows SimPy. Every KPI is measured over the window after the warm-up: contacts and
calls by their arrival time, advisor time by when it was spent (split at midnight). Each
function says which definition it uses; the glossary (`sim.glossary`) holds the words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.calendar import DAY
from sim.glossary import KPIS
from sim.records import Tables
from sim.scenario import Scenario, minutes

LINES_KINDS = ("available", "overtime", "late")
"""Advisor time on the lines: the denominator of occupancy."""


def window(scenario: Scenario) -> tuple[float, float]:
    """The measured window in minutes: from the end of the warm-up to the end of the horizon."""
    return scenario.horizon.warmup_days * DAY, scenario.horizon.days * DAY


def split_by_day(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut intervals at midnight: (row of the interval, day index, minutes in that day)."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    first = np.floor(start / DAY).astype(np.int64)
    last = np.maximum(np.ceil(end / DAY).astype(np.int64) - 1, first)
    count = last - first + 1
    row = np.repeat(np.arange(len(start)), count)
    day = first[row] + (np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count))
    piece = np.minimum(end[row], (day + 1) * DAY) - np.maximum(start[row], day * DAY)
    return row, day, np.maximum(piece, 0.0)


def advisor_days(tables: Tables, scenario: Scenario) -> pd.DataFrame:
    """One row per advisor and day with hours scheduled, absent, in meetings, on the lines,
    overtime, and working; `occupancy` = work / time on the lines."""
    frames = []
    time = tables.advisor_time
    row, day, piece = split_by_day(time["start"].to_numpy(), time["end"].to_numpy())
    frames.append(pd.DataFrame({"advisor": time["advisor"].to_numpy()[row], "day": day,
                                "kind": time["kind"].astype(str).to_numpy()[row],
                                "hours": piece / 60}))
    tasks = tables.tasks
    end_time = scenario.horizon.days * DAY
    row, day, piece = split_by_day(tasks["start_min"].to_numpy(),
                                   np.minimum(tasks["end_min"].to_numpy(), end_time))
    frames.append(pd.DataFrame({"advisor": tasks["advisor"].to_numpy()[row], "day": day,
                                "kind": "work", "hours": piece / 60}))
    long = pd.concat(frames, ignore_index=True)
    long = long[long["day"] < scenario.horizon.days]
    wide = long.pivot_table(index=["advisor", "day"], columns="kind", values="hours",
                            aggfunc="sum", fill_value=0.0, observed=True)
    for kind in ("scheduled", "absent", "meeting", "available", "overtime", "late", "work"):
        if kind not in wide:
            wide[kind] = 0.0
    wide = wide.reset_index()
    wide["lines"] = wide[list(LINES_KINDS)].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wide["occupancy"] = np.where(wide["lines"] > 0, wide["work"] / wide["lines"], np.nan)
    wide.insert(1, "date", pd.to_datetime(scenario.horizon.start) + pd.to_timedelta(wide["day"],
                                                                                   unit="D"))
    out = wide.rename(columns={k: f"{k}_hours" for k in
                               ("scheduled", "absent", "meeting", "available", "overtime",
                                "late", "work", "lines")})
    return out.drop(columns="day")


def call_flags(calls: pd.DataFrame, threshold_min: float) -> pd.DataFrame:
    """Per call: offered, answered, abandoned, waited (found no advisor free), answered within
    the threshold, and the wait of answered calls; closed-line attempts are not offered."""
    outcome = calls["outcome"].astype(str).to_numpy()
    offered = outcome != "closed"
    answered = outcome == "answered"
    wait = calls["wait_min"].to_numpy()
    return pd.DataFrame({
        "offered": offered,
        "answered": answered,
        "abandoned": outcome == "abandoned",
        "closed": ~offered,
        "waited": offered & ((wait > 0) | ~answered),
        "within": answered & (wait <= threshold_min),
        "answered_wait_min": np.where(answered, wait, 0.0),
    }, index=calls.index)


def call_kpis_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """Inbound KPIs from summed call flags (one row per group)."""
    offered = sums["offered"].astype(float)
    answered = sums["answered"].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "calls_offered": sums["offered"],
            "calls_answered": sums["answered"],
            "calls_abandoned": sums["abandoned"],
            "abandon_rate": sums["abandoned"] / offered.where(offered > 0),
            "p_wait": sums["waited"] / offered.where(offered > 0),
            "asa_s": sums["answered_wait_min"] * 60 / answered.where(answered > 0),
            "service_level": sums["within"] / offered.where(offered > 0),
            "calls_closed": sums["closed"],
        }, index=sums.index)


def _in_window(times: pd.Series, lo: float, hi: float) -> pd.Series:
    return (times >= lo) & (times < hi)


def replication_kpis(tables: Tables, scenario: Scenario,
                     days: pd.DataFrame | None = None) -> dict[str, float]:
    """Every KPI of the glossary for one replication, in glossary order.

    `days` is the advisor-day table when already computed (see `advisor_days`).
    """
    lo, hi = window(scenario)
    contacts = tables.contacts
    in_window = contacts[_in_window(contacts["arrived_min"], lo, hi)]
    calls = tables.calls
    flags = call_flags(calls, minutes(scenario.channel.service_level_threshold))
    sums = flags[_in_window(calls["arrived_min"], lo, hi)].sum().to_frame().T
    out: dict[str, float] = {"contacts": len(in_window)}
    out.update({str(k): float(v) for k, v in call_kpis_from_sums(sums).iloc[0].items()})
    days = advisor_days(tables, scenario) if days is None else days
    measured = days[days["date"] >= pd.Timestamp(scenario.horizon.start)
                    + pd.Timedelta(days=scenario.horizon.warmup_days)]
    lines = measured["lines_hours"].sum()
    out["occupancy"] = _ratio(measured["work_hours"].sum(), lines)
    out["callbacks_owed"] = 0
    out["callback_on_time_rate"] = math.nan
    out["callback_hours_p90"] = math.nan
    out["callbacks_unreachable"] = 0
    out["escalated_experts"] = 0
    out["handed_over_regional"] = 0
    answered = in_window[in_window["outcome"] == "answered"]
    hours = (answered["answered_min"] - answered["arrived_min"]) / 60
    out["resolution_hours_mean"] = float(hours.mean()) if len(hours) else math.nan
    out["resolution_hours_p90"] = float(hours.quantile(0.9)) if len(hours) else math.nan
    out["open_at_end"] = int((in_window["outcome"] == "open").sum())
    out["overtime_hours"] = float(measured["overtime_hours"].sum())
    out["remediations"] = 0
    paid = measured["scheduled_hours"].sum() + measured["overtime_hours"].sum()
    out["cost_inhouse"] = float(paid * scenario.staff.cost_per_hour)
    out["cost_provider"] = 0.0
    out["cost_total"] = out["cost_inhouse"] + out["cost_provider"]
    out["cost_per_contact"] = _ratio(out["cost_total"], out["contacts"])
    return {name: float(out[name]) for name in KPIS if name in out}


def daily(tables: Tables, scenario: Scenario,
          days: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per day: demand, calls and their service, advisor hours and occupancy."""
    n_days = scenario.horizon.days
    dates = pd.to_datetime(scenario.horizon.start) + pd.to_timedelta(np.arange(n_days), unit="D")
    contacts = tables.contacts
    per_day = np.bincount((contacts["arrived_min"] // DAY).astype(np.int64), minlength=n_days)
    calls = tables.calls
    flags = call_flags(calls, minutes(scenario.channel.service_level_threshold))
    sums = flags.groupby((calls["arrived_min"] // DAY).astype(np.int64)).sum()
    sums = sums.reindex(np.arange(n_days), fill_value=0)
    frame = call_kpis_from_sums(sums).reset_index(drop=True)
    frame.insert(0, "date", dates)
    frame.insert(1, "warmup", np.arange(n_days) < scenario.horizon.warmup_days)
    frame.insert(2, "contacts", per_day[:n_days])
    days = advisor_days(tables, scenario) if days is None else days
    hours = days.groupby("date")[
        ["scheduled_hours", "lines_hours", "work_hours", "meeting_hours", "absent_hours",
         "overtime_hours"]].sum()
    frame = frame.merge(hours, left_on="date", right_index=True, how="left")
    frame[hours.columns] = frame[hours.columns].fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["occupancy"] = np.where(frame["lines_hours"] > 0,
                                      frame["work_hours"] / frame["lines_hours"], np.nan)
    return frame


def summarize(replications: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per KPI: mean, std, and the Student-t confidence interval of the mean over replications."""
    rows = []
    for name in KPIS:
        if name not in replications:
            continue
        values = replications[name].dropna().to_numpy(dtype=float)
        rows.append({"kpi": name, **mean_ci(values, level)})
    return pd.DataFrame(rows, columns=["kpi", "mean", "std", "ci_low", "ci_high", "n"])


def mean_ci(values: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation and Student-t interval (NaN bounds with fewer than 2 values)."""
    n = len(values)
    if n == 0:
        return {"mean": math.nan, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                "n": 0}
    mean = float(values.mean())
    if n < 2:
        return {"mean": mean, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 1}
    std = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / math.sqrt(n)
    return {"mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else math.nan
