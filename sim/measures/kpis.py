"""KPIs: pure pandas functions of the record tables (design note 7).

Nothing here knows SimPy. Every KPI is measured over the window after the warm-up: contacts and
calls by their arrival time, advisor time by when it was spent (split at midnight). Each
function says which definition it uses; the glossary (`sim.glossary`) holds the words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.glossary import KPIS
from sim.measures.money import costs, measured_days, per_on_time_answer, per_right_answer

# `met_share` and `paired` are re-exported: the report reads them as `kpis.met_share`, ...
from sim.measures.statistics import mean_ci
from sim.measures.statistics import met_share as met_share
from sim.measures.statistics import paired as paired
from sim.scenario import Scenario, minutes
from sim.tables import Tables
from sim.vocabulary import (
    ADVISOR_TIME_KINDS,
    DAY,
    PROVIDER,
    AdvisorTime,
    CallOutcome,
    ContactOutcome,
    Step,
    Task,
)

# the labels the record tables show (`sim.vocabulary`), compared with their columns
_CALL_ANSWERED, _CALL_ABANDONED, _CALL_CLOSED = (
    o.label for o in (CallOutcome.ANSWERED, CallOutcome.ABANDONED, CallOutcome.CLOSED))
_ANSWERED, _OPEN, _UNREACHABLE, _DEFLECTED = (
    o.label for o in (ContactOutcome.ANSWERED, ContactOutcome.OPEN, ContactOutcome.UNREACHABLE,
                      ContactOutcome.DEFLECTED))
_HOUR_KINDS = (*ADVISOR_TIME_KINDS, "work")
"""The columns of the advisor-day table, in hours: each kind of advisor time, and work."""

LINES_KINDS = tuple(k.label for k in (AdvisorTime.AVAILABLE, AdvisorTime.OVERTIME,
                                      AdvisorTime.LATE))
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
    team_of = time.drop_duplicates("advisor").set_index("advisor")["team"]
    wide = long.pivot_table(index=["advisor", "day"], columns="kind", values="hours",
                            aggfunc="sum", fill_value=0.0, observed=True)
    for kind in _HOUR_KINDS:
        if kind not in wide:
            wide[kind] = 0.0
    wide = wide.reset_index()
    wide.insert(1, "team", wide["advisor"].map(team_of).astype(time["team"].dtype))
    wide["lines"] = wide[list(LINES_KINDS)].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wide["occupancy"] = np.where(wide["lines"] > 0, wide["work"] / wide["lines"], np.nan)
    wide.insert(1, "date", pd.to_datetime(scenario.horizon.start) + pd.to_timedelta(wide["day"],
                                                                                   unit="D"))
    out = wide.rename(columns={k: f"{k}_hours" for k in (*_HOUR_KINDS, "lines")})
    return out.drop(columns="day")


def call_flags(calls: pd.DataFrame, threshold_min: float) -> pd.DataFrame:
    """Per call: offered, answered, abandoned, waited (found no advisor free), answered within
    the threshold, and the wait of answered calls; closed-line attempts are not offered."""
    outcome = calls["outcome"].astype(str).to_numpy()
    offered = outcome != _CALL_CLOSED
    answered = outcome == _CALL_ANSWERED
    wait = calls["wait_min"].to_numpy()
    return pd.DataFrame({
        "offered": offered,
        "answered": answered,
        "abandoned": outcome == _CALL_ABANDONED,
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


def measured_contacts(contacts: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Contacts arriving in the measured window (the starting backlog is never measured)."""
    lo, hi = window(scenario)
    return contacts[_in_window(contacts["arrived_min"], lo, hi) & ~contacts["backlog"]]


