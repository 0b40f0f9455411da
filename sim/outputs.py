"""Writing results: every file atomically, provenance in a manifest written last.

Each file is written to a temporary name in the same folder and moved into place with
`os.replace`, so a crash never leaves a half-written file under a real name. The manifest
(code version, seed, replications, runtime, scenario hash, and the checksum of every file) is
written last: a folder whose manifest lists a file's checksum holds that run's complete result.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario import Scenario, to_toml


def atomic_write(path: Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write a file through a temporary name and move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o644)  # results are meant to be read by others (mkstemp makes them private)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically."""

    def write(handle: io.BufferedWriter) -> None:
        handle.write(data)

    atomic_write(path, write)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_csv(path: Path, frame: pd.DataFrame, french: bool = False) -> list[Path]:
    """Write a CSV (comma, point decimal, UTF-8) atomically; with `french`, also a copy for
    French Excel next to it (`name.fr.csv`). Either is safe to open in a spreadsheet: text that
    would run as a formula is neutralised, a cell holding a line break is quoted. Returns the
    paths written."""
    write_text(path, _csv_text(neutralise(frame), date_format="%Y-%m-%d %H:%M:%S"))
    if not french:
        return [path]
    fr = path.with_suffix(".fr.csv")
    write_csv_fr(fr, frame)
    return [path, fr]


def with_french(names: list[str], french: bool) -> list[str]:
    """The names of CSV files, and with `french` their French copies after them."""
    return [*names, *(n.removesuffix(".csv") + ".fr.csv" for n in names if n.endswith(".csv")
                      and french)]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these could run as a formula in a spreadsheet."""


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe before a formula start."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unsafe_text(value: str) -> str:
    """The text `safe_text` was given (for reading our CSVs back)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _safe_cell(value: object) -> object:
    return safe_text(value) if isinstance(value, str) else value


def _french_cell(value: object) -> object:
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # a number in a mixed column stays a number
    return _safe_cell(value)


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    return [c for c in frame.columns if frame[c].dtype == object
            or isinstance(frame[c].dtype, pd.StringDtype | pd.CategoricalDtype)]


def neutralise(frame: pd.DataFrame, cell: Callable[[object], object] = _safe_cell
               ) -> pd.DataFrame:
    """Text cells (and column names) that a spreadsheet would read as a formula get a leading
    apostrophe; numbers are left alone: -3 stays a number, in a column of text too."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].astype(object).map(cell)
    return out.rename(columns=lambda c: safe_text(c) if isinstance(c, str) else c)


def _csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """The CSV text of a (neutralised) frame. The CSV writer quotes a cell holding a line
    feed, but not one holding a lone carriage return unless the records end with one: when a
    text cell holds one, records end with CR LF (as RFC 4180 has it), so that it is quoted and
    no reader takes it for the end of the record."""
    returns = any(frame[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
                  for c in _text_columns(frame))
    return frame.to_csv(index=False, lineterminator="\r\n" if returns else "\n", **options)


def write_csv_fr(path: Path, frame: pd.DataFrame) -> None:
    """Write a CSV that opens right in French Excel: `;` separators, decimal comma, UTF-8 with
    a byte-order mark, formulas neutralised."""
    text = _csv_text(neutralise(frame, _french_cell), sep=";", decimal=",",
                     date_format="%d/%m/%Y %H:%M:%S")
    write_text(path, "\ufeff" + text)


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a Parquet file atomically."""
    atomic_write(path, lambda handle: frame.to_parquet(handle, index=False))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario: two runs of the same hash simulated the same thing."""
    return hashlib.sha256(to_toml(scenario).encode("utf-8")).hexdigest()


@cache
def code_version() -> str:
    """The package version, with the git commit when run from a checkout (asked once per
    process)."""
    try:
        version = metadata.version("helpline-sim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=5, check=False,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    if commit:
        version += f"+g{commit}" + (".dirty" if dirty else "")
    return version


@cache
@cache
def source_digest() -> str:
    """SHA-256 of the package's source files: two runs with the same digest ran the same code,
    committed or not (read once per process: the code that runs is the code first loaded)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def environment() -> dict[str, str]:
    """Versions of what computed the result."""
    return dict(_environment())


@cache
def _environment() -> tuple[tuple[str, str], ...]:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("simpy", "numpy", "pandas", "scipy", "pydantic"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "unknown"
    return tuple(out.items())


def provenance() -> dict[str, Any]:
    """What computed a result, for its manifest: code version, source digest, environment."""
    return {"code_version": code_version(), "source_sha256": source_digest(),
            "environment": environment()}


def file_digest(path: Path) -> str:
    """SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
