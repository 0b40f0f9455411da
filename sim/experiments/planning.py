"""A staffing plan, start to finish: the requirement by interval, a rota, the rota simulated.

`staff_by_interval` works out the advisors needed on the lines in each interval (Erlang A, then
simulation: `sim.experiments.requirement`) and `write_staffing` leaves `requirements.csv` and
`staffing.json` in a folder. `design_rota` turns a requirement into shifts (the integer program
of `sim.experiments.rota`), and `check_rota` simulates the scenario staffed by that rota, with its
absences and meetings, to say interval by interval whether the targets are met and, where not,
by how much. `write_rota` leaves the shifts (`shifts.toml`), the advisors' rota (`roster.csv`),
the coverage, and the simulated targets in the same folder, which the staffing report reads.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import requirement as req
from sim.experiments import rota as rt
from sim.experiments.staffing import confidence_margin
from sim.measures.kpis import mean_ci
from sim.outputs import provenance, scenario_hash, write_csv, write_text
from sim.runs.execution import Progress, Workers
from sim.runs.intervals import Grid, grid
from sim.runs.runner import run_replications
from sim.runs.store import ResultStore
from sim.scenario import Scenario, Target
from sim.scenario.rules import RotaRules

MEANING = ("advisors on the lines in the interval, before shrinkage (absences); fte_paid = "
           "advisors to pay for the interval = advisors / (1 - staff.shrinkage)")


@dataclass
class IntervalStaffing:
    """The requirement by interval of one scenario."""

    scenario: Scenario
    grid: Grid
    targets: dict[str, Target]
    table: pd.DataFrame
    simulated: req.Requirement | None
    hours: dict[str, float]
    differences: list[str]
    seconds: float
    seed: int
    replications: int
    confidence: float


def staff_by_interval(scenario: Scenario, interval_min: float, targets: dict[str, Target], *,
                      simulate: bool = True, replications: int | None = None,
                      seed: int | None = None, confidence: float = 0.95,
                      workers: Workers = None, store: ResultStore | None = None,
                      progress: Progress | None = None, on_iteration: Any = None
                      ) -> IntervalStaffing:
    """Erlang A per interval, then (with `simulate`) the iterative staffing algorithm."""
    started = time.perf_counter()
    the_grid = grid(scenario, interval_min)
    req.check_start(scenario)
    per_interval = req.interval_targets(targets)
    n = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    if simulate and n < 2:
        raise ValueError("a confidence bound needs at least 2 replications")
    erlang = req.erlang_table(scenario, the_grid, per_interval)
    simulated = None
    if simulate:
        start = {(d, s): int(v) for d, s, v in zip(erlang["weekday"], erlang["start_min"],
                                                    erlang["advisors_erlang"], strict=True)}
        simulated = req.simulate_requirement(
            scenario, the_grid, per_interval, start, seed=seed, replications=n,
            confidence=confidence, workers=workers, store=store, progress=progress,
            on_iteration=on_iteration)
    table = req.requirement_table(scenario, erlang, simulated, per_interval)
    return IntervalStaffing(scenario, the_grid, per_interval, table, simulated,
                            req.weekly_hours(table, the_grid.interval_min),
                            req.differences(table), time.perf_counter() - started, seed, n,
                            confidence)


STAFFING_FILES = ("requirements.csv", "requirements.fr.csv", "staffing.json")
"""What `write_staffing` leaves; a rota written later in the folder keeps them."""


def write_staffing(folder: Path, result: IntervalStaffing, excel_fr: bool = False) -> list[str]:
    """`requirements.csv` and `staffing.json` (what the numbers mean, weekly hours, notes);
    returns the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [p.name for p in write_csv(folder / "requirements.csv", result.table, excel_fr)]
    simulated = result.simulated
    info = {
        "kind": "staffing-by-interval",
        "scenario": result.scenario.name,
        "title": result.scenario.title,
        "title_fr": result.scenario.title_fr,
        "scenario_sha256": scenario_hash(result.scenario),
        "meaning": MEANING,
        "interval_min": result.grid.interval_min,
        "shrinkage": result.scenario.staff.shrinkage,
        "targets": {k: f"{t.op}{t.value:g}" for k, t in result.targets.items()},
        "seed": result.seed,
        "replications": result.replications,
        "confidence": result.confidence,
        "weekly_hours": result.hours,
        "differences": result.differences,
        "iterations": [] if simulated is None else
        [sum(it.vector.values()) for it in simulated.iterations],
        "converged": None if simulated is None else simulated.converged,
        "corrections": None if simulated is None else simulated.corrections,
        "notes": [] if simulated is None else simulated.notes,
        "runtime_s": round(result.seconds, 2),
        **provenance(),
    }
    write_text(folder / "staffing.json", json.dumps(info, indent=2, default=str) + "\n")
    return [*written, "staffing.json"]


