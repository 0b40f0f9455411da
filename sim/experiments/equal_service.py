"""Comparing options at equal service: each staffed to keep the same promise, then costed.

An outsourcing proposal is only comparable with the in-house plan when both keep the same
promise. For each option, the staffing search (`sim.experiments.staffing.search`) finds the
fewest in-house advisors meeting the options' `[targets]` (the union of every option's, the
first option's value winning), per group when the option has groups and with every shift
scaled together when it has shifts; all options and all levels run on the same seed and
replications, so they face the same members (common random numbers). The options are then
compared (`sim.experiments.compare.compare`) at those headcounts, so the cost difference is a
difference at equal service.

When an option cannot meet a target at any headcount (the target stops moving as advisors are
added), the option is sized on the targets it can meet, and the target it cannot meet is named
with the limit that binds: members who cannot be reached, the provider's own capacity,
something else than in-house advisors (deadlines, experts, regional offices), or too few
replications to be confident of a target the mean already meets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from sim import folders
from sim.experiments.compare import Comparison, check_names, compare
from sim.experiments.staffing import (
    Evaluation,
    Level,
    StaffingResult,
    at_level,
    level_of,
    plateaued,
    search,
)
from sim.measures.kpis import met_share
from sim.outputs import with_french, write_csv
from sim.runs.execution import Progress, Workers
from sim.runs.store import ResultStore
from sim.scenario import Scenario, Target


class Limit(StrEnum):
    """What keeps a target out of reach whatever the in-house headcount."""

    REACH = "reach"  # members not reached after every attempt
    PROVIDER = "provider"  # the provider's own advisors and hours
    OTHER = "other"  # deadlines, experts, regional offices
    CAP = "cap"  # the search's cap on advisors
    PRECISION = "precision"  # met on average, but too few replications to be confident


@dataclass
class Sizing:
    """One option sized for the shared targets."""

    scenario: Scenario  # as the file gives it
    staffing: StaffingResult
    level: Level  # the headcount compared
    met: bool  # every target met at that level (one-sided confidence bound)
    unmet: dict[str, Limit] = field(default_factory=dict)  # target out of reach -> why

    @property
    def sized(self) -> Scenario:
        """The option at the headcount compared."""
        return at_level(self.scenario, self.level)

    @property
    def evaluation(self) -> Evaluation | None:
        """The staffing search's evaluation at the level compared."""
        return next((e for e in self.staffing.evaluations if e.level == self.level), None)


@dataclass
class EqualService:
    """The sizing of every option, and the comparison at those headcounts."""

    sizings: list[Sizing]
    comparison: Comparison
    targets: dict[str, Target]
    confidence: float
    table: pd.DataFrame

    def write(self, folder: str | Path, french: bool = False) -> Path:
        """The comparison's files, then `equal_service.csv`, listed in its manifest."""
        folder = self.comparison.write(folder, french)
        write_csv(folder / "equal_service.csv", self.table, french)
        folders.add(folder, with_french(["equal_service.csv"], french))
        return folder


def shared_targets(scenarios: list[Scenario]) -> dict[str, Target]:
    """Every option's targets; where two options disagree on a KPI, the first option's."""
    targets: dict[str, Target] = {}
    for scenario in scenarios:
        for kpi, target in scenario.targets.items():
            targets.setdefault(kpi, target)
    return targets


