"""The recorder: what a replication writes down while it runs, turned into tables at the end.

The model appends to plain column lists while it runs (cheap), and turns them into the pandas
tables of `sim.tables` at the end (that module lists them and their columns). KPIs
(`sim.measures.kpis`) and reports read those tables, never the model. Outcomes, steps and task
kinds are the integer codes of `sim.vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.vocabulary import CALL_OUTCOMES, STEP_NAMES, TASK_KINDS, Task


@dataclass
class Recorder:
    """Rows filled during one replication. Calls, tasks and steps are flat lists of numbers,
    one row after another (`extend` with a tuple): a list of tuples would hold hundreds of
    thousands of objects for the cycle collector to walk, a flat list holds none."""

    calls: list[float] = field(default_factory=list)
    """contact, attempt, arrived, outcome, wait, advisor: per call attempt."""
    tasks: list[float] = field(default_factory=list)
    """advisor, kind, start, end, contact: per piece of advisor work."""
    steps: list[float] = field(default_factory=list)
    """contact, step, start, end: per step of a member journey (end NaN while open)."""
    extensions: list[tuple[int, float, float, bool]] = field(default_factory=list)
    """(advisor, start, end, is_overtime): time on past the end of an availability interval."""

    def calls_table(self) -> pd.DataFrame:
        """The calls as a DataFrame sorted by contact and attempt (minutes)."""
        contact, attempt, arrived, outcome, wait, advisor = _columns(self.calls, 6)
        frame = pd.DataFrame({
            "contact": contact.astype(np.int64),
            "attempt": attempt.astype(np.int16),
            "arrived_min": arrived,
            "outcome": categorical(outcome, CALL_OUTCOMES),
            "wait_min": wait,
            "advisor": advisor.astype(np.int32),
        })
        # a retrial is always recorded after the attempt before it: a stable sort on the
        # contact alone leaves each contact's attempts in order (first come, first served
        # calls are often recorded in that order already)
        if _ascending(contact):
            return frame
        order = np.argsort(contact, kind="stable")
        return frame.take(order).reset_index(drop=True)

    def tasks_table(self, answered: pd.DataFrame, call_minutes: np.ndarray) -> pd.DataFrame:
        """Advisor work pieces as a DataFrame (minutes): the logged tasks, and the live calls
        rebuilt from the answered rows of the calls table (answered at arrival + wait, for
        `call_minutes` of talk and wrap-up, one per answered call), sorted by start."""
        call_start = (answered["arrived_min"] + answered["wait_min"]).to_numpy()
        call_contact = answered["contact"].to_numpy()
        logged = _columns(self.tasks, 5)
        advisor, kind, start, end, contact = (
            np.concatenate([answered["advisor"].to_numpy(), logged[0]]),
            np.concatenate([np.full(len(answered), int(Task.CALL)), logged[1]]),
            np.concatenate([call_start, logged[2]]),
            np.concatenate([call_start + call_minutes, logged[3]]),
            np.concatenate([call_contact, logged[4]]),
        )
        if not _ascending(start):
            order = np.argsort(start, kind="stable")
            advisor, kind, start, end, contact = (a[order] for a in (advisor, kind, start, end,
                                                                     contact))
        return pd.DataFrame({
            "advisor": advisor.astype(np.int32),
            "kind": categorical(kind, TASK_KINDS),
            "start_min": start,
            "end_min": end,
            "contact": contact.astype(np.int64),
        })

    def steps_table(self) -> pd.DataFrame:
        """Journey steps as a DataFrame (minutes; `end_min` NaN while open at the end)."""
        contact, step, start, end = _columns(self.steps, 4)
        return pd.DataFrame({
            "contact": contact.astype(np.int64),
            "step": categorical(step, STEP_NAMES),
            "start_min": start,
            "end_min": end,
        })


def categorical(codes: Any, names: list[str]) -> Any:
    """Category labels from integer codes."""
    codes = (small_ints(codes, np.int64) if isinstance(codes, list)
             else np.asarray(codes, dtype=np.int64))
    return pd.Categorical.from_codes(codes, categories=pd.Index(names))


def small_ints(values: list[int], dtype: Any) -> np.ndarray:
    """A list of integers as an array: through `bytes` when they all lie in 0..255 (codes,
    counts of attempts), which reads a list several times faster than `numpy.fromiter`."""
    try:
        return np.frombuffer(bytes(values), dtype=np.uint8).astype(dtype)
    except ValueError:  # a value outside 0..255
        return np.fromiter(values, dtype=dtype, count=len(values))


def _ascending(values: np.ndarray) -> bool:
    """Whether `values` never decrease (a stable sort would leave them as they are)."""
    return len(values) < 2 or bool(np.all(values[1:] >= values[:-1]))


def _columns(rows: list[float], width: int) -> list[np.ndarray]:
    """Rows of numbers, end to end, as float columns (an empty list gives empty columns)."""
    array = np.fromiter(rows, dtype=float, count=len(rows)).reshape(-1, width)
    return [array[:, i] for i in range(width)]