# -- the rota -------------------------------------------------------------------------------

def requirement_source(scenario: Scenario, interval_min: float, path: Path | None,
                       targets: dict[str, Target]) -> tuple[Grid, np.ndarray, str]:
    """The advisors to schedule per interval (`fte_paid`), from a requirements file, or from
    Erlang A when none is given; RulesConflict if the file does not match the calendar."""
    if path is not None:
        try:
            table = pd.read_csv(path, dtype={"start": str, "end": str, "weekday": str})
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise rt.RulesConflict([f"{path}: cannot read it as CSV ({exc})"]) from None
        step = _step_of(table, interval_min)
        the_grid = grid(scenario, step)
        return the_grid, rt.read_requirements(table, the_grid, str(path)), str(path)
    the_grid = grid(scenario, interval_min)
    erlang = req.erlang_table(scenario, the_grid, req.interval_targets(targets))
    paid = req.paid(erlang["advisors_erlang_fractional"], scenario.staff.shrinkage)
    return the_grid, paid.reshape(len(the_grid.weekdays), -1), "Erlang A (no --requirements)"


def _step_of(table: pd.DataFrame, default: float) -> float:
    """The interval of a requirements table: the most common length of its rows."""
    lengths = []
    for start, end in zip(table.get("start", []), table.get("end", []), strict=False):
        try:
            lengths.append((int(str(end)[:2]) * 60 + int(str(end)[3:5]))
                           - (int(str(start)[:2]) * 60 + int(str(start)[3:5])))
        except ValueError:
            continue
    return float(pd.Series(lengths).mode().iloc[0]) if lengths else default


@dataclass
class RotaCheck:
    """The scenario staffed by the rota, simulated: targets by interval and overall."""

    intervals: pd.DataFrame
    overall: pd.DataFrame
    scenario: Scenario
    seconds: float
    shortfalls: list[str] = field(default_factory=list)


