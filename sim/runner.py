"""Running a scenario: replications in parallel, KPIs per replication, a summary with intervals.

Replication `r` of seed `s` is the same computation wherever it runs (its random streams are
keyed by `(s, r, stream)`), so a parallel run gives exactly the tables of a serial one; results
are put back in replication order before anything is summarised.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

import pandas as pd

from sim import kpis
from sim.model import run_replication
from sim.outputs import (
    code_version,
    environment,
    scenario_hash,
    write_csv,
    write_manifest,
    write_parquet,
    write_text,
)
from sim.scenario import Scenario, to_toml

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` after each replication."""


@dataclass
class ReplicationResult:
    """What one replication sends back: its KPI row and its tidy tables."""

    replication: int
    kpis: dict[str, float]
    contacts: pd.DataFrame
    calls: pd.DataFrame
    daily: pd.DataFrame
    advisor_days: pd.DataFrame
    seconds: float


def replicate(scenario: Scenario, seed: int, replication: int) -> ReplicationResult:
    """Simulate one replication and compute its KPIs (runs in a worker process)."""
    started = time.perf_counter()
    tables = run_replication(scenario, seed, replication)
    days = kpis.advisor_days(tables, scenario)
    return ReplicationResult(
        replication=replication,
        kpis=kpis.replication_kpis(tables, scenario, days),
        contacts=tables.contacts,
        calls=tables.calls,
        daily=kpis.daily(tables, scenario, days),
        advisor_days=days,
        seconds=time.perf_counter() - started,
    )


@dataclass
class RunResult:
    """All replications of one scenario, as tables."""

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    contacts: pd.DataFrame
    calls: pd.DataFrame
    daily: pd.DataFrame
    advisor_days: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    FILES = ("replications.csv", "replications.parquet", "summary.csv", "contacts.parquet",
             "calls.parquet", "daily.csv", "advisor_days.parquet", "scenario.resolved.toml")

    def write(self, folder: str | Path) -> Path:
        """Write the result files (DESIGN.md section 7) into `folder`, manifest last."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "manifest.json").unlink(missing_ok=True)  # the folder is incomplete until
        write_csv(folder / "replications.csv", self.replications)
        write_parquet(folder / "replications.parquet", self.replications)
        write_csv(folder / "summary.csv", self.summary)
        write_parquet(folder / "contacts.parquet", self.contacts)
        write_parquet(folder / "calls.parquet", self.calls)
        write_csv(folder / "daily.csv", self.daily)
        write_parquet(folder / "advisor_days.parquet", self.advisor_days)
        write_text(folder / "scenario.resolved.toml", to_toml(self.scenario))
        write_manifest(folder, self.manifest, list(self.FILES))
        return folder


def default_workers() -> int:
    """All cores."""
    return os.cpu_count() or 1


def _context() -> BaseContext:
    """Fresh worker processes (forkserver on Linux, spawn elsewhere): never fork a parent
    that may run threads (the progress bar does)."""
    return get_context("forkserver" if sys.platform.startswith("linux") else "spawn")


def iter_replications(
    scenario: Scenario, seed: int, replications: list[int], workers: int
) -> Iterator[ReplicationResult]:
    """Yield replication results as they complete (in any order)."""
    if workers <= 1 or len(replications) <= 1:
        for r in replications:
            yield replicate(scenario, seed, r)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(replications)),
                             mp_context=_context()) as pool:
        futures: list[Future[ReplicationResult]] = [
            pool.submit(replicate, scenario, seed, r) for r in replications
        ]
        for future in as_completed(futures):
            yield future.result()


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run `replications` replications of `scenario` from `seed` (defaults from `[run]`).

    Returns the tables as DataFrames: `.replications` (one row per replication, KPIs as
    columns), `.summary` (mean and 95 % interval per KPI), `.contacts`, `.calls`, `.daily`,
    `.advisor_days`.
    """
    n = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    workers = default_workers() if workers is None else workers
    if n < 1:
        raise ValueError(f"replications must be at least 1, got {n}")
    started, clock = datetime.now(UTC), time.perf_counter()
    results: list[ReplicationResult] = []
    for result in iter_replications(scenario, seed, list(range(n)), workers):
        results.append(result)
        if progress is not None:
            progress(len(results), n)
    return assemble(scenario, seed, results, {
        "started": started.isoformat(timespec="seconds"),
        "runtime_s": round(time.perf_counter() - clock, 3),
        "workers": workers,
    })


def assemble(scenario: Scenario, seed: int, results: list[ReplicationResult],
             extra: dict[str, Any]) -> RunResult:
    """Put replication results in order and build the run's tables and manifest."""
    results = sorted(results, key=lambda r: r.replication)
    rows = [{"scenario": scenario.name, "replication": r.replication, "seed": seed, **r.kpis}
            for r in results]
    replications = pd.DataFrame(rows)

    def stacked(name: str) -> pd.DataFrame:
        frames = [getattr(r, name).assign(scenario=scenario.name, replication=r.replication)
                  for r in results]
        frame = pd.concat(frames, ignore_index=True)
        first = ["scenario", "replication"]
        return frame[first + [c for c in frame.columns if c not in first]]

    manifest = {
        "scenario": scenario.name,
        "title": scenario.title,
        "scenario_sha256": scenario_hash(scenario),
        "seed": seed,
        "replications": len(results),
        "code_version": code_version(),
        "environment": environment(),
        "replication_seconds": [round(r.seconds, 3) for r in results],
        **extra,
    }
    return RunResult(
        scenario=scenario,
        seed=seed,
        replications=replications,
        summary=kpis.summarize(replications),
        contacts=stacked("contacts"),
        calls=stacked("calls"),
        daily=stacked("daily"),
        advisor_days=stacked("advisor_days"),
        manifest=manifest,
    )
