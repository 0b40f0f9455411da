"""Reading the text files a planner hands over (scenario and sweep TOML, backlog CSV).

Whatever a file holds, reading it ends in its table or in a located problem, never in a
traceback: a file saved as UTF-16 or Latin-1, a compressed or binary file, a number of thousands
of digits, tables nested hundreds of levels deep or an `extends` chain of a thousand files each
get a sentence saying what is wrong and how to put it right.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sim.scenario.issues import Issue, ScenarioError

MAX_FILE_BYTES = 20_000_000
"""A scenario is a few kB and a backlog CSV of 100,000 open items a few MB; beyond this a file is
not one of them (and reading it would only fill the memory)."""

MAX_NESTING = 16
"""Levels of tables and arrays in a file; the deepest key of the format
(`case_types[1].talk.values[3]`) is four levels down."""

MAX_EXTENDS = 20
"""Files in one `extends` chain."""

_GZIP, _UTF16 = b"\x1f\x8b", (b"\xff\xfe", b"\xfe\xff")


def read_text(path: Path, label: str | None = None) -> str:
    """A file's text, or ScenarioError saying why it cannot be read as UTF-8 text."""
    label = str(path) if label is None else label
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([Issue(label, "", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Issue(label, "", "is a folder, not a file")]) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError([Issue(label, "", f"cannot read the file ({reason})")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Issue(label, "", f"is larger than {MAX_FILE_BYTES // 1_000_000} "
                                              "MB: not a scenario, sweep or backlog file")])
    return decode(raw, label)


def decode(raw: bytes, label: str) -> str:
    """UTF-8 text (a byte-order mark is allowed); other encodings are refused, not guessed."""
    if raw.startswith(_GZIP):
        raise ScenarioError([Issue(label, "", "is a compressed (gzip) file, not text: "
                                              "decompress it first")])
    if raw.startswith(_UTF16) or (len(raw) > 1 and raw[1:2] == b"\x00" and raw[:1] != b"\x00"):
        raise ScenarioError([Issue(label, "", "is UTF-16 text; save it as UTF-8")])
    if b"\x00" in raw:
        line = raw[:raw.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError([Issue(label, f"line {line}", "holds a NUL byte: a binary file, "
                                                          "not text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        raise ScenarioError([Issue(label, f"line {line}", f"byte 0x{byte:02X} is not UTF-8 "
                                   "(the file may be Latin-1 or Windows-1252, or not text at "
                                   "all); save it as UTF-8")]) from None
    return text


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's table, checked for what would break the loader rather than the schema."""
    label = str(path)
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Issue(label, "", f"not valid TOML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Issue(label, "", f"arrays or tables are nested far deeper than "
                                              f"the {MAX_NESTING} levels a scenario may use")]
                            ) from None
    except ValueError:  # an integer of more digits than Python converts
        long = re.search(r"\d{100,}", text.replace("_", ""))
        line = text[:long.start()].count("\n") + 1 if long else 0
        raise ScenarioError([Issue(label, f"line {line}" if line else "",
                                   "a number of thousands of digits; no value of a scenario "
                                   "needs more than a few")]) from None
    deep = too_deep(data)
    if deep is not None:
        raise ScenarioError([Issue(label, deep, f"nested more than {MAX_NESTING} levels deep "
                                                "(tables in arrays in tables ...)")])
    return data


def too_deep(data: Any, limit: int = MAX_NESTING) -> str | None:
    """The dotted path of the first value nested more than `limit` levels, or None."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > limit:
            return where
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1)
                         for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(node, start=1))
    return None
