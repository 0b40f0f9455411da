"""Sweeps: one base scenario, a grid of changes, replications at every point.

A sweep file names a base scenario and the keys to vary, by their dotted path in the scenario:

```toml
base = "rac-pilot-2012.toml"        # relative to the sweep file
replications = 30
seed = 1
mode = "product"                    # every combination; "zip": the lists side by side
[grid]
"staff.advisors" = [10, 12, 14, 16]
"demand.volume_factor" = [0.8, 1.0, 1.2]   # scales every source's volume
```

Every point is a validated scenario (a point that cannot be built is reported with its error;
the others still run). All points share the seed, so they face the same members. With
`reference = "other.toml"`, that scenario runs on the same seeds too and `points.csv` gets each
KPI's paired difference to it; `[breakeven] parameter = "outsourcing.defect_rate"` then finds,
along that parameter, where a KPI's difference (`cost_total` by default) crosses zero: the
break-even of an option against the reference, written to `breakeven.csv`. Results are
kept one replication at a time in the output folder's store: a sweep killed at any moment and
started again finishes without recomputing or duplicating anything. `--scheduler` runs the same
tasks on a Dask cluster with identical results.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim import folders
from sim.glossary import KPIS
from sim.measures.kpis import mean_ci, paired
from sim.outputs import (
    provenance,
    scenario_hash,
    source_digest,
    with_french,
    write_csv,
    write_parquet,
)
from sim.runs.execution import Progress, Task, execute
from sim.runs.store import ResultStore
from sim.scenario import Issue, Scenario, ScenarioError, load_scenario, with_overrides
from sim.scenario.issues import validation_issues
from sim.scenario.reading import read_toml
from sim.scenario.sections import MAX_REPLICATIONS
from sim.scenario.units import Integer


class BreakEven(BaseModel):
    """Where, along one grid parameter, an option stops being better than the reference."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    parameter: str
    kpi: str = "cost_total"


