"""Executing replications: in this process, in local worker processes, or on a Dask cluster.

Work is a list of tasks `(scenario, seed, replication)`. Each result is sent back as soon as it
is computed (and kept in the result store when one is given), in whatever order the workers
finish; callers put results back in order. A task that fails is reported with its error and
does not stop the others. Because every replication's randomness is keyed by
`(seed, replication, stream)`, the backend never changes a number.

On a Dask cluster, tasks travel in batches of consecutive replications (at most `DASK_BATCHES`
of them, so a design of 35,000 replications is 500 tasks for the scheduler, not 35,000); a
batch is only a parcel, each replication in it is computed exactly as alone. A worker that dies
(out of memory, a crash of the interpreter) or a lost connection to the scheduler fails only
the replications it held: a batch whose worker died is sent again one replication at a time, so
the replication that kills its worker is found, reported with how many workers it took down,
and every other one completes.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from typing import Any

from sim.runs.replication import ReplicationResult, replicate
from sim.runs.store import ResultStore, result_key
from sim.scenario import Scenario


class SchedulerError(RuntimeError):
    """The Dask scheduler cannot be used (not installed, not reachable)."""


@dataclass(frozen=True)
class Task:
    """One replication to compute; `tag` lets the caller find where it belongs."""

    scenario: Scenario
    seed: int
    replication: int
    tag: Any = None
    detail: bool = True


@dataclass
class Outcome:
    """A finished task: its result, or the error that stopped it."""

    task: Task
    result: ReplicationResult | None
    error: str | None = None
    from_store: bool = False


Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` after each task."""


def default_workers() -> int:
    """All cores."""
    return os.cpu_count() or 1


def _context() -> BaseContext:
    """Fresh worker processes (forkserver on Linux, spawn elsewhere): never fork a parent
    that may run threads (the progress bar does). The fork server imports the simulator once
    and every worker forked from it starts with it imported (instead of each importing numpy,
    pandas and SciPy again)."""
    if not sys.platform.startswith("linux"):
        return get_context("spawn")
    context = get_context("forkserver")
    context.set_forkserver_preload([_compute.__module__])  # no effect once the server runs
    return context


class WorkerPool:
    """Local worker processes for the whole of a command: started when a batch first needs
    them, reused by every later batch (each option of a comparison, each level of a staffing
    search, each round of a precision loop), stopped when the command ends. Pass it where a
    number of workers is asked for::

        with WorkerPool(2) as pool:
            compare(options, workers=pool)
            search(scenario, workers=pool)

    Without one, each call to `execute` starts its own processes and stops them after.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._executor: ProcessPoolExecutor | None = None
        self.started_s = 0.0  # wall time spent creating the pool (the processes start lazily)

    def executor(self) -> ProcessPoolExecutor:
        """The running pool, created at the first call."""
        if self._executor is None:
            started = time.perf_counter()
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(),
                                                 initializer=_ignore_interrupts)
            self.started_s = time.perf_counter() - started
        return self._executor

    def terminate(self) -> None:
        """Stop the workers at once, dropping the work in hand (Ctrl-C)."""
        if self._executor is not None:
            for process in list(getattr(self._executor, "_processes", {}).values()):
                process.terminate()
        self.close()

    def close(self) -> None:
        """Stop the workers once they are idle; the next batch would start new ones."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            self.terminate()
        else:
            self.close()


Workers = int | WorkerPool | None
"""How replications run locally: that many worker processes started for the call (None: all
cores; 1: in this process), or a `WorkerPool` kept for a whole command."""


def worker_count(workers: Workers) -> int:
    """How many local processes `workers` stands for."""
    if isinstance(workers, WorkerPool):
        return workers.workers
    return default_workers() if workers is None else workers


def _compute(task: Task) -> ReplicationResult:
    return replicate(task.scenario, task.seed, task.replication, detail=task.detail)


