"""KPIs: pure functions of the record tables (design note 7).

Nothing here knows SimPy. Every KPI is measured over the window after the warm-up: contacts and
calls by their arrival time, advisor time by when it was spent (split at midnight). Each
function says which definition it uses; the glossary (`sim.glossary`) holds the words.

The member KPIs of a replication are asked many times: for everyone, then for each source, case
type, label value and team. The tables are therefore read once into numpy columns
(`MemberRecords`), and `member_kpis` measures any set of contacts as masked counts and sums over
them; a new member KPI is a few lines there, and every group gets it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.glossary import KPIS
from sim.measures import statistics
from sim.measures.days import LINES_KINDS, advisor_days, backlogs, split_by_day, window
from sim.measures.money import costs, measured_days, per_on_time_answer, per_right_answer
from sim.measures.statistics import mean_ci, met_share, paired, summarize
from sim.scenario import Scenario, minutes
from sim.tables import Tables
from sim.vocabulary import DAY, PROVIDER, CallOutcome, ContactOutcome, Step, Task

# the labels the record tables show (`sim.vocabulary`), compared with their columns
_CALL_ANSWERED, _CALL_ABANDONED, _CALL_CLOSED = (
    o.label for o in (CallOutcome.ANSWERED, CallOutcome.ABANDONED, CallOutcome.CLOSED))
_ANSWERED, _OPEN, _UNREACHABLE, _DEFLECTED = (
    o.label for o in (ContactOutcome.ANSWERED, ContactOutcome.OPEN, ContactOutcome.UNREACHABLE,
                      ContactOutcome.DEFLECTED))
UNANSWERED = tuple(o.label for o in (ContactOutcome.ABANDONED, ContactOutcome.CLOSED,
                                     ContactOutcome.UNREACHABLE, ContactOutcome.OPEN))
"""Contact outcomes in which the member never got an answer (`unanswered_rate`)."""

__all__ = ["ADVISOR_KPIS", "GROUP_KPIS", "LINES_KINDS", "UNANSWERED", "MemberRecords",
           "advisor_days", "advisor_kpis", "backlogs", "call_flag_arrays", "call_flags",
           "call_kpis", "call_kpis_from_sums", "contact_kpis", "daily", "group_kpis", "mean_ci",
           "measured_contacts", "member_kpis", "met_share", "paired", "replication_kpis",
           "right_on_time", "split_by_day", "summarize", "summarize_groups", "team_kpis",
           "window"]


def is_value(column: pd.Series, name: str) -> np.ndarray:
    """Rows whose value is `name`, read from the category codes when the column has them
    (comparing the labels as text costs a hundred times more)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if name not in categories:
            return np.zeros(len(column), dtype=bool)
        return column.cat.codes.to_numpy() == categories.get_loc(name)
    return column.to_numpy() == name


def call_flag_arrays(calls: pd.DataFrame, threshold_min: float) -> dict[str, np.ndarray]:
    """Per call: offered, answered, abandoned, waited (found no advisor free), answered within
    the threshold, and the wait of answered calls; closed-line attempts are not offered."""
    offered = ~is_value(calls["outcome"], _CALL_CLOSED)
    answered = is_value(calls["outcome"], _CALL_ANSWERED)
    wait = calls["wait_min"].to_numpy()
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": is_value(calls["outcome"], _CALL_ABANDONED),
        "closed": ~offered,
        "waited": offered & ((wait > 0) | ~answered),
        "within": answered & (wait <= threshold_min),
        "answered_wait_min": np.where(answered, wait, 0.0),
    }


def call_flags(calls: pd.DataFrame, threshold_min: float) -> pd.DataFrame:
    """`call_flag_arrays` as a table, one row per call (same index)."""
    return pd.DataFrame(call_flag_arrays(calls, threshold_min), index=calls.index)


