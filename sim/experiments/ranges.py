"""Which contested values a sensitivity analysis moves, and over what range.

A value is contested when the assumptions register marks it `assumption` (not a fact from the
source documents). By default the analysis moves every contested number that differs between
the two options (a value only one of them has, such as the provider's price, or a value they
disagree on) or that the money or the promise rests on directly (the loaded hourly cost, the
callback rules). Headcounts are not moved: they are a decision, sized with
`compare --equal-service`. Each value moves over the range its scenario file gives in a
`[ranges]` table (`"outsourcing.defect_rate" = [0.02, 0.30]`), else over ±50 % of its value,
narrowed to what the value may be (a probability stays at most 1).

`--vary KEY=LOW:HIGH` names a value and its range by hand. A key that neither option has, a
value that is not a number, or a range the scenario format refuses is bad input, said with the
key before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario import Issue, Scenario, ScenarioError, with_overrides
from sim.scenario.issues import split_path
from sim.scenario.register import register

DEFAULT_SWING = 0.5
"""Without a range in the file, a contested value moves by this share either way."""

RESTS_ON = ("staff.cost_per_hour", "outsourcing.price.", "experts.price", "callbacks.",
            "outsourcing.defect_rate", "outsourcing.first_contact_resolution")
"""Keys (or prefixes) the money or the promise rests on directly."""

DECISIONS = ("staff.advisors", "staff.shifts", "staff.groups")
"""Headcounts: decided, not contested; sized by `compare --equal-service`."""


@dataclass(frozen=True)
class Range:
    """One value moved: where it is, from `low` to `high`, and its value in each option
    (None where the option does not have it)."""

    key: str
    low: float
    high: float
    nominal: tuple[float | None, float | None]  # (base, option)
    integer: bool
    source: str  # "command", "file" or "default"

    def value(self, x: float) -> float | int:
        """`x` as the scenario takes it (whole numbers rounded)."""
        return math.floor(x + 0.5) if self.integer else float(x)

    def applies(self, which: int) -> bool:
        """Whether the base (0) or the option (1) has this value."""
        return self.nominal[which] is not None


def value_at(scenario: Scenario, dotted: str) -> Any:
    """The value at a dotted key (`outsourcing.price.per_contact`, `case_types.eco.share`),
    or KeyError."""
    node: Any = scenario.model_dump(mode="json", exclude_none=True, by_alias=True)
    for part in split_path(dotted):
        if isinstance(node, list) and isinstance(part, str):
            named = [item for item in node if isinstance(item, dict) and item.get("name") == part]
            if not named:
                raise KeyError(dotted)
            node = named[0]
        elif isinstance(node, list) and isinstance(part, int):
            if not 1 <= part <= len(node):
                raise KeyError(dotted)
            node = node[part - 1]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(dotted)
    return node


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _nominal(scenarios: tuple[Scenario, Scenario], key: str) -> tuple[Any, Any]:
    out = []
    for scenario in scenarios:
        try:
            out.append(value_at(scenario, key))
        except KeyError:
            out.append(None)
    return out[0], out[1]


def _allowed(scenarios: tuple[Scenario, Scenario], key: str, value: float | int) -> str:
    """Why the format refuses `value` at `key` in an option that has it ('' if it takes it)."""
    for scenario in scenarios:
        try:
            value_at(scenario, key)
        except KeyError:
            continue
        try:
            with_overrides(scenario, {key: value})
        except ScenarioError as exc:
            return "; ".join(i.message for i in exc.issues)
    return ""


def _narrowed(scenarios: tuple[Scenario, Scenario], key: str, nominal: float, end: float,
              integer: bool) -> float:
    """`end`, or the farthest value towards it that the format accepts (a few halvings)."""
    for _ in range(12):
        candidate = math.floor(end + 0.5) if integer else end
        if not _allowed(scenarios, key, candidate):
            return float(candidate)
        end = nominal + (end - nominal) / 2
    return nominal


def _make(scenarios: tuple[Scenario, Scenario], key: str, low: float | None,
          high: float | None, source: str, label: str) -> Range:
    """A checked range for `key` (low/high None: ±50 % of its value, narrowed)."""
    nominal = _nominal(scenarios, key)
    present = [v for v in nominal if v is not None]
    if not present:
        raise ScenarioError([Issue(label, key, "no such value in either option")])
    if not all(_number(v) for v in present):
        raise ScenarioError([Issue(label, key, f"not a number ({present[0]!r}): only numbers "
                                               "can be varied")])
    integer = all(isinstance(v, int) for v in present)
    if low is None or high is None:
        centre = float(present[-1])
        low = _narrowed(scenarios, key, centre, centre * (1 - DEFAULT_SWING), integer)
        high = _narrowed(scenarios, key, centre, centre * (1 + DEFAULT_SWING), integer)
    else:
        if low >= high:
            raise ScenarioError([Issue(label, key, f"a range is LOW:HIGH with LOW < HIGH "
                                                   f"(got {low:g}:{high:g})")])
        issues = [Issue(label, key, f"{why} (at {end:g})") for end in (low, high)
                  if (why := _allowed(scenarios, key, int(end) if integer else end))]
        if issues:
            raise ScenarioError(issues)
    return Range(key, float(low), float(high),
                 (None if nominal[0] is None else float(nominal[0]),
                  None if nominal[1] is None else float(nominal[1])), integer, source)


def check_ranges(scenario: Scenario, label: str) -> None:
    """Refuse a `[ranges]` entry whose key the scenario does not have, whose value is not a
    number, or whose ends the format refuses (ScenarioError naming each)."""
    issues: list[Issue] = []
    for key, (low, high) in (scenario.ranges or {}).items():
        try:
            _make((scenario, scenario), key, low, high, "file", label)
        except ScenarioError as exc:
            issues.extend(Issue(label, f"ranges.{i.path}", i.message) for i in exc.issues)
    if issues:
        raise ScenarioError(issues)


def parse_vary(text: str) -> tuple[str, float, float]:
    """`outsourcing.defect_rate=0.02:0.30` -> key, low, high (ValueError otherwise)."""
    key, sep, span = text.partition("=")
    low, colon, high = span.partition(":")
    try:
        if not sep or not colon:
            raise ValueError
        return key.strip(), float(low), float(high)
    except ValueError:
        raise ValueError(f"write KEY=LOW:HIGH, e.g. outsourcing.defect_rate=0.02:0.30 "
                         f"(got {text!r})") from None


def default_keys(scenarios: tuple[Scenario, Scenario], paths: tuple[Path, Path]) -> list[str]:
    """The contested numbers that differ between the options or that the money or the
    promise rests on (register order, base first; headcounts left out)."""
    keys: list[str] = []
    for path in paths:
        table = register(path)
        for key in table.loc[table["kind"] == "assumption", "path"]:
            if key in keys or key.startswith("ranges.") or key.startswith(DECISIONS):
                continue
            nominal = _nominal(scenarios, key)
            present = [v for v in nominal if v is not None]
            if not present or not all(_number(v) for v in present) or not any(present):
                continue  # not a number here (a table, a duration), or zero (nothing to scale)
            differs = None in nominal or nominal[0] != nominal[1]
            if differs or key.startswith(RESTS_ON):
                keys.append(key)
    return keys


def ranges(scenarios: tuple[Scenario, Scenario], paths: tuple[Path, Path],
           vary: list[str] | None = None) -> list[Range]:
    """The ranges to explore: those given on the command line, else the default keys, each
    over the range from a `[ranges]` table (the option's first) or ±50 %.

    Raises
    ------
    ScenarioError
        listing every key that does not exist, is not a number, or whose range is refused.
    """
    found: list[Range] = []
    issues: list[Issue] = []
    asked = [parse_vary(v) for v in vary or []]
    file_ranges = {**(scenarios[0].ranges or {}), **(scenarios[1].ranges or {})}
    labels = {key: str(paths[1] if key in (scenarios[1].ranges or {}) else paths[0])
              for key in file_ranges}
    for key, (lo, hi) in file_ranges.items():  # every [ranges] key is checked, used or not
        try:
            _make(scenarios, key, lo, hi, "file", labels[key])
        except ScenarioError as exc:
            issues.extend(exc.issues)
    wanted: list[tuple[str, float | None, float | None, str, str]] = [
        (k, lo, hi, "command", "--vary") for k, lo, hi in asked]
    if not asked:
        keys = default_keys(scenarios, paths)
        for k in [*keys, *(k for k in file_ranges if k not in keys)]:
            given = file_ranges.get(k)
            wanted.append((k, given[0] if given else None, given[1] if given else None,
                           "file" if given else "default", labels.get(k, str(paths[0]))))
    for key, low, high, source, label in wanted:
        try:
            found.append(_make(scenarios, key, low, high, source, label))
        except ScenarioError as exc:
            issues.extend(exc.issues)
    if issues:
        raise ScenarioError(issues)
    return found
