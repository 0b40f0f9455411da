"""A telephony export read into one table of call attempts, keeping nothing personal.

Whatever the vendor, a call attempt becomes one row: its queue, when it arrived (UTC and the
helpline's wall clock), how it ended (`Ending.ANSWERED`, `ABANDONED` when the caller hung up,
`REMOVED` when the system took the caller out of the queue: a time-out, an empty queue), how long
it waited, talked and was wrapped up (seconds), and a keyed hash of the caller's number. The
number is normalised (`+33 6 12…`, `0033612…` and `0612…` are one caller) and hashed with HMAC
under a secret read from `--secret-file` or drawn for this run; the hash only links a caller's
attempts (retrials) and the frame holding it is dropped once those are counted. Only the columns
named in the whitelist are read: any other column (names, e-mails, notes) is never parsed, only
its header is listed so the calibration page can say it was ignored.

Bad input is reported like a bad scenario (`sim.scenario.ScenarioError`): every problem with the
row and column it was found at, the value only for non-personal columns.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import Issue, ScenarioError

SHOWN_ROWS = 5
"""How many bad rows each problem names before saying how many more there are."""


class Ending(StrEnum):
    """How one call attempt left the queue."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"  # the caller hung up while waiting: patience observed
    REMOVED = "removed"  # taken out by the system (time-out, empty queue): patience censored


class Trap(StrEnum):
    """Vendor habits the reader corrected for, said on the calibration page."""

    DST_DUPLICATE = "dst-duplicate"  # the autumn hour seen twice in local times
    DST_GAP = "dst-gap"  # local times in the spring hour that does not exist
    COUNTED_AT_END = "counted-at-end"  # interval reports counting calls when they ended
    SHORT_ABANDONS = "short-abandons"  # abandons shorter than a threshold left out
    NO_WRAP_UP = "no-wrap-up"  # the export has no wrap-up time


CALL_COLUMNS = ("queue", "start", "wall", "ending", "wait_s", "talk_s", "wrap_s", "caller")


@dataclass
class CallLog:
    """A telephony export as call attempts (or as interval counts), with its provenance.

    `calls` has CALL_COLUMNS (`caller` is the keyed hash, -1 when unknown); `intervals` is set
    instead for interval reports. `digest` is the SHA-256 of the file's bytes.
    """

    path: Path
    kind: str
    digest: str
    timezone: str
    calls: pd.DataFrame
    intervals: pd.DataFrame | None = None
    interval_min: float = 0.0
    ignored: list[str] = field(default_factory=list)
    traps: dict[Trap, int] = field(default_factory=dict)
    short_abandon_s: float = 0.0
    closed_days: tuple[date, ...] = ()

    @property
    def first(self) -> date:
        """The first day of the log (wall clock)."""
        frame = self.intervals if self.intervals is not None else self.calls
        return pd.Timestamp(frame["wall"].min()).date()

    @property
    def last(self) -> date:
        """The last day of the log (wall clock)."""
        frame = self.intervals if self.intervals is not None else self.calls
        return pd.Timestamp(frame["wall"].max()).date()


def read_secret(path: Path | None) -> bytes:
    """The HMAC key: the secret file's bytes, or a random key for this run only."""
    if path is None:
        return secrets.token_bytes(32)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ScenarioError([Issue(str(path), "", f"cannot read the secret file "
                                                  f"({exc.strerror})")]) from None
    if not key:
        raise ScenarioError([Issue(str(path), "", "the secret file is empty")])
    return key


_NOT_DIGIT = re.compile(r"\D")


