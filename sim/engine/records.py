"""What a replication leaves behind: tidy record tables, and nothing else.

The model appends to plain column lists while it runs (cheap), and turns them into pandas tables
at the end. KPIs (`sim.measures.kpis`) and reports read these tables, never the model.

Tables
------
contacts : one row per member request (outcome, attempts, times, labels)
calls : one row per call attempt (arrival, outcome, wait, advisor)
tasks : one row per piece of advisor work (advisor, kind, start, end)
availability : one row per interval an advisor was on the lines, or stayed on past its end
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd


class CallOutcome(IntEnum):
    """What happened to one call attempt."""

    ANSWERED = 0
    ABANDONED = 1
    CLOSED = 2  # the lines were closed
    WAITING = 3  # still waiting when the horizon ended


class ContactOutcome(IntEnum):
    """How a member's request ended; every contact ends in exactly one of these."""

    ANSWERED = 0  # the answer reached the member
    ABANDONED = 1  # gave up after the last attempt
    CLOSED = 2  # last attempt found the lines closed and the member did not try again
    UNREACHABLE = 3  # the last callback attempt failed to reach the member
    DEFLECTED = 4  # answered by self-service (AI) and did not come back
    OPEN = 5  # not yet answered when the horizon ended


ADVISOR_TIME_KINDS = ["scheduled", "absent", "meeting", "available", "overtime", "late"]
"""Kinds of rows in the advisor-time table. `available`, `overtime` and `late` are time on the
lines (overtime: worked past the end of a shift; late: stayed on past the start of a meeting)."""

CALL_OUTCOMES = [o.name.lower() for o in CallOutcome]
CONTACT_OUTCOMES = [o.name.lower() for o in ContactOutcome]


@dataclass
class Tables:
    """The record tables of one replication. Times are minutes since the horizon start."""

    contacts: pd.DataFrame
    calls: pd.DataFrame
    tasks: pd.DataFrame
    advisor_time: pd.DataFrame
    steps: pd.DataFrame
    files: pd.DataFrame


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

    def tasks_table(self, kinds: list[str], answered: pd.DataFrame, call_minutes: np.ndarray
                    ) -> pd.DataFrame:
        """Advisor work pieces as a DataFrame (minutes): the logged tasks, and the live calls
        rebuilt from the answered rows of the calls table (answered at arrival + wait, for
        `call_minutes` of talk and wrap-up, one per answered call), sorted by start."""
        call_start = (answered["arrived_min"] + answered["wait_min"]).to_numpy()
        call_contact = answered["contact"].to_numpy()
        logged = _columns(self.tasks, 5)
        advisor, kind, start, end, contact = (
            np.concatenate([answered["advisor"].to_numpy(), logged[0]]),
            np.concatenate([np.full(len(answered), kinds.index("call")), logged[1]]),
            np.concatenate([call_start, logged[2]]),
            np.concatenate([call_start + call_minutes, logged[3]]),
            np.concatenate([call_contact, logged[4]]),
        )
        order = np.argsort(start, kind="stable")
        advisor, kind, start, end, contact = (a[order] for a in (advisor, kind, start, end,
                                                                 contact))
        return pd.DataFrame({
            "advisor": advisor.astype(np.int32),
            "kind": categorical(kind, kinds),
            "start_min": start,
            "end_min": end,
            "contact": contact.astype(np.int64),
        })


    def steps_table(self, names: list[str]) -> pd.DataFrame:
        """Journey steps as a DataFrame (minutes; `end_min` NaN while open at the end)."""
        contact, step, start, end = _columns(self.steps, 4)
        return pd.DataFrame({
            "contact": contact.astype(np.int64),
            "step": categorical(step, names),
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
