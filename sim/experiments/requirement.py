"""Staffing by the interval: how many advisors must be on the lines in each half-hour.

Two answers, side by side, for each weekday and interval of the opening hours:

- **Erlang A** (`advisors_erlang`): the expected calls offered in the interval (from the demand
  profile, averaged over the measured weeks) with the mean handle time and mean patience, as if
  the interval were a steady queue of its own. Fractional positions are interpolated between
  whole numbers and added up before any rounding (rounding each interval up and then summing
  overstates the hours: the pyworkforce #41 lesson). The other work each call brings
  (research, callbacks, files) is added as its load in erlangs, spread like the calls.
- **Simulation** (`advisors_simulated`): the iterative staffing algorithm of Feldman, Mandelbaum,
  Massey and Whitt (Management Science, 2008). The scenario is simulated with one staffing per
  interval (advisors on the lines: no absence, no meeting), always on the same seeds (common
  random numbers). In each interval the simulation shows the calls offered (retries included)
  and how they were served (callbacks and research taking advisors away, backlogs, calls still
  in progress at closing time); the interval's load is read as the Erlang A load that would
  give that service with that staffing (never less than the calls actually offered), and the
  interval is given the fewest advisors meeting the targets at that load. This repeats until
  the vector stops changing. Then every interval whose target is not met with confidence
  gains one advisor, and is simulated again, until all are met (or a round limit is reached).

Both numbers are advisors **on the lines, before shrinkage**; `fte_paid` divides by
`1 - staff.shrinkage`: the advisors to pay for that interval so that that many are on the lines.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import analytic
from sim.experiments.staffing import confidence_margin
from sim.runs.execution import Progress, Workers
from sim.runs.intervals import Grid, Workload, interval_calls, offered_calls, workload
from sim.runs.replication import ReplicationResult
from sim.runs.runner import run_replications
from sim.runs.store import ResultStore
from sim.scenario import Scenario, ScenarioError, Target, validate
from sim.scenario.units import format_clock

INTERVAL_KPIS = ("service_level", "abandon_rate")
"""Targets that can be measured interval by interval (calls, by arrival time)."""

MAX_OCCUPANCY_OTHER = 0.85
"""Share of an advisor's time that other work can fill (assumption, as in `helpline staff`:
back-office work is never planned at 100 %)."""


class RequirementError(ValueError):
    """By-interval staffing cannot be worked out for this scenario (the message says why)."""


def interval_targets(targets: dict[str, Target]) -> dict[str, Target]:
    """The targets measured per interval; RequirementError if there is none."""
    kept = {k: t for k, t in targets.items() if k in INTERVAL_KPIS}
    if not kept:
        raise RequirementError("by-interval staffing needs a service_level or abandon_rate "
                               f"target (given: {', '.join(targets) or 'none'})")
    return kept


def _meets(got: analytic.QueueEstimate, targets: dict[str, Target]) -> bool:
    values = {"service_level": got.service_level, "abandon_rate": got.p_abandon}
    return all(values[k] >= t.value if t.op == ">=" else values[k] <= t.value
               for k, t in targets.items())


def _estimate(servers: int, cph: float, work: Workload) -> analytic.QueueEstimate:
    return analytic.estimate(servers, cph, work.handle_min, work.threshold_min,
                             work.patience_min)


def needed(cph: float, work: Workload, targets: dict[str, Target]) -> int:
    """Erlang A: the fewest advisors meeting the interval targets (0 without calls)."""
    if cph <= 0:
        return 0
    sl, ab = targets.get("service_level"), targets.get("abandon_rate")
    return analytic.advisors_needed(
        cph, work.handle_min, work.threshold_min, patience_min=work.patience_min,
        service_level=None if sl is None else sl.value,
        abandon_rate=None if ab is None else ab.value)


def fractional(cph: float, work: Workload, targets: dict[str, Target]) -> float:
    """Erlang A positions as a fraction: `c - 1` plus how far the binding target moves from
    `c - 1` to `c` advisors (so the whole number is always its ceiling)."""
    whole = needed(cph, work, targets)
    if whole == 0:
        return 0.0
    if whole == 1:
        low = {"service_level": 0.0, "abandon_rate": 1.0}
    else:
        below = _estimate(whole - 1, cph, work)
        low = {"service_level": below.service_level, "abandon_rate": below.p_abandon}
    at = _estimate(whole, cph, work)
    high = {"service_level": at.service_level, "abandon_rate": at.p_abandon}
    share = 0.0
    for kpi, target in targets.items():
        gap = high[kpi] - low[kpi]
        if gap != 0:
            share = max(share, min(1.0, (target.value - low[kpi]) / gap))
    return whole - 1 + max(share, 1e-9)


def erlang_table(scenario: Scenario, the_grid: Grid, targets: dict[str, Target]) -> pd.DataFrame:
    """The grid with expected calls per hour and the Erlang A requirement per interval."""
    frame = offered_calls(scenario, the_grid)
    work = workload(scenario)
    calls = frame["calls_per_hour"].to_numpy()
    frame["other_work_erlangs"] = calls * work.other_min_per_call / 60 / MAX_OCCUPANCY_OTHER
    frame["advisors_erlang_fractional"] = [
        fractional(c, work, targets) + o for c, o in zip(calls, frame["other_work_erlangs"],
                                                          strict=True)]
    frame["advisors_erlang"] = np.ceil(frame["advisors_erlang_fractional"] - 1e-9).astype(int)
    return frame


# -- the staffing vector as shifts ---------------------------------------------------------

Vector = dict[tuple[str, int], int]
"""Advisors on the lines per (weekday, interval start in minutes)."""


def layered_shifts(vector: Vector, the_grid: Grid) -> list[dict[str, Any]]:
    """`[[staff.shifts]]` tables giving exactly `vector` advisors in every interval: the k-th
    advisor of a weekday works each longest run of intervals needing at least k (so nobody
    changes at an interval boundary without need); equal shifts on several days are one."""
    step = the_grid.interval_min
    runs: dict[tuple[int, int, int], list[str]] = {}
    for day in the_grid.weekdays:
        counts = [vector.get((day, s), 0) for s in the_grid.starts]
        pieces: Counter[tuple[int, int]] = Counter()
        for level in range(1, max(counts, default=0) + 1):
            begin = None
            for i, n in enumerate([*counts, 0]):
                if n >= level and begin is None:
                    begin = i
                elif n < level and begin is not None:
                    pieces[(the_grid.opens_min + begin * step, the_grid.opens_min + i * step)] += 1
                    begin = None
        for (start, end), n in pieces.items():
            runs.setdefault((start, end, n), []).append(day)
    return [{"name": f"l{format_clock(s).replace(':', '')}-{format_clock(e).replace(':', '')}"
                     f"-{n}-{'-'.join(days)}",
             "advisors": n, "days": days, "start": format_clock(s), "end": format_clock(e)}
            for (s, e, n), days in sorted(runs.items())]


def with_shifts(scenario: Scenario, shifts: list[dict[str, Any]], *, on_lines: bool) -> Scenario:
    """The scenario staffed by these shifts (validated); with `on_lines`, without absence or
    meetings, so that the shifts' advisors are the advisors on the lines."""
    data = scenario.model_dump(mode="json", exclude_none=True, by_alias=True)
    staff = data["staff"]
    if staff.get("groups"):
        raise RequirementError("by-interval staffing works on one pool of advisors; this "
                               "scenario has [[staff.groups]]")
    for key in ("advisors", "days_per_week", "groups"):
        staff.pop(key, None)
    staff["shifts"] = shifts or [{"name": "none", "advisors": 0, "start": "00:00",
                                  "end": "00:30"}]
    if on_lines:
        staff["shrinkage"] = 0.0
        staff["meetings"] = []
        data["callbacks"]["reserved_advisors"] = 0
    return validate(data, scenario.name)


