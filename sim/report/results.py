"""A results folder read back: a run, a comparison or a sweep, as helpline-sim wrote it.

The report and its findings read these tables, never the model, so a report can be rebuilt
from a folder copied to another machine.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim import folders
from sim.outputs import unsafe_text
from sim.report import charts
from sim.scenario import Scenario, ScenarioError, validate


class NotAResult(ValueError):
    """The folder holds no result helpline-sim wrote."""


class DamagedResult(NotAResult):
    """A results folder whose files are not the ones its manifest lists."""

    def __init__(self, folder: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{folder} is damaged: " + "; ".join(problems)
                         if len(problems) == 1 else
                         f"{folder} is damaged ({len(problems)} problems):\n"
                         + "\n".join(f"  {p}" for p in problems))


@dataclass
class RunData:
    """One option's result folder."""

    folder: Path
    scenario: Scenario
    manifest: dict[str, Any]
    replications: pd.DataFrame
    summary: pd.DataFrame
    option: charts.Option
    assumptions: pd.DataFrame


@dataclass
class Results:
    """A results folder: a run, a comparison, or a sweep."""

    kind: str
    folder: Path
    manifest: dict[str, Any]
    runs: list[RunData] = field(default_factory=list)
    comparison: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    breakeven: pd.DataFrame | None = None
    parameters: list[str] = field(default_factory=list)
    assumptions: pd.DataFrame = field(default_factory=pd.DataFrame)
    """A sweep's registers (base and reference, `option` naming which); a run's or a
    comparison's are in each `RunData`."""

    @property
    def breakeven_parameter(self) -> str:
        """The grid parameter the break-even was sought along (its column `<name> at
        break-even` in `breakeven.csv`)."""
        assert self.breakeven is not None
        crossing = next(c for c in self.breakeven.columns if c.endswith(" at break-even"))
        return crossing.removesuffix(" at break-even")


def _read(path: Path, **kwargs: Any) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame()
    if path.suffix == ".parquet":
        return pd.read_parquet(path, **kwargs)
    frame = pd.read_csv(path)
    for column in frame.columns:  # text as it was before neutralising
        if not pd.api.types.is_string_dtype(frame[column]):
            continue
        frame[column] = frame[column].map(lambda v: unsafe_text(v) if isinstance(v, str) else v)
    return frame.rename(columns=lambda c: unsafe_text(c) if isinstance(c, str) else c)


def load_run(folder: Path) -> RunData:
    """A run's tables (members' tables only with the columns the charts use)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenario = validate(tomllib.loads((folder / "scenario.resolved.toml").read_text(
        encoding="utf-8")), str(folder))
    contacts = _read(folder / "contacts.parquet", columns=[
        "arrived_min", "owed_min", "deadline_min", "reached_min", "answered_min", "outcome",
        "backlog"])
    calls = _read(folder / "calls.parquet", columns=["arrived_min", "outcome", "wait_min"])
    daily = _read(folder / "daily.csv")
    replications = _read(folder / "replications.csv")
    option = charts.Option(
        name=scenario.name, contacts=contacts, calls=calls, daily=daily,
        advisor_days=_read(folder / "advisor_days.parquet",
                           columns=["advisor", "team", "work_hours", "lines_hours"]),
        replications=replications, groups_summary=_read(folder / "groups_summary.csv"),
        threshold_min=scenario.channel.service_level_threshold.total_seconds() / 60)
    return RunData(folder, scenario, manifest, replications, _read(folder / "summary.csv"),
                   option, _read(folder / "assumptions.csv"))


def load_results(folder: str | Path) -> Results:
    """Whatever helpline-sim wrote in `folder`, once its manifest's checksums are verified.

    Raises
    ------
    NotAResult
        not a results folder, or one that cannot be read (DamagedResult: a file is missing
        or differs from what the manifest lists, each named).
    """
    folder = Path(folder)
    problems = folders.problems(folder)
    if problems:
        if not (folder / folders.MANIFEST).is_file():
            raise NotAResult(problems[0])
        raise DamagedResult(folder, problems)
    try:
        return _load(folder)
    except NotAResult:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            ScenarioError) as exc:  # consistent with its manifest, yet not ours
        raise NotAResult(f"{folder} cannot be read as a helpline-sim result ({exc})") from None


def _load(folder: Path) -> Results:
    manifest = json.loads((folder / folders.MANIFEST).read_text(encoding="utf-8"))
    if (folder / "comparison.csv").exists():
        names = [s["name"] for s in manifest["scenarios"]]
        return Results("compare", folder, manifest, [load_run(folder / n) for n in names],
                       comparison=_read(folder / "comparison.csv"))
    if (folder / "points.csv").exists():
        points = _read(folder / "points.csv")
        parameters = [c for c in points.columns[1:list(points.columns).index("n")]]
        breakeven = _read(folder / "breakeven.csv")
        return Results("sweep", folder, manifest, points=points,
                       breakeven=breakeven if not breakeven.empty else None,
                       parameters=parameters, assumptions=_read(folder / "assumptions.csv"))
    if (folder / "replications.csv").exists():
        return Results("run", folder, manifest, [load_run(folder)])
    raise NotAResult(f"{folder} is not a run, comparison or sweep folder")
