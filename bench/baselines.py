"""Reference engines for the speed benchmark (design note 9).

One model: an Erlang A queue. 15 advisors, exponential handle time with mean 3 minutes,
Poisson arrivals at lambda = 0.9 * 15 / 3 per minute (90 % load), exponential patience with
mean 5 minutes, FCFS, callers who run out of patience leave for good. Time unit: minutes.

Every implementation is a plain function

    run_<name>(interarrivals, service, patience, servers) -> (n_abandoned, sum_wait_answered)

fed with the same pre-drawn numpy arrays (see :func:`make_data`), so that drawing random numbers
is not timed and all engines can be cross-checked caller by caller. ``interarrivals`` holds the
gaps between successive arrivals (caller ``i`` arrives at ``interarrivals[:i + 1]`` summed left
to right, which is what every event calendar computes); ``service[i]`` and ``patience[i]``
belong to caller ``i``. Each engine records, as a real simulator would, one outcome code and one
wait per caller (``_sim_<name>`` returns that record; ``run_<name>`` reduces it).

Run ``python bench/baselines.py --help``; ``bench/README.md`` explains each baseline. A later
``bench/engine.py`` times our own engine in the same run with::

    from bench.baselines import make_data, measure, run_simpy_calendar
"""

from __future__ import annotations

import argparse
import gc
import heapq
import json
import os
import platform
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import simpy
from simpy.events import NORMAL

try:
    import ciw
except ImportError:  # optional: pip install ciw (or the project's "bench" extra)
    ciw = None

try:
    import numba
except ImportError:  # optional: pip install numba
    numba = None

SERVERS = 15
MEAN_SERVICE = 3.0  # minutes
LOAD = 0.9
ARRIVAL_RATE = LOAD * SERVERS / MEAN_SERVICE  # callers per minute
MEAN_PATIENCE = 5.0  # minutes
PER = 100_000  # timings are reported in seconds per this many callers
WARMUP_CALLERS = 2_000

# Outcome codes recorded per caller.
WAITING = 0  # not resolved yet (must not remain at the end of a run)
ANSWERED = 1
ABANDONED = 2


class BenchData(NamedTuple):
    """Pre-drawn input shared by every engine: ``fn(*data)`` runs engine ``fn`` on it."""

    interarrivals: np.ndarray
    service: np.ndarray
    patience: np.ndarray
    servers: int = SERVERS

    @property
    def callers(self) -> int:
        return len(self.interarrivals)

    def head(self, n: int) -> BenchData:
        """The first ``n`` callers (used for warm-up runs)."""
        return BenchData(self.interarrivals[:n], self.service[:n], self.patience[:n], self.servers)


Record = tuple[Sequence[int], Sequence[float]]  # (outcome code per caller, wait per caller)
Summary = tuple[int, float]  # (n_abandoned, sum_wait_answered)


