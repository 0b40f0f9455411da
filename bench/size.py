"""Memory per simulated contact: the figure behind `sim.scenario.size.BYTES_PER_CONTACT`.

Runs one inbound line (one source, exponential talk, advisors for the load) at a given daily
volume, or a scenario file (`--scenario`), for a number of replications, serially, and prints
the peak resident memory the run added divided by the contacts it simulated (tables kept
included). Run each size in a fresh process: the peak is the process's.

    python bench/size.py --per-day 50000 --replications 1     # 0.85 million calls: 1.26 kB each
    python bench/size.py --per-day 20000 --replications 3     # 1.0 million calls: 1.26 kB each
    python bench/size.py --scenario FILE                      # e.g. das-inhouse-48h extended
                                                              # with volume_factor = 10: 2.6 kB
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from datetime import date, timedelta

from sim.runs.runner import run
from sim.scenario import estimate_size, load_scenario, validate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=20_000)
    parser.add_argument("--replications", type=int, default=1)
    parser.add_argument("--days", type=int, default=23)
    parser.add_argument("--scenario", help="A scenario file instead of the inbound line.")
    args = parser.parse_args()
    start = date(2024, 1, 1)
    scenario = load_scenario(args.scenario) if args.scenario else validate({
        "name": "size",
        "horizon": {"start": start, "end": start + timedelta(days=args.days - 1)},
        "sources": [{"name": "a", "volume": {"per_day": args.per_day}}],
        "case_types": [{"name": "c", "share": 1.0,
                        "talk": {"dist": "exponential", "mean": "2min"}}],
        "staff": {"advisors": max(1, args.per_day // 150)},
    })
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    began = time.perf_counter()
    result = run(scenario, replications=args.replications, seed=1, workers=1)
    added = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    contacts = len(result.contacts)
    expected = estimate_size(scenario, args.replications).total_contacts
    print(f"{contacts:,} contacts (estimated {expected:,.0f}) in "
          f"{time.perf_counter() - began:.1f} s: peak memory +{added / 1e6:,.0f} MB, "
          f"{added / max(contacts, 1):,.0f} bytes a contact")


if __name__ == "__main__":
    main()
