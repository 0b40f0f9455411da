"""Reading scenario files: TOML, `extends` and `unset`, a backlog from CSV; writing a scenario
back (`to_toml`) and making variants of it (`with_overrides`).

Every problem is reported with its path (see `issues`); a mistake in a parent file is said in
that file.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import tomli_w

from sim.scenario.issues import Issue, ScenarioError, split_path, validate
from sim.scenario.reading import MAX_EXTENDS, read_text, read_toml
from sim.scenario.schema import Scenario
from sim.scenario.units import parse_duration


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
        chain = extends_chain(path)
        raise ScenarioError([_attributed(issue, path, chain) for issue in exc.issues]) from None


def extends_chain(path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The file and the files it extends, child first, each with its own table (read after
    `read_merged` has checked them: no loop, every file there)."""
    chain, file = [], path
    while True:
        data = read_toml(file)
        chain.append((file, data))
        parent = data.get("extends")
        if not isinstance(parent, str) or len(chain) > MAX_EXTENDS:
            return chain
        file = file.parent / parent


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


def _attributed(issue: Issue, path: Path, chain: list[tuple[Path, dict[str, Any]]]) -> Issue:
    """An issue of a merged scenario named in the file that wrote the key (`chain`: see
    `extends_chain`): a mistake in a parent file is said there, not in every file that
    extends it."""
    if issue.file != str(path) or not issue.path:
        return issue
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
    if len(_seen) >= MAX_EXTENDS:
        raise ScenarioError([Issue(label, "extends", f"more than {MAX_EXTENDS} files extend "
                                                     "one another; merge some of them")])
    data = read_toml(path)
    parent = data.pop("extends", None)
    unset = data.pop("unset", [])
    if parent is None:
        if unset:
            raise ScenarioError([Issue(label, "unset", "only a file that extends another can "
                                                       "unset inherited keys")])
        return data
    if not isinstance(parent, str):
        raise ScenarioError([Issue(label, "extends", "give the parent file's path as a string")])
    if not _is_file(path.parent / parent):
        raise ScenarioError([Issue(label, "extends", f"no file {parent!r} (looked for "
                                                     f"{path.parent / parent})")])
    base = read_merged(path.parent / parent, (*_seen, resolved))
    for i, dotted in enumerate(unset if isinstance(unset, list) else [unset], start=1):
        if not _unset(base, str(dotted)):
            raise ScenarioError([Issue(label, f"unset[{i}]", f"the parent has no key {dotted!r}")])
    return deep_merge(base, data)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name holding a NUL byte, too long a name
        return False


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; everything else (arrays included) is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


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



def _backlog_from_csv(backlog: dict[str, Any], path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Read a CSV of open items into backlog items, aggregated at once.

    Only the columns `case_type`, `step`, `source` and `received` (date-time) or `age`
    (duration) are read; anything else in the file (names, member numbers) is never loaded.
    Items of the same case type, source, step and age (to the minute) are counted together.
    """
    label = f"{path}: backlog.csv"
    csv_path = path.parent / str(backlog["csv"])
    try:
        text = read_text(csv_path, label)
    except ScenarioError as exc:
        reason = exc.issues[0]
        where = f"{reason.path}: " if reason.path else ""
        raise ScenarioError([Issue(str(path), "backlog.csv", f"cannot read {csv_path} "
                                   f"({where}{reason.message})")]) from None
    horizon = data.get("horizon")
    start = _date_or_none(horizon.get("start") if isinstance(horizon, dict) else None)
    cases = data.get("case_types")
    case_types = ({c.get("name") for c in cases if isinstance(c, dict)}
                  if isinstance(cases, list) else set())
    counts: dict[tuple[Any, ...], int] = {}
    issues: list[Issue] = []
    handle = io.StringIO(text, newline="")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:  # a single column: nothing to tell the separator by
        dialect = csv.excel
    reader = csv.DictReader(handle, dialect=dialect)
    try:
        fields = set(reader.fieldnames or ())
        if "case_type" not in fields or not fields & {"received", "age"}:
            raise ScenarioError([Issue(label, "", "needs the columns case_type and received "
                                                  "(date-time) or age (e.g. \"36h\")")])
        for row_number, row in enumerate(reader, start=2):
            if len(issues) >= MAX_ROW_ISSUES:
                issues.append(Issue(label, "", "more rows than these have problems; put "
                                               "these right first"))
                break
            try:
                age = _age(row, start)
            except ValueError as exc:
                issues.append(Issue(label, f"row {row_number}", str(exc)))
                continue
            case_type = (row["case_type"] or "").strip()
            if case_types and case_type not in case_types:
                issues.append(Issue(label, f"row {row_number}",
                                    f"no case type is named {_short(case_type)!r}"))
                continue
            key = (case_type, (row.get("source") or "").strip() or None,
                   (row.get("step") or "").strip() or None, round(age / 60))
            counts[key] = counts.get(key, 0) + 1
    except csv.Error as exc:
        raise ScenarioError([Issue(label, f"line {reader.line_num}", f"cannot read the CSV "
                                   f"({exc})")]) from None
    if issues:
        raise ScenarioError(issues)
    items = [{k: v for k, v in {"case_type": c, "source": s, "step": st,
                                 "age": f"{minutes_old}min", "count": n}.items()
              if v is not None}
             for (c, s, st, minutes_old), n in sorted(counts.items(), key=str)]
    rest = {k: v for k, v in backlog.items() if k != "csv"}
    given = rest.get("items", [])
    if not isinstance(given, list):
        raise ScenarioError([Issue(str(path), "backlog.items", "must be a list of items "
                                                               "([[backlog.items]])")])
    return {**rest, "items": [*given, *items]}


MAX_ROW_ISSUES = 50
"""A CSV of the wrong kind would otherwise list a problem for each of its rows."""


def _short(text: str, limit: int = 60) -> str:
    """A cell as quoted in a message: a 100 kB cell is cut, not printed whole."""
    return text if len(text) <= limit else text[:limit] + "..."


def _age(row: dict[str, str], start: date | None) -> float:
    """Seconds between an item's reception and the start of the horizon."""
    for column in ("age", "received"):
        if len(row.get(column) or "") > 60:
            raise ValueError(f"{column} {_short(row[column])!r} is too long to be a "
                             f"{'duration' if column == 'age' else 'date-time'}")
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
    issues: list[Issue] = []
    for dotted, value in overrides.items():
        try:
            _set_path(data, dotted, value)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            issues.append(Issue(label or scenario.name, dotted, f"no such key ({exc})"))
    if issues:
        raise ScenarioError(issues)
    return validate(data, label or scenario.name)


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    node: Any = data
    parts = split_path(dotted)
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