class SweepFile(BaseModel):
    """A sweep file, validated like a scenario."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: str
    reference: str | None = None
    breakeven: BreakEven | None = None
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    replications: Integer = Field(default=10, ge=1, le=MAX_REPLICATIONS)
    seed: Integer = Field(default=1, ge=0, lt=2**63)
    mode: Literal["product", "zip"] = "product"
    grid: dict[str, list[Any]] = Field(min_length=1)

    @field_validator("grid")
    @classmethod
    def _lists(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for path, values in grid.items():
            if not values:
                raise ValueError(f"{path!r} has no value")
        return grid


MAX_POINTS = 10_000
"""Points in one sweep: each is validated when the file is read, so a million-point grid would
keep `validate` busy for hours."""

MAX_TASKS = 1_000_000
"""Replications in one sweep, all points together."""


@dataclass
class Point:
    """One point of the grid: its values and the scenario they give (or why there is none)."""

    index: int
    values: dict[str, Any]
    scenario: Scenario | None
    error: str = ""


@dataclass
class Sweep:
    """A loaded sweep: the base, its points, and the run settings."""

    name: str
    base: Scenario
    points: list[Point]
    replications: int
    seed: int
    parameters: list[str]
    reference: Scenario | None = None
    breakeven: BreakEven | None = None


@dataclass
class SweepResult:
    """One row per (point, replication), and per-point means with intervals."""

    sweep: Sweep
    rows: pd.DataFrame
    points: pd.DataFrame
    errors: pd.DataFrame
    computed: int
    reused: int
    manifest: dict[str, Any] = field(default_factory=dict)
    reference: pd.DataFrame | None = None  # the reference's replications
    breakeven: pd.DataFrame | None = None

    @property
    def replications_failed(self) -> int:
        """Replications that raised or lost their worker (their rows are in `errors`)."""
        return int(self.errors["replication"].notna().sum())

    def write(self, folder: str | Path, french: bool = False) -> Path:
        """`sweep.parquet`, `sweep.csv`, `points.csv`, `errors.csv`, then the manifest."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        previous = folders.begin(folder)
        write_parquet(folder / "sweep.parquet", self.rows)
        write_csv(folder / "sweep.csv", self.rows, french)
        write_csv(folder / "points.csv", self.points, french)
        write_csv(folder / "errors.csv", self.errors, french)
        files = ["sweep.parquet", "sweep.csv", "points.csv", "errors.csv"]
        if self.reference is not None:
            write_csv(folder / "reference.csv", self.reference, french)
            files.append("reference.csv")
        if self.breakeven is not None:
            write_csv(folder / "breakeven.csv", self.breakeven, french)
            files.append("breakeven.csv")
        folders.finish(folder, self.manifest, with_french(files, french), previous)
        return folder


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep file and build every point (points that fail validation keep their error).

    Raises
    ------
    ScenarioError
        if the sweep file itself, or its base scenario, is not valid, or no point is.
    """
    path = Path(path)
    label = str(path)
    data = read_toml(path)
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_issues(exc, data, label, SweepFile)) from None
    points_count = math.prod(len(v) for v in spec.grid.values()) if spec.mode == "product" \
        else max(len(v) for v in spec.grid.values())
    if points_count > MAX_POINTS or points_count * spec.replications > MAX_TASKS:
        raise ScenarioError([Issue(label, "grid", (
            f"{points_count:,} points x {spec.replications} replications: a sweep runs at most "
            f"{MAX_POINTS:,} points and {MAX_TASKS:,} replications in all; split it into "
            "several sweeps or use fewer values"))])
    if spec.mode == "zip" and len({len(v) for v in spec.grid.values()}) > 1:
        raise ScenarioError([Issue(label, "grid", "with mode = \"zip\" every list must have "
                                                  "the same length")])
    base = load_scenario(path.parent / spec.base)
    reference = load_scenario(path.parent / spec.reference) if spec.reference else None
    if spec.breakeven is not None:
        issues = []
        if spec.breakeven.parameter not in spec.grid:
            issues.append(Issue(label, "breakeven.parameter", "must be one of the grid's keys"))
        if spec.breakeven.kpi not in KPIS:
            issues.append(Issue(label, "breakeven.kpi", f"unknown KPI {spec.breakeven.kpi!r}"))
        if reference is None:
            issues.append(Issue(label, "breakeven", "needs a reference scenario to break even "
                                                    "against"))
        if issues:
            raise ScenarioError(issues)
    names = list(spec.grid)
    combos = (itertools.product(*spec.grid.values()) if spec.mode == "product"
              else zip(*spec.grid.values(), strict=True))
    points: list[Point] = []
    failed: dict[str, Issue] = {}
    for index, combo in enumerate(combos):
        values = dict(zip(names, combo, strict=True))
        try:
            scenario = with_overrides(base, values, label=f"{label} point {index}")
            points.append(Point(index, values, scenario))
        except ScenarioError as exc:
            points.append(Point(index, values, None, "; ".join(
                f"{i.path}: {i.message}" for i in exc.issues)))
            for issue in exc.issues:  # each key once: "(got 8)" would repeat it per point
                failed.setdefault(issue.path, Issue(
                    label, issue.path, f"{issue.message} (at every point of the grid)"))
    if all(p.scenario is None for p in points):  # a typo in a key, not a bad corner of the grid
        raise ScenarioError(list(failed.values()))
    return Sweep(spec.name or path.stem.replace("_", "-").lower(), base, points,
                 spec.replications, spec.seed, names, reference, spec.breakeven)


def run_sweep(
    sweep: Sweep,
    *,
    store: ResultStore | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run every (point, replication), reusing whatever the store already holds."""
    started, clock = datetime.now(UTC), time.perf_counter()
    tasks = [Task(point.scenario, sweep.seed, r, tag=point.index, detail=False)
             for point in sweep.points if point.scenario is not None
             for r in range(sweep.replications)]
    if sweep.reference is not None:
        tasks += [Task(sweep.reference, sweep.seed, r, tag=REFERENCE, detail=False)
                  for r in range(sweep.replications)]
    reference: list[dict[str, Any]] = []
    rows, errors = [], [{"point": p.index, **p.values, "error": p.error}
                        for p in sweep.points if p.scenario is None]
    computed = reused = 0
    for outcome in execute(tasks, workers=workers, scheduler=scheduler, store=store,
                           version=source_digest(), progress=progress):
        reused += outcome.from_store
        computed += not outcome.from_store and outcome.result is not None
        point = sweep.points[outcome.task.tag] if outcome.task.tag != REFERENCE else None
        values = point.values if point is not None else {}
        if outcome.result is None:  # kept apart: the point's other replications still count
            errors.append({"point": outcome.task.tag, **values,
                           "replication": outcome.task.replication,
                           "error": _last_line(outcome.error)})
        elif point is None:
            reference.append({"replication": outcome.task.replication, **outcome.result.kpis})
        else:
            rows.append({**values, "point": point.index,
                         "replication": outcome.task.replication, "seed": sweep.seed,
                         **outcome.result.kpis})
    columns = [*sweep.parameters, "point", "replication", "seed", *KPIS]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
    manifest = {
        "sweep": sweep.name,
        "base": sweep.base.name,
        "base_sha256": scenario_hash(sweep.base),
        "points": len(sweep.points),
        "points_failed": sum(p.scenario is None for p in sweep.points),
        "replications_failed": sum("replication" in e for e in errors),
        "replications": sweep.replications,
        "seed": sweep.seed,
        "results_computed": computed,
        "results_reused": reused,
        **provenance(),
        "started": started.isoformat(timespec="seconds"),
        "runtime_s": round(time.perf_counter() - clock, 3),
    }
    ref = (pd.DataFrame(reference, columns=["replication", *KPIS]).sort_values("replication")
           .reset_index(drop=True) if sweep.reference is not None else None)
    points = point_table(frame, sweep.parameters, ref)
    if sweep.reference is not None:
        manifest["reference"] = sweep.reference.name
        manifest["reference_sha256"] = scenario_hash(sweep.reference)
    return SweepResult(sweep, frame, points,
                       pd.DataFrame(errors, columns=["point", *sweep.parameters,
                                                     "replication", "error"]
                                    ).astype({"replication": "Int64"}),
                       computed, reused, manifest, ref,
                       breakeven_table(points, sweep.parameters, sweep.breakeven)
                       if sweep.breakeven is not None else None)


