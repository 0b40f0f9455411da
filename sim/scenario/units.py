"""Units planners write by hand: durations with units, clock times, weekdays and months.

A number is written as a number: `advisors = 12`, not `"12"` nor `true` (pydantic's strict mode, so
nothing is converted silently), finite, and whole where a count is meant. A duration is a string
with a unit, `"45s"`, `"12min"`, `"1h30min"`, `"72h"`, `"5d"`, `"8w"`; it is
kept as a `timedelta` so a resolved scenario writes back exactly what was read. A bare number is
refused: `5` could mean seconds, minutes or hours; a staffing decision should not hang on a guess.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AllowInfNan, BeforeValidator, PlainSerializer, Strict
from pydantic_core import PydanticCustomError

_UNITS = {
    "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
    "w": 604800.0, "wk": 604800.0, "week": 604800.0, "weeks": 604800.0,
}
_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*")

Integer = Annotated[int, Strict()]
"""A whole number written as one: `true`, `"12"` and `12.0` are refused."""

Number = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite number written as one (an integer is a number too): `true`, `"0.5"`, `inf` and `nan`
are refused."""

MIN_CV = 1e-3
"""The smallest coefficient of variation other than 0: below it a variation is no variation,
and the gamma draws behind it (shape 1/cv^2) would overflow."""


def _no_tiny_cv(value: float) -> float:
    if 0 < value < MIN_CV:
        raise ValueError(f"a cv below {MIN_CV:g} is no variation; write 0 (or use a constant)")
    return value


Cv = Annotated[float, Strict(), AllowInfNan(False), AfterValidator(_no_tiny_cv)]
"""A coefficient of variation: 0, or at least 0.001."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_duration(value: Any) -> timedelta:
    """Read `"1h30min"` and friends into a timedelta; refuse numbers without a unit."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(
                f"a duration needs a unit, for example \"{value}min\" or \"{value}s\""
            )
        raise ValueError("a duration is a string with a unit, for example \"12min\"")
    text = value.strip().lower()
    if text.startswith("-"):
        raise ValueError("a duration cannot be negative")
    if re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)", text):
        raise ValueError(f"a duration needs a unit, for example \"{text}min\" or \"{text}s\"")
    pos, seconds = 0, 0.0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"cannot read {value!r} as a duration; write e.g. \"45s\", "
                             "\"12min\", \"1h30min\", \"72h\", \"5d\" or \"8w\"")
        unit = match.group(2)
        if unit not in _UNITS:
            hint = " (write \"min\" for minutes)" if unit in ("m", "mn") else ""
            raise ValueError(f"unknown unit {unit!r} in {value!r}{hint}")
        seconds += float(match.group(1)) * _UNITS[unit]
        pos = match.end()
    if not text:
        raise ValueError("empty duration")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"{value!r} is too long a duration") from None


MAX_DURATION = timedelta(days=3650)
"""The longest duration a scenario may give (a backlog item's age, a deadline, a response
time): beyond it the simulated calendar would leave the dates Python can count."""


def _not_too_long(value: timedelta) -> timedelta:
    if value > MAX_DURATION:
        raise ValueError(f"{format_duration(value)!r} is longer than ten years (3650d), more "
                         "than any delay of a helpline")
    return value


def format_duration(value: timedelta) -> str:
    """Write a duration back with the largest unit that divides it exactly."""
    micros = value // timedelta(microseconds=1)
    hour = 3600 * 1_000_000
    prefer_hours = micros % hour == 0 and micros <= 96 * hour  # "72h" stays "72h"
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if prefer_hours and unit in ("w", "d"):
            continue
        if micros % (size * 1_000_000) == 0 and micros > 0:
            return f"{micros // (size * 1_000_000)}{unit}"
    if micros == 0:
        return "0s"
    whole, fraction = divmod(micros, 1_000_000)  # exact decimals: repr(1e-06) would read "1e-06s"
    return f"{whole}.{fraction:06d}".rstrip("0") + "s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    AfterValidator(_not_too_long),
    PlainSerializer(format_duration, return_type=str),
]
"""A non-negative duration written with a unit, at most ten years."""


