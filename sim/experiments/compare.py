"""Comparing options honestly: the same members in every option, and paired differences.

Every scenario runs on the same seed and replication numbers, so replication r of the base and
replication r of an option face the same callers (common random numbers, design note 5).
The difference of a KPI is therefore measured replication by replication, and its confidence
interval (Student t over the paired differences) is much narrower than the one two independent
runs would give. For each target of `[targets]`, the share of replications meeting it says how
often the option keeps its promise in a simulated year, not just on average.

With `precision`, replications are added until every named KPI's interval (of each option's
mean and of each paired difference) is narrower than asked, or until a cap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import folders
from sim.glossary import KPIS
from sim.measures.statistics import mean_ci, met_share, paired
from sim.outputs import (
    provenance,
    scenario_hash,
    with_french,
    write_csv,
)
from sim.runs.execution import Progress, Workers
from sim.runs.replication import ReplicationResult
from sim.runs.runner import RunResult, assemble, replication_table, run_replications
from sim.runs.store import ResultStore
from sim.scenario import Scenario, Target

COLUMNS = ["scenario", "kpi", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low",
           "diff_ci_high", "target", "target_met_share"]


@dataclass
class Comparison:
    """The runs of every option (the base first) and the comparison table."""

    runs: list[RunResult]
    table: pd.DataFrame
    replications: int
    precision: dict[str, float] = field(default_factory=dict)
    precision_reached: bool = True
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> RunResult:
        """The first scenario, against which differences are taken."""
        return self.runs[0]

    def write(self, folder: str | Path, french: bool = False) -> Path:
        """`comparison.csv`, and each scenario's result folder under `<folder>/<name>/`."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        previous = folders.begin(folder)
        files = with_french(["comparison.csv"], french)
        for run in self.runs:  # each option's folder, and every file of it, in the manifest
            run.write(folder / run.scenario.name, french)
            inner = folders.listed(folder / run.scenario.name / folders.MANIFEST)
            files += [f"{run.scenario.name}/{name}" for name in [*inner, folders.MANIFEST]]
        write_csv(folder / "comparison.csv", self.table, french)
        folders.finish(folder, self.manifest, files, previous)
        return folder


def default_folder(scenarios: list[Scenario]) -> Path:
    """`results/compare-<base>+<option>+...`: a folder named after every option compared, so
    that two comparisons never share one unless `--out` says so (and then the earlier one's
    files are removed: `sim.folders`)."""
    return Path("results") / ("compare-" + "+".join(s.name for s in scenarios))


def check_names(scenarios: list[Scenario]) -> None:
    """Refuse two options with the same name: their results would share a folder."""
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"two scenarios are named {twice[0]!r}: give each option its own name "
                         "(the name names its results folder)")