# -- measuring intervals in a simulation --------------------------------------------------

def measure(scenario: Scenario, the_grid: Grid, targets: dict[str, Target], *, seed: int,
            replications: int, confidence: float, workers: Workers,
            store: ResultStore | None, progress: Progress | None) -> pd.DataFrame:
    """Simulate and measure each interval (see `measured_intervals`)."""
    results = run_replications(scenario, seed, range(replications), workers=workers,
                               store=store, progress=progress)
    return measured_intervals(results, scenario, the_grid, targets, confidence)


def measured_intervals(results: list[ReplicationResult], scenario: Scenario, the_grid: Grid,
                       targets: dict[str, Target], confidence: float) -> pd.DataFrame:
    """Per interval: calls offered per hour (pooled), each target KPI pooled and its
    confidence margin over replications, the share of replications meeting every interval
    target (`met_share`), and `met` (every margin >= 0)."""
    replications = len(results)
    calls = pd.concat([r.calls.assign(replication=r.replication) for r in results],
                      ignore_index=True)
    sums = interval_calls(calls, scenario, the_grid)
    frame = the_grid.frame()
    index = pd.MultiIndex.from_product([[r.replication for r in results],
                                        frame["weekday"].unique(),
                                        the_grid.starts],
                                       names=["replication", "weekday", "start_min"])
    full = sums.set_index(["replication", "weekday", "start_min"]).reindex(index, fill_value=0)
    offered = full["offered"].astype(float)
    per_rep = pd.DataFrame({
        "service_level": full["within"] / offered.where(offered > 0),
        "abandon_rate": full["abandoned"] / offered.where(offered > 0)})
    pooled = full.groupby(level=["weekday", "start_min"]).sum()
    days = offered_calls(scenario, the_grid).set_index(["weekday", "start_min"])["open_days"]
    hours = the_grid.interval_min / 60
    rows = []
    for weekday, start in zip(frame["weekday"], frame["start_min"], strict=True):
        got = pooled.loc[(weekday, start)]
        row: dict[str, Any] = {"weekday": weekday, "start_min": start}
        n_days = max(int(days.loc[(weekday, start)]), 1) * replications
        row["calls_per_hour_simulated"] = float(got["offered"]) / n_days / hours
        each = per_rep.xs((weekday, start), level=["weekday", "start_min"])
        margins, met_each = [], np.ones(replications, dtype=bool)
        for kpi, target in targets.items():
            total = float(got["offered"])
            value = (float(got["within"] if kpi == "service_level" else got["abandoned"])
                     / total) if total > 0 else math.nan
            row[f"{kpi}_simulated"] = value
            values = each[kpi].dropna()
            margin = confidence_margin(values, target, confidence) if len(values) >= 2 else (
                math.inf if total == 0 else -math.inf)
            row[f"{kpi}_margin"] = margin
            margins.append(margin)
            ok = each[kpi].to_numpy()
            met_each &= np.isnan(ok) | (ok >= target.value if target.op == ">=" else
                                        ok <= target.value)
        row["met_share"] = float(met_each.mean())
        row["met"] = all(m >= 0 for m in margins)
        rows.append(row)
    return pd.DataFrame(rows)