def normalise_number(text: str) -> str:
    """A phone number as digits in national form: `+33 6 12 34 56 78` -> `0612345678`."""
    digits = _NOT_DIGIT.sub("", text)
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def caller_keys(numbers: pd.Series, secret: bytes) -> np.ndarray:
    """Keyed hashes (int64) of caller numbers; -1 for a missing or withheld number."""
    digits = numbers.astype("string").fillna("").str.replace(r"\D", "", regex=True)
    digits = digits.where(~digits.str.startswith("00"), digits.str[2:])
    french = digits.str.startswith("33") & (digits.str.len() == 11)
    digits = digits.where(~french, "0" + digits.str[2:])
    codes, uniques = pd.factorize(digits)
    keys = np.empty(len(uniques), dtype=np.int64)
    for i, number in enumerate(uniques.tolist()):
        if len(number) < 4:  # withheld, "anonymous", an extension
            keys[i] = -1
            continue
        mac = hmac.digest(secret, number.encode(), "sha256")
        keys[i] = int.from_bytes(mac[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF
    out = np.where(codes >= 0, keys[np.maximum(codes, 0)], -1)
    return out.astype(np.int64)


def problem(file: Path, rows: np.ndarray, column: str, reason: str,
            values: pd.Series | None = None, row_offset: int = 2) -> Issue:
    """One problem naming the first bad rows (file lines) of a column."""
    shown = rows[:SHOWN_ROWS]
    where = ", ".join(str(int(r) + row_offset) for r in shown)
    more = f" and {len(rows) - len(shown)} more" if len(rows) > len(shown) else ""
    value = ""
    if values is not None and len(shown):
        value = f" ({values.iloc[0]!r})"
    label = "row" if len(rows) == 1 else "rows"
    return Issue(str(file), f"{label} {where}{more}, column {column}", f"{reason}{value}")


def wall_clock(file: Path, text: pd.Series, column: str, timezone: str, fmt: str | None,
               traps: dict[Trap, int], row_offset: int = 2) -> tuple[pd.Series, list[Issue]]:
    """Parse times into UTC: local times (no offset) are read in `timezone`; a column mixing
    times with and without an offset is refused."""
    text = text.astype("string").str.strip()
    issues: list[Issue] = []
    offset = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
    if offset.any() and not offset.all():
        minority = np.flatnonzero(~offset if offset.mean() > 0.5 else offset)
        issues.append(problem(file, minority, column,
                              "mixes times with and without a time zone offset",
                              text.iloc[minority], row_offset))
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]"), issues
    if offset.all():
        utc = pd.to_datetime(text, format=fmt or "ISO8601", utc=True, errors="coerce")
    else:
        naive = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")
        utc = _localise(naive, timezone, traps).dt.tz_convert("UTC")
    bad = np.flatnonzero(utc.isna().to_numpy())
    if len(bad):
        issues.append(problem(file, bad, column, "not a date and time", text.iloc[bad],
                              row_offset))
    return utc, issues


def _localise(naive: pd.Series, timezone: str, traps: dict[Trap, int]) -> pd.Series:
    """Local wall-clock times to aware ones. In the autumn hour seen twice, file order tells
    the first pass (summer time) from the second; times in the spring gap move forward."""
    ambiguous = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").isna() \
        & naive.notna()
    gap = naive.dt.tz_localize(timezone, ambiguous=True, nonexistent="NaT").isna() \
        & naive.notna() & ~ambiguous
    summer = np.ones(len(naive), dtype=bool)
    if ambiguous.any():
        traps[Trap.DST_DUPLICATE] = int(ambiguous.sum())
        positions = np.flatnonzero(ambiguous.to_numpy())
        times = naive.to_numpy()[positions]
        days = naive.dt.date.to_numpy()[positions]
        for day in np.unique(days):
            mine = positions[days == day]
            back = np.r_[False, np.diff(times[days == day]) < np.timedelta64(-10, "m")]
            summer[mine] = np.cumsum(back) == 0
    if gap.any():
        traps[Trap.DST_GAP] = int(gap.sum())
    return naive.dt.tz_localize(timezone, ambiguous=summer, nonexistent="shift_forward")


def durations(file: Path, text: pd.Series, column: str, row_offset: int = 2,
              required: bool = True) -> tuple[np.ndarray, list[Issue]]:
    """Seconds from numbers or `hh:mm:ss`; negative or unreadable values are problems."""
    raw = text.astype("string").str.strip()
    seconds = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce")
    clock = seconds.isna() & raw.str.contains(":", regex=False, na=False)
    if clock.any():
        seconds[clock] = pd.to_timedelta(raw[clock], errors="coerce").dt.total_seconds()
    values = seconds.to_numpy(dtype=float, na_value=np.nan)
    issues = []
    missing = raw.isna() | (raw == "")
    bad = np.flatnonzero(np.isnan(values) & ~missing.to_numpy())
    if len(bad):
        issues.append(problem(file, bad, column, "not a duration in seconds", raw.iloc[bad],
                              row_offset))
    if required and missing.any():
        rows = np.flatnonzero(missing.to_numpy())
        issues.append(problem(file, rows, column, "is empty", None, row_offset))
    negative = np.flatnonzero(values < 0)
    if len(negative):
        issues.append(problem(file, negative, column, "is a negative duration",
                              raw.iloc[negative], row_offset))
    return values, issues


def finish(calls: pd.DataFrame, timezone: str, start: date | None, end: date | None
           ) -> pd.DataFrame:
    """Add the wall clock, keep the period asked for, sort by arrival."""
    calls["wall"] = calls["start"].dt.tz_convert(timezone).dt.tz_localize(None)
    if start is not None:
        calls = calls[calls["wall"] >= pd.Timestamp(start)]
    if end is not None:
        calls = calls[calls["wall"] < pd.Timestamp(end) + pd.Timedelta(days=1)]
    calls = calls.sort_values("start", kind="stable").reset_index(drop=True)
    return calls[list(CALL_COLUMNS)]


def check_days(log: CallLog) -> None:
    """Refuse a day without a single call on a weekday that has calls in other weeks (a
    missing export file, most often), unless the column map lists it as closed."""
    frame = log.intervals if log.intervals is not None else log.calls
    count = "offered" if log.intervals is not None else None
    if frame.empty:
        raise ScenarioError([Issue(str(log.path), "", "no call in the period read")])
    days = frame["wall"].dt.normalize()
    per_day = (frame.groupby(days)[count].sum() if count else days.value_counts())
    every = pd.date_range(days.min(), days.max(), freq="D")
    per_day = per_day.reindex(every, fill_value=0)
    busy = (per_day.to_numpy() > 0).astype(float)
    share = pd.Series(busy).groupby(every.day_of_week.to_numpy()).mean()
    empty = [d for d, n in zip(every, busy, strict=True) if n == 0
             and share[d.weekday()] >= 0.5 and d.date() not in log.closed_days]
    if empty:
        shown = ", ".join(f"{d.date()} ({d.day_name().lower()})" for d in empty[:SHOWN_ROWS])
        more = f" and {len(empty) - SHOWN_ROWS} more" if len(empty) > SHOWN_ROWS else ""
        raise ScenarioError([Issue(
            str(log.path), "days", f"no call at all on {shown}{more}, while other weeks have "
            "calls on that weekday: a missing export? Leave it out with --from/--to, or list "
            "it in the column map's [export] closed_days")])