def call_kpis(sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Inbound KPIs from summed call flags (one value per group)."""
    offered = np.asarray(sums["offered"], dtype=float)
    answered = np.asarray(sums["answered"], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "calls_offered": sums["offered"],
            "calls_answered": sums["answered"],
            "calls_abandoned": sums["abandoned"],
            "abandon_rate": np.where(offered > 0, sums["abandoned"] / offered, np.nan),
            "p_wait": np.where(offered > 0, sums["waited"] / offered, np.nan),
            "asa_s": np.where(answered > 0, sums["answered_wait_min"] * 60 / answered, np.nan),
            "service_level": np.where(offered > 0, sums["within"] / offered, np.nan),
            "calls_closed": sums["closed"],
        }


def call_kpis_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """`call_kpis` of a table of summed call flags (one row per group, same index)."""
    return pd.DataFrame(call_kpis({str(name): sums[name].to_numpy() for name in sums}),
                        index=sums.index)


def measured_contacts(contacts: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Contacts arriving in the measured window (the starting backlog is never measured)."""
    lo, hi = window(scenario)
    arrived = contacts["arrived_min"]
    return contacts[(arrived >= lo) & (arrived < hi) & ~contacts["backlog"]]


class MemberRecords:
    """The member tables of one replication (contacts, calls, steps, files) as numpy columns,
    read once: which contacts are measured, what each call counts as, and the row of each
    call's, step's and file's contact. Sets of contacts are boolean masks over its rows."""

    def __init__(self, tables: Tables, scenario: Scenario) -> None:
        lo, hi = window(scenario)
        self.end = hi
        contacts = self.contacts = tables.contacts
        row = _row_finder(contacts["contact"].to_numpy())
        arrived = self.arrived = contacts["arrived_min"].to_numpy()
        self.measured = (arrived >= lo) & (arrived < hi) & ~contacts["backlog"].to_numpy()
        self.answered = is_value(contacts["outcome"], _ANSWERED)
        self.open = is_value(contacts["outcome"], _OPEN)
        self.unreachable = is_value(contacts["outcome"], _UNREACHABLE)
        self.unanswered = np.zeros(len(contacts), dtype=bool)
        for label in UNANSWERED:
            self.unanswered |= is_value(contacts["outcome"], label)
        self.answered_min = contacts["answered_min"].to_numpy()
        self.owed_min = contacts["owed_min"].to_numpy()
        self.reached_min = contacts["reached_min"].to_numpy()
        self.deadline_min = contacts["deadline_min"].to_numpy()
        self.right_on_time = _right_on_time(self.answered, self.deadline_min, self.answered_min)
        calls = tables.calls
        self.call_row = row(calls["contact"].to_numpy())
        call_arrived = calls["arrived_min"].to_numpy()
        self.call_in_window = (call_arrived >= lo) & (call_arrived < hi)
        self.flags = call_flag_arrays(calls, minutes(scenario.channel.service_level_threshold))
        steps = tables.steps
        self.step_row = row(steps["contact"].to_numpy())
        self.expert_step = is_value(steps["step"], Step.EXPERT.label)
        self.regional_step = is_value(steps["step"], Step.REGIONAL.label)
        files = tables.files
        self.file_row = row(files["contact"].to_numpy())
        self.file_closed_min = files["closed_min"].to_numpy()
        self.file_deadline_min = files["deadline_min"].to_numpy()
        self.documents_requested = files["documents_requested"].to_numpy()
        self.wrongful_request = files["wrongful_request"].to_numpy()
        self._everyone: dict[str, float] | None = None

    def rows_of(self, contacts: pd.DataFrame) -> np.ndarray:
        """The mask of the given contacts (a subset of the contacts table)."""
        mask = np.zeros(len(self.contacts), dtype=bool)
        mask[_row_finder(self.contacts["contact"].to_numpy())(
            contacts["contact"].to_numpy())] = True
        return mask

    def everyone(self) -> dict[str, float]:
        """`member_kpis` of every contact (computed once)."""
        if self._everyone is None:
            self._everyone = member_kpis(self)
        return self._everyone


def member_kpis(records: MemberRecords, member: np.ndarray | None = None) -> dict[str, float]:
    """KPIs about members (demand, calls, callbacks, escalation, files, resolution) of the
    contacts in the `member` mask (default: all), measured in the window."""
    measured = records.measured if member is None else records.measured & member
    calls = (records.call_in_window if member is None
             else records.call_in_window & member[records.call_row])
    out: dict[str, float] = {"contacts": int(np.count_nonzero(measured))}
    sums = {name: np.array([np.count_nonzero(flag[calls])]) for name, flag in records.flags.items()
            if name != "answered_wait_min"}
    sums["answered_wait_min"] = np.array([np.sum(records.flags["answered_wait_min"][calls])])
    out.update({name: float(value[0]) for name, value in call_kpis(sums).items()})
    out.update(_callback_kpis(records, measured))
    step_measured = measured[records.step_row]
    out["escalated_experts"] = _distinct(records.step_row[records.expert_step & step_measured])
    out["handed_over_regional"] = _distinct(records.step_row[records.regional_step
                                                             & step_measured])
    out.update(_file_kpis(records, measured[records.file_row]))
    answered = measured & records.answered
    hours = pd.Series((records.answered_min[answered] - records.arrived[answered]) / 60)
    out["resolution_hours_mean"] = float(hours.mean()) if len(hours) else math.nan
    out["resolution_hours_p90"] = float(hours.quantile(0.9)) if len(hours) else math.nan
    out["open_at_end"] = int(np.count_nonzero(measured & records.open))
    out["unanswered_rate"] = _ratio(np.count_nonzero(measured & records.unanswered),
                                    np.count_nonzero(measured))
    return out


def right_on_time(contacts: pd.DataFrame) -> pd.Series:
    """Per contact: its correct answer reached the member, before its deadline when it was
    owed one. A provider's wrong answer is no answer: the contact is answered (`answered_min`)
    only when the remediation reaches the member."""
    return pd.Series(_right_on_time(is_value(contacts["outcome"], _ANSWERED),
                                    contacts["deadline_min"].to_numpy(dtype=float),
                                    contacts["answered_min"].to_numpy(dtype=float)),
                     index=contacts.index)


def _right_on_time(answered: np.ndarray, deadline_min: np.ndarray,
                   answered_min: np.ndarray) -> np.ndarray:
    return answered & (np.isnan(deadline_min) | (answered_min <= deadline_min))


def _callback_kpis(records: MemberRecords, measured: np.ndarray) -> dict[str, float]:
    owed = measured & ~np.isnan(records.owed_min)
    reached = owed & ~np.isnan(records.reached_min)
    # not reached yet and the deadline still to come: the outcome is unknown, not late
    known = owed & (reached | (records.deadline_min <= records.end) | ~records.open)
    on_time = reached & (records.reached_min <= records.deadline_min)
    hours = pd.Series((records.reached_min[reached] - records.arrived[reached]) / 60)
    due = measured & (records.deadline_min <= records.end)  # (NaN deadlines are never due)
    return {
        "callbacks_owed": int(np.count_nonzero(owed)),
        "callback_on_time_rate": _ratio(np.count_nonzero(on_time & known),
                                        np.count_nonzero(known)),
        "right_on_time_rate": _ratio(np.count_nonzero(records.right_on_time & due),
                                     np.count_nonzero(due)),
        "callback_hours_p90": float(hours.quantile(0.9)) if len(hours) else math.nan,
        "callbacks_unreachable": int(np.count_nonzero(measured & records.unreachable)),
    }


def _file_kpis(records: MemberRecords, rows: np.ndarray) -> dict[str, float]:
    closed_min, deadline_min = records.file_closed_min[rows], records.file_deadline_min[rows]
    closed = ~np.isnan(closed_min)
    known = closed | (deadline_min <= records.end)
    on_time = closed & (closed_min <= deadline_min)
    return {
        "files_opened": int(np.count_nonzero(rows)),
        "file_on_time_rate": _ratio(np.count_nonzero(on_time & known), np.count_nonzero(known)),
        "documents_requested": int(records.documents_requested[rows].sum()),
        "wrongful_requests": int(records.wrongful_request[rows].sum()),
    }


def contact_kpis(tables: Tables, scenario: Scenario,
                 contacts: pd.DataFrame | None = None) -> dict[str, float]:
    """`member_kpis` of the contacts given (default: all)."""
    records = MemberRecords(tables, scenario)
    return member_kpis(records, None if contacts is None else records.rows_of(contacts))


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


def _option_kpis(tables: Tables, scenario: Scenario, records: MemberRecords,
                 days: pd.DataFrame, out: dict[str, float]) -> dict[str, float]:
    """Provider, self-service and money KPIs of the measured contacts."""
    lo, hi = window(scenario)
    tasks = tables.tasks
    start, end = tasks["start_min"].to_numpy(), tasks["end_min"].to_numpy()
    remediation = is_value(tasks["kind"], Task.REMEDIATION.label) & (start >= lo) & (start < hi)
    measured = records.contacts[records.measured]
    money = costs(scenario, days, measured, int(out["escalated_experts"]))
    remediation_hours = float((np.minimum(end[remediation], hi) - start[remediation]).sum() / 60)
    handed = measured["handed_back_min"].notna().to_numpy()
    rework_hours = remediation_hours + float(
        measured["handoff_work_min"].to_numpy()[handed].sum()) / 60
    team, outcome = measured["team"], measured["outcome"]
    return {
        "remediations": int(measured["remediated_min"].notna().sum()),
        "remediation_hours": remediation_hours,
        "cost_rework": rework_hours * scenario.staff.cost_per_hour,
        "handoffs": int(np.count_nonzero(handed)),
        "provider_share": _ratio(np.count_nonzero(is_value(team, PROVIDER)
                                                  & ~is_value(outcome, _DEFLECTED)),
                                 len(measured)),
        "deflected": int(np.count_nonzero(is_value(outcome, _DEFLECTED))),
        **money,
        "cost_per_contact": _ratio(money["cost_total"], len(measured)),
        "cost_per_on_time_answer": per_on_time_answer(money["cost_total"], measured),
        "cost_per_right_answer": per_right_answer(
            money["cost_total"], int(np.count_nonzero(records.right_on_time & records.measured))),
    }


def replication_kpis(tables: Tables, scenario: Scenario, days: pd.DataFrame | None = None,
                     records: MemberRecords | None = None) -> dict[str, float]:
    """Every KPI of the glossary for one replication, in glossary order.

    `days` is the advisor-day table and `records` the member columns when already computed
    (see `advisor_days`, `MemberRecords`).
    """
    records = MemberRecords(tables, scenario) if records is None else records
    out = dict(records.everyone())
    days = advisor_days(tables, scenario) if days is None else days
    out.update(advisor_kpis(days, scenario))
    out.update(_option_kpis(tables, scenario, records, days, out))
    return {name: float(out[name]) for name in KPIS if name in out}


ADVISOR_KPIS = ("occupancy", "occupancy_max", "occupancy_p90", "overtime_hours",
                "inhouse_work_hours", "inhouse_advisors", "inhouse_fte", "work_hours_per_advisor",
                "overtime_hours_per_advisor", "remediation_hours", "cost_inhouse",
                "cost_provider", "cost_rework", "cost_experts", "cost_total", "cost_per_contact",
                "cost_per_on_time_answer", "cost_per_right_answer")
GROUP_KPIS = [k for k in KPIS if k not in ADVISOR_KPIS]
"""KPIs that can be measured for a subset of members (by source, by label)."""
DAILY_HOURS = ["scheduled_hours", "lines_hours", "work_hours", "meeting_hours", "absent_hours",
               "overtime_hours"]
"""Advisor hours of the daily table."""


def group_kpis(tables: Tables, scenario: Scenario,
               records: MemberRecords | None = None) -> pd.DataFrame:
    """Member KPIs by source, by case type and by each label: one row per (dimension, value),
    so that service equity between groups is visible."""
    records = MemberRecords(tables, scenario) if records is None else records
    contacts = tables.contacts
    rows = []
    for dimension in ["source", "case_type", *scenario.labels, "team"]:
        codes, values = _codes(contacts[dimension])
        present = np.bincount(codes[codes >= 0], minlength=len(values)) > 0
        for code in (int(c) for c in np.flatnonzero(present)):
            member = codes == code
            # a group of everyone (a single source, say) has everyone's KPIs
            kpis = records.everyone() if member.all() else member_kpis(records, member)
            rows.append({"dimension": dimension, "value": str(values[code]),
                         **{k: float(kpis[k]) for k in GROUP_KPIS if k in kpis}})
    return pd.DataFrame(rows)


def summarize_groups(groups: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per (dimension, value, group KPI): mean and interval over replications."""
    return statistics.summarize_groups(groups, GROUP_KPIS, level)


def daily(tables: Tables, scenario: Scenario, days: pd.DataFrame | None = None,
          records: MemberRecords | None = None) -> pd.DataFrame:
    """One row per day: demand, calls and their service, advisor hours and occupancy (`days`
    and `records` when already computed)."""
    n_days = scenario.horizon.days
    dates = pd.to_datetime(scenario.horizon.start) + pd.to_timedelta(np.arange(n_days), unit="D")
    contacts = tables.contacts
    arrived = contacts["arrived_min"].to_numpy()[~contacts["backlog"].to_numpy()]
    per_day = np.bincount((arrived // DAY).astype(np.int64), minlength=n_days)
    calls = tables.calls
    flags = (call_flag_arrays(calls, minutes(scenario.channel.service_level_threshold))
             if records is None else records.flags)
    call_day = (calls["arrived_min"].to_numpy() // DAY).astype(np.int64)
    sums = _count_by_day(call_day, {name: flag for name, flag in flags.items()
                                    if name != "answered_wait_min"}, n_days)
    wait = pd.Series(flags["answered_wait_min"]).groupby(call_day).sum()
    sums["answered_wait_min"] = wait.reindex(np.arange(n_days), fill_value=0.0).to_numpy()
    days = advisor_days(tables, scenario) if days is None else days
    hours = days.groupby("date")[DAILY_HOURS].sum().reindex(dates).fillna(0.0)
    lines, work = hours["lines_hours"].to_numpy(), hours["work_hours"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        occupancy = np.where(lines > 0, work / lines, np.nan)
    return pd.DataFrame({
        "date": dates,
        "warmup": np.arange(n_days) < scenario.horizon.warmup_days,
        "contacts": per_day[:n_days],
        **call_kpis(sums),
        **{column: hours[column].to_numpy() for column in DAILY_HOURS},
        "occupancy": occupancy,
        **backlogs(tables, n_days),
    })


def _count_by_day(day: np.ndarray, flags: dict[str, np.ndarray], n_days: int
                  ) -> dict[str, np.ndarray]:
    """For each flag, how many rows have it on each day in [0, n_days): one count of the rows
    by (day, combination of flags), then each flag's combinations added up."""
    pattern = np.zeros(len(day), dtype=np.int64)
    for bit, flag in enumerate(flags.values()):
        pattern |= flag.astype(np.int64) << bit
    width = 1 << len(flags)
    kept = (day >= 0) & (day < n_days)
    counts = np.bincount(day[kept] * width + pattern[kept],
                         minlength=n_days * width).reshape(n_days, width)
    combinations = np.arange(width)
    return {name: counts[:, (combinations >> bit) & 1 == 1].sum(axis=1)
            for bit, name in enumerate(flags)}


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


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column (-1 for missing) and the value of each code, in order."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, values = pd.factorize(column, sort=True)
    return codes, pd.Index(values)


def _row_finder(ids: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A function from contact ids to their rows in the contacts table (ids are the row
    numbers in every table a replication makes; any other table is looked up)."""
    if np.array_equal(ids, np.arange(len(ids))):
        return lambda wanted: np.asarray(wanted, dtype=np.int64)
    index = pd.Index(ids)
    return lambda wanted: np.asarray(index.get_indexer(wanted))


def _distinct(rows: np.ndarray) -> int:
    return len(np.unique(rows))


def _ratio(numerator: float | np.integer, denominator: float | np.integer) -> float:
    return float(numerator) / float(denominator) if denominator else math.nan
