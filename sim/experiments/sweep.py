"""Sweeps: one base scenario, a grid of changes, replications at every point.

The sweep file (its base, grid, reference and break-even) is read by `sim.scenario.sweeps`
(`load_sweep` is re-exported here). Every point is a validated scenario; all points share the
seed, so they face the same members. With a reference scenario, that scenario runs on the same
seeds too and `points.csv` gets each KPI's paired difference to it; `[breakeven] parameter =
"outsourcing.defect_rate"` then finds, along that parameter, where a KPI's difference
(`cost_total` by default) crosses zero: the break-even of an option against the reference,
written to `breakeven.csv`. Results are kept one replication at a time in the output folder's
store: a sweep killed at any moment and started again finishes without recomputing or
duplicating anything. `--scheduler` runs the same tasks on a Dask cluster with identical results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import folders
from sim.experiments.sensitivity import crossing_interval
from sim.glossary import KPIS
from sim.measures.statistics import mean_ci, paired
from sim.outputs import (
    provenance,
    scenario_hash,
    source_digest,
    with_french,
    write_csv,
    write_parquet,
)
from sim.runs.execution import Outcome, Progress, Task, Workers, execute
from sim.runs.store import ResultStore
from sim.scenario.sweeps import BreakEven, Point, Sweep, load_sweep


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


def run_sweep(
    sweep: Sweep,
    *,
    store: ResultStore | None = None,
    workers: Workers = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run every (point, replication), reusing whatever the store already holds."""
    started, clock = datetime.now(UTC), time.perf_counter()
    outcomes = _Outcomes(sweep)
    for outcome in execute(_tasks(sweep), workers=workers, scheduler=scheduler, store=store,
                           version=source_digest(), progress=progress):
        outcomes.add(outcome)
    frame, ref = outcomes.rows(), outcomes.reference_rows()
    points = point_table(frame, sweep.parameters, ref)
    manifest = {
        **_manifest(sweep, outcomes),
        **provenance(),
        "started": started.isoformat(timespec="seconds"),
        "runtime_s": round(time.perf_counter() - clock, 3),
    }
    if sweep.reference is not None:
        manifest["reference"] = sweep.reference.name
        manifest["reference_sha256"] = scenario_hash(sweep.reference)
    return SweepResult(sweep, frame, points, outcomes.error_rows(), outcomes.computed,
                       outcomes.reused, manifest, ref,
                       breakeven_table(points, sweep.parameters, sweep.breakeven)
                       if sweep.breakeven is not None else None)


def _tasks(sweep: Sweep) -> list[Task]:
    """One task per (point, replication), then the reference's replications."""
    tasks = [Task(point.scenario, sweep.seed, r, tag=point.index, detail=False)
             for point in sweep.points if point.scenario is not None
             for r in range(sweep.replications)]
    if sweep.reference is not None:
        tasks += [Task(sweep.reference, sweep.seed, r, tag=REFERENCE, detail=False)
                  for r in range(sweep.replications)]
    return tasks


class _Outcomes:
    """The replications of a sweep as they come back: KPI rows per point, the reference's
    rows, and the errors (points that could not be built, replications that failed)."""

    def __init__(self, sweep: Sweep) -> None:
        self.sweep = sweep
        self.reference: list[dict[str, Any]] = []
        self.kpi_rows: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = [{"point": p.index, **p.values, "error": p.error}
                                             for p in sweep.points if p.scenario is None]
        self.computed = self.reused = 0

    def add(self, outcome: Outcome) -> None:
        """Keep one finished (or failed) replication."""
        self.reused += outcome.from_store
        self.computed += not outcome.from_store and outcome.result is not None
        tag = outcome.task.tag
        point = self.sweep.points[tag] if tag != REFERENCE else None
        values = point.values if point is not None else {}
        if outcome.result is None:  # kept apart: the point's other replications still count
            self.errors.append({"point": tag, **values,
                                "replication": outcome.task.replication,
                                "error": _last_line(outcome.error)})
        elif point is None:
            self.reference.append({"replication": outcome.task.replication,
                                   **outcome.result.kpis})
        else:
            self.kpi_rows.append({**values, "point": point.index,
                                  "replication": outcome.task.replication,
                                  "seed": self.sweep.seed, **outcome.result.kpis})

    def rows(self) -> pd.DataFrame:
        """One row per (point, replication) that finished, in order."""
        columns = [*self.sweep.parameters, "point", "replication", "seed", *KPIS]
        frame = pd.DataFrame(self.kpi_rows, columns=columns)
        return frame.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)

    def reference_rows(self) -> pd.DataFrame | None:
        """The reference's replications in order (None without a reference)."""
        if self.sweep.reference is None:
            return None
        return (pd.DataFrame(self.reference, columns=["replication", *KPIS])
                .sort_values("replication").reset_index(drop=True))

    def error_rows(self) -> pd.DataFrame:
        """`errors.csv`: a point that could not be built (no replication), or one failed
        replication per row."""
        return pd.DataFrame(self.errors, columns=["point", *self.sweep.parameters,
                                                  "replication", "error"]
                            ).astype({"replication": "Int64"})


def _manifest(sweep: Sweep, outcomes: _Outcomes) -> dict[str, Any]:
    return {
        "sweep": sweep.name,
        "base": sweep.base.name,
        "base_sha256": scenario_hash(sweep.base),
        "points": len(sweep.points),
        "points_failed": sum(p.scenario is None for p in sweep.points),
        "replications_failed": sum("replication" in e for e in outcomes.errors),
        "replications": sweep.replications,
        "seed": sweep.seed,
        "results_computed": outcomes.computed,
        "results_reused": outcomes.reused,
    }


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


def _breakeven_interval(frame: pd.DataFrame, spec: BreakEven, x: np.ndarray,
                        crossing: float) -> dict[str, Any]:
    """The break-even's 95 % interval: the parameter values at which the difference's own
    interval contains zero, around the crossing (`ci_low`, `ci_high`, and a `note` when it
    runs to an end of the grid)."""
    if not np.isfinite(crossing):
        return {"ci_low": float("nan"), "ci_high": float("nan"), "note": ""}
    low, high, note = crossing_interval(
        x, frame[f"{spec.kpi}_diff_ci_low"].to_numpy(dtype=float),
        frame[f"{spec.kpi}_diff_ci_high"].to_numpy(dtype=float), crossing)
    return {"ci_low": low, "ci_high": high, "note": note}


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
        row.update(_breakeven_interval(frame, spec, x, crossing))
        for kpi in ("callback_on_time_rate", "inhouse_work_hours", "remediation_hours",
                    "resolution_hours_mean"):
            row[f"{kpi}_diff_there"] = before.get(f"{kpi}_diff_mean", float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["REFERENCE", "BreakEven", "Point", "Sweep", "SweepResult", "breakeven_table",
           "load_sweep", "point_table", "run_sweep"]
