"""Reading scenario files: TOML, `extends`, and every problem reported with its path.

A planner who edits a file by hand and makes three mistakes sees three lines, each naming the key
(`case_types[2].talk.mean`, lists counted from 1), the reason and the offending value. Nothing
runs until the whole file is valid.
"""

from __future__ import annotations

import csv
import difflib
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, get_args

import tomli_w
from pydantic import BaseModel, ValidationError

from sim.scenario.schema import Scenario
from sim.scenario.sections import check_shares
from sim.scenario.units import format_duration, parse_duration


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


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (`extends`) and validate a scenario file.

    Raises
    ------
    ScenarioError
        listing every problem found, each with its dotted path and the offending value.
    """
    path = Path(path)
    data = read_merged(path)
    backlog = data.get("backlog")
    if isinstance(backlog, dict) and "csv" in backlog:
        data = {**data, "backlog": _backlog_from_csv(backlog, path, data)}
    try:
        return validate(data, str(path))
    except ScenarioError as exc:
        raise ScenarioError([_attributed(issue, path) for issue in exc.issues]) from None


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _depth(data: Any, dotted: str) -> int:
    """How many steps of `dotted` (`case_types[2].talk`, lists from 1) the table holds."""
    depth = 0
    for key, index in _STEP.findall(dotted):
        if key and isinstance(data, dict) and key in data:
            data = data[key]
        elif index and isinstance(data, list) and 0 < int(index) <= len(data):
            data = data[int(index) - 1]
        else:
            break
        depth += 1
    return depth


def _attributed(issue: Issue, path: Path) -> Issue:
    """An issue of a merged scenario named in the file that wrote the key: a mistake in a
    parent file is said there, not in every file that extends it."""
    if issue.file != str(path) or not issue.path:
        return issue
    chain, file = [], path
    while True:  # the files, child first (all were read once already)
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        chain.append((file, data))
        parent = data.get("extends")
        if not isinstance(parent, str) or len(chain) > 20:
            break
        file = file.parent / parent
    best = max(chain, key=lambda item: _depth(item[1], issue.path))  # the child on ties
    if best[0] == path or _depth(best[1], issue.path) == 0:
        return issue
    return Issue(str(best[0]), issue.path, f"{issue.message} (inherited by {path.name})")


def read_merged(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's table with every `extends` parent merged under it (arrays replace)."""
    label = str(path)
    resolved = path.resolve()
    if resolved in _seen:
        chain = " -> ".join(str(p.name) for p in (*_seen, resolved))
        raise ScenarioError([Issue(label, "extends",
                                   f"files extend each other in a loop: {chain}")])
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Issue(label, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Issue(label, "", f"cannot read the file ({exc})")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Issue(label, "", f"not valid TOML: {exc}")]) from None
    parent = data.pop("extends", None)
    unset = data.pop("unset", [])
    if parent is None:
        if unset:
            raise ScenarioError([Issue(label, "unset", "only a file that extends another can "
                                                       "unset inherited keys")])
        return data
    if not isinstance(parent, str):
        raise ScenarioError([Issue(label, "extends", "give the parent file's path as a string")])
    if not (path.parent / parent).is_file():
        raise ScenarioError([Issue(label, "extends", f"no file {parent!r} (looked for "
                                                     f"{path.parent / parent})")])
    base = read_merged(path.parent / parent, (*_seen, resolved))
    for i, dotted in enumerate(unset if isinstance(unset, list) else [unset], start=1):
        if not _unset(base, str(dotted)):
            raise ScenarioError([Issue(label, f"unset[{i}]", f"the parent has no key {dotted!r}")])
    return deep_merge(base, data)


def _unset(data: dict[str, Any], dotted: str) -> bool:
    """Remove an inherited key (`unset = ["staff.advisors"]`); False if there is none."""
    *parents, last = dotted.split(".")
    node: Any = data
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if not isinstance(node, dict) or last not in node:
        return False
    del node[last]
    return True


BACKLOG_COLUMNS = ("case_type", "source", "step", "received", "age")


