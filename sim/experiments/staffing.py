"""Staffing search: the fewest advisors meeting every target, with a stated confidence.

A target such as `callback_on_time_rate>=0.95` is met at a staffing level when the one-sided
confidence bound of the KPI's mean (Student t over replications, at `confidence`) is on the
right side of the target: the simulation is confident, not merely hopeful. Every level is
simulated on the same seeds, so all levels face the same members (common random numbers) and
the curve of a KPI against staffing is smooth.

The search starts from an Erlang estimate of the offered load and gallops up or down, then
bisects (more advisors never make a target harder to meet). With `[[staff.shifts]]` (or
`[[staff.groups]]`), it first adds one advisor to every shift until the targets are met, then
removes advisors one at a time from the shift whose removal keeps the largest margin, until no
shift can lose one. Only the in-house headcount is searched; a provider's stays as given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import analytic
from sim.glossary import KPIS
from sim.measures.statistics import mean_ci, met_share
from sim.runs.execution import Progress, Workers
from sim.runs.load import offered_load
from sim.runs.runner import run_replications
from sim.runs.store import ResultStore
from sim.scenario import Scenario, ScenarioError, Target, minutes, with_overrides

Level = tuple[int, ...]
"""Advisors per shift (one number when the scenario gives `staff.advisors`)."""


def parse_target(text: str) -> tuple[str, Target]:
    """Read `"callback_on_time_rate>=0.95"` (or `<=`, or a percentage) into a target."""
    match = re.fullmatch(r"\s*([a-z_0-9]+)\s*(>=|<=)\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*(%?)\s*",
                         text)
    if match is None:
        raise ValueError(f"cannot read target {text!r}; write e.g. "
                         "\"callback_on_time_rate>=0.95\"")
    kpi, op, number, percent = match.groups()
    if kpi not in KPIS:
        raise ValueError(f"unknown KPI {kpi!r} in target {text!r}")
    value = float(number) / (100 if percent else 1)
    return kpi, Target(op=op, value=value)


@dataclass
class Evaluation:
    """One staffing level tried."""

    level: Level
    kpis: pd.DataFrame  # one row per replication
    met: bool
    margins: dict[str, float]  # confidence bound minus target (positive: met), per KPI


@dataclass
class StaffingResult:
    """Every level tried, and the one chosen."""

    scenario: Scenario
    targets: dict[str, Target]
    confidence: float
    evaluations: list[Evaluation]
    chosen: Level | None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def chosen_scenario(self) -> Scenario | None:
        """The scenario at the chosen level."""
        return None if self.chosen is None else at_level(self.scenario, self.chosen)


def level_of(scenario: Scenario) -> Level:
    """The scenario's current staffing level."""
    staff = scenario.staff
    if staff.advisors is not None:
        return (staff.advisors,)
    if staff.groups:
        return tuple(group.advisors for group in staff.groups)
    return tuple(shift.advisors for shift in staff.shifts)


def at_level(scenario: Scenario, level: Level) -> Scenario:
    """The scenario with that staffing (validated)."""
    if scenario.staff.advisors is not None:
        return with_overrides(scenario, {"staff.advisors": level[0]})
    part = "groups" if scenario.staff.groups else "shifts"
    return with_overrides(scenario, {f"staff.{part}[{i + 1}].advisors": n
                                     for i, n in enumerate(level)})


def erlang_start(scenario: Scenario, targets: dict[str, Target]) -> int:
    """A starting headcount from the average offered load (Erlang C/A when the targets are
    about live calls), corrected for shrinkage and rota."""
    load = offered_load(scenario)
    if load.per_hour <= 0:
        return max(1, level_of(scenario)[0])
    per_hour, talk, other = load.per_hour, load.talk_min, load.follow_up_min
    live = {"service_level", "abandon_rate", "asa_s", "p_wait"} & set(targets)
    if scenario.channel.mode == "inbound" and live and talk > 0:
        needed = analytic.advisors_needed(
            per_hour, talk, minutes(scenario.channel.service_level_threshold),
            patience_min=load.patience_min,
            service_level=targets["service_level"].value if "service_level" in targets
            else None,
            abandon_rate=targets["abandon_rate"].value if "abandon_rate" in targets else None)
        base = needed + per_hour * other / 60 / 0.85
    else:
        base = per_hour * (talk + other) / 60 / 0.8
    base /= 1 - scenario.staff.shrinkage
    if scenario.staff.days_per_week:
        base *= len(scenario.calendar.open_days) / scenario.staff.days_per_week
    return max(1, math.ceil(base))