def effective_calls(servers: int, offered_cph: float, observed: dict[str, float],
                    work: Workload, targets: dict[str, Target]) -> float:
    """The calls per hour that Erlang A needs, with `servers`, to serve as badly as the
    simulation did: never less than the calls offered."""
    if servers <= 0 or offered_cph <= 0:
        return offered_cph
    best = offered_cph
    for kpi in targets:
        seen = observed.get(kpi, math.nan)
        if math.isnan(seen):
            continue

        def worse(cph: float, kpi: str = kpi, seen: float = seen) -> bool:
            got = _estimate(servers, cph, work)
            return (got.service_level <= seen if kpi == "service_level"
                    else got.p_abandon >= seen)

        low, high = offered_cph, offered_cph
        if worse(low):
            continue
        while not worse(high) and high < offered_cph * 1024:
            low, high = high, high * 2
        for _ in range(40):
            middle = (low + high) / 2
            low, high = (low, middle) if worse(middle) else (middle, high)
        best = max(best, high)
    return best


@dataclass
class Iteration:
    """One staffing vector simulated."""

    vector: Vector
    measured: pd.DataFrame


@dataclass
class Requirement:
    """The requirement per interval, with the iterations that led to it."""

    table: pd.DataFrame
    iterations: list[Iteration] = field(default_factory=list)
    converged: bool = False
    corrections: int = 0
    notes: list[str] = field(default_factory=list)