def _backlog_from_csv(backlog: dict[str, Any], path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Read a CSV of open items into backlog items, aggregated at once.

    Only the columns `case_type`, `step`, `source` and `received` (date-time) or `age`
    (duration) are read; anything else in the file (names, member numbers) is never loaded.
    Items of the same case type, source, step and age (to the minute) are counted together.
    """
    label = f"{path}: backlog.csv"
    csv_path = path.parent / str(backlog["csv"])
    try:
        handle = csv_path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ScenarioError([Issue(str(path), "backlog.csv", f"cannot read {csv_path} "
                                                               f"({exc.strerror})")]) from None
    start = _date_or_none(data.get("horizon", {}).get("start"))
    case_types = {c.get("name") for c in data.get("case_types", []) if isinstance(c, dict)}
    counts: dict[tuple[Any, ...], int] = {}
    issues = []
    with handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:  # a single column: nothing to tell the separator by
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        fields = set(reader.fieldnames or ())
        if "case_type" not in fields or not fields & {"received", "age"}:
            raise ScenarioError([Issue(label, "", "needs the columns case_type and received "
                                                  "(date-time) or age (e.g. \"36h\")")])
        for row_number, row in enumerate(reader, start=2):
            try:
                age = _age(row, start)
            except ValueError as exc:
                issues.append(Issue(label, f"row {row_number}", str(exc)))
                continue
            case_type = (row["case_type"] or "").strip()
            if case_types and case_type not in case_types:
                issues.append(Issue(label, f"row {row_number}",
                                    f"no case type is named {case_type!r}"))
                continue
            key = (case_type, (row.get("source") or "").strip() or None,
                   (row.get("step") or "").strip() or None, round(age / 60))
            counts[key] = counts.get(key, 0) + 1
    if issues:
        raise ScenarioError(issues)
    items = [{k: v for k, v in {"case_type": c, "source": s, "step": st,
                                 "age": f"{minutes_old}min", "count": n}.items()
              if v is not None}
             for (c, s, st, minutes_old), n in sorted(counts.items(), key=str)]
    rest = {k: v for k, v in backlog.items() if k != "csv"}
    return {**rest, "items": [*rest.get("items", []), *items]}


def _age(row: dict[str, str], start: date | None) -> float:
    """Seconds between an item's reception and the start of the horizon."""
    if row.get("age"):
        seconds = parse_duration(row["age"]).total_seconds()
        return seconds
    if start is None:
        raise ValueError("received dates need [horizon] start")
    try:
        received = datetime.fromisoformat((row.get("received") or "").strip())
    except ValueError:
        raise ValueError(f"cannot read received {row.get('received')!r} as a date-time "
                         "(2025-03-03T14:30)") from None
    if received.tzinfo is not None:
        raise ValueError(f"received {row['received']!r} has a time zone; write the helpline's "
                         "local time without one")
    seconds = (datetime.combine(start, time()) - received).total_seconds()
    if seconds < 0:
        raise ValueError(f"received {row['received']} is after the horizon starts")
    return seconds


def _date_or_none(value: Any) -> date | None:
    """A horizon start read from TOML (a date) or written as a string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None  # reported by the schema


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; everything else (arrays included) is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


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


def _issues(exc: ValidationError, data: Any, label: str) -> list[Issue]:
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
                sub_path, sub_node = _path(_split(sub), node)
                full = _join(path, sub_path) if sub_path else _join(path, sub)
                issues.append(Issue(label, full, _with_value(message, sub_node)))
            continue
        message = _message(error, path)
        issues.append(Issue(label, path, _with_value(message, value)))
    return issues


def _split(dotted: str) -> tuple[str | int, ...]:
    """`sources[2].start` -> ('sources', 1, 'start') (positions back to 0-based)."""
    parts: list[str | int] = []
    for piece in dotted.replace("]", "").split("."):
        name, *indices = piece.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) - 1 for i in indices)
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


def _is_tag(part: str) -> bool:
    return part in {"exponential", "lognormal", "gamma", "constant", "uniform", "triangular",
                    "empirical", "int", "float", "str", "none", "bool", "list", "tuple",
                    "dict"} or "[" in part or part.startswith(("function-", "is-instance"))


def _join(a: str, b: str) -> str:
    if not b:
        return a
    return f"{a}.{b}" if a and not b.startswith("[") else f"{a}{b}"


_DISTS = "exponential, lognormal, gamma, constant, uniform, triangular or empirical"


def _message(error: Any, path: str) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        key = path.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(key, _fields_at(error["loc"]), n=1)
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
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if message.startswith("Input should be "):
        message = "must be " + message[len("Input should be "):]
    return message[0].lower() + message[1:] if message[:1].isupper() else message


def _fields_at(loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the section holding the last key of a location, for "did you mean"."""
    models: list[type[BaseModel]] = [Scenario]
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


def _show(value: Any) -> str:
    """A value as the planner wrote it: `2025-01-01`, `true`, `'5m'`, `-3`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value)
    return repr(value)


def _with_value(message: str, value: Any) -> str:
    """Append the offending scalar, unless the message already quotes it."""
    if value is None or isinstance(value, dict | list | tuple):
        return message
    shown = _show(value)
    if f"(got {shown})" in message or (isinstance(value, str) and shown in message):
        return message
    return f"{message} (got {shown})"


def to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML; loading it gives back an equal Scenario."""
    data = scenario.model_dump(exclude_none=True, by_alias=True)
    return tomli_w.dumps(_dist_first(data))


def _dist_first(node: Any) -> Any:
    if isinstance(node, dict):
        ordered = {"dist": node["dist"]} if "dist" in node else {}
        ordered.update({k: _dist_first(v) for k, v in node.items() if k != "dist"})
        return ordered
    if isinstance(node, list | tuple):
        return [_dist_first(v) for v in node]
    if isinstance(node, str):
        return str(node)  # enums as their plain value
    return node


def with_overrides(scenario: Scenario, overrides: dict[str, Any], label: str = "") -> Scenario:
    """A validated variant of a scenario with dotted-path keys replaced.

    `{"staff.advisors": 13, "sources[2].volume.per_year": 900}`; list items may also be named:
    `"case_types.eco.share"`. The variant is validated like a file, so a sweep cannot build an
    impossible scenario.
    """
    data = scenario.model_dump(mode="json", exclude_none=True, by_alias=True)
    issues = []
    for dotted, value in overrides.items():
        try:
            _set_path(data, dotted, value)
        except (KeyError, IndexError, TypeError) as exc:
            issues.append(Issue(label or scenario.name, dotted, f"no such key ({exc})"))
    if issues:
        raise ScenarioError(issues)
    return validate(data, label or scenario.name)


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    node: Any = data
    parts = _split(dotted)
    for i, part in enumerate(parts):
        key: Any = part
        if isinstance(node, list) and isinstance(part, str):
            named = [j for j, item in enumerate(node)
                     if isinstance(item, dict) and item.get("name") == part]
            if not named:
                raise KeyError(part)
            key = named[0]
        if i == len(parts) - 1:
            node[key] = value
            return
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