def point_table(rows: pd.DataFrame, parameters: list[str],
                reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per point: the parameters, the replications, then each KPI's mean and 95 % interval
    (and, with a reference, the paired difference to it and its interval)."""
    out = []
    stats = ("mean", "ci_low", "ci_high")
    for point, frame in rows.groupby("point", sort=True):
        row: dict[str, Any] = {"point": point, **{p: frame[p].iloc[0] for p in parameters},
                               "n": len(frame)}
        for kpi in KPIS:
            ci = mean_ci(frame[kpi].dropna().to_numpy(dtype=float))
            row.update({f"{kpi}_{s}": ci[s] for s in stats})
            if reference is not None:
                diff = mean_ci(paired(frame, reference, kpi))
                row.update({f"{kpi}_diff_{s}": diff[s] for s in stats})
        out.append(row)
    diffs = ("", "_diff") if reference is not None else ("",)
    columns = ["point", *parameters, "n",
               *(f"{k}{d}_{s}" for k in KPIS for d in diffs for s in stats)]
    table = pd.DataFrame(out, columns=columns)
    return table if not table.empty else table.astype({"n": "int64"})



REFERENCE = -1
"""The tag of the reference scenario's tasks (its failed replications are point -1 in
errors.csv)."""


def _last_line(error: str | None) -> str:
    """The line of a traceback that says what went wrong."""
    lines = (error or "").strip().splitlines()
    return lines[-1] if lines else "unknown error"


def breakeven_table(points: pd.DataFrame, parameters: list[str],
                    spec: BreakEven) -> pd.DataFrame:
    """For each combination of the other parameters: the value of `spec.parameter` where the
    mean difference of `spec.kpi` to the reference crosses zero (linear interpolation between
    the grid points around it; empty when it never crosses), and the differences of a few
    KPIs that matter to members and advisors at the grid point just before it."""
    others = [p for p in parameters if p != spec.parameter]
    column = f"{spec.kpi}_diff_mean"
    rows = []
    groups = points.groupby(others, sort=True) if others else [((), points)]
    for key, frame in groups:
        frame = frame.sort_values(spec.parameter)
        x = frame[spec.parameter].to_numpy(dtype=float)
        y = frame[column].to_numpy(dtype=float)
        crossing = float("nan")
        before = frame.iloc[-1]
        for i in range(len(x) - 1):
            if np.isfinite(y[i]) and np.isfinite(y[i + 1]) and (y[i] <= 0 < y[i + 1]
                                                                or y[i] >= 0 > y[i + 1]):
                crossing = x[i] + (x[i + 1] - x[i]) * (0 - y[i]) / (y[i + 1] - y[i])
                before = frame.iloc[i]
                break
        values = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(others, values, strict=True))
        row.update({"kpi": spec.kpi, f"{spec.parameter} at break-even": crossing})
        for kpi in ("callback_on_time_rate", "inhouse_work_hours", "remediation_hours",
                    "resolution_hours_mean"):
            row[f"{kpi}_diff_there"] = before.get(f"{kpi}_diff_mean", float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)
