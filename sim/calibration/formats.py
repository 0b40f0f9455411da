"""The three exports a helpline may have, each read into a `CallLog`.

- `queue-log`: Asterisk's `queue_log`, as Asterisk writes it: one line per queue event,
  `epoch|callid|queue|agent|EVENT|data1|data2|data3...`. A call is its ENTERQUEUE (data2 is the
  caller id) and the event that took it out of the queue: CONNECT (data1 the wait), then
  COMPLETECALLER / COMPLETEAGENT (data1 the wait, data2 the talk) or TRANSFER (data3, data4);
  ABANDON (data3 the wait) and EXITWITHKEY (data4) when the caller gave up; EXITWITHTIMEOUT and
  EXITEMPTY (data3) when the queue removed the caller. The agent field (often a name) is
  dropped as soon as the line is split, before anything else is done.
- `calls-csv`: one row per call attempt; default headers `arrived, queue, caller, outcome,
  wait_s, talk_s, wrap_up_s` (only `arrived, outcome, wait_s, talk_s` are required), renamed by
  a column map for other exports.
- `intervals-csv`: 15-, 30- or 60-minute reports: `interval, queue, offered, answered,
  abandoned, aht_s, asa_s, abandon_time_s`.

A column map (`--columns MAP.toml`) renames headers and says what the export does::

    [columns]                      # our name = the export's header
    arrived = "Date appel"
    [outcomes]                     # the export's words for each ending
    answered = ["Répondu"]
    [export]
    time_format = "%d/%m/%Y %H:%M:%S"
    short_abandons_excluded = "5s" # abandons shorter than this are missing from the file
    counted_at = "end"             # interval reports: a call counted when it ended
    closed_days = [2024-05-01]     # days the lines were closed (no calls is then expected)
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.logs import (
    CallLog,
    Ending,
    Trap,
    caller_keys,
    check_days,
    durations,
    finish,
    problem,
    wall_clock,
)
from sim.calibration.queue_log import read_queue_log
from sim.outputs import file_digest
from sim.scenario import Issue, ScenarioError
from sim.scenario.units import parse_duration

FORMATS = ("queue-log", "calls-csv", "intervals-csv")
CALL_FIELDS = {"arrived": True, "outcome": True, "wait_s": True, "talk_s": True,
               "wrap_up_s": False, "queue": False, "caller": False}
INTERVAL_FIELDS = {"interval": True, "offered": True, "answered": True, "abandoned": True,
                   "aht_s": True, "asa_s": True, "abandon_time_s": False, "queue": False}
OUTCOME_WORDS = {
    Ending.ANSWERED: ("answered", "answer", "connected", "completed", "répondu", "repondu"),
    Ending.ABANDONED: ("abandoned", "abandon", "hangup", "hung-up", "raccroché", "abandonné"),
    Ending.REMOVED: ("removed", "timeout", "exitwithtimeout", "exitempty", "overflow",
                     "dissuasion"),
}
MAP_SECTIONS = {"columns", "outcomes", "export"}
EXPORT_KEYS = {"time_format", "short_abandons_excluded", "counted_at", "closed_days",
               "interval"}


def load_map(path: Path | None) -> dict[str, Any]:
    """A column map, checked (unknown sections or keys are refused)."""
    if path is None:
        return {"columns": {}, "outcomes": {}, "export": {}}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError([Issue(str(path), "", f"cannot read the column map ({exc})")]
                            ) from None
    issues = [Issue(str(path), key, "unknown section; use columns, outcomes, export")
              for key in data if key not in MAP_SECTIONS]
    issues += [Issue(str(path), f"export.{key}", "unknown key; use "
                     + ", ".join(sorted(EXPORT_KEYS)))
               for key in data.get("export", {}) if key not in EXPORT_KEYS]
    issues += [Issue(str(path), f"outcomes.{key}", "unknown ending; use answered, abandoned, "
                     "removed") for key in data.get("outcomes", {})
               if key not in {e.value for e in Ending}]
    if issues:
        raise ScenarioError(issues)
    return {section: data.get(section, {}) for section in MAP_SECTIONS}


def read_log(path: Path, kind: str, mapping: dict[str, Any], timezone: str, secret: bytes,
             start: date | None = None, end: date | None = None) -> CallLog:
    """Read an export of the given kind (see FORMATS) into a checked CallLog."""
    if not path.is_file():
        raise ScenarioError([Issue(str(path), "", "no such file")])
    export = mapping["export"]
    short = parse_duration(export["short_abandons_excluded"]).total_seconds() \
        if "short_abandons_excluded" in export else 0.0
    closed = tuple(export.get("closed_days", ()))
    traps: dict[Trap, int] = {}
    if kind == "queue-log":
        calls, ignored = read_queue_log(path, secret, traps)
        log = CallLog(path, kind, file_digest(path), timezone, finish(calls, timezone, start, end),
                      ignored=ignored, traps=traps)
    elif kind == "calls-csv":
        calls, ignored = _calls_csv(path, mapping, timezone, secret, traps)
        log = CallLog(path, kind, file_digest(path), timezone, finish(calls, timezone, start, end),
                      ignored=ignored, traps=traps)
    else:
        intervals, minutes, ignored = _intervals_csv(path, mapping, timezone, traps, start, end)
        log = CallLog(path, kind, file_digest(path), timezone, pd.DataFrame(), intervals, minutes,
                      ignored, traps)
    if short > 0:
        log.traps[Trap.SHORT_ABANDONS] = int(short)
    log.short_abandon_s, log.closed_days = short, closed
    check_days(log)
    return log


# -- CSV exports -------------------------------------------------------------------------------
def _header(path: Path, mapping: dict[str, Any], fields: dict[str, bool]
            ) -> tuple[str, dict[str, str], list[str]]:
    """The separator, our name -> the export's header for the columns present, and the
    headers ignored; a required column missing is a problem."""
    with path.open(encoding="utf-8-sig") as handle:
        first = handle.readline()
    sep = ";" if first.count(";") > first.count(",") else ","
    headers = [h.strip().strip('"') for h in first.rstrip("\r\n").split(sep)]
    renamed = mapping["columns"]
    unknown = [k for k in renamed if k not in fields]
    issues = [Issue(str(path), f"columns.{k}", "not a column we read; use "
                    + ", ".join(fields)) for k in unknown]
    present: dict[str, str] = {}
    for name, required in fields.items():
        header = renamed.get(name, name)
        if header in headers:
            present[name] = header
        elif required:
            issues.append(Issue(str(path), f"column {header}", "is missing (the file has "
                                f"{len(headers)} columns; rename them with --columns)"))
    if issues:
        raise ScenarioError(issues)
    ignored = [h for h in headers if h not in present.values()]
    return sep, present, ignored


def _read_columns(path: Path, sep: str, present: dict[str, str]) -> pd.DataFrame:
    frame = pd.read_csv(path, sep=sep, usecols=list(present.values()), dtype="string",
                        keep_default_na=False, encoding="utf-8-sig")
    return frame.rename(columns={v: k for k, v in present.items()})


def _calls_csv(path: Path, mapping: dict[str, Any], timezone: str, secret: bytes,
               traps: dict[Trap, int]) -> tuple[pd.DataFrame, list[str]]:
    sep, present, ignored = _header(path, mapping, CALL_FIELDS)
    raw = _read_columns(path, sep, present)
    fmt = mapping["export"].get("time_format")
    start, issues = wall_clock(path, raw["arrived"], present["arrived"], timezone, fmt, traps)
    words = {e: set(OUTCOME_WORDS[e]) | {str(w).lower() for w in
                                         mapping["outcomes"].get(e.value, ())}
             for e in Ending}
    outcome = raw["outcome"].str.strip().str.lower()
    ending = pd.Series(pd.NA, index=raw.index, dtype="string")
    for kind, known in words.items():
        ending[outcome.isin(known)] = kind.value
    bad = np.flatnonzero(ending.isna().to_numpy())
    if len(bad):
        issues.append(problem(path, bad, present["outcome"], "is not a known ending (map it "
                              "in [outcomes] answered/abandoned/removed)",
                              raw["outcome"].iloc[bad]))
    wait, more = durations(path, raw["wait_s"], present["wait_s"])
    issues += more
    talk, more = durations(path, raw["talk_s"], present["talk_s"], required=False)
    issues += more
    answered = (ending == Ending.ANSWERED.value).to_numpy()
    no_talk = np.flatnonzero(answered & np.isnan(talk))
    if len(no_talk):
        issues.append(problem(path, no_talk, present["talk_s"], "is empty for an answered "
                              "call"))
    if "wrap_up_s" in present:
        wrap, more = durations(path, raw["wrap_up_s"], present["wrap_up_s"], required=False)
        issues += more
    else:
        wrap = np.full(len(raw), np.nan)
        traps[Trap.NO_WRAP_UP] = 1
    if issues:
        raise ScenarioError(issues)
    frame = pd.DataFrame({
        "queue": raw["queue"].str.strip().str.lower().replace("", "all").astype(str)
        if "queue" in present else "all",
        "start": start,
        "ending": ending.astype(str),
        "wait_s": wait,
        "talk_s": np.where(answered, talk, np.nan),
        "wrap_s": np.where(answered, wrap, np.nan),
        "caller": caller_keys(raw["caller"], secret) if "caller" in present
        else np.full(len(raw), -1, dtype=np.int64),
    })
    return frame, ignored


def _intervals_csv(path: Path, mapping: dict[str, Any], timezone: str, traps: dict[Trap, int],
                   first: date | None, last: date | None
                   ) -> tuple[pd.DataFrame, float, list[str]]:
    sep, present, ignored = _header(path, mapping, INTERVAL_FIELDS)
    raw = _read_columns(path, sep, present)
    export = mapping["export"]
    start, issues = wall_clock(path, raw["interval"], present["interval"], timezone,
                               export.get("time_format"), traps)
    values: dict[str, Any] = {}
    for name in ("offered", "answered", "abandoned", "aht_s", "asa_s", "abandon_time_s"):
        if name in present:
            values[name], more = durations(path, raw[name], present[name],
                                           required=name in ("offered", "answered",
                                                             "abandoned"))
            issues += more
        else:
            values[name] = np.full(len(raw), np.nan)
    if issues:
        raise ScenarioError(issues)
    columns: dict[str, Any] = {"queue": raw["queue"].str.strip().str.lower().astype(str)
                               if "queue" in present else "all", "start": start, **values}
    frame = pd.DataFrame(columns)
    frame["wall"] = frame["start"].dt.tz_convert(timezone).dt.tz_localize(None)
    frame = frame.sort_values(["queue", "start"], kind="stable").reset_index(drop=True)
    if "interval" in export:
        minutes = parse_duration(export["interval"]).total_seconds() / 60
    else:
        steps = frame.groupby("queue")["start"].diff().dt.total_seconds().div(60)
        minutes = float(steps[steps > 0].min()) if (steps > 0).any() else 60.0
    if export.get("counted_at") == "end":
        traps[Trap.COUNTED_AT_END] = int(frame["offered"].sum())
        frame = _counted_at_start(frame, minutes)
    if first is not None:
        frame = frame[frame["wall"] >= pd.Timestamp(first)]
    if last is not None:
        frame = frame[frame["wall"] < pd.Timestamp(last) + pd.Timedelta(days=1)]
    return frame.reset_index(drop=True), minutes, ignored


def _counted_at_start(frame: pd.DataFrame, minutes: float) -> pd.DataFrame:
    """Move back the share of each interval's calls that arrived in the interval before: a
    call counted when it ended arrived about wait + handle time earlier."""
    lag = (frame["asa_s"].fillna(0) + frame["aht_s"].fillna(0)) / 60
    moved = np.clip(lag / minutes, 0.0, 1.0)
    # only into the interval just before, when the report has it (none before the opening)
    before = frame.groupby("queue")["start"].shift(1)
    has_before = (frame["start"] - before) == pd.Timedelta(minutes=minutes)
    moved = moved.where(has_before, 0.0)
    out = frame.copy()
    for column in ("offered", "answered", "abandoned"):
        back = frame[column] * moved
        following = back.groupby(frame["queue"]).shift(-1).fillna(0.0)
        out[column] = frame[column] - back + following
    return out
