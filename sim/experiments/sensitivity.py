"""What would change the verdict: one-at-a-time sensitivity, switching values, and draws.

A comparison of two options rests on contested numbers (the provider's defect rate, its price,
how often members can be reached). This module moves each of them over its range
(`sim.experiments.ranges`) and measures, on the same members (common random numbers: every
variant runs on the same seed and replications), the paired difference of each KPI between the
option and the base at the low and at the high end: a tornado. Where the difference changes
sign inside the range, the value at which it does, the switching value, is found by bisection on
the mean paired difference (then linear interpolation inside the last bracket). Its 95 % interval
is the set of values at which the difference's own 95 % interval contains zero (test inversion:
the replications' spread, read off every value simulated, the two interval ends simulated once
more). A value moved in only one option (the provider's price) leaves the other as it is.

With `draws`, every moved value is drawn at once, uniformly in its range, `draws` times (keyed
on the seed: the same draws every time), and the share of draws in which the verdict on each KPI
keeps its sign is given with its Wilson 95 % interval (where the files' values give a clear
verdict: an interval of the difference that excludes zero).

Every replication goes through the result store, so an interrupted analysis started again
recomputes nothing; the tasks of one step run together, on local processes or a Dask cluster
(`sim.runs.execution`).
"""

from __future__ import annotations

import itertools
import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.ranges import Range
from sim.experiments.repricing import money_only, reprice, trustworthy
from sim.glossary import KPIS
from sim.measures.kpis import mean_ci
from sim.outputs import (
    file_digest,
    provenance,
    scenario_hash,
    source_digest,
    with_french,
    write_csv,
    write_text,
)
from sim.runs.execution import Progress, Task, Workers, execute
from sim.runs.replication import ReplicationResult
from sim.runs.runner import ReplicationError
from sim.runs.store import ResultStore
from sim.scenario import Scenario, with_overrides

TORNADO_COLUMNS = ["assumption", "value_low", "value_high", "kpi", "diff_low", "diff_low_ci_low",
                   "diff_low_ci_high", "diff_high", "diff_high_ci_low", "diff_high_ci_high"]
SWITCHING_COLUMNS = ["assumption", "kpi", "switching_value", "ci_low", "ci_high", "note"]
NO_SWITCH = "no switch in the range"
NO_DIFFERENCE = "no difference at all"
WITHIN_CHANCE = "the sign changes only within chance"
DRAW_STREAM = 9_001
"""Keys the draws' generator apart from every simulation stream."""


def promise_kpi() -> str:
    """The KPI that says whether the promise is kept: members answered right and on time when
    the glossary has it, else callbacks on time."""
    return "right_on_time_rate" if "right_on_time_rate" in KPIS else "callback_on_time_rate"


@dataclass
class Diff:
    """The paired difference (option minus base) of each KPI at one value of one key."""

    x: float
    per_replication: dict[str, np.ndarray]

    def ci(self, kpi: str) -> tuple[float, float, float]:
        """Mean and 95 % interval of the difference."""
        stats = mean_ci(self.per_replication[kpi])
        return stats["mean"], stats["ci_low"], stats["ci_high"]