def _guarded(task: Task) -> tuple[ReplicationResult | None, str | None]:
    """Compute a task, returning its error as text instead of raising (for local workers)."""
    try:
        return _compute(task), None
    except Exception:
        return None, traceback.format_exc(limit=6)


def execute(
    tasks: list[Task],
    *,
    workers: Workers = None,
    scheduler: str | None = None,
    store: ResultStore | None = None,
    version: str = "",
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[Outcome]:
    """Compute every task (skipping those already in `store`), yielding outcomes as they
    finish. `scheduler` is a Dask scheduler address (tcp:// or tls://) or a
    `distributed.Client`; otherwise `pool`, worker processes the caller keeps running between
    calls (see `worker_pool`; it is not shut down here), or else `workers`: that many local
    processes started for this call (default: all cores), or the processes of a `WorkerPool`
    held for a whole command."""
    total, done = len(tasks), 0
    keys = {id(t): result_key(t.scenario, t.seed, t.replication, version, t.detail)
            for t in tasks} if store is not None else {}
    pending = []
    for task in tasks:
        stored = store.get(keys[id(task)]) if store is not None else None
        if stored is not None:
            done += 1
            if progress:
                progress(done, total)
            yield Outcome(task, stored, from_store=True)
        else:
            pending.append(task)
    backend = _pooled(pending, pool) if pool is not None else _backend(pending, workers,
                                                                        scheduler)
    for outcome in backend:
        if store is not None and outcome.result is not None:
            store.put(keys[id(outcome.task)], outcome.result)
        done += 1
        if progress:
            progress(done, total)
        yield outcome


def _backend(tasks: list[Task], workers: Workers, scheduler: Any) -> Iterator[Outcome]:
    if not tasks:
        return
    if scheduler is not None:
        yield from _dask(tasks, scheduler)
        return
    if worker_count(workers) <= 1 or len(tasks) <= 1:
        for task in tasks:
            result, error = _guarded(task)
            yield Outcome(task, result, error)
        return
    pool = workers if isinstance(workers, WorkerPool) else WorkerPool(
        min(worker_count(workers), len(tasks)))
    futures: dict[Future[tuple[ReplicationResult | None, str | None]], Task] = {}
    try:
        executor = pool.executor()
        futures = {executor.submit(_guarded, task): task for task in tasks}
        for future in as_completed(futures):
            result, error = future.result()
            yield Outcome(futures[future], result, error)
    except BrokenProcessPool:
        pool.close()  # a later batch starts new workers
        raise RuntimeError(
            "the worker processes could not start. In a script, call sim.run (or compare, "
            "sweep, search) under `if __name__ == \"__main__\":` so that the workers can "
            "import it safely, or pass workers=1.") from None
    except KeyboardInterrupt:
        # Ctrl-C: what is finished is already stored; the work in hand is dropped at once
        pool.terminate()
        raise
    finally:
        for future in futures:  # work of this call not yet started (the caller stopped early)
            future.cancel()
        if pool is not workers:
            pool.close()


def worker_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Worker processes that stay running between calls of `execute(..., pool=...)` (for an
    interactive caller that cannot wait for processes to start on every question); each has
    imported the simulator before this returns. The caller shuts it down."""
    count = default_workers() if workers is None else workers
    pool = ProcessPoolExecutor(max_workers=count, mp_context=_context(),
                               initializer=_ignore_interrupts)
    for future in [pool.submit(_warm) for _ in range(count)]:
        future.result()
    return pool


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a `worker_pool` now: work not started is dropped, work in hand is stopped."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def _warm() -> None:
    """Nothing: a worker started and the simulator imported."""


def _pooled(tasks: list[Task], pool: ProcessPoolExecutor) -> Iterator[Outcome]:
    """Tasks on a pool the caller keeps; tasks not yet started are cancelled if the caller
    stops reading (a question replaced by a newer one)."""
    futures: dict[Future[tuple[ReplicationResult | None, str | None]], Task] = {
        pool.submit(_guarded, task): task for task in tasks}
    try:
        for future in as_completed(futures):
            result, error = future.result()
            yield Outcome(futures[future], result, error)
    finally:
        for future in futures:
            future.cancel()


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which decides what to keep."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


DASK_BATCHES = 500
"""At most this many tasks go to a Dask scheduler at once; replications are batched above."""


def batches(tasks: list[Task], most: int | None = None) -> list[list[Task]]:
    """Consecutive tasks in at most `most` (default `DASK_BATCHES`) batches of equal size (one
    task each when there are few)."""
    size = max(1, math.ceil(len(tasks) / (most or DASK_BATCHES)))
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def _guarded_batch(batch: list[Task]) -> list[tuple[ReplicationResult | None, str | None]]:
    """Each task of a batch, computed on its own (for Dask workers)."""
    return [_guarded(task) for task in batch]


def _killed(exc: BaseException) -> bool:
    from distributed import KilledWorker

    return isinstance(exc, KilledWorker)


def _died(deaths: int) -> str:
    times = "once" if deaths == 1 else f"{deaths} times"
    return (f"the worker running this replication died {times} (KilledWorker): it may need "
            "more memory than a worker has, or crash the interpreter")


def _lost(exc: BaseException) -> str | None:
    """Why the cluster lost a task whose future raised `exc`; None for any other error (a
    bug: it propagates)."""
    from asyncio import CancelledError as AsyncCancelled
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    if isinstance(exc, CancelledError | AsyncCancelled):
        return ("the Dask scheduler cancelled this replication (CancelledError): the cluster "
                "was restarted or the connection to it was lost")
    if isinstance(exc, CommClosedError | OSError | TimeoutError):
        return f"the connection to the Dask scheduler was lost ({type(exc).__name__}: {exc})"
    return None


def _dask(tasks: list[Task], scheduler: Any) -> Iterator[Outcome]:
    """Run on a Dask cluster (the optional `dask` extra)."""
    try:
        import dask
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the extra
        raise SchedulerError("a Dask scheduler needs the dask extra: in the project folder, "
                             "pip install -e \".[dask]\"") from None
    if isinstance(scheduler, Client):
        client = scheduler
    else:
        try:
            client = Client(scheduler, timeout=30)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}. Is "
                                 "it running (dask scheduler), and is the address right?"
                                 ) from None
    per_loss = int(dask.config.get("distributed.scheduler.allowed-failures", 3)) + 1
    deaths: dict[int, int] = {}  # worker deaths seen by each task
    suspects: list[Task] = []  # tasks of a batch whose worker died, to try again one by one
    try:
        futures = {client.submit(_guarded_batch, batch, pure=False): (batch, False)
                   for batch in batches(tasks)}
        pending = dask_completed(list(futures))
        retrying = False

        def retry_next() -> None:
            """One suspect at a time, so that a replication that kills its worker cannot take
            another suspect down with it."""
            nonlocal retrying
            retrying = bool(suspects)
            if suspects:
                task = suspects.pop(0)
                single = client.submit(_guarded_batch, [task], pure=False)
                futures[single] = ([task], True)
                pending.add(single)

        for future in pending:
            batch, retried = futures.pop(future)
            if retried:
                retrying = False
            try:
                outcomes = future.result()
            except Exception as exc:
                if _killed(exc):
                    for task in batch:
                        deaths[id(task)] = deaths.get(id(task), 0) + per_loss
                        if retried:
                            yield Outcome(task, None, _died(deaths[id(task)]))
                        else:
                            suspects.append(task)
                else:
                    lost = _lost(exc)
                    if lost is None:
                        raise
                    for task in batch:
                        yield Outcome(task, None, lost)
            else:
                for task, (result, error) in zip(batch, outcomes, strict=True):
                    yield Outcome(task, result, error)
            if not retrying:
                retry_next()
    finally:
        if client is not scheduler:
            client.close()
