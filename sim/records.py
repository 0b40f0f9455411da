"""What a replication leaves behind: tidy record tables, and nothing else.

The model appends to plain column lists while it runs (cheap), and turns them into pandas tables
at the end. KPIs (`sim.kpis`) and reports read these tables, never the model.

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
    OPEN = 3  # not yet answered when the horizon ended


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


@dataclass
class Recorder:
    """Column lists filled during one replication."""

    calls: list[tuple[int, int, float, int, float, int]] = field(default_factory=list)
    """(contact, attempt, arrived, outcome, wait, advisor) per call attempt."""
    tasks: list[tuple[int, int, float, float, int]] = field(default_factory=list)
    """(advisor, kind, start, end, contact) per piece of advisor work."""
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

    def tasks_table(self, kinds: list[str]) -> pd.DataFrame:
        """Advisor work pieces as a DataFrame (minutes)."""
        advisor, kind, start, end, contact = _columns(self.tasks, 5)
        return pd.DataFrame({
            "advisor": advisor.astype(np.int32),
            "kind": categorical(kind, kinds),
            "start_min": start,
            "end_min": end,
            "contact": contact.astype(np.int64),
        })


def categorical(codes: Any, names: list[str]) -> Any:
    """Category labels from integer codes."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=pd.Index(names))


def _columns(rows: list[Any], width: int) -> list[np.ndarray]:
    """Rows of numbers as float columns (an empty list gives empty columns)."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * width)
    array = flat.reshape(-1, width)
    return [array[:, i] for i in range(width)]