def contact_kpis(tables: Tables, scenario: Scenario,
                 contacts: pd.DataFrame | None = None) -> dict[str, float]:
    """KPIs about members (demand, calls, callbacks, escalation, files, resolution) of the
    contacts given (default: all), measured in the window."""
    lo, hi = window(scenario)
    everyone = tables.contacts if contacts is None else contacts
    measured = measured_contacts(everyone, scenario)
    calls = tables.calls
    if contacts is not None:
        calls = calls[calls["contact"].isin(everyone["contact"])]
    flags = call_flags(calls, minutes(scenario.channel.service_level_threshold))
    sums = flags[_in_window(calls["arrived_min"], lo, hi)].sum().to_frame().T
    out: dict[str, float] = {"contacts": len(measured)}
    out.update({str(k): float(v) for k, v in call_kpis_from_sums(sums).iloc[0].items()})
    out.update(_callback_kpis(measured, hi))
    ids = measured["contact"]
    steps = tables.steps[tables.steps["contact"].isin(ids)]
    escalated = steps.groupby("step", observed=False)["contact"].nunique()
    out["escalated_experts"] = int(escalated.get(Step.EXPERT.label, 0))
    out["handed_over_regional"] = int(escalated.get(Step.REGIONAL.label, 0))
    out.update(_file_kpis(tables.files[tables.files["contact"].isin(ids)], hi))
    answered = measured[measured["outcome"] == _ANSWERED]
    hours = (answered["answered_min"] - answered["arrived_min"]) / 60
    out["resolution_hours_mean"] = float(hours.mean()) if len(hours) else math.nan
    out["resolution_hours_p90"] = float(hours.quantile(0.9)) if len(hours) else math.nan
    out["open_at_end"] = int((measured["outcome"] == _OPEN).sum())
    outcome = measured["outcome"].astype(str)
    out["unanswered_rate"] = _ratio(outcome.isin(UNANSWERED).sum(), len(measured))
    return out


UNANSWERED = tuple(o.label for o in (ContactOutcome.ABANDONED, ContactOutcome.CLOSED,
                                     ContactOutcome.UNREACHABLE, ContactOutcome.OPEN))
"""Contact outcomes in which the member never got an answer (`unanswered_rate`)."""


def right_on_time(contacts: pd.DataFrame) -> pd.Series:
    """Per contact: its correct answer reached the member, before its deadline when it was
    owed one. A provider's wrong answer is no answer: the contact is answered (`answered_min`)
    only when the remediation reaches the member."""
    answered = contacts["outcome"].astype(str) == _ANSWERED
    owed = contacts["deadline_min"].notna()
    return answered & (~owed | (contacts["answered_min"] <= contacts["deadline_min"]))


def _callback_kpis(measured: pd.DataFrame, end: float) -> dict[str, float]:
    owed = measured[measured["owed_min"].notna()]
    reached = owed["reached_min"].notna()
    # not reached yet and the deadline still to come: the outcome is unknown, not late
    known = reached | (owed["deadline_min"] <= end) | (owed["outcome"] != _OPEN)
    on_time = reached & (owed["reached_min"] <= owed["deadline_min"])
    hours = (owed.loc[reached, "reached_min"] - owed.loc[reached, "arrived_min"]) / 60
    due = measured[measured["deadline_min"].notna() & (measured["deadline_min"] <= end)]
    return {
        "callbacks_owed": len(owed),
        "callback_on_time_rate": _ratio(on_time[known].sum(), known.sum()),
        "right_on_time_rate": _ratio(right_on_time(due).sum(), len(due)),
        "callback_hours_p90": float(hours.quantile(0.9)) if len(hours) else math.nan,
        "callbacks_unreachable": int((measured["outcome"] == _UNREACHABLE).sum()),
    }


def _file_kpis(files: pd.DataFrame, end: float) -> dict[str, float]:
    closed = files["closed_min"].notna()
    known = closed | (files["deadline_min"] <= end)
    on_time = closed & (files["closed_min"] <= files["deadline_min"])
    return {
        "files_opened": len(files),
        "file_on_time_rate": _ratio(on_time[known].sum(), known.sum()),
        "documents_requested": int(files["documents_requested"].sum()),
        "wrongful_requests": int(files["wrongful_request"].sum()),
    }