def search(
    scenario: Scenario,
    targets: dict[str, Target] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    confidence: float = 0.95,
    workers: Workers = None,
    store: ResultStore | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
    max_advisors: int = 5000,
    on_level: Callable[[Evaluation], None] | None = None,
    shifts_together: bool = False,
) -> StaffingResult:
    """Find the fewest advisors (per shift, with shifts) meeting every target; with
    `shifts_together`, shifts keep the file's proportions and only their total is searched."""
    targets = dict(scenario.targets if targets is None else targets)
    if not targets:
        raise ValueError("give at least one target (--target or [targets] in the scenario)")
    n = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    if n < 2:
        raise ValueError("a confidence bound needs at least 2 replications")
    tried: dict[Level, Evaluation] = {}

    def evaluate(level: Level) -> Evaluation:
        if level not in tried:
            try:
                variant = at_level(scenario, level)
            except ScenarioError:  # e.g. fewer advisors than those reserved for callbacks
                tried[level] = Evaluation(level, pd.DataFrame(), False, {})
                return tried[level]
            results = run_replications(variant, seed, range(n), workers=workers, store=store,
                                       scheduler=scheduler, progress=progress, detail=False)
            frame = pd.DataFrame([r.kpis for r in results])
            margins = {k: _margin(frame[k], t, confidence) for k, t in targets.items()}
            tried[level] = Evaluation(level, frame, all(m >= 0 for m in margins.values()),
                                      margins)
            if on_level is not None:
                on_level(tried[level])
        return tried[level]

    if scenario.staff.advisors is not None:
        chosen = _search_count(evaluate, erlang_start(scenario, targets), max_advisors)
    elif shifts_together and not scenario.staff.groups:
        shares = level_of(scenario)
        total = _search_count(lambda t: evaluate(spread(t[0], shares)), sum(shares),
                              max_advisors)
        chosen = None if total is None else spread(total[0], shares)
    else:
        chosen = _search_shifts(evaluate, level_of(scenario), max_advisors)
    evaluations = sorted(tried.values(), key=lambda e: (sum(e.level), e.level))
    result = StaffingResult(scenario, targets, confidence, evaluations, chosen)
    result.table = staffing_table(result)
    return result


def spread(total: int, shares: Level) -> Level:
    """`total` advisors over shifts in the proportions of `shares` (largest remainder)."""
    weights = np.asarray(shares, dtype=float)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(shares),
                                                                        1 / len(shares))
    exact = weights * total
    level = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - level), kind="stable")[:total - int(level.sum())]:
        level[i] += 1
    return tuple(int(n) for n in level)


def _margin(values: pd.Series, target: Target, confidence: float) -> float:
    """One-sided confidence bound of the mean minus the target (>= 0: met), signed so that
    positive is good whatever the direction."""
    known = values.dropna().to_numpy(dtype=float)
    if len(known) < 2:
        return -math.inf
    half = float(stats.t.ppf(confidence, len(known) - 1)) * known.std(ddof=1) / math.sqrt(
        len(known))
    mean = float(known.mean())
    if target.op == ">=":
        return mean - half - target.value
    return target.value - (mean + half)


confidence_margin = _margin
"""The one-sided confidence margin of a KPI against a target (used by by-interval staffing)."""


def _search_count(evaluate: Callable[[Level], Evaluation], start: int, cap: int) -> Level | None:
    """Gallop from `start` to bracket the smallest level meeting the targets, then bisect."""
    start = min(max(start, 1), cap)
    if evaluate((start,)).met:
        high, step = start, 1
        while high - step >= 1 and evaluate((high - step,)).met:
            high, step = high - step, step * 2
        low = max(high - step, 0)  # not met (or nothing below)
    else:
        low, step = start, 1
        previous = evaluate((start,))
        while True:
            if low + step > cap:
                if not evaluate((cap,)).met:
                    return None
                high = cap
                break
            current = evaluate((low + step,))
            if current.met:
                high = low + step
                break
            if step >= 4 and not _improving(previous, current):
                return None  # more advisors no longer help: something else limits a target
            previous = current
            low, step = low + step, step * 2
    while high - low > 1:
        middle = (low + high) // 2
        if middle >= 1 and evaluate((middle,)).met:
            high = middle
        else:
            low = middle
    return (high,)


PLATEAU = 0.01
"""A target's margin must gain at least this share of its gap per doubling to be improving."""


