"""Running a scenario: replications in parallel, KPIs per replication, a summary with intervals.

Replication `r` of seed `s` is the same computation wherever it runs (its random streams are
keyed by `(s, r, stream)`), so a parallel run gives exactly the tables of a serial one; results
are put back in replication order before anything is summarised.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import folders
from sim.measures import kpis
from sim.outputs import (
    provenance,
    scenario_hash,
    source_digest,
    with_french,
    write_csv,
    write_parquet,
    write_text,
)
from sim.runs.execution import Progress, Task, Workers, execute, worker_count
from sim.runs.replication import ReplicationResult
from sim.runs.store import ResultStore
from sim.scenario import Scenario, to_toml


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
    groups: pd.DataFrame
    groups_summary: pd.DataFrame
    steps: pd.DataFrame
    files: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    assumptions: pd.DataFrame | None = None  # the register, when run from a file

    FILES = ("replications.csv", "replications.parquet", "summary.csv", "contacts.parquet",
             "calls.parquet", "steps.parquet", "files.parquet", "daily.csv",
             "advisor_days.parquet", "groups.csv", "groups_summary.csv",
             "scenario.resolved.toml")

    def write(self, folder: str | Path, french: bool = False) -> Path:
        """Write the result files (design note 7) into `folder`, manifest last; with
        `french`, each CSV also in a French-Excel copy (`*.fr.csv`)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        previous = folders.begin(folder)  # the folder is incomplete until the manifest
        write_csv(folder / "replications.csv", self.replications, french)
        write_parquet(folder / "replications.parquet", self.replications)
        write_csv(folder / "summary.csv", self.summary, french)
        write_parquet(folder / "contacts.parquet", self.contacts)
        write_parquet(folder / "calls.parquet", self.calls)
        write_parquet(folder / "steps.parquet", self.steps)
        write_parquet(folder / "files.parquet", self.files)
        write_csv(folder / "groups.csv", self.groups, french)
        write_csv(folder / "groups_summary.csv", self.groups_summary, french)
        write_csv(folder / "daily.csv", self.daily, french)
        write_parquet(folder / "advisor_days.parquet", self.advisor_days)
        write_text(folder / "scenario.resolved.toml", to_toml(self.scenario))
        files = list(self.FILES)
        if self.assumptions is not None:
            write_csv(folder / "assumptions.csv", self.assumptions, french)
            files.append("assumptions.csv")
        folders.finish(folder, self.manifest, with_french(files, french), previous)
        return folder


TAGS = ("scenario", "replication", "seed")
"""The columns that say where a row of a stacked table comes from."""


class ReplicationError(RuntimeError):
    """A replication failed; the message carries its scenario, seed, number and traceback."""


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: Workers = None,
    progress: Progress | None = None,
    store: ResultStore | None = None,
    scheduler: Any = None,
) -> RunResult:
    """Run `replications` replications of `scenario` from `seed` (defaults from `[run]`).

    Returns the tables as DataFrames: `.replications` (one row per replication, KPIs as
    columns), `.summary` (mean and 95 % interval per KPI), `.contacts`, `.calls`, `.daily`,
    `.advisor_days`, `.groups`, `.steps`, `.files`. With a `store`, finished replications are
    kept as they complete and reused when the same run is started again.
    """
    n = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications must be at least 1, got {n}")
    started, clock = datetime.now(UTC), time.perf_counter()
    counts: dict[str, int] = {}
    results = run_replications(scenario, seed, range(n), workers=workers, progress=progress,
                               store=store, scheduler=scheduler, counts=counts)
    return assemble(scenario, seed, results, {
        "started": started.isoformat(timespec="seconds"),
        "runtime_s": round(time.perf_counter() - clock, 3),
        "workers": worker_count(workers),
        "replications_computed": counts.get("computed", 0),
        "replications_reused": counts.get("reused", 0),
    })


def run_replications(scenario: Scenario, seed: int, replications: Iterable[int], *,
                     workers: Workers = None, progress: Progress | None = None,
                     store: ResultStore | None = None, scheduler: Any = None,
                     detail: bool = True, counts: dict[str, int] | None = None
                     ) -> list[ReplicationResult]:
    """The given replications of one scenario, in order; raises ReplicationError if one
    failed (after every other has finished and been stored). `counts` receives how many were
    computed and how many reused from the store."""
    tasks = [Task(scenario, seed, r, detail=detail) for r in replications]
    results, errors = [], []
    counts = {} if counts is None else counts
    for outcome in execute(tasks, workers=workers, scheduler=scheduler, store=store,
                           version=source_digest(), progress=progress):
        key = "reused" if outcome.from_store else "computed"
        counts[key] = counts.get(key, 0) + 1
        if outcome.result is not None:
            results.append(outcome.result)
        else:
            errors.append(f"replication {outcome.task.replication}: {outcome.error}")
    if errors:
        raise ReplicationError(f"{scenario.name}, seed {seed}: {len(errors)} replication(s) "
                               "failed\n" + "\n".join(errors))
    return sorted(results, key=lambda r: r.replication)


def replication_table(scenario: Scenario, seed: int, results: list[ReplicationResult]
                      ) -> pd.DataFrame:
    """One row per replication, in the order given: scenario, replication, seed, the KPIs."""
    return pd.DataFrame([{"scenario": scenario.name, "replication": r.replication, "seed": seed,
                          **r.kpis} for r in results])


def assemble(scenario: Scenario, seed: int, results: list[ReplicationResult],
             extra: dict[str, Any]) -> RunResult:
    """Put replication results in order and build the run's tables and manifest."""
    results = sorted(results, key=lambda r: r.replication)
    replications = replication_table(scenario, seed, results)

    def stacked(name: str) -> pd.DataFrame:
        """The replications' tables end to end, each row tagged with its scenario,
        replication and seed (the table is copied once, the tags added as new columns)."""
        frames = [getattr(r, name) for r in results]
        frame = pd.concat(frames, ignore_index=True)
        for column in TAGS:
            if column in frame:  # a tag replaces a column of the same name
                frame = frame.drop(columns=column)
        frame.insert(0, "scenario", scenario.name)
        frame.insert(1, "replication", np.repeat(
            np.array([r.replication for r in results], dtype=np.int64), [len(f) for f in frames]))
        frame.insert(2, "seed", seed)
        return frame

    groups = stacked("groups")
    manifest = {
        "scenario": scenario.name,
        "title": scenario.title,
        "scenario_sha256": scenario_hash(scenario),
        "seed": seed,
        "replications": len(results),
        **provenance(),
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
        groups=groups,
        groups_summary=kpis.summarize_groups(groups),
        steps=stacked("steps"),
        files=stacked("files"),
        manifest=manifest,
    )