def size(
    scenario: Scenario,
    targets: dict[str, Target],
    *,
    replications: int,
    seed: int,
    confidence: float = 0.95,
    workers: Workers = None,
    store: ResultStore | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> Sizing:
    """The fewest in-house advisors for which `scenario` meets `targets`; when a target is out
    of reach, the fewest meeting the others, with the limit that binds named."""
    def run(wanted: dict[str, Target]) -> StaffingResult:
        return search(scenario, wanted, replications=replications, seed=seed,
                      confidence=confidence, workers=workers, store=store, scheduler=scheduler,
                      progress=progress, shifts_together=True)

    result = run(targets)
    if result.chosen is not None:
        return Sizing(scenario, result, result.chosen, True)
    stuck = plateaued(result) or [k for k, m in result.evaluations[-1].margins.items() if m < 0]
    unmet = {kpi: _limit(kpi, result, stuck) for kpi in stuck}
    reachable = {k: t for k, t in targets.items() if k not in unmet}
    if reachable:
        partial = run(reachable)
        if partial.chosen is not None:
            # the levels of both searches, for the table; the first search's targets
            partial.evaluations = _merged(result, partial)
            return Sizing(scenario, StaffingResult(scenario, targets, confidence,
                                                   partial.evaluations, None),
                          partial.chosen, False, unmet)
    return Sizing(scenario, result, level_of(scenario), False, unmet)


def _merged(first: StaffingResult, second: StaffingResult) -> list[Evaluation]:
    seen = {e.level: e for e in first.evaluations}
    for evaluation in second.evaluations:
        seen.setdefault(evaluation.level, evaluation)
    return sorted(seen.values(), key=lambda e: (sum(e.level), e.level))


def _limit(kpi: str, result: StaffingResult, stuck: list[str]) -> Limit:
    """Why a target stays out of reach, read from the most advisors tried."""
    if kpi not in stuck:
        return Limit.CAP
    last = result.evaluations[-1].kpis
    target = result.targets[kpi]
    mean = float(last[kpi].mean()) if kpi in last else math.nan
    if (target.op == ">=" and mean >= target.value) or (target.op == "<=" and
                                                          mean <= target.value):
        return Limit.PRECISION
    if kpi == "callback_on_time_rate" or kpi.startswith("right_on_time"):
        owed = float(last.get("callbacks_owed", pd.Series([math.nan])).mean())
        lost = float(last.get("callbacks_unreachable", pd.Series([math.nan])).mean())
        if owed > 0 and target.op == ">=" and 1 - lost / owed < target.value:
            return Limit.REACH
    if float(last.get("provider_share", pd.Series([0.0])).mean()) > 0:
        return Limit.PROVIDER
    return Limit.OTHER


def equal_service(
    scenarios: list[Scenario],
    *,
    replications: int | None = None,
    seed: int | None = None,
    confidence: float = 0.95,
    workers: Workers = None,
    store: ResultStore | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> EqualService:
    """Size every option for the shared targets, then compare them at those headcounts."""
    if not scenarios:
        raise ValueError("give at least one scenario")
    check_names(scenarios)
    targets = shared_targets(scenarios)
    if not targets:
        raise ValueError("--equal-service needs targets: give the options a [targets] section")
    n = scenarios[0].run.replications if replications is None else replications
    seed = scenarios[0].run.seed if seed is None else seed
    sizings = [size(s, targets, replications=n, seed=seed, confidence=confidence,
                    workers=workers, store=store, scheduler=scheduler, progress=progress)
               for s in scenarios]
    comparison = compare([s.sized for s in sizings], replications=n, seed=seed, workers=workers,
                         store=store, scheduler=scheduler, progress=progress)
    table = sizing_table(sizings, targets, confidence)
    comparison.manifest["equal_service"] = {
        "targets": {k: f"{t.op}{t.value:g}" for k, t in targets.items()},
        "confidence": confidence,
        "options": table.to_dict("records"),
    }
    return EqualService(sizings, comparison, targets, confidence, table)


def sizing_table(sizings: list[Sizing], targets: dict[str, Target],
                 confidence: float) -> pd.DataFrame:
    """One row per option: its headcount in the file and at equal service, whether every
    target is met (with `confidence`), then per target the mean, the share of replications
    meeting it and, when out of reach, the limit that binds."""
    rows = []
    for sizing in sizings:
        evaluation = sizing.evaluation
        row: dict[str, Any] = {
            "scenario": sizing.scenario.name,
            "advisors_in_file": "+".join(map(str, level_of(sizing.scenario))),
            "advisors_needed": "+".join(map(str, sizing.level)),
            "total_advisors": sum(sizing.level),
            "levels_tried": len(sizing.staffing.evaluations),
            "met": sizing.met,
            "confidence": confidence,
        }
        for kpi, target in targets.items():
            values = (evaluation.kpis[kpi] if evaluation is not None and kpi in evaluation.kpis
                      else pd.Series(dtype=float))
            row[f"{kpi}_target"] = f"{target.op}{target.value:g}"
            row[f"{kpi}_mean"] = float(values.mean()) if len(values) else math.nan
            row[f"{kpi}_margin"] = (evaluation.margins.get(kpi, math.nan)
                                    if evaluation is not None else math.nan)
            row[f"{kpi}_met_share"] = met_share(values, target)
            row[f"{kpi}_limit"] = str(sizing.unmet.get(kpi, ""))
        rows.append(row)
    return pd.DataFrame(rows)
