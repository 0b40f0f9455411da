"""The result store: every replication kept as soon as it is computed, as data, never as code.

A long run or a sweep killed at any moment loses nothing it had finished: each replication's
result is written to its own file, named by a key that identifies exactly what was computed
(the resolved scenario, the seed, the replication and the code version), through a temporary
name and `os.replace`. Restarting the same work finds those files and computes only what is
missing; nothing is computed or counted twice, because a key names one file.

An entry is plain data: a first line naming the format, the SHA-256 of everything after it, a
JSON header (the key, the replication, its KPI row, its runtime, the length of each table) and
the tables in the Arrow IPC format, zstd-compressed. Reading an entry checks the format, the
checksum and the key before anything is decoded, then decodes only JSON and Arrow: a damaged,
truncated, tampered or foreign entry (an old pickle, another key's file, any bytes) is never
reused and never run: it is logged as a warning and computed again, and the new result
replaces it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from pyarrow import ipc

from sim.outputs import write_bytes
from sim.runs.replication import ReplicationResult
from sim.scenario import Scenario, to_toml

log = logging.getLogger(__name__)

MAGIC = b"helpline-sim result store 1\n"
"""The first line of every entry: the format and its version."""

SUFFIX = ".rep"
TABLES = ("contacts", "calls", "daily", "advisor_days", "groups", "steps", "files")
"""The tables of a replication, in the order they are stored."""

_COMPRESSED = ipc.IpcWriteOptions(compression=pa.Codec("zstd", 9))
"""Arrow IPC, zstd level 9: a quarter smaller than Parquet here, and 13 ms a replication."""


def result_key(scenario: Scenario, seed: int, replication: int, version: str,
               detail: bool = True) -> str:
    """A name for one replication's result: same inputs, same key, on any machine."""
    text = "\n".join([to_toml(scenario), f"seed={seed}", f"replication={replication}",
                      f"version={version}", f"detail={detail}"])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class DamagedEntry(ValueError):
    """A stored entry that is not a result this store wrote for the key asked."""


def encode(key: str, result: ReplicationResult) -> bytes:
    """An entry's bytes: format line, checksum line, header length, JSON header, Arrow tables."""
    tables, layouts = [], {}
    for name in TABLES:
        frame = getattr(result, name)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        buffer = io.BytesIO()
        with ipc.new_stream(buffer, table.schema, options=_COMPRESSED) as writer:
            writer.write_table(table)
        tables.append(buffer.getvalue())
        layouts[name] = _layout(frame)
    header = json.dumps({
        "key": key,
        "replication": result.replication,
        "seconds": result.seconds,
        "kpis": {name: _number(value) for name, value in result.kpis.items()},
        "tables": [[name, len(data)] for name, data in zip(TABLES, tables, strict=True)],
        "layouts": layouts,
    }, allow_nan=True).encode("utf-8")
    body = len(header).to_bytes(8, "big") + header + b"".join(tables)
    return MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def _layout(frame: pd.DataFrame) -> dict[str, Any]:
    """What Arrow does not keep of a table: the name of its columns' axis, and each
    categorical column's categories, their type and order (lost when the column is empty)."""
    categories = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories[str(column)] = [str(dtype.categories.dtype), bool(dtype.ordered),
                                       dtype.categories.tolist()]
    return {"axis": frame.columns.name, "categories": categories}


def _restore(frame: pd.DataFrame, layout: dict[str, Any]) -> pd.DataFrame:
    for column, (kind, ordered, values) in layout["categories"].items():
        index = pd.Index(values, dtype=kind)
        frame[column] = frame[column].astype(pd.CategoricalDtype(index, ordered=bool(ordered)))
    frame.columns.name = layout["axis"]
    return frame


def _number(value: object) -> int | float:
    """A KPI as a plain JSON number (ints stay ints, floats round-trip exactly)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(value)  # type: ignore[arg-type]  # numpy scalars
    return value if isinstance(value, int) else float(value)


def decode(key: str, data: bytes) -> ReplicationResult:
    """The result held in an entry's bytes; DamagedEntry if they are not exactly that."""
    if not data.startswith(MAGIC):
        raise DamagedEntry("not a helpline-sim store entry (an older format, or other bytes)")
    checksum, newline, body = data[len(MAGIC):].partition(b"\n")
    if not newline or hashlib.sha256(body).hexdigest().encode("ascii") != checksum:
        raise DamagedEntry("its checksum does not match its content (damaged or truncated)")
    try:
        size = int.from_bytes(body[:8], "big")
        header = json.loads(body[8:8 + size].decode("utf-8"))
        if header["key"] != key:
            raise DamagedEntry(f"it holds the result of another key ({header['key']})")
        offset, frames = 8 + size, {}
        for name, length in header["tables"]:
            if name not in TABLES or not isinstance(length, int):
                raise DamagedEntry(f"unknown table {name!r}")
            table = ipc.open_stream(pa.BufferReader(body[offset:offset + length])).read_all()
            frames[name] = _restore(table.to_pandas(), header["layouts"][name])
            offset += length
        if offset != len(body) or set(frames) != set(TABLES):
            raise DamagedEntry("its tables do not add up")
        kpis = {str(k): v for k, v in header["kpis"].items()}
        if not all(isinstance(v, int | float) and not isinstance(v, bool)
                   for v in kpis.values()):
            raise DamagedEntry("a KPI is not a number")
        seconds = float(header["seconds"])
        replication = header["replication"]
        if not isinstance(replication, int) or not math.isfinite(seconds):
            raise DamagedEntry("its replication or runtime is not a number")
    except DamagedEntry:
        raise
    except Exception as exc:  # only bytes crafted with a matching checksum come this far
        raise DamagedEntry(f"it cannot be decoded ({type(exc).__name__})") from None
    return ReplicationResult(replication=replication, kpis=kpis, seconds=seconds, **frames)


class ResultStore:
    """A folder of finished replication results, one file each."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """Where the entry of `key` lives."""
        return self.folder / key[:2] / f"{key}{SUFFIX}"

    def get(self, key: str) -> ReplicationResult | None:
        """The stored result, or None if it was never finished or cannot be trusted (then a
        warning says why, and it will be computed again)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None  # never finished
        except OSError as exc:
            log.warning("stored result %s cannot be read (%s): computing it again", path,
                        exc.strerror or exc)
            return None
        try:
            return decode(key, data)
        except DamagedEntry as exc:
            log.warning("stored result %s is not reused: %s; computing it again", path, exc)
            return None

    def put(self, key: str, result: ReplicationResult) -> None:
        """Keep a finished result (atomically: a crash leaves no half file)."""
        write_bytes(self.path(key), encode(key, result))

    def entries(self) -> list[Path]:
        """The entries held (for counting them)."""
        return sorted(self.folder.rglob(f"*{SUFFIX}")) if self.folder.exists() else []
