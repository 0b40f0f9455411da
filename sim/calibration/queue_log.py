"""Asterisk's `queue_log`, as Asterisk writes it: one line per queue event.

`epoch|callid|queue|agent|EVENT|data1|data2|data3...`. A call is its ENTERQUEUE (data2 is the
caller id) and the event that took it out of the queue: CONNECT (data1 the wait), then
COMPLETECALLER / COMPLETEAGENT (data1 the wait, data2 the talk) or TRANSFER (data3, data4);
ABANDON (data3 the wait) and EXITWITHKEY (data4) when the caller gave up; EXITWITHTIMEOUT and
EXITEMPTY (data3) when the queue removed the caller. Other events (RINGNOANSWER, agent logins,
QUEUESTART) are not needed. Times are whole seconds since 1970 in UTC; a call still queued when
the file ends is left out. The agent field (often a name) is dropped as soon as the lines are
split, before anything else is done. Asterisk keeps no wrap-up time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.logs import Ending, Trap, caller_keys, problem
from sim.scenario import Issue, ScenarioError

_WAIT_FIELD = {"ABANDON": "d3", "EXITWITHTIMEOUT": "d3", "EXITEMPTY": "d3", "EXITWITHKEY": "d4"}


def read_queue_log(path: Path, secret: bytes, traps: dict[Trap, int]
                   ) -> tuple[pd.DataFrame, list[str]]:
    """The calls of a queue_log as call attempts, and the fields ignored (the agent)."""
    names = ["epoch", "callid", "queue", "agent", "event"] + [f"d{i}" for i in range(1, 8)]
    try:
        raw = pd.read_csv(path, sep="|", header=None, names=names, dtype=str,
                          keep_default_na=False, quoting=3, engine="c")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ScenarioError([Issue(str(path), "", f"not a queue_log ({exc})")]) from None
    del raw["agent"]  # positional, so read with the line; dropped before anything else
    issues: list[Issue] = []
    epoch = pd.to_numeric(raw["epoch"], errors="coerce").to_numpy(dtype=float)
    event = raw["event"].to_numpy(dtype=object)
    bad = np.flatnonzero(np.isnan(epoch) | (event == ""))
    if len(bad):
        issues.append(problem(path, bad, "epoch", "not a queue_log line (epoch|callid|queue|"
                              "agent|EVENT|data...)", raw["epoch"].iloc[bad], row_offset=1))
    call, _ = pd.factorize(raw["callid"])

    def first(kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The calls with one of these events, and the line of the first such event."""
        lines = np.flatnonzero(np.isin(event, kinds))
        ids, at = np.unique(call[lines], return_index=True)
        return ids, lines[at]

    ids, enter = first(["ENTERQUEUE"])
    slot = np.full(call.max() + 1 if len(call) else 0, -1)
    slot[ids] = np.arange(len(ids))
    n = len(ids)
    end_line = np.full(n, -1)
    end_ids, end_at = first(["CONNECT", *_WAIT_FIELD])
    keep = slot[end_ids] >= 0
    end_line[slot[end_ids[keep]]] = end_at[keep]
    done_line = np.full(n, -1)
    done_ids, done_at = first(["COMPLETECALLER", "COMPLETEAGENT", "TRANSFER"])
    keep = slot[done_ids] >= 0
    done_line[slot[done_ids[keep]]] = done_at[keep]

    def field(lines: np.ndarray, column: str) -> np.ndarray:
        values = raw[column].to_numpy(dtype=object)
        out = np.full(len(lines), "", dtype=object)
        out[lines >= 0] = values[lines[lines >= 0]]
        return out

    def number(text: np.ndarray) -> np.ndarray:
        return pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=float)

    ends = field(end_line, "event")
    wait = np.full(n, np.nan)
    answered = ends == "CONNECT"
    wait[answered] = number(field(end_line, "d1")[answered])
    for name, column in _WAIT_FIELD.items():
        mine = ends == name
        wait[mine] = number(field(end_line, column)[mine])
    completion = field(done_line, "event")
    talk = np.where(completion == "TRANSFER", number(field(done_line, "d4")),
                    number(field(done_line, "d2")))
    unfinished = ends == ""  # still queued at the end of the file: dropped
    unreadable = np.flatnonzero(np.isnan(wait) & ~unfinished)
    if len(unreadable):
        issues.append(problem(path, end_line[unreadable], "data",
                              "the wait of this event is not a number", row_offset=1))
    negative = np.flatnonzero((wait < 0) | (talk < 0))
    if len(negative):
        issues.append(problem(path, np.maximum(end_line, done_line)[negative], "data",
                              "is a negative duration", row_offset=1))
    if issues:
        raise ScenarioError(issues)
    ending = np.where(answered, Ending.ANSWERED.value,
                      np.where(np.isin(ends, ["ABANDON", "EXITWITHKEY"]),
                               Ending.ABANDONED.value, Ending.REMOVED.value))
    traps[Trap.NO_WRAP_UP] = 1
    frame = pd.DataFrame({
        "queue": raw["queue"].to_numpy(dtype=object)[enter],
        "start": pd.to_datetime(epoch[enter], unit="s", utc=True),
        "ending": ending,
        "wait_s": wait,
        "talk_s": np.where(answered, talk, np.nan),
        "wrap_s": np.nan,
        "caller": caller_keys(pd.Series(raw["d2"].to_numpy(dtype=object)[enter]), secret),
    })[~unfinished]
    return frame.reset_index(drop=True), ["agent"]