def compare(
    scenarios: list[Scenario],
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: Workers = None,
    precision: dict[str, float] | None = None,
    max_replications: int = 200,
    store: ResultStore | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> Comparison:
    """Run every scenario on the same seeds and compare each with the first."""
    if len(scenarios) < 1:
        raise ValueError("give at least one scenario")
    check_names(scenarios)
    base = scenarios[0]
    n = base.run.replications if replications is None else replications
    seed = base.run.seed if seed is None else seed
    precision = dict(precision or {})
    unknown = [k for k in precision if k not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI {unknown[0]!r} in precision")
    started, clock = datetime.now(UTC), time.perf_counter()
    results, n, reached = _replicate(
        scenarios, seed, n, precision, max_replications,
        lambda option, upto, done: run_replications(
            scenarios[option], seed, range(done, upto), workers=workers, store=store,
            scheduler=scheduler,
            progress=(_offset(progress, option, done, upto, len(scenarios))
                      if progress is not None else None)))
    runs = [assemble(s, seed, r, {}) for s, r in zip(scenarios, results, strict=True)]
    manifest = {
        "scenarios": [{"name": s.name, "title": s.title, "scenario_sha256": scenario_hash(s)}
                      for s in scenarios],
        "seed": seed,
        "replications": n,
        "precision": precision,
        "precision_reached": reached,
        **provenance(),
        "started": started.isoformat(timespec="seconds"),
        "runtime_s": round(time.perf_counter() - clock, 3),
    }
    for run in runs:
        run.manifest.update({"started": manifest["started"], "compared_with": base.name})
    return Comparison(runs, comparison_table(runs), n, precision, reached, manifest)


Replicate = Callable[[int, int, int], list[ReplicationResult]]
"""`replicate(option, n, done)`: replications `done` to `n - 1` of the option at that index."""


def _replicate(scenarios: list[Scenario], seed: int, n: int, precision: dict[str, float],
               max_replications: int, replicate: Replicate
               ) -> tuple[list[list[ReplicationResult]], int, bool]:
    """Every option's replications, `n` at first, more until each KPI of `precision` is
    that precise for every option and paired difference (or `max_replications` is reached).
    Returns the replications, their number, and whether the precision was reached."""
    results: list[list[ReplicationResult]] = [[] for _ in scenarios]
    done = 0
    while True:
        for i in range(len(scenarios)):
            results[i] += replicate(i, n, done)
        done = n
        widest = _widest([replication_table(s, seed, r)
                          for s, r in zip(scenarios, results, strict=True)], precision)
        if not precision or all(widest[k] <= precision[k] for k in precision):
            return results, n, True
        if n >= max_replications:
            return results, n, False
        n = min(max_replications, _needed(n, widest, precision))


def _offset(progress: Progress, option: int, done: int, n: int, options: int) -> Progress:
    """Progress over all options of a round, from one option's `progress(count, total)`:
    the rounds before count `done` each, this round's earlier options `n - done` each."""
    before = done * options + option * (n - done)
    return lambda count, _total: progress(before + count, n * options)


def _widest(tables: list[pd.DataFrame], precision: dict[str, float]) -> dict[str, float]:
    """Per KPI asked, the widest half-width among options and paired differences (`tables`:
    each option's replications, the base first)."""
    out = {}
    base = tables[0]
    for kpi in precision:
        halves = []
        for i, table in enumerate(tables):
            values = table[kpi].dropna().to_numpy(dtype=float)
            halves.append(_half(values))
            if i > 0:
                halves.append(_half(paired(table, base, kpi)))
        out[kpi] = max(halves) if halves else math.inf
    return out


def _half(values: np.ndarray) -> float:
    ci = mean_ci(values)
    return math.inf if math.isnan(ci["ci_high"]) else (ci["ci_high"] - ci["ci_low"]) / 2


def _needed(n: int, widest: dict[str, float], precision: dict[str, float]) -> int:
    """Replications likely to reach the precision: the standard deviation is estimated from
    the current half-width (s = half * sqrt(n) / t), then the smallest m with
    t(m - 1) * s / sqrt(m) <= precision is taken, with a 10 % margin; with too few
    replications to estimate anything, the count doubles."""
    if n < 2 or not any(math.isfinite(widest[k]) for k in precision):
        return max(2, 2 * n)
    needed = n + 1
    for kpi, wanted in precision.items():
        if not math.isfinite(widest[kpi]):
            needed = max(needed, 2 * n)
            continue
        std = widest[kpi] * math.sqrt(n) / float(stats.t.ppf(0.975, n - 1))
        m = max(n + 1, 2)
        while float(stats.t.ppf(0.975, m - 1)) * std / math.sqrt(m) > wanted and m < 10**6:
            m += max(1, m // 10)
        needed = max(needed, math.ceil(m * 1.1))
    return needed


def comparison_table(runs: list[RunResult]) -> pd.DataFrame:
    """One row per (scenario, KPI): mean and CI, paired difference to the first scenario and
    its CI, the target and the share of replications meeting it."""
    base = runs[0]
    rows = []
    for run in runs:
        targets = {**base.scenario.targets, **run.scenario.targets}
        summary = {s["kpi"]: s for s in run.summary.to_dict("records")}  # mean and interval
        for kpi in KPIS:
            values = run.replications[kpi]
            row: dict[str, Any] = {"scenario": run.scenario.name, "kpi": kpi,
                                   **{k: summary[kpi][k] for k in ("mean", "ci_low", "ci_high")}}
            if run is base:
                row.update(diff_mean=math.nan, diff_ci_low=math.nan, diff_ci_high=math.nan)
            else:
                diff = mean_ci(paired(run.replications, base.replications, kpi))
                row.update(diff_mean=diff["mean"], diff_ci_low=diff["ci_low"],
                           diff_ci_high=diff["ci_high"])
            target: Target | None = targets.get(kpi)
            row["target"] = f"{target.op}{target.value:g}" if target else ""
            row["target_met_share"] = met_share(values, target)
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