@dataclass
class Sensitivity:
    """The tornado, the switching values and (with draws) how often the verdict holds."""

    base: Scenario
    option: Scenario
    ranges: list[Range]
    kpis: list[str]
    tornado: pd.DataFrame
    switching: pd.DataFrame
    nominal: dict[str, tuple[float, float, float]]  # kpi -> paired difference at the file values
    draws: pd.DataFrame | None = None
    holds: pd.DataFrame | None = None
    simulated: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    """(key, KPI) -> every value of the key simulated while seeking its switching value."""
    manifest: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: str | Path, french: bool = False) -> Path:
        """`sensitivity.csv`, `switching.csv` (and `draws.csv`, `holds.csv`), then
        `sensitivity.json` naming them with their SHA-256. They stay out of the folder's
        manifest, so that a later comparison of the same options keeps them; the report shows
        them only while their checksums and the options' fingerprints still match."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "sensitivity.json").unlink(missing_ok=True)
        write_csv(folder / "sensitivity.csv", self.tornado, french)
        write_csv(folder / "switching.csv", self.switching, french)
        files = ["sensitivity.csv", "switching.csv"]
        if self.draws is not None and self.holds is not None:
            write_csv(folder / "draws.csv", self.draws, french)
            write_csv(folder / "holds.csv", self.holds, french)
            files += ["draws.csv", "holds.csv"]
        digests = {name: file_digest(folder / name) for name in with_french(files, french)}
        write_text(folder / "sensitivity.json",
                   json.dumps({**self.manifest, "files": digests}, indent=2, default=str)
                   + "\n")
        return folder


class _Runner:
    """Runs variants of both options in batches through the store, with one progress bar."""

    def __init__(self, base: Scenario, option: Scenario, replications: int, seed: int,
                 workers: Workers, store: ResultStore | None, scheduler: Any,
                 progress: Progress | None, expected: int) -> None:
        self.options = (base, option)
        self.replications, self.seed = replications, seed
        self.workers, self.store, self.scheduler = workers, store, scheduler
        self.progress, self.done, self.expected = progress, 0, expected
        self.computed = self.reused = self.repriced = 0
        self._kpis: dict[str, list[dict[str, float]]] = {}
        self._nominal: list[list[ReplicationResult]] = []
        self._repriceable: tuple[bool, ...] = (False, False)

    def variant(self, which: int, changes: dict[str, float | int]) -> Scenario:
        """An option with some values changed (those it does not have left out)."""
        return with_overrides(self.options[which], changes) if changes else self.options[which]

    def start(self) -> None:
        """Run both options at the files' values, keeping their member tables (the comparison
        reuses them, and prices are counted again from them)."""
        results = self._results(list(self.options), detail=True)
        self._nominal = results
        self._repriceable = tuple(trustworthy(r, s) for r, s in zip(results, self.options,
                                                                      strict=True))
        for scenario, found in zip(self.options, results, strict=True):
            self._kpis[scenario_hash(scenario)] = [_row(r) for r in found]

    def kpis(self, specs: list[tuple[int, dict[str, float | int]]]
             ) -> list[list[dict[str, float]]]:
        """Each (option, changes)'s KPI rows, replication by replication; variants that change
        only prices are counted again from the option's own replications, the others are
        simulated in one batch."""
        scenarios = [self.variant(w, c) for w, c in specs]
        for (which, changes), scenario in zip(specs, scenarios, strict=True):
            key = scenario_hash(scenario)
            if key not in self._kpis and money_only(changes) and self._repriceable[which]:
                self._kpis[key] = [reprice(r, scenario) for r in self._nominal[which]]
                self.repriced += self.replications
        self._results([s for s in scenarios if scenario_hash(s) not in self._kpis])
        return [self._kpis[scenario_hash(s)] for s in scenarios]

    def _results(self, scenarios: list[Scenario], detail: bool = False
                 ) -> list[list[ReplicationResult]]:
        """Simulate (or read from the store) every replication of each scenario, in one
        batch; their KPI rows are kept."""
        keyed = {scenario_hash(s): s for s in scenarios}
        tasks = [Task(keyed[h], self.seed, r, tag=h, detail=detail)
                 for h in keyed for r in range(self.replications)]
        self.expected = max(self.expected, self.done + len(tasks))
        found: dict[str, dict[int, ReplicationResult]] = {h: {} for h in keyed}
        errors = []
        for outcome in execute(tasks, workers=self.workers, scheduler=self.scheduler,
                               store=self.store, version=source_digest(),
                               progress=self._step):
            if outcome.result is None:
                errors.append(f"{outcome.task.scenario.name} replication "
                              f"{outcome.task.replication}: {outcome.error}")
                continue
            self.reused += outcome.from_store
            self.computed += not outcome.from_store
            found[outcome.task.tag][outcome.task.replication] = outcome.result
        if errors:
            raise ReplicationError(f"{len(errors)} replication(s) failed\n" + "\n".join(errors))
        for h in keyed:
            self._kpis[h] = [_row(found[h][r]) for r in range(self.replications)]
        return [[found[scenario_hash(s)][r] for r in range(self.replications)]
                for s in scenarios]

    def _step(self, count: int, _total: int) -> None:
        if self.progress is not None:
            self.progress(self.done + count, self.expected)
        if count == _total:
            self.done += count

    def diffs(self, points: list[tuple[Range | None, float]], kpis: list[str]) -> list[Diff]:
        """The paired differences at each (range, value) point (None: the file's values)."""
        specs: list[tuple[int, dict[str, float | int]]] = [
            (w, {spec.key: spec.value(x)} if spec is not None and spec.applies(w) else {})
            for spec, x in points for w in (0, 1)]
        rows = self.kpis(specs)
        out = []
        for i, (spec, x) in enumerate(points):
            base, option = rows[2 * i], rows[2 * i + 1]
            at = x if spec is None else float(spec.value(x))
            out.append(Diff(at, {k: np.array([o[k] - b[k] for b, o in zip(base, option,
                                                                          strict=True)],
                                             dtype=float) for k in kpis}))
        return out


def _row(result: ReplicationResult) -> dict[str, float]:
    return {k: float(v) for k, v in result.kpis.items()}


def analyse(
    base: Scenario,
    option: Scenario,
    ranges: list[Range],
    kpis: list[str],
    *,
    replications: int | None = None,
    seed: int | None = None,
    draws: int = 0,
    workers: Workers = None,
    store: ResultStore | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
    tolerance: float = 1 / 64,
) -> Sensitivity:
    """The tornado and the switching values of `option` against `base` (and, with `draws`,
    the probabilistic verdict). `tolerance`: the bisection stops when its bracket is narrower
    than this share of the range."""
    unknown = [k for k in kpis if k not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI {unknown[0]!r}")
    if not ranges:
        raise ValueError("nothing to vary: give --vary KEY=LOW:HIGH")
    n = base.run.replications if replications is None else replications
    if n < 2:
        raise ValueError("an interval needs at least 2 replications")
    seed = base.run.seed if seed is None else seed
    started, clock = datetime.now(UTC), time.perf_counter()
    sides = sum(1 + r.applies(0) for r in ranges if not money_only({r.key: 0}))  # simulated
    runner = _Runner(base, option, n, seed, workers, store, scheduler, progress,
                     expected=(2 + 2 * sides + draws * 2) * n)
    runner.start()
    nominal = runner.diffs([(None, math.nan)], kpis)[0]
    ends = runner.diffs([(r, x) for r in ranges for x in (r.low, r.high)], kpis)
    tornado = []
    for i, spec in enumerate(ranges):
        low, high = ends[2 * i], ends[2 * i + 1]
        for kpi in kpis:
            tornado.append([spec.key, spec.value(spec.low), spec.value(spec.high), kpi,
                            *low.ci(kpi), *high.ci(kpi)])
    switching, simulated = _switching(runner, ranges, kpis, nominal, ends, tolerance)
    result = Sensitivity(base, option, ranges, kpis, pd.DataFrame(tornado,
                                                                   columns=TORNADO_COLUMNS),
                         switching, {k: nominal.ci(k) for k in kpis}, simulated=simulated)
    if draws:
        result.draws, result.holds = _draws(runner, ranges, kpis, nominal, draws, seed)
    result.manifest = {
        "base": base.name, "option": option.name,
        "scenarios": [{"name": s.name, "scenario_sha256": scenario_hash(s)}
                      for s in (base, option)],
        "seed": seed, "replications": n, "draws": draws, "kpis": kpis,
        "ranges": [{"key": r.key, "low": r.low, "high": r.high, "source": r.source,
                    "base_value": r.nominal[0], "option_value": r.nominal[1]} for r in ranges],
        "nominal": {k: dict(zip(("diff_mean", "diff_ci_low", "diff_ci_high"), v, strict=True))
                    for k, v in result.nominal.items()},
        "results_computed": runner.computed, "results_reused": runner.reused,
        "results_repriced": runner.repriced,
        **provenance(),
        "started": started.isoformat(timespec="seconds"),
        "runtime_s": round(time.perf_counter() - clock, 3),
    }
    return result


def _clear(diff: Diff, kpi: str) -> int:
    """The sign of a difference whose 95 % interval excludes zero (0 otherwise)."""
    _mean, low, high = diff.ci(kpi)
    return 1 if low > 0 else -1 if high < 0 else 0


def _sign(value: float) -> int:
    return 0 if math.isnan(value) else int(np.sign(value))


def _switching(runner: _Runner, ranges: list[Range], kpis: list[str], nominal: Diff,
               ends: list[Diff], tolerance: float
               ) -> tuple[pd.DataFrame, dict[tuple[str, str], list[float]]]:
    """Bisect every (range, KPI) whose mean difference changes sign, all in step."""
    seen: dict[tuple[int, str], list[Diff]] = {}
    brackets: dict[tuple[int, str], tuple[Diff, Diff]] = {}
    notes: dict[tuple[int, str], str] = {}
    for i, spec in enumerate(ranges):
        for kpi in kpis:
            known = [ends[2 * i], ends[2 * i + 1]]
            base_value, option_value = spec.nominal
            centre = option_value if option_value is not None else base_value
            shared = None in spec.nominal or base_value == option_value
            if centre is not None and shared and spec.low < centre < spec.high:
                known.append(Diff(centre, nominal.per_replication))
            known.sort(key=lambda d: d.x)
            seen[(i, kpi)] = known
            # a switch: the mean changes sign, and at least one side is clear of chance
            pair = next(((a, b) for a, b in itertools.pairwise(known)
                         if _sign(a.ci(kpi)[0]) * _sign(b.ci(kpi)[0]) < 0
                         and (_clear(a, kpi) or _clear(b, kpi))), None)
            if pair is not None:
                brackets[(i, kpi)] = pair
            elif all(np.all(d.per_replication[kpi] == 0) for d in known):
                notes[(i, kpi)] = NO_DIFFERENCE
            elif any(_sign(a.ci(kpi)[0]) * _sign(b.ci(kpi)[0]) < 0
                     for a, b in itertools.pairwise(known)):
                notes[(i, kpi)] = WITHIN_CHANCE
            else:
                notes[(i, kpi)] = NO_SWITCH
    while True:
        open_ = {key: (a, b) for key, (a, b) in brackets.items()
                 if abs(b.x - a.x) > max(tolerance * (ranges[key[0]].high - ranges[key[0]].low),
                                         1.0 if ranges[key[0]].integer else 0.0)}
        if not open_:
            break
        keys = list(open_)
        middles = runner.diffs([(ranges[i], (open_[(i, k)][0].x + open_[(i, k)][1].x) / 2)
                                for i, k in keys], kpis)
        for (i, kpi), middle in zip(keys, middles, strict=True):
            a, b = open_[(i, kpi)]
            seen[(i, kpi)].append(middle)
            same_as_a = _sign(middle.ci(kpi)[0]) == _sign(a.ci(kpi)[0])
            brackets[(i, kpi)] = (middle, b) if same_as_a else (a, middle)
    estimates: dict[tuple[int, str], float] = {}
    for key, (a, b) in brackets.items():
        ya, yb = a.ci(key[1])[0], b.ci(key[1])[0]
        x = a.x + (b.x - a.x) * (0 - ya) / (yb - ya) if yb != ya else (a.x + b.x) / 2
        estimates[key] = x
    # the interval's ends, read off what was simulated, then simulated once more each
    first = {key: _inverted(seen[key], key[1], x, ranges[key[0]])
             for key, x in estimates.items()}
    probes = [(key, end) for key, (lo, hi, _n) in first.items() for end in (lo, hi)
              if ranges[key[0]].low < end < ranges[key[0]].high]
    for (key, _end), diff in zip(probes, runner.diffs([(ranges[k[0]], e) for k, e in probes],
                                                      kpis), strict=True):
        seen[key].append(diff)
    rows = []
    for i, spec in enumerate(ranges):
        for kpi in kpis:
            key = (i, kpi)
            if key not in estimates:
                rows.append([spec.key, kpi, math.nan, math.nan, math.nan, notes[key]])
                continue
            lo, hi, note = _inverted(seen[key], kpi, estimates[key], spec)
            rows.append([spec.key, kpi, estimates[key], lo, hi, note])
    simulated = {(ranges[i].key, kpi): sorted(d.x for d in known)
                 for (i, kpi), known in seen.items()}
    return pd.DataFrame(rows, columns=SWITCHING_COLUMNS), simulated


def _inverted(known: list[Diff], kpi: str, x: float, spec: Range) -> tuple[float, float, str]:
    """The values around `x` at which the difference's 95 % interval contains zero."""
    known = sorted(known, key=lambda d: d.x)
    return crossing_interval(np.array([d.x for d in known]),
                             np.array([d.ci(kpi)[1] for d in known]),
                             np.array([d.ci(kpi)[2] for d in known]), x, spec.low, spec.high)


def crossing_interval(xs: np.ndarray, lows: np.ndarray, highs: np.ndarray, at: float,
                      start: float | None = None, end: float | None = None
                      ) -> tuple[float, float, str]:
    """Where a difference crosses zero, give or take chance: the values around `at` at which
    its 95 % interval (`lows`, `highs` at `xs`, interpolated linearly between them) contains
    zero, within `[start, end]` (default: the values given). The note says when the interval
    runs to an end of the range (the true bound may lie beyond it)."""
    order = np.argsort(xs)
    xs, lows, highs = xs[order], lows[order], highs[order]
    start = float(xs[0]) if start is None else start
    end = float(xs[-1]) if end is None else end
    grid = np.linspace(start, end, 4001)
    inside = (np.interp(grid, xs, lows) <= 0) & (np.interp(grid, xs, highs) >= 0)
    here = int(np.argmin(np.abs(grid - at)))
    inside[here] = True
    left = here
    while left > 0 and inside[left - 1]:
        left -= 1
    right = here
    while right < len(grid) - 1 and inside[right + 1]:
        right += 1
    edges = [side for side, edge in (("low", left == 0), ("high", right == len(grid) - 1))
             if edge]
    note = (f"the interval reaches the {' and '.join(edges)} end of the range" if edges else "")
    return float(grid[left]), float(grid[right]), note


def _draws(runner: _Runner, ranges: list[Range], kpis: list[str], nominal: Diff, draws: int,
           seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every range drawn at once, uniformly; per KPI, the share of draws keeping the sign of
    the difference at the file's values (Wilson 95 % interval)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, DRAW_STREAM]))
    values = [{r.key: r.value(float(rng.uniform(r.low, r.high))) for r in ranges}
              for _ in range(draws)]
    rows_kpis = runner.kpis([(w, {r.key: v[r.key] for r in ranges if r.applies(w)})
                             for v in values for w in (0, 1)])
    rows, holds = [], []
    for d, drawn in enumerate(values):
        base, option = rows_kpis[2 * d], rows_kpis[2 * d + 1]
        row: dict[str, Any] = {"draw": d, **drawn}
        for kpi in kpis:
            diff = mean_ci(np.array([o[kpi] - b[kpi] for b, o in zip(base, option,
                                                                        strict=True)]))
            row.update({f"{kpi}_diff": diff["mean"], f"{kpi}_diff_ci_low": diff["ci_low"],
                        f"{kpi}_diff_ci_high": diff["ci_high"]})
        rows.append(row)
    table = pd.DataFrame(rows)
    for kpi in kpis:
        sign = _clear(nominal, kpi)  # a verdict only where the files' values give a clear one
        kept = int((np.sign(table[f"{kpi}_diff"].to_numpy(dtype=float)) == sign).sum())
        low, high = wilson(kept, draws) if sign else (math.nan, math.nan)
        holds.append({"kpi": kpi, "verdict_sign": sign, "draws": draws,
                      "holds": kept if sign else math.nan,
                      "share": kept / draws if sign else math.nan, "ci_low": low,
                      "ci_high": high})
    return table, pd.DataFrame(holds)


def wilson(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95 % interval of a proportion."""
    if trials == 0:
        return math.nan, math.nan
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (
        1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)
