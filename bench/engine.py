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

Then, in seconds, one replication of a year of the reference helpline (`rac-pilot-2012`).

Usage: `python bench/engine.py [--repeats 7] [--json out.json]`
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from bench.baselines import make_data, measure, run_ciw, run_simpy_calendar  # noqa: E402
from sim.engine.model import draw, simulate  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "mmc-bench.toml"
REFERENCE = ROOT / "scenarios" / "rac-pilot-2012.toml"  # a year of the reference helpline


def _median_per_100k(fn, callers, repeats):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 100_000 / callers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    scenario = load_scenario(SCENARIO)
    members = draw(scenario, 1, 0)
    callers = len(members.contacts)
    tables = simulate(members)  # warm-up, and a sanity line below
    calls = tables.calls
    abandon = float((calls["outcome"] == "abandoned").mean())

    data = make_data(callers)  # the baselines get as many callers as our engine
    baseline = measure(run_simpy_calendar, data, args.repeats)
    ciw = measure(run_ciw, data, max(1, args.repeats // 3))  # slow: fewer repeats
    ours_sim = _median_per_100k(lambda: simulate(members), callers, args.repeats)
    ours_rep = _median_per_100k(lambda: simulate(draw(scenario, 1, 0)), callers, args.repeats)
    ours_api = _median_per_100k(lambda: sim.run(scenario, replications=1, seed=1, workers=1),
                                callers, args.repeats)
    rows = {
        "Ciw": ciw,
        "simpy_calendar (reference)": baseline,
        "helpline-sim simulate": ours_sim,
        "helpline-sim replication": ours_rep,
        "helpline-sim sim.run (API)": ours_api,
    }
    print(f"M/M/15+M at 90 % load, {callers:,} callers per run, median of {args.repeats}")
    print(f"{'engine':30s} {'s/100k':>8s} {'x ref':>6s}")
    for name, value in rows.items():
        print(f"{name:30s} {value:8.4f} {value / baseline:6.2f}")
    print(f"abandonment share (Erlang A: about 0.054): {abandon:.4f}")

    year = load_scenario(REFERENCE)
    year_members = draw(year, 1, 0)
    seconds = {
        "replication": _median_per_100k(lambda: simulate(draw(year, 1, 0)), 100_000,
                                        args.repeats),
        "sim.run (API)": _median_per_100k(
            lambda: sim.run(year, replications=1, seed=1, workers=1), 100_000, args.repeats),
    }
    print(f"a year of {year.name} ({len(year_members.contacts):,} contacts), seconds: "
          + ", ".join(f"{name} {value:.3f}" for name, value in seconds.items()))
    if args.json:
        args.json.write_text(json.dumps({**rows, "callers": callers,
                                         "reference_year_seconds": seconds}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