def simulate_requirement(scenario: Scenario, the_grid: Grid, targets: dict[str, Target],
                         start: Vector, *, seed: int, replications: int, confidence: float,
                         workers: Workers = None, store: ResultStore | None = None,
                         progress: Progress | None = None, max_iterations: int = 8,
                         max_corrections: int = 6,
                         on_iteration: Any = None) -> Requirement:
    """The iterative staffing algorithm from `start`, then confidence corrections."""
    work = workload(scenario)
    targets = interval_targets(targets)
    seen: list[Vector] = []
    iterations: list[Iteration] = []

    def run(vector: Vector) -> pd.DataFrame:
        variant = with_shifts(scenario, layered_shifts(vector, the_grid), on_lines=True)
        got = measure(variant, the_grid, targets, seed=seed, replications=replications,
                      confidence=confidence, workers=workers, store=store, progress=progress)
        iterations.append(Iteration(dict(vector), got))
        if on_iteration is not None:
            on_iteration(iterations[-1])
        return got

    vector = {k: max(1, v) for k, v in start.items()}
    converged = False
    for _ in range(max_iterations):
        seen.append(vector)
        got = run(vector)
        following: Vector = {}
        for row in got.to_dict("records"):
            key = (str(row["weekday"]), int(row["start_min"]))
            observed = {k: float(row[f"{k}_simulated"]) for k in targets}
            cph = effective_calls(vector[key], float(row["calls_per_hour_simulated"]),
                                  observed, work, targets)
            following[key] = max(1, needed(cph, work, targets))
        if following == vector:
            converged = True
            break
        if following in seen:  # a cycle: take the largest of its vectors and stop
            cycle = seen[seen.index(following):]
            vector = {k: max(v[k] for v in cycle) for k in vector}
            break
        vector = following
    measured = iterations[-1].measured if iterations and iterations[-1].vector == vector \
        else run(vector)
    corrections = 0
    while not measured["met"].all() and corrections < max_corrections:
        for day, begin in zip(measured.loc[~measured["met"], "weekday"],
                              measured.loc[~measured["met"], "start_min"], strict=True):
            vector[(str(day), int(begin))] += 1
        corrections += 1
        measured = run(vector)
    table = measured.assign(advisors_simulated=[vector[(d, s)] for d, s in
                                                zip(measured["weekday"], measured["start_min"],
                                                    strict=True)])
    notes = []
    if not converged:
        notes.append(f"the iteration did not settle in {len(seen)} rounds (a cycle or the "
                     "round limit): the largest vector of the last rounds was kept")
    if not measured["met"].all():
        notes.append(f"{int((~measured['met']).sum())} interval(s) still miss a target after "
                     f"{corrections} correction rounds")
    return Requirement(table, iterations, converged, corrections, notes)


def paid(advisors: pd.Series | np.ndarray, shrinkage: float) -> np.ndarray:
    """Advisors to pay so that `advisors` are on the lines on average."""
    return np.asarray(advisors, dtype=float) / (1 - shrinkage)


