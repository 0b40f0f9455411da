"""The assumptions register: every number of a scenario, with the source it rests on.

Reference scenarios carry, next to each value, either the fact it comes from (`[seed 000]
"quinze conseillers"`) or `assumption: <reason>`; a value computed from facts says `derived`.
The reason in French follows on a comment line of its own starting `hypothèse :` (or
`déduit :`, `fait :`); the French report shows it, and marks the English one when there is none.
This module reads those comments back (the TOML parser drops them), following `extends` from
the parent to the child, so that a works council can see at a glance which parts of an answer
rest on the source documents and which on someone's guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.scenario import extends_chain

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r'^\s*("[^"]+"|[A-Za-z0-9_\-]+)\s*=\s*(.*)$')
_ARRAY = re.compile(r"^(.*?)\[\d+\]")


@dataclass(frozen=True)
class Entry:
    """One value of a scenario file and what it rests on."""

    path: str
    value: str
    kind: str  # "fact", "derived", "assumption", "setting" or "unmarked"
    note: str
    file: str
    note_fr: str = ""


_FRENCH = re.compile(r"(?:^|\s)((?:hypothèse|déduit|fait)\s*:.*)$", re.IGNORECASE)


def split_reason(note: str) -> tuple[str, str]:
    """The English and the French reason of a comment (`assumption: … hypothèse : …`)."""
    found = _FRENCH.search(note)
    if found is None:
        return note, ""
    return note[:found.start()].strip(), found.group(1).strip()


def _kind(note: str, value: str) -> str:
    english, french = split_reason(note)
    if not english and french:
        note = "derived" if french.lower().startswith("déduit") else "assumption"
    lowered = note.lower()
    if not note and not any(ch.isdigit() for ch in value):
        return "setting"  # a choice such as a resolution or a mode, not a number to source
    if "[seed" in lowered:
        return "fact" if "assumption" not in lowered.split("[seed")[0] else "assumption"
    if lowered.startswith("derived") or " derived" in lowered[:40]:
        return "derived"
    if "assumption" in lowered:
        return "assumption"
    return "unmarked"


def _split_comment(line: str) -> tuple[str, str]:
    """Code and comment of a line (a # inside a string is not a comment)."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:i], line[i + 1:].strip()
    return line, ""


def _balanced(text: str) -> bool:
    code = re.sub(r'"[^"]*"', "", text)
    return code.count("[") == code.count("]") and code.count("{") == code.count("}")


_NOT_VALUES = ("name", "title", "title_fr", "description", "description_fr", "extends", "unset")
"""Keys that name or describe a scenario: nothing to source."""


def read_file(path: Path) -> list[Entry]:
    """The entries of one file, in order (without its parents)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    entries: list[Entry] = []
    table, counts = "", dict[str, int]()
    block: list[str] = []  # the comment lines just above
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        header = _HEADER.match(line)
        if not stripped:
            block = []
        elif stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
        elif header:
            table = _table(header, counts)
            block = []
        else:
            code, comment = _split_comment(line)
            match = _KEY.match(code)
            if match is not None:
                value, notes, i = _value(lines, i, match.group(2).strip(), comment)
                key = match.group(1).strip('"')
                # citation tags name documents, they are not values
                if table != "references" and key not in _NOT_VALUES:
                    note = " ".join(notes) if notes else " ".join(block)
                    english, french = split_reason(note)
                    entries.append(Entry(f"{table}.{key}" if table else key, value,
                                         _kind(note, value), english, path.name, french))
                block = []
        i += 1
    return entries


def _table(header: re.Match[str], counts: dict[str, int]) -> str:
    """The dotted name of a table header; the n-th `[[name]]` is `name[n]` (from 1)."""
    name = header.group(2)
    if header.group(1) != "[[":
        return name
    counts[name] = counts.get(name, 0) + 1
    return f"{name}[{counts[name]}]"


def _value(lines: list[str], i: int, value: str, comment: str) -> tuple[str, list[str], int]:
    """The whole value starting on line `i` and its comments: a value may span several lines,
    and comment lines indented under it continue (or make) its comment. Returns the value,
    the comments and the index of its last line."""
    notes = [comment] if comment else []
    while not _balanced(value) and i + 1 < len(lines):  # a value over several lines
        i += 1
        more, extra = _split_comment(lines[i])
        value += " " + more.strip()
        if extra:
            notes.append(extra)
    while (i + 1 < len(lines) and lines[i + 1].strip().startswith("#")
           and lines[i + 1].startswith(" ")):
        i += 1
        notes.append(lines[i].strip().lstrip("#").strip())
    return value, notes, i


def register(path: str | Path) -> pd.DataFrame:
    """Every value of a scenario and of the files it extends (a child's value replaces its
    parent's), with what it rests on: `path, value, kind, note, file, note_fr` (the reason
    in French, empty when the file gives none)."""
    merged: dict[str, Entry] = {}
    for file, data in reversed(extends_chain(Path(path))):  # parents first, children override
        own = read_file(file)
        unset = data.get("unset", [])
        for dotted in unset if isinstance(unset, list) else [unset]:
            for key in [k for k in merged if k == dotted or k.startswith(f"{dotted}.")
                        or k.startswith(f"{dotted}[")]:
                del merged[key]
        arrays = {m.group(1) for e in own if (m := _ARRAY.match(e.path))}
        for array in arrays:  # an array of tables in the child replaces the parent's
            for key in [k for k in merged if k.startswith(f"{array}[")]:
                del merged[key]
        merged.update({e.path: e for e in own})
    return pd.DataFrame([e.__dict__ for e in merged.values()],
                        columns=["path", "value", "kind", "note", "file", "note_fr"])
