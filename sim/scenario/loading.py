"""Reading scenario files: TOML, `extends` and `unset`, a backlog from CSV; writing a scenario
back (`to_toml`) and making variants of it (`with_overrides`).

Every problem is reported with its path (see `issues`); a mistake in a parent file is said in
that file.
"""

from __future__ import annotations

import csv
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import tomli_w

from sim.scenario.issues import Issue, ScenarioError, split_path, validate
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
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        chain.append((file, data))
        parent = data.get("extends")
        if not isinstance(parent, str) or len(chain) > 20:
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