def advisor_kpis(days: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    """KPIs about the in-house advisors, from the advisor-day table, in the window."""
    measured = measured_days(days, scenario)
    measured = measured[measured["team"] != PROVIDER]
    per = measured.groupby("advisor")[["work_hours", "lines_hours", "scheduled_hours",
                                       "overtime_hours"]].sum()
    on_lines = per[per["lines_hours"] > 0]
    spread = on_lines["work_hours"] / on_lines["lines_hours"]
    headcount = len(per)
    # totals summed over the day rows, as before the per-advisor figures: the same bits
    work = float(measured["work_hours"].sum())
    overtime = float(measured["overtime_hours"].sum())
    full_time = float(per["scheduled_hours"].max()) if headcount else 0.0
    return {
        "occupancy": _ratio(measured["work_hours"].sum(), measured["lines_hours"].sum()),
        "occupancy_max": float(spread.max()) if len(spread) else math.nan,
        "occupancy_p90": float(spread.quantile(0.9)) if len(spread) else math.nan,
        "overtime_hours": overtime,
        "inhouse_work_hours": work,
        "inhouse_advisors": headcount,
        "inhouse_fte": _ratio(per["scheduled_hours"].sum() + overtime, full_time),
        "work_hours_per_advisor": _ratio(work, headcount),
        "overtime_hours_per_advisor": _ratio(overtime, headcount),
    }


def _option_kpis(tables: Tables, scenario: Scenario, measured: pd.DataFrame,
                 days: pd.DataFrame, out: dict[str, float]) -> dict[str, float]:
    """Provider, self-service and money KPIs of the measured contacts."""
    lo, hi = window(scenario)
    tasks = tables.tasks
    remediation = tasks[(tasks["kind"] == Task.REMEDIATION.label)
                        & _in_window(tasks["start_min"], lo, hi)]
    money = costs(scenario, days, measured, int(out["escalated_experts"]))
    remediation_hours = float((np.minimum(remediation["end_min"], hi)
                               - remediation["start_min"]).sum() / 60)
    handed = measured[measured["handed_back_min"].notna()]
    rework_hours = remediation_hours + float(handed["handoff_work_min"].sum()) / 60
    return {
        "remediations": int(measured["remediated_min"].notna().sum()),
        "remediation_hours": remediation_hours,
        "cost_rework": rework_hours * scenario.staff.cost_per_hour,
        "handoffs": int(measured["handed_back_min"].notna().sum()),
        "provider_share": _ratio(((measured["team"] == PROVIDER)
                                  & (measured["outcome"] != _DEFLECTED)).sum(), len(measured)),
        "deflected": int((measured["outcome"] == _DEFLECTED).sum()),
        **money,
        "cost_per_contact": _ratio(money["cost_total"], len(measured)),
        "cost_per_on_time_answer": per_on_time_answer(money["cost_total"], measured),
        "cost_per_right_answer": per_right_answer(money["cost_total"],
                                                  int(right_on_time(measured).sum())),
    }


def replication_kpis(tables: Tables, scenario: Scenario,
                     days: pd.DataFrame | None = None) -> dict[str, float]:
    """Every KPI of the glossary for one replication, in glossary order.

    `days` is the advisor-day table when already computed (see `advisor_days`).
    """
    out = contact_kpis(tables, scenario)
    days = advisor_days(tables, scenario) if days is None else days
    out.update(advisor_kpis(days, scenario))
    out.update(_option_kpis(tables, scenario, measured_contacts(tables.contacts, scenario), days,
                            out))
    return {name: float(out[name]) for name in KPIS if name in out}


ADVISOR_KPIS = ("occupancy", "occupancy_max", "occupancy_p90", "overtime_hours",
                "inhouse_work_hours", "inhouse_advisors", "inhouse_fte", "work_hours_per_advisor",
                "overtime_hours_per_advisor", "remediation_hours", "cost_inhouse",
                "cost_provider", "cost_rework", "cost_experts", "cost_total", "cost_per_contact",
                "cost_per_on_time_answer", "cost_per_right_answer")
GROUP_KPIS = [k for k in KPIS if k not in ADVISOR_KPIS]
"""KPIs that can be measured for a subset of members (by source, by label)."""


def group_kpis(tables: Tables, scenario: Scenario) -> pd.DataFrame:
    """Member KPIs by source, by case type and by each label: one row per (dimension, value),
    so that service equity between groups is visible."""
    contacts = tables.contacts
    rows = []
    for dimension in ["source", "case_type", *scenario.labels, "team"]:
        for value, members in contacts.groupby(dimension, observed=True):
            kpis = contact_kpis(tables, scenario, members)
            rows.append({"dimension": dimension, "value": str(value),
                         **{k: float(kpis[k]) for k in GROUP_KPIS if k in kpis}})
    return pd.DataFrame(rows)


def team_kpis(days: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per team (in-house, each group, reserved advisors, provider): occupancy, overtime and
    hours, in the window."""
    measured = measured_days(days, scenario)
    rows = []
    for team, frame in measured.groupby("team", observed=True):
        rows.append({"team": str(team), "advisors": frame["advisor"].nunique(),
                     "occupancy": _ratio(frame["work_hours"].sum(), frame["lines_hours"].sum()),
                     "work_hours": float(frame["work_hours"].sum()),
                     "lines_hours": float(frame["lines_hours"].sum()),
                     "overtime_hours": float(frame["overtime_hours"].sum()),
                     "paid_hours": float(frame["scheduled_hours"].sum()
                                         + frame["overtime_hours"].sum())})
    return pd.DataFrame(rows, columns=["team", "advisors", "occupancy", "work_hours",
                                       "lines_hours", "overtime_hours", "paid_hours"])


def daily(tables: Tables, scenario: Scenario,
          days: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per day: demand, calls and their service, advisor hours and occupancy."""
    n_days = scenario.horizon.days
    dates = pd.to_datetime(scenario.horizon.start) + pd.to_timedelta(np.arange(n_days), unit="D")
    arrived = tables.contacts.loc[~tables.contacts["backlog"], "arrived_min"]
    per_day = np.bincount((arrived // DAY).astype(np.int64), minlength=n_days)
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
    for column, values in backlogs(tables, n_days).items():
        frame[column] = values
    return frame


def backlogs(tables: Tables, n_days: int) -> dict[str, np.ndarray]:
    """Work waiting at the end of each day (midnight): per journey step, contacts in that step;
    `callbacks_overdue`: callbacks owed and not made whose deadline has passed."""
    ends = (np.arange(n_days) + 1) * DAY
    steps = tables.steps
    out = {}
    for step in steps["step"].cat.categories:
        rows = steps[steps["step"] == step]
        start = np.sort(rows["start_min"].to_numpy())
        finish = np.sort(rows["end_min"].fillna(np.inf).to_numpy())
        out[f"backlog_{step}"] = (np.searchsorted(start, ends, side="left")
                                  - np.searchsorted(finish, ends, side="left"))
    contacts = tables.contacts
    owed = contacts[contacts["owed_min"].notna()]
    callback_steps = steps[steps["step"] == Step.CALLBACK.label]
    gave_up = callback_steps.groupby("contact")["end_min"].max()
    reached = owed["reached_min"]
    stop = reached.where(reached.notna() | (owed["outcome"] != _UNREACHABLE),
                         owed["contact"].map(gave_up)).fillna(np.inf)
    deadline, stop_at = owed["deadline_min"].to_numpy(), stop.to_numpy()
    out["callbacks_overdue"] = np.array([int(np.count_nonzero((deadline < t) & (stop_at >= t)))
                                         for t in ends])
    return out


def summarize(replications: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per KPI: mean, std, and the Student-t confidence interval of the mean over replications."""
    rows = []
    for name in KPIS:
        if name not in replications:
            continue
        values = replications[name].dropna().to_numpy(dtype=float)
        rows.append({"kpi": name, **mean_ci(values, level)})
    return pd.DataFrame(rows, columns=["kpi", "mean", "std", "ci_low", "ci_high", "n"])


def summarize_groups(groups: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per (dimension, value, KPI): mean and interval over replications."""
    rows = []
    if groups.empty:
        return pd.DataFrame(columns=["dimension", "value", "kpi", "mean", "std", "ci_low",
                                     "ci_high", "n"])
    for (dimension, value), frame in groups.groupby(["dimension", "value"], sort=False):
        for name in GROUP_KPIS:
            if name in frame:
                values = frame[name].dropna().to_numpy(dtype=float)
                rows.append({"dimension": dimension, "value": value, "kpi": name,
                             **mean_ci(values, level)})
    return pd.DataFrame(rows)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else math.nan
