"""Every problem of a scenario, said to a planner: `case_types[2].talk.mean: reason (got value)`.

Pydantic's errors are turned into one line each, with the dotted path of the key (lists counted
from 1), the reason in plain words and the offending value; a misspelt key gets a "did you
mean". Nothing runs until the whole scenario is valid.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import DIST_NAMES
from sim.scenario.schema import Scenario
from sim.scenario.sections import check_shares
from sim.scenario.units import format_duration


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario file."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}: {where}{self.message}"


class ScenarioError(ValueError):
    """A scenario file (or a variant of one) is not valid; `issues` lists every problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


def validate(data: dict[str, Any], label: str = "<scenario>") -> Scenario:
    """Build a frozen Scenario from a plain table, or raise ScenarioError with every problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        issues = _issues(exc, data, label)
        raise ScenarioError(issues + _share_issues(data, label, issues)) from None


def _share_issues(data: dict[str, Any], label: str, found: list[Issue]) -> list[Issue]:
    """The case-type shares checked on the raw table, so that a sum that is off is said with
    the other mistakes (pydantic checks it only once every case type is valid)."""
    cases = data.get("case_types")
    if any(i.path == "case_types" for i in found) or not isinstance(cases, list):
        return []
    raw = [c.get("share") if isinstance(c, dict) else None for c in cases]
    shares = {str(i): float(v) for i, v in enumerate(raw) if isinstance(v, int | float)}
    if not shares or len(shares) < len(raw):
        return []
    try:
        check_shares(shares, "case type")
    except ValueError as exc:
        return [Issue(label, "case_types", str(exc))]
    return []


def _issues(exc: ValidationError, data: Any, label: str,
            root: type[BaseModel] = Scenario) -> list[Issue]:
    issues = []
    errors = exc.errors()
    for error in errors:
        loc = error["loc"]
        if error["type"] == "too_short" and any(
            len(other["loc"]) > len(loc) and other["loc"][:len(loc)] == loc for other in errors
        ):
            continue  # a list emptied by its own invalid items: the items say why
        path, node = _path(loc, data)
        value = error.get("input", node)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path = _join(path, "dist")  # the tag names the distribution: point at it
            value = node.get("dist") if isinstance(node, dict) else None
        ctx = error.get("ctx") or {}
        if error["type"] == "scenario_issues":
            for sub, message in ctx["issues"]:
                sub_path, sub_node = _path(split_path(sub), node)
                full = _join(path, sub_path) if sub_path else _join(path, sub)
                issues.append(Issue(label, full, _with_value(message, sub_node)))
            continue
        message = _message(error, path, root)
        issues.append(Issue(label, path, _with_value(message, value)))
    return issues


def validation_issues(exc: ValidationError, data: Any, label: str,
                      root: type[BaseModel]) -> list[Issue]:
    """The problems of another file read by a pydantic model (`root`), said the same way."""
    return _issues(exc, data, label, root)


def split_path(dotted: str) -> tuple[str | int, ...]:
    """`sources[2].start` -> ('sources', 1, 'start') (positions back to 0-based)."""
    parts: list[str | int] = []
    for piece in dotted.replace("]", "").split("."):
        name, *indices = piece.split("[")
        if name:
            parts.append(name)
        for index in indices:
            if not index.isdigit() or int(index) < 1:
                raise ValueError(f"[{index}] is not a position in a list (counted from 1)")
            parts.append(int(index) - 1)
    return tuple(parts)


def _path(loc: tuple[str | int, ...], data: Any) -> tuple[str, Any]:
    """Walk the input along pydantic's location, skipping its union-member tags."""
    text, node = "", data
    for part in loc:
        if isinstance(node, list | tuple) and isinstance(part, int) and part < len(node):
            text += f"[{part + 1}]"
            node = node[part]
        elif isinstance(node, dict) and part in node:
            text = _join(text, str(part))
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_tag(part):
            text = _join(text, part)  # a missing key
            node = None
    return text, node


_TAGS = {*DIST_NAMES, "int", "float", "str", "none", "bool", "list", "tuple", "dict"}
"""Names pydantic puts in an error's location for the member of a union it tried."""


def _is_tag(part: str) -> bool:
    return part in _TAGS or "[" in part or part.startswith(("function-", "is-instance"))


def _join(a: str, b: str) -> str:
    if not b:
        return a
    return f"{a}.{b}" if a and not b.startswith("[") else f"{a}{b}"


_DISTS = ", ".join(DIST_NAMES[:-1]) + " or " + DIST_NAMES[-1]


def _message(error: Any, path: str, root: type[BaseModel] = Scenario) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        key = path.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(key, _fields_at(error["loc"], root), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key{hint}"
    if kind == "missing":
        return "missing (required)"
    if kind == "string_pattern_mismatch":
        return "use lowercase letters a-z, digits and '-' only"
    if kind == "union_tag_invalid":
        return f"unknown distribution; use {_DISTS}"
    if kind == "union_tag_not_found":
        return f"missing: say which distribution ({_DISTS})"
    if kind == "too_short":
        return "needs at least one entry (got none)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a table: a [section] or {key = value, ...}"
    if kind in ("int_type", "float_type"):
        return _number_message(kind == "int_type", error.get("input"))
    if kind == "finite_number":
        return "must be a finite number"
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if message.startswith("Input should be "):
        message = "must be " + message[len("Input should be "):]
    return message[0].lower() + message[1:] if message[:1].isupper() else message


def _number_message(whole: bool, value: Any) -> str:
    """Why a value is not taken for a number: nothing is converted silently (a quoted `"15"`
    or `true` would otherwise run as 15 or 1)."""
    what = "a whole number" if whole else "a number"
    if isinstance(value, bool):
        return f"must be {what}, not true or false"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ("must be a valid integer, unable to parse string as an integer" if whole
                    else "must be a valid number, unable to parse string as a number")
        return f"must be {what} written without quotes"
    if whole and isinstance(value, float):
        if value.is_integer():
            return "must be a whole number, written without a decimal point"
        return "must be a valid integer, got a number with a fractional part"
    return f"must be {what}"


def _fields_at(loc: tuple[str | int, ...], root: type[BaseModel] = Scenario) -> list[str]:
    """Field names of the section holding the last key of a location, for "did you mean"."""
    models: list[type[BaseModel]] = [root]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        tagged = [m for m in models if part in get_args(_annotation(m, "dist"))]
        if tagged:  # a distribution's tag picks the member of the union
            models = tagged
            continue
        field = next((m.model_fields[part] for m in models if part in m.model_fields), None)
        models = _inner_models(field.annotation) if field is not None else []
        if not models:
            return []
    return list(models[0].model_fields)


def _annotation(model: type[BaseModel], name: str) -> Any:
    field = model.model_fields.get(name)
    return field.annotation if field is not None else None


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _inner_models(arg)]


def show(value: Any) -> str:
    """A value as the planner wrote it, short enough for a message (see `_show`)."""
    return _show(value)


def _show(value: Any) -> str:
    """A value as the planner wrote it: `2025-01-01`, `true`, `'5m'`, `-3`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, int) and abs(value) >= 10**30:  # str() refuses beyond 4300 digits
        return f"a number of about {int(abs(value).bit_length() * math.log10(2)) + 1} digits"
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + "..."


def _with_value(message: str, value: Any) -> str:
    """Append the offending scalar, unless the message already quotes it."""
    if value is None or isinstance(value, dict | list | tuple):
        return message
    shown = _show(value)
    if f"(got {shown})" in message or (isinstance(value, str) and shown in message):
        return message
    return f"{message} (got {shown})"