def make_data(n: int = PER, seed: int = 1, servers: int = SERVERS) -> BenchData:
    """Draw the inputs for ``n`` callers from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return BenchData(
        interarrivals=rng.exponential(1.0 / ARRIVAL_RATE, n),
        service=rng.exponential(MEAN_SERVICE, n),
        patience=rng.exponential(MEAN_PATIENCE, n),
        servers=servers,
    )


def summarise(record: Record) -> Summary:
    """Reduce a per-caller record to ``(n_abandoned, sum_wait_answered)``.

    Shared by all engines so that equal records give bit-identical sums.
    """
    outcome = np.asarray(record[0], dtype=np.uint8)
    wait = np.asarray(record[1], dtype=np.float64)
    answered = outcome == ANSWERED
    return int(np.count_nonzero(outcome == ABANDONED)), float(wait[answered].sum())


# --------------------------------------------------------------------------------------------
# 1. Ciw
# --------------------------------------------------------------------------------------------

if ciw is not None:

    class _Gaps(ciw.dists.Distribution):
        """Inter-arrival times read in order from the pre-drawn array, then no more arrivals."""

        def __init__(self, values: list[float]) -> None:
            self.values = values
            self.next = iter(values).__next__

        def __deepcopy__(self, memo: dict) -> _Gaps:  # Ciw deep-copies its distributions
            return type(self)(self.values)

        def sample(self, t=None, ind=None):
            try:
                return self.next()
            except StopIteration:
                return float("inf")

    class _PerCaller(ciw.dists.Distribution):
        """Service or patience time of the caller itself (Ciw numbers callers from 1)."""

        def __init__(self, values: list[float]) -> None:
            self.values = values

        def __deepcopy__(self, memo: dict) -> _PerCaller:
            return type(self)(self.values)

        def sample(self, t=None, ind=None):
            return self.values[ind.id_number - 1]


def _sim_ciw(interarrivals, service, patience, servers) -> Record:
    if ciw is None:
        raise RuntimeError("ciw is not installed (pip install ciw)")
    n = len(interarrivals)
    network = ciw.create_network(
        arrival_distributions=[_Gaps(interarrivals.tolist())],
        service_distributions=[_PerCaller(service.tolist())],
        reneging_time_distributions=[_PerCaller(patience.tolist())],
        number_of_servers=[servers],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(n, method="Finish")  # answered or abandoned
    outcome = bytearray(n)
    wait = [0.0] * n
    for rec in sim.get_all_records():
        i = rec.id_number - 1
        outcome[i] = ANSWERED if rec.record_type == "service" else ABANDONED
        wait[i] = rec.waiting_time
    return outcome, wait


def run_ciw(interarrivals, service, patience, servers) -> Summary:
    """Ciw, fed through distributions that read the pre-drawn arrays; reneging for patience."""
    return summarise(_sim_ciw(interarrivals, service, patience, servers))


# --------------------------------------------------------------------------------------------
# 2. SimPy, one process per caller
# --------------------------------------------------------------------------------------------


def _sim_simpy_process(interarrivals, service, patience, servers) -> Record:
    gaps, svc, pat = interarrivals.tolist(), service.tolist(), patience.tolist()
    n = len(gaps)
    env = simpy.Environment()
    advisors = simpy.Resource(env, capacity=servers)
    outcome = bytearray(n)
    wait = [0.0] * n

    def caller(i):
        arrived = env.now
        with advisors.request() as req:
            yield req | env.timeout(pat[i])
            wait[i] = env.now - arrived
            if req.triggered:
                outcome[i] = ANSWERED
                yield env.timeout(svc[i])
            else:
                outcome[i] = ABANDONED  # leaving the with-block withdraws the request

    def source():
        for i, gap in enumerate(gaps):
            yield env.timeout(gap)
            env.process(caller(i))

    env.process(source())
    env.run()
    return outcome, wait


def run_simpy_process(interarrivals, service, patience, servers) -> Summary:
    """SimPy, one process per caller, ``simpy.Resource`` advisors, ``req | timeout``."""
    return summarise(_sim_simpy_process(interarrivals, service, patience, servers))


# --------------------------------------------------------------------------------------------
# 3. SimPy, long-lived advisor processes pulling callers from a Store
# --------------------------------------------------------------------------------------------


def _sim_simpy_store(interarrivals, service, patience, servers) -> Record:
    gaps, svc, pat = interarrivals.tolist(), service.tolist(), patience.tolist()
    n = len(gaps)
    env = simpy.Environment()
    timeout = env.timeout
    queue = simpy.Store(env)
    get, put, idle_advisors = queue.get, queue.put, queue.get_queue
    outcome = bytearray(n)
    arrived = [0.0] * n
    wait = [0.0] * n

    def out_of_patience(ev):
        i = ev.value
        if outcome[i] == WAITING:  # still in the Store: dropped lazily by the next advisor
            outcome[i] = ABANDONED
            wait[i] = env.now - arrived[i]

    def advisor():
        while True:
            i = yield get()
            if outcome[i] == WAITING:
                outcome[i] = ANSWERED
                wait[i] = env.now - arrived[i]
                yield timeout(svc[i])

    def source():
        for i, gap in enumerate(gaps):
            yield timeout(gap)
            arrived[i] = env.now
            if not idle_advisors:  # nobody free: the caller waits and may run out of patience
                timeout(pat[i], i).callbacks.append(out_of_patience)
            put(i)

    for _ in range(servers):
        env.process(advisor())
    env.process(source())
    env.run()
    return outcome, wait


def run_simpy_store(interarrivals, service, patience, servers) -> Summary:
    """SimPy, long-lived advisor processes, ``simpy.Store`` queue, per-caller patience timer."""
    return summarise(_sim_simpy_store(interarrivals, service, patience, servers))


# --------------------------------------------------------------------------------------------
# 4. SimPy as an event calendar (THE reference of design note 9)
# --------------------------------------------------------------------------------------------


def _sim_simpy_calendar(interarrivals, service, patience, servers) -> Record:
    gaps, svc, pat = interarrivals.tolist(), service.tolist(), patience.tolist()
    n = len(gaps)
    env = simpy.Environment()
    new_event, schedule = env.event, env.schedule
    outcome = bytearray(n)
    arrived = [0.0] * n
    wait = [0.0] * n
    queue = deque()  # waiting callers, FCFS; callers who abandoned are dropped lazily
    free = servers

    def at(delay, callback, i):
        """Schedule ``callback`` for caller ``i`` in ``delay`` minutes."""
        ev = new_event()
        # env.schedule() needs a triggered event; this is what Event.succeed() sets.
        ev._ok = True
        ev._value = i
        ev.callbacks.append(callback)
        schedule(ev, NORMAL, delay)

    def answer(i, now):
        outcome[i] = ANSWERED
        wait[i] = now - arrived[i]
        at(svc[i], service_end, i)

    def arrival(ev):
        nonlocal free
        i = ev.value
        now = env.now
        arrived[i] = now
        if i + 1 < n:
            at(gaps[i + 1], arrival, i + 1)
        if free:
            free -= 1
            answer(i, now)
        else:
            queue.append(i)
            at(pat[i], out_of_patience, i)

    def out_of_patience(ev):
        i = ev.value
        if outcome[i] == WAITING:
            outcome[i] = ABANDONED
            wait[i] = env.now - arrived[i]

    def service_end(ev):
        nonlocal free
        while queue:
            i = queue.popleft()
            if outcome[i] == WAITING:
                answer(i, env.now)
                return
        free += 1

    if n:
        at(gaps[0], arrival, 0)
    env.run()
    return outcome, wait


def run_simpy_calendar(interarrivals, service, patience, servers) -> Summary:
    """SimPy used as an event calendar: callbacks on scheduled events, no process per caller."""
    return summarise(_sim_simpy_calendar(interarrivals, service, patience, servers))


# --------------------------------------------------------------------------------------------
# 5. Plain heapq event loop
# --------------------------------------------------------------------------------------------

_ARRIVAL, _SERVICE_END, _OUT_OF_PATIENCE = 0, 1, 2


def _sim_heapq_loop(interarrivals, service, patience, servers) -> Record:
    gaps, svc, pat = interarrivals.tolist(), service.tolist(), patience.tolist()
    n = len(gaps)
    heappush, heappop = heapq.heappush, heapq.heappop
    outcome = bytearray(n)
    arrived = [0.0] * n
    wait = [0.0] * n
    queue = deque()
    free = servers
    calendar = [(gaps[0], _ARRIVAL, 0)] if n else []
    while calendar:
        now, kind, i = heappop(calendar)
        if kind == _ARRIVAL:
            arrived[i] = now
            if i + 1 < n:
                heappush(calendar, (now + gaps[i + 1], _ARRIVAL, i + 1))
            if free:
                free -= 1
                outcome[i] = ANSWERED
                heappush(calendar, (now + svc[i], _SERVICE_END, i))
            else:
                queue.append(i)
                heappush(calendar, (now + pat[i], _OUT_OF_PATIENCE, i))
        elif kind == _SERVICE_END:
            while queue:
                j = queue.popleft()
                if outcome[j] == WAITING:
                    outcome[j] = ANSWERED
                    wait[j] = now - arrived[j]
                    heappush(calendar, (now + svc[j], _SERVICE_END, j))
                    break
            else:
                free += 1
        elif outcome[i] == WAITING:  # out of patience while still waiting
            outcome[i] = ABANDONED
            wait[i] = now - arrived[i]
    return outcome, wait


def run_heapq_loop(interarrivals, service, patience, servers) -> Summary:
    """A plain Python heapq event loop with the same logic as the SimPy calendar."""
    return summarise(_sim_heapq_loop(interarrivals, service, patience, servers))


# --------------------------------------------------------------------------------------------
# 6. Kiefer-Wolfowitz workload recursion (FCFS only)
# --------------------------------------------------------------------------------------------


def _kw_kernel(gaps, svc, pat, servers, outcome, wait):
    """Kiefer-Wolfowitz recursion on the times at which each advisor next becomes free.

    Under FCFS a caller is answered when the earliest advisor frees (or on arrival), unless their
    patience runs out first; then they leave and take no advisor. Written for numba.
    """
    free_at = np.zeros(servers)
    t = 0.0
    for i in range(gaps.shape[0]):
        t += gaps[i]
        k = 0
        for j in range(1, servers):
            if free_at[j] < free_at[k]:
                k = j
        start = free_at[k] if free_at[k] > t else t
        deadline = t + pat[i]
        if deadline < start:
            outcome[i] = ABANDONED
            wait[i] = deadline - t
        else:
            outcome[i] = ANSWERED
            wait[i] = start - t
            free_at[k] = start + svc[i]


def _kw_python(interarrivals, service, patience, servers) -> Record:
    """The same recursion in pure Python, the free times kept in a heap."""
    gaps, svc, pat = interarrivals.tolist(), service.tolist(), patience.tolist()
    n = len(gaps)
    heapreplace = heapq.heapreplace
    outcome = bytearray(n)
    wait = [0.0] * n
    free_at = [0.0] * servers  # a valid heap
    t = 0.0
    for i in range(n):
        t += gaps[i]
        earliest = free_at[0]
        start = earliest if earliest > t else t
        deadline = t + pat[i]
        if deadline < start:
            outcome[i] = ABANDONED
            wait[i] = deadline - t
        else:
            outcome[i] = ANSWERED
            wait[i] = start - t
            heapreplace(free_at, start + svc[i])
    return outcome, wait


if numba is not None:
    _kw_compiled = numba.njit(cache=False)(_kw_kernel)
    KW_LABEL = f"Kiefer-Wolfowitz recursion, numba {numba.__version__}"
else:
    _kw_compiled = None
    KW_LABEL = "Kiefer-Wolfowitz recursion, pure Python (numba not installed)"


def _sim_kiefer_wolfowitz(interarrivals, service, patience, servers) -> Record:
    if _kw_compiled is None:
        return _kw_python(interarrivals, service, patience, servers)
    n = len(interarrivals)
    outcome = np.zeros(n, dtype=np.uint8)
    wait = np.zeros(n)
    _kw_compiled(
        np.ascontiguousarray(interarrivals, dtype=np.float64),
        np.ascontiguousarray(service, dtype=np.float64),
        np.ascontiguousarray(patience, dtype=np.float64),
        servers,
        outcome,
        wait,
    )
    return outcome, wait


def run_kiefer_wolfowitz(interarrivals, service, patience, servers) -> Summary:
    """Kiefer-Wolfowitz recursion with abandonment; numba-compiled when numba is installed."""
    return summarise(_sim_kiefer_wolfowitz(interarrivals, service, patience, servers))


# --------------------------------------------------------------------------------------------
# Registry, timing, checks
# --------------------------------------------------------------------------------------------


class Baseline(NamedTuple):
    name: str
    run: Callable[..., Summary]
    simulate: Callable[..., Record]
    label: str
    available: bool
    missing: str = ""


BASELINES = (
    Baseline(
        "ciw",
        run_ciw,
        _sim_ciw,
        f"Ciw {ciw.__version__}" if ciw else "Ciw",
        ciw is not None,
        "ciw is not installed (pip install ciw)",
    ),
    Baseline(
        "simpy_process",
        run_simpy_process,
        _sim_simpy_process,
        "SimPy, one process per caller",
        True,
    ),
    Baseline(
        "simpy_store",
        run_simpy_store,
        _sim_simpy_store,
        "SimPy, advisor processes + Store",
        True,
    ),
    Baseline(
        "simpy_calendar",
        run_simpy_calendar,
        _sim_simpy_calendar,
        "SimPy as an event calendar",
        True,
    ),
    Baseline("heapq_loop", run_heapq_loop, _sim_heapq_loop, "plain heapq event loop", True),
    Baseline(
        "kiefer_wolfowitz",
        run_kiefer_wolfowitz,
        _sim_kiefer_wolfowitz,
        KW_LABEL,
        True,
    ),
)


def _timed(fn: Callable[..., Summary], data: BenchData, repeats: int) -> tuple[float, Summary]:
    """Median seconds per ``PER`` callers over ``repeats`` runs, and the run's result."""
    fn(*data.head(min(WARMUP_CALLERS, data.callers)))  # imports, caches, numba compilation
    times = []
    result = None
    for _ in range(max(1, repeats)):
        gc.collect()  # start every run from the same heap state; gc stays enabled while timed
        start = time.perf_counter()
        result = fn(*data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * PER / data.callers, result


def measure(fn: Callable[..., Summary], data: BenchData, repeats: int = 7) -> float:
    """Median seconds per 100,000 callers of ``fn(*data)`` over ``repeats`` timed runs.

    One untimed warm-up run on the first callers comes first. Use it to time any engine with
    the ``run_<name>`` signature in the same process as the baselines.
    """
    return _timed(fn, data, repeats)[0]


def check(data: BenchData, names: Sequence[str]) -> list[str]:
    """Cross-check the engines caller by caller; return failure messages (empty: all agree).

    The reference is the pure-Python Kiefer-Wolfowitz recursion (no event calendar at all).
    FCFS engines must agree with it exactly on which callers abandon and on every wait (the same
    float operations in the same order). Ciw gets the same check; if it ever disagreed, only its
    abandonment share would be compared (within 0.002) and the mismatch reported.
    """
    ref_name = "pure-Python Kiefer-Wolfowitz"
    ref = _kw_python(*data)
    ref_outcome = np.asarray(ref[0], dtype=np.uint8)
    ref_wait = np.asarray(ref[1], dtype=np.float64)
    ref_summary = summarise(ref)
    failures = []
    if np.any(ref_outcome == WAITING):
        failures.append(f"{ref_name}: some callers were never resolved")
    for b in BASELINES:
        if b.name not in names or not b.available:
            continue
        rec = b.simulate(*data)
        outcome = np.asarray(rec[0], dtype=np.uint8)
        wait = np.asarray(rec[1], dtype=np.float64)
        same_outcome = np.array_equal(outcome, ref_outcome)
        same_wait = np.array_equal(wait, ref_wait)
        summary = b.run(*data)
        if same_outcome and same_wait and summary == ref_summary:
            print(f"  check {b.name:<17} identical to the {ref_name} caller by caller")
            continue
        differ = int(np.count_nonzero(outcome != ref_outcome))
        detail = (
            f"{differ} outcomes differ, waits {'equal' if same_wait else 'differ'}, "
            f"summary {summary} vs {ref_summary}"
        )
        if b.name == "ciw":
            share, ref_share = summary[0] / data.callers, ref_summary[0] / data.callers
            close = abs(share - ref_share) <= 0.002
            print(
                f"  check {b.name:<17} NOT identical ({detail}); abandonment share "
                f"{share:.4f} vs {ref_share:.4f}: {'close' if close else 'NOT close'}"
            )
            if not close:
                failures.append(f"{b.name}: abandonment share {share:.4f} vs {ref_share:.4f}")
        else:
            print(f"  check {b.name:<17} MISMATCH ({detail})")
            failures.append(f"{b.name}: {detail}")
    return failures


def _versions() -> dict[str, str]:
    versions = {
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": np.__version__,
    }
    if ciw is not None:
        versions["ciw"] = ciw.__version__
    if numba is not None:
        versions["numba"] = numba.__version__
    return versions


def main(argv: Sequence[str] | None = None) -> int:
    names = [b.name for b in BASELINES]
    parser = argparse.ArgumentParser(
        description="Time the reference engines on M/M/15 + M patience at 90 % load.",
    )
    parser.add_argument("--callers", type=int, default=PER, help="callers per run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per engine")
    parser.add_argument("--seed", type=int, default=1, help="numpy default_rng seed")
    parser.add_argument("--check", action="store_true", help="cross-check outcomes first")
    parser.add_argument("--json", metavar="PATH", help="write the medians to this JSON file")
    parser.add_argument(
        "--only", metavar="NAMES", help=f"comma-separated subset of: {','.join(names)}"
    )
    args = parser.parse_args(argv)
    selected = names if not args.only else [s.strip() for s in args.only.split(",")]
    unknown = sorted(set(selected) - set(names))
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(unknown)}")

    data = make_data(args.callers, args.seed)
    print(
        f"M/M/{data.servers}+M, load {LOAD:.0%}, mean handle {MEAN_SERVICE:g} min, "
        f"mean patience {MEAN_PATIENCE:g} min; {data.callers:,} callers, seed {args.seed}, "
        f"{args.repeats} timed runs each; {os.cpu_count()} CPUs, "
        + ", ".join(f"{k} {v}" for k, v in _versions().items())
    )

    failures: list[str] = []
    if args.check:
        print("Cross-check on the same input:")
        failures = check(data, selected)
        print("  check: " + ("PASSED" if not failures else "FAILED: " + "; ".join(failures)))

    rows = []
    for b in BASELINES:
        if b.name not in selected:
            continue
        if not b.available:
            print(f"  skipping {b.name}: {b.missing}")
            continue
        seconds, (n_abandoned, sum_wait) = _timed(b.run, data, args.repeats)
        n_answered = data.callers - n_abandoned
        rows.append(
            {
                "name": b.name,
                "label": b.label,
                "seconds_per_100k": seconds,
                "abandon_share": n_abandoned / data.callers,
                "mean_wait_answered": sum_wait / n_answered if n_answered else float("nan"),
            }
        )
        print(f"  timed {b.name:<17} {seconds:9.4f} s per {PER:,} callers", flush=True)

    reference = next((r for r in rows if r["name"] == "simpy_calendar"), None)
    head = (
        f"{'engine':<17} {'s/100k':>8} {'x calendar':>10} {'P(abandon)':>10} {'mean wait':>9}  what"
    )
    print()
    print(head)
    print("-" * 100)
    for r in rows:
        ratio = r["seconds_per_100k"] / reference["seconds_per_100k"] if reference else None
        print(
            f"{r['name']:<17} {r['seconds_per_100k']:8.4f} "
            f"{f'{ratio:.2f}' if ratio is not None else '-':>10} "
            f"{r['abandon_share']:10.4f} {r['mean_wait_answered']:9.4f}  {r['label']}"
        )
    print("(s/100k: median seconds per 100,000 callers; mean wait: answered callers, minutes)")

    if args.json:
        payload = {
            "model": {
                "servers": data.servers,
                "arrival_rate_per_min": ARRIVAL_RATE,
                "mean_service_min": MEAN_SERVICE,
                "mean_patience_min": MEAN_PATIENCE,
            },
            "callers": data.callers,
            "repeats": args.repeats,
            "seed": args.seed,
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "versions": _versions(),
            "check": None if not args.check else {"passed": not failures, "failures": failures},
            "median_seconds_per_100k": {r["name"]: r["seconds_per_100k"] for r in rows},
            "engines": rows,
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
        print(f"medians written to {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
