"""Time our engine against the reference engines, in the same run, on the same model.

The model of design note 9: M/M/15 at 90 % load with exponential patience (mean handle
time 3 min, patience 5 min), 24/7, about 200,000 callers. Our engine runs it from a scenario
(`scenarios/mmc-bench.toml`) and records its full tables; Ciw and the minimal callback-driven SimPy
loop (`simpy_calendar`, the reference) get the same number of callers in the same run. Figures
are medians, in seconds per 100,000 callers:

- `simulate`: the SimPy run plus building the record tables, from members already drawn
  (comparable with the baselines, which are handed pre-drawn arrays);
- `replication`: everything, including drawing arrivals and member attributes;
- `sim.run (API)`: the public API, one replication in this process, KPIs and summaries included.

The reference and our three figures are timed in turn within each repeat (reference, simulate,
replication, sim.run, then again), so that a machine whose load changes during the run slows
them alike. `--clock cpu` times the process's CPU time instead of the wall clock: on a machine
shared with other work it leaves out the time spent waiting for a core (on an idle machine the
two agree). The load average is printed before and after.

Then, in seconds, one replication of a year of the reference helpline (`rac-pilot-2012`).

Usage: `python bench/engine.py [--repeats 7] [--clock wall|cpu] [--json out.json]`
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from bench.baselines import WARMUP_CALLERS, make_data, run_ciw, run_simpy_calendar  # noqa: E402
from sim.engine.model import draw, simulate  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "mmc-bench.toml"
REFERENCE = ROOT / "scenarios" / "rac-pilot-2012.toml"  # a year of the reference helpline
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
REFERENCE_NAME = "simpy_calendar (reference)"


def interleaved(fns: dict[str, Callable[[], object]], repeats: int,
                clock: Callable[[], float]) -> dict[str, list[float]]:
    """Seconds of each function over `repeats` rounds, each round running every function once
    in turn (the cycle collector runs before each, as in `bench.baselines.measure`)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            start = clock()
            fn()
            times[name].append(clock() - start)
    return times


def load() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    clock = CLOCKS[args.clock]
    load_before = load()

    scenario = load_scenario(SCENARIO)
    members = draw(scenario, 1, 0)
    callers = len(members.contacts)
    tables = simulate(members)  # warm-up, and a sanity line below
    calls = tables.calls
    abandon = float((calls["outcome"] == "abandoned").mean())
    del tables, calls

    data = make_data(callers)  # the baselines get as many callers as our engine
    run_simpy_calendar(*data.head(WARMUP_CALLERS))
    sim.run(scenario, replications=1, seed=1, workers=1)  # warm-up
    times = interleaved({
        REFERENCE_NAME: lambda: run_simpy_calendar(*data),
        "helpline-sim simulate": lambda: simulate(members),
        "helpline-sim replication": lambda: simulate(draw(scenario, 1, 0)),
        "helpline-sim sim.run (API)": lambda: sim.run(scenario, replications=1, seed=1,
                                                      workers=1),
    }, args.repeats, clock)
    run_ciw(*data.head(WARMUP_CALLERS))
    times["Ciw"] = interleaved({"Ciw": lambda: run_ciw(*data)}, max(1, args.repeats // 3),
                               clock)["Ciw"]  # slow: fewer repeats
    per_100k = {name: statistics.median(values) * 100_000 / callers
                for name, values in times.items()}
    baseline = per_100k[REFERENCE_NAME]
    rows = {name: per_100k[name] for name in ("Ciw", REFERENCE_NAME, "helpline-sim simulate",
                                              "helpline-sim replication",
                                              "helpline-sim sim.run (API)")}
    print(f"M/M/15+M at 90 % load, {callers:,} callers per run, median of {args.repeats} "
          f"({args.clock} clock; load average {load_before} before)")
    print(f"{'engine':30s} {'s/100k':>8s} {'x ref':>6s}")
    for name, value in rows.items():
        print(f"{name:30s} {value:8.4f} {value / baseline:6.2f}")
    print(f"abandonment share (Erlang A: about 0.054): {abandon:.4f}")

    year = load_scenario(REFERENCE)
    contacts = len(draw(year, 1, 0).contacts)
    year_times = interleaved({
        "replication": lambda: simulate(draw(year, 1, 0)),
        "sim.run (API)": lambda: sim.run(year, replications=1, seed=1, workers=1),
    }, args.repeats, clock)
    seconds = {name: statistics.median(values) for name, values in year_times.items()}
    print(f"a year of {year.name} ({contacts:,} contacts), seconds: "
          + ", ".join(f"{name} {value:.3f}" for name, value in seconds.items()))
    print(f"load average after: {load()}")
    if args.json:
        args.json.write_text(json.dumps({**rows, "callers": callers, "clock": args.clock,
                                         "load_before": load_before, "load_after": load(),
                                         "reference_year_seconds": seconds}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