def _gaining(kpi: str, before: Evaluation, after: Evaluation) -> bool:
    """Whether the target's margin grew by at least `PLATEAU` of its remaining gap, and the
    KPI itself moved by more than chance: both levels face the same members, so the paired
    difference per replication says whether the move is real (a flat rate's noise is not)."""
    margin = after.margins[kpi]
    if not margin - before.margins.get(kpi, -math.inf) > PLATEAU * -margin:
        return False
    return _moved(kpi, before, after)


def _moved(kpi: str, before: Evaluation, after: Evaluation) -> bool:
    """Whether the KPI moved between two levels beyond the noise of its paired difference
    (a two-sided 95 % interval that excludes zero); true when it cannot be told."""
    if kpi not in before.kpis or kpi not in after.kpis or len(before.kpis) != len(after.kpis):
        return True
    diff = (after.kpis[kpi].to_numpy(dtype=float) - before.kpis[kpi].to_numpy(dtype=float))
    diff = diff[np.isfinite(diff)]
    if len(diff) < 2:
        return True
    spread = float(diff.std(ddof=1))
    if spread == 0:
        return bool(diff.mean() != 0)
    half = float(stats.t.ppf(0.975, len(diff) - 1)) * spread / math.sqrt(len(diff))
    return abs(float(diff.mean())) > half


def _improving(before: Evaluation, after: Evaluation) -> bool:
    """Whether adding advisors still brings an unmet target closer (by a share of its gap)."""
    return any(margin < 0 and _gaining(kpi, before, after)
               for kpi, margin in after.margins.items())


def plateaued(result: StaffingResult) -> list[str]:
    """Targets not met at the most advisors tried, and not improving any more."""
    if result.chosen is not None or len(result.evaluations) < 2:
        return []
    last, before = result.evaluations[-1], result.evaluations[-2]
    return [kpi for kpi, margin in last.margins.items()
            if margin < 0 and not _gaining(kpi, before, last)]


def _search_shifts(evaluate: Callable[[Level], Evaluation], start: Level,
                   cap: int) -> Level | None:
    """Add one advisor to every shift until met, then remove greedily, keeping the margin."""
    level, added = start, [evaluate(start)]
    while not added[-1].met:
        level = tuple(n + 1 for n in level)
        if sum(level) > cap:
            return None
        added.append(evaluate(level))
        if len(added) > 4 and not _improving(added[-5], added[-1]):
            return None  # four more advisors per shift brought no target closer
    while True:
        options = [tuple(n - (i == j) for j, n in enumerate(level))
                   for i in range(len(level)) if level[i] > 0]
        met = [e for e in (evaluate(o) for o in options) if e.met]
        if not met:
            return level
        level = max(met, key=lambda e: min(e.margins.values())).level


def staffing_table(result: StaffingResult) -> pd.DataFrame:
    """One row per level tried: advisors, each target KPI's mean, interval, confidence bound
    margin and share of replications meeting it, whether all are met, and `chosen`."""
    scenario = result.scenario
    names = (["advisors"] if scenario.staff.advisors is not None
             else [f"group.{g.name}" for g in scenario.staff.groups] if scenario.staff.groups
             else [f"shift.{s.name}" for s in scenario.staff.shifts])
    rows = []
    for evaluation in result.evaluations:
        row: dict[str, Any] = dict(zip(names, evaluation.level, strict=True))
        row["total_advisors"] = sum(evaluation.level)
        row["replications"] = len(evaluation.kpis)
        for kpi, target in result.targets.items():
            values = (evaluation.kpis[kpi].dropna() if not evaluation.kpis.empty
                      else pd.Series(dtype=float))
            ci = _ci(values.to_numpy(dtype=float))
            row.update({f"{kpi}_mean": ci[0], f"{kpi}_ci_low": ci[1], f"{kpi}_ci_high": ci[2],
                        f"{kpi}_margin": evaluation.margins.get(kpi, math.nan),
                        f"{kpi}_met_share": met_share(values, target)})
        for kpi in ("occupancy", "cost_total"):
            if not evaluation.kpis.empty and kpi not in result.targets:
                row[f"{kpi}_mean"] = float(evaluation.kpis[kpi].mean())
        row["met"] = evaluation.met
        row["chosen"] = evaluation.level == result.chosen
        rows.append(row)
    return pd.DataFrame(rows)


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    ci = mean_ci(values)
    return ci["mean"], ci["ci_low"], ci["ci_high"]
