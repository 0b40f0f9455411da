"""The recorder: what a replication writes down while it runs, turned into tables at the end.

The model appends to plain column lists while it runs (cheap), and turns them into the pandas
tables of `sim.tables` at the end (that module lists them and their columns). KPIs
(`sim.measures.kpis`) and reports read those tables, never the model. Outcomes, steps and task
kinds are the integer codes of `sim.vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from sim.vocabulary import CALL_OUTCOMES, STEP_NAMES, TASK_KINDS, Task


@dataclass
class Recorder:
    """Column lists filled during one replication."""

    calls: list[tuple[int, int, float, int, float, int]] = field(default_factory=list)
    """(contact, attempt, arrived, outcome, wait, advisor) per call attempt."""
    tasks: list[tuple[int, int, float, float, int]] = field(default_factory=list)
    """(advisor, kind, start, end, contact) per piece of advisor work."""
    steps: list[list[float]] = field(default_factory=list)
    """[contact, step, start, end] per step of a member journey (end NaN while open)."""
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
        # contact alone leaves each contact's attempts in order
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
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=pd.Index(names))


def _columns(rows: list[Any], width: int) -> list[np.ndarray]:
    """Rows of numbers as float columns (an empty list gives empty columns)."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * width)
    array = flat.reshape(-1, width)
    return [array[:, i] for i in range(width)]