def check_rota(scenario: Scenario, rota: rt.Rota, targets: dict[str, Target], *, seed: int,
               replications: int, confidence: float, workers: Workers = None,
               store: ResultStore | None = None, progress: Progress | None = None) -> RotaCheck:
    """Simulate the scenario with the rota's shifts (absences and meetings as the scenario
    says) and measure each interval's targets and the overall ones."""
    started = time.perf_counter()
    staffed = req.with_shifts(scenario, rt.rota_shifts(rota), on_lines=False)
    results = run_replications(staffed, seed, range(replications), workers=workers,
                               store=store, progress=progress)
    per_interval = req.interval_targets(targets)
    intervals = req.measured_intervals(results, staffed, rota.grid, per_interval, confidence)
    coverage = rt.coverage_table(rota)
    intervals = coverage.merge(intervals, on=["weekday", "start_min"], how="left")
    frame = pd.DataFrame([r.kpis for r in results])
    rows = []
    for kpi, target in targets.items():
        ci = mean_ci(frame[kpi].dropna().to_numpy(dtype=float))
        margin = confidence_margin(frame[kpi], target, confidence)
        rows.append({"kpi": kpi, "target": f"{target.op}{target.value:g}", "mean": ci["mean"],
                     "ci_low": ci["ci_low"], "ci_high": ci["ci_high"], "margin": margin,
                     "met": margin >= 0})
    overall = pd.DataFrame(rows)
    shortfalls = []
    for row in intervals[~intervals["met"].astype(bool)].itertuples(index=False):
        gaps = []
        for kpi, target in per_interval.items():
            value = getattr(row, f"{kpi}_simulated")
            if not math.isnan(value):
                gap = value - target.value
                gaps.append(f"{kpi} {value:.1%} for {target.op}{target.value:g} "
                            f"({gap:+.1%}, bound margin {getattr(row, f'{kpi}_margin'):+.3f})")
        shortfalls.append(f"{row.weekday} {row.start}-{row.end}: " + "; ".join(gaps))
    return RotaCheck(intervals, overall, staffed, time.perf_counter() - started, shortfalls)


def write_rota(folder: Path, rota: rt.Rota, check: RotaCheck | None, source: str,
               excel_fr: bool = False) -> list[str]:
    """The shifts, the advisors' rota, the coverage and (when simulated) the targets met;
    returns the names written (an earlier rota's files not written again are removed by the
    folder's manifest, `sim.folders.finish`)."""
    folder.mkdir(parents=True, exist_ok=True)
    shifts = rt.rota_shifts(rota)
    write_text(folder / "shifts.toml", rt.fragment(shifts))
    roster = rt.roster_table(rota)
    written = write_csv(folder / "roster.csv", roster, excel_fr)
    written += write_csv(folder / "coverage.csv", rt.coverage_table(rota), excel_fr)
    if check is not None:
        written += write_csv(folder / "rota_intervals.csv", check.intervals, excel_fr)
        written += write_csv(folder / "rota_targets.csv", check.overall, excel_fr)
    info = {
        "kind": "rota",
        "requirement": source,
        "status": rota.status,
        "solver_message": rota.message,
        "mip_gap": rota.gap,
        "solve_seconds": round(rota.seconds, 3),
        "time_limit_s": rota.time_limit_s,
        "headcount": rota.headcount,
        "headcount_fixed": rota.rules.headcount,
        "paid_hours_per_week": rota.paid_hours_per_week,
        "uncovered_intervals": [f"{d} {s}-{e} (-{u})" for d, s, e, u in uncovered_list(rota)],
        "max_saturdays_per_advisor": rt.saturdays_per_advisor(roster),
        "cycle_weeks": rota.rules.week.cycle_weeks,
        "rules": rota.rules.model_dump(mode="json"),
        "targets_met_everywhere": None if check is None else bool(
            check.intervals["met"].astype(bool).all() and check.overall["met"].all()),
        "shortfalls": [] if check is None else check.shortfalls,
        "simulation_seconds": None if check is None else round(check.seconds, 2),
    }
    write_text(folder / "rota.json", json.dumps(info, indent=2, default=str) + "\n")
    return ["shifts.toml", *(p.name for p in written), "rota.json"]


def uncovered_list(rota: rt.Rota) -> list[tuple[str, str, str, int]]:
    """The intervals the rota leaves short: weekday, start, end, advisors missing."""
    table = rt.coverage_table(rota)
    table = table[table["uncovered"] > 0]
    return [(str(d), str(s), str(e), int(u)) for d, s, e, u in
            zip(table["weekday"], table["start"], table["end"], table["uncovered"],
                strict=True)]


def design_rota(rules: RotaRules, the_grid: Grid, needed: np.ndarray) -> rt.Rota:
    """Solve the rota's integer program (RulesConflict before solving if rules clash)."""
    return rt.solve(rules, the_grid, needed)