def requirement_table(scenario: Scenario, erlang: pd.DataFrame, simulated: Requirement | None,
                      targets: dict[str, Target]) -> pd.DataFrame:
    """The `requirements.csv` table: one row per weekday and interval."""
    out = erlang.copy()
    shrinkage = scenario.staff.shrinkage
    out["target"] = "; ".join(f"{k}{t.op}{t.value:g}" for k, t in targets.items())
    if simulated is not None:
        sim = simulated.table.drop(columns=["met"])
        out = out.merge(sim, on=["weekday", "start_min"], how="left")
        out["advisors_simulated"] = out["advisors_simulated"].astype(int)
        out["fte_paid"] = paid(out["advisors_simulated"], shrinkage)
    else:
        out["advisors_simulated"] = pd.NA
        out["met_share"] = math.nan
        out["fte_paid"] = paid(out["advisors_erlang_fractional"], shrinkage)
    out["fte_paid_erlang"] = paid(out["advisors_erlang_fractional"], shrinkage)
    out["shrinkage"] = shrinkage
    first = ["weekday", "start", "end", "advisors_erlang", "advisors_simulated", "target",
             "met_share", "advisors_erlang_fractional", "fte_paid", "fte_paid_erlang"]
    return out[first + [c for c in out.columns if c not in first]]


def weekly_hours(table: pd.DataFrame, interval_min: int) -> dict[str, float]:
    """Advisor-hours per week on the lines and paid, from fractional Erlang positions (summed
    before rounding) and from the simulated requirement."""
    hours = interval_min / 60
    out = {"erlang_on_lines_hours": float(table["advisors_erlang_fractional"].sum() * hours),
           "erlang_rounded_hours": float(table["advisors_erlang"].sum() * hours),
           "erlang_paid_hours": float(table["fte_paid_erlang"].sum() * hours)}
    if table["advisors_simulated"].notna().all():
        out["simulated_on_lines_hours"] = float(table["advisors_simulated"].sum() * hours)
        out["simulated_paid_hours"] = float(table["fte_paid"].sum() * hours)
    return out


def differences(table: pd.DataFrame) -> list[str]:
    """Where and why the simulated requirement differs from Erlang A, in plain words."""
    if table["advisors_simulated"].isna().any():
        return []
    diff = table["advisors_simulated"].astype(int) - table["advisors_erlang"]
    out = []
    more = table[diff > 0]
    less = table[diff < 0]
    if len(more):
        retries = (more["calls_per_hour_simulated"] > more["calls_per_hour"] * 1.05).mean()
        out.append(f"simulation needs more advisors in {len(more)} of {len(table)} intervals "
                   f"(up to +{int(diff.max())}); in {retries:.0%} of them more calls are "
                   "offered than the demand profile says (retries of abandoned or closed "
                   "calls); elsewhere callbacks, research and backlogs take advisors off "
                   "the calls")
    if len(less):
        out.append(f"simulation needs fewer advisors in {len(less)} intervals (down to "
                   f"{int(diff.min())}): Erlang A spreads the other work evenly with the calls "
                   "and treats each interval as a steady queue; in the simulation deferrable "
                   "work waits for quiet intervals")
    if len(more) or len(less):
        order = diff.abs().sort_values(ascending=False, kind="stable").index[:5]
        rows = table.loc[order].to_dict("records")
        where = [f"{r['weekday']} {r['start']} ({int(r['advisors_erlang'])} -> "
                 f"{int(r['advisors_simulated'])}, calls offered "
                 f"{float(r['calls_per_hour_simulated']):.1f}/h against "
                 f"{float(r['calls_per_hour']):.1f}/h expected)" for r in rows]
        out.append("largest differences: " + "; ".join(where))
    if not out:
        out.append("the two agree in every interval")
    return out


def check_start(scenario: Scenario) -> None:
    """RequirementError if by-interval staffing cannot apply to this scenario."""
    if scenario.staff.groups:
        raise RequirementError("by-interval staffing works on one pool of advisors; this "
                               "scenario has [[staff.groups]]")
    if scenario.channel.mode != "inbound":
        raise RequirementError("by-interval staffing needs live calls (channel.mode = "
                               "\"inbound\")")
    try:
        with_shifts(scenario, [], on_lines=True)
    except ScenarioError as exc:
        raise RequirementError(f"the scenario cannot be staffed by shifts: {exc}") from None
