"""Days: the measured window, advisor time day by day, and the work waiting at each midnight.

Advisor time is cut at midnight and summed per advisor, day and kind (`advisor_days`, one
compensated group sum over every piece); `backlogs` counts, at the end of each day, the contacts
in each journey step and the callbacks overdue. The daily KPI table (`kpis.daily`) is built from
both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import Scenario
from sim.tables import Tables
from sim.vocabulary import ADVISOR_TIME_KINDS, DAY, AdvisorTime, ContactOutcome, Step

LINES_KINDS = tuple(k.label for k in (AdvisorTime.AVAILABLE, AdvisorTime.OVERTIME,
                                      AdvisorTime.LATE))
"""Advisor time on the lines: the denominator of occupancy."""
DAY_KINDS = (*ADVISOR_TIME_KINDS, "work")
"""Columns of the advisor-day table (`<kind>_hours`), after those present, in this order."""


def window(scenario: Scenario) -> tuple[float, float]:
    """The measured window in minutes: from the end of the warm-up to the end of the horizon."""
    return scenario.horizon.warmup_days * DAY, scenario.horizon.days * DAY


def split_by_day(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut intervals at midnight: (row of the interval, day index, minutes in that day)."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    first = np.floor(start / DAY).astype(np.int64)
    last = np.maximum(np.ceil(end / DAY).astype(np.int64) - 1, first)
    if np.array_equal(first, last):  # no interval crosses midnight (calls, most tasks)
        piece = np.minimum(end, (first + 1) * DAY) - np.maximum(start, first * DAY)
        return np.arange(len(start)), first, np.maximum(piece, 0.0)
    count = last - first + 1
    row = np.repeat(np.arange(len(start)), count)
    day = first[row] + (np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count))
    piece = np.minimum(end[row], (day + 1) * DAY) - np.maximum(start[row], day * DAY)
    return row, day, np.maximum(piece, 0.0)


def advisor_days(tables: Tables, scenario: Scenario) -> pd.DataFrame:
    """One row per advisor and day with hours scheduled, absent, in meetings, on the lines,
    overtime, and working; `occupancy` = work / time on the lines."""
    time, tasks = tables.advisor_time, tables.tasks
    kind_codes, kind_names = _codes(time["kind"])
    names = [str(k) for k in kind_names] + ["work"]
    row, day, piece = split_by_day(time["start"].to_numpy(), time["end"].to_numpy())
    task_row, task_day, task_piece = split_by_day(
        tasks["start_min"].to_numpy(),
        np.minimum(tasks["end_min"].to_numpy(), scenario.horizon.days * DAY))
    advisor = np.concatenate([time["advisor"].to_numpy()[row],
                              tasks["advisor"].to_numpy()[task_row]])
    day = np.concatenate([day, task_day])
    kind = np.concatenate([kind_codes[row], np.full(len(task_row), len(names) - 1)])
    hours = np.concatenate([piece, task_piece]) / 60
    kept = day < scenario.horizon.days
    advisor, day, kind, hours = advisor[kept], day[kept], kind[kept], hours[kept]
    # one group per (advisor, day, kind), in the order of (advisor, day)
    low_advisor, low_day = (int(advisor.min()), int(day.min())) if len(day) else (0, 0)
    span = int(day.max()) - low_day + 1 if len(day) else 1
    cell = (advisor.astype(np.int64) - low_advisor) * span + (day - low_day)
    sums = pd.Series(hours).groupby(cell * len(names) + kind).sum()
    keys = sums.index.to_numpy()
    cells, position = np.unique(keys // len(names), return_inverse=True)
    wide = np.zeros((len(cells), len(names)))
    present = np.zeros(len(names), dtype=bool)
    wide[position, keys % len(names)] = sums.to_numpy()
    present[np.unique(keys % len(names))] = True
    by_name = {names[k]: wide[:, k] for k in range(len(names)) if present[k]}
    columns = sorted(by_name) + [k for k in DAY_KINDS if k not in by_name]
    out_day = pd.Series(cells % span + low_day)
    lines = sum((by_name.get(k, np.zeros(len(cells))) for k in LINES_KINDS[1:]),
                by_name.get(LINES_KINDS[0], np.zeros(len(cells))))
    work = by_name.get("work", np.zeros(len(cells)))
    with np.errstate(invalid="ignore", divide="ignore"):
        occupancy = np.where(lines > 0, work / lines, np.nan)
    out_advisor = (cells // span + low_advisor).astype(advisor.dtype)
    frame = pd.DataFrame({
        "advisor": out_advisor,
        "date": pd.to_datetime(scenario.horizon.start) + pd.to_timedelta(out_day, unit="D"),
        "team": _team_of(time, out_advisor),
        **{f"{k}_hours": by_name.get(k, np.zeros(len(cells))) for k in columns},
        "lines_hours": lines,
        "occupancy": occupancy,
    })
    frame.columns.name = "kind"  # as the table always had (it was a pivot of the kinds)
    return frame


def _team_of(time: pd.DataFrame, advisors: np.ndarray) -> Any:
    """Each advisor's team, as in their first row of the advisor-time table."""
    known, first = np.unique(time["advisor"].to_numpy(), return_index=True)
    team = np.full(len(advisors), -1, dtype=np.int64)
    if len(known):
        where = np.minimum(np.searchsorted(known, advisors), len(known) - 1)
        found = known[where] == advisors
        team[found] = _codes(time["team"])[0][first][where[found]]
    dtype = time["team"].dtype
    assert isinstance(dtype, pd.CategoricalDtype)  # the engine writes teams as categories
    return pd.Categorical.from_codes(team, dtype=dtype)


def backlogs(tables: Tables, n_days: int) -> dict[str, np.ndarray]:
    """Work waiting at the end of each day (midnight): per journey step, contacts in that step;
    `callbacks_overdue`: callbacks owed and not made whose deadline has passed."""
    ends = (np.arange(n_days) + 1) * DAY
    steps = tables.steps
    step_codes, step_names = _codes(steps["step"])
    start_min, end_min = steps["start_min"].to_numpy(), steps["end_min"].to_numpy()
    out = {}
    for code, step in enumerate(step_names):
        rows = step_codes == code
        start = np.sort(start_min[rows])
        finish = np.sort(np.where(np.isnan(end_min[rows]), np.inf, end_min[rows]))
        out[f"backlog_{step}"] = (np.searchsorted(start, ends, side="left")
                                  - np.searchsorted(finish, ends, side="left"))
    contacts = tables.contacts
    owed = contacts[contacts["owed_min"].notna()]
    names = list(step_names)
    callback = step_codes == (names.index(Step.CALLBACK.label)
                              if Step.CALLBACK.label in names else -1)
    gave_up = pd.Series(end_min[callback]).groupby(
        steps["contact"].to_numpy()[callback]).max()
    reached = owed["reached_min"]
    stop = reached.where(reached.notna() | (owed["outcome"] != ContactOutcome.UNREACHABLE.label),
                         owed["contact"].map(gave_up)).fillna(np.inf).to_numpy()
    deadline = owed["deadline_min"].to_numpy()
    # owed, deadline passed and not stopped by t: deadline < t minus max(deadline, stop) < t
    out["callbacks_overdue"] = (
        np.searchsorted(np.sort(deadline), ends, side="left")
        - np.searchsorted(np.sort(np.maximum(deadline, stop)), ends, side="left"))
    return out


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column and the value of each code, in order."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, values = pd.factorize(column, sort=True)
    return codes, pd.Index(values)