def minutes(value: timedelta) -> float:
    """A duration in minutes (the simulation clock's unit)."""
    return value.total_seconds() / 60.0


def parse_clock(value: Any) -> int:
    """Read `"09:30"` (or `"24:00"` for end of day) into minutes after midnight."""
    if isinstance(value, int) and not isinstance(value, bool):
        hours, mins = (value, 0) if 0 <= value <= 24 else divmod(value, 100)
        example = f"{hours:02d}:{mins:02d}" if 0 <= hours <= 24 and mins < 60 else "09:30"
        raise ValueError(f"write clock times as \"HH:MM\", for example \"{example}\"")
    if not isinstance(value, str):
        raise ValueError("write clock times as \"HH:MM\"")
    match = re.fullmatch(r"\s*(\d{1,2})[:h](\d{2})\s*", value)
    if match is None:
        raise ValueError(f"cannot read {value!r} as a clock time \"HH:MM\"")
    hours, mins = int(match.group(1)), int(match.group(2))
    if mins >= 60 or hours > 24 or (hours == 24 and mins > 0):
        raise ValueError(f"{value!r} is not a time of day between 00:00 and 24:00")
    return hours * 60 + mins


def format_clock(value: int) -> str:
    """Write minutes after midnight as `"HH:MM"`."""
    return f"{value // 60:02d}:{value % 60:02d}"


ClockTime = Annotated[
    int,
    BeforeValidator(parse_clock),
    PlainSerializer(format_clock, return_type=str),
]
"""A time of day, kept as minutes after midnight (0..1440)."""


_WEEKDAY_NAMES = {
    **{name: name for name in WEEKDAYS},
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun",
    "lundi": "mon", "mardi": "tue", "mercredi": "wed", "jeudi": "thu", "vendredi": "fri",
    "samedi": "sat", "dimanche": "sun",
}


_MONTH_NAMES = {
    **{name: name for name in MONTHS},
    "january": "jan", "february": "feb", "march": "mar", "april": "apr", "june": "jun",
    "july": "jul", "august": "aug", "september": "sep", "sept": "sep", "october": "oct",
    "november": "nov", "december": "dec",
    "janvier": "jan", "février": "feb", "fevrier": "feb", "mars": "mar", "avril": "apr",
    "mai": "may", "juin": "jun", "juillet": "jul", "août": "aug", "aout": "aug",
    "septembre": "sep", "octobre": "oct", "novembre": "nov", "décembre": "dec",
    "decembre": "dec",
}


def parse_weekday(value: Any) -> str:
    """Accept `"mon"`, `"Monday"` or `"lundi"`; keep the three-letter English name."""
    key = _WEEKDAY_NAMES.get(value.strip().lower()) if isinstance(value, str) else None
    if key is None:
        raise ValueError(f"{value!r} is not a weekday; use one of {', '.join(WEEKDAYS)}")
    return key


def parse_month(value: Any) -> str:
    """Accept `"jan"`, `"January"` or `"janvier"`; keep the three-letter English name."""
    key = _MONTH_NAMES.get(value.strip().lower()) if isinstance(value, str) else None
    if key is None:
        raise ValueError(f"{value!r} is not a month; use one of {', '.join(MONTHS)}")
    return key


Weekday = Annotated[str, BeforeValidator(parse_weekday)]


def raise_issues(issues: list[tuple[str, str]]) -> None:
    """Raise several problems at once, each under a dotted path relative to the model checked.

    A check that spans several keys (end before start) uses it to point at the key to change
    (`horizon.end`) rather than at the whole section; the loader lists each problem on its own.
    """
    if issues:
        raise PydanticCustomError(
            "scenario_issues", "{summary}",
            {"summary": "; ".join(f"{p}: {m}" for p, m in issues), "issues": issues},
        )
